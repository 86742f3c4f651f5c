package service

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"time"

	mail "github.com/wneessen/go-mail"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/sqlstore"
)

// Mailer sends the outbox's emails through an SMTP server.
type Mailer struct {
	host    string
	from    string
	options []mail.Option
}

// NewMailer configures a mailer from a URL:
//
//	smtp://user:password@host:587?tls=starttls   (the default: STARTTLS required)
//	smtp://host:25?tls=none                        (no TLS, for a local relay)
//	smtps://user:password@host:465                 (TLS from the start)
//
// with from the sender address. Authentication is used when the URL has a
// user (PLAIN, or what the server offers).
func NewMailer(rawURL, from string) (*Mailer, error) {
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" || (u.Scheme != "smtp" && u.Scheme != "smtps") {
		return nil, canopy.Errorf(canopy.EINVALID, "smtp_url must be smtp://[user:password@]host[:port][?tls=starttls|none] or smtps://…")
	}
	if from == "" {
		return nil, canopy.Errorf(canopy.EINVALID, "mail_from is required with smtp_url")
	}
	m := &Mailer{host: u.Hostname(), from: from, options: []mail.Option{mail.WithTimeout(20 * time.Second)}}
	port := 587
	switch {
	case u.Scheme == "smtps":
		port = 465
		m.options = append(m.options, mail.WithSSL())
	case u.Query().Get("tls") == "none":
		port = 25
		m.options = append(m.options, mail.WithTLSPolicy(mail.NoTLS))
	case u.Query().Get("tls") == "" || u.Query().Get("tls") == "starttls":
		m.options = append(m.options, mail.WithTLSPolicy(mail.TLSMandatory))
	default:
		return nil, canopy.Errorf(canopy.EINVALID, "smtp_url: tls must be starttls or none")
	}
	if p := u.Port(); p != "" {
		if port, err = strconv.Atoi(p); err != nil {
			return nil, canopy.Errorf(canopy.EINVALID, "smtp_url: bad port %q", p)
		}
	}
	m.options = append(m.options, mail.WithPort(port))
	if u.User != nil {
		pw, _ := u.User.Password()
		m.options = append(m.options, mail.WithSMTPAuth(mail.SMTPAuthPlain), mail.WithUsername(u.User.Username()), mail.WithPassword(pw))
	}
	return m, nil
}

// Send sends one email.
func (m *Mailer) Send(ctx context.Context, to, subject, body string) error {
	msg := mail.NewMsg()
	if err := msg.From(m.from); err != nil {
		return err
	}
	if err := msg.To(to); err != nil {
		return err
	}
	msg.Subject(subject)
	msg.SetBodyString(mail.TypeTextPlain, body)
	c, err := mail.NewClient(m.host, m.options...)
	if err != nil {
		return err
	}
	return c.DialAndSendWithContext(ctx, msg)
}

// retryDelay is the wait before attempt n+1 after n failed attempts.
func retryDelay(attempts int) time.Duration {
	delays := []time.Duration{time.Minute, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour}
	if attempts-1 < len(delays) {
		return delays[max(attempts-1, 0)]
	}
	return 6 * time.Hour
}

// MaxMailAttempts is when an email is given up.
const MaxMailAttempts = 10

// DeliverMail sends the due emails of the outbox once; failures are retried
// later with growing delays, up to MaxMailAttempts. It returns how many were
// sent and how many failed.
func (s *Service) DeliverMail(ctx context.Context) (sent, failed int, err error) {
	if s.Mail == nil {
		return 0, 0, nil
	}
	batch, err := s.DB.ClaimMail(ctx, s.DB.Now(), 50, 5*time.Minute)
	if err != nil {
		return 0, 0, err
	}
	for _, m := range batch {
		sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		err := s.Mail.Send(sctx, m.To, m.Subject, m.Body)
		cancel()
		if err == nil {
			sent++
			if err := s.DB.MailSent(ctx, m.ID, s.DB.Now()); err != nil {
				return sent, failed, err
			}
			continue
		}
		failed++
		retry := s.DB.Now().Add(retryDelay(m.Attempts))
		reason := err.Error()
		if m.Attempts >= MaxMailAttempts {
			retry = s.DB.Now().AddDate(100, 0, 0)
			reason = fmt.Sprintf("given up after %d attempts: %s", m.Attempts, reason)
		}
		if err := s.DB.MailFailed(ctx, m.ID, retry, reason); err != nil {
			return sent, failed, err
		}
	}
	return sent, failed, nil
}

// RunMailer delivers the outbox every interval until ctx ends (every node may
// run it: emails are claimed one by one).
func (s *Service) RunMailer(ctx context.Context, interval time.Duration, log *slog.Logger) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		sent, failed, err := s.DeliverMail(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			log.Error("mail delivery", "err", err)
		case failed > 0:
			log.Warn("mail delivery", "sent", sent, "failed", failed)
		case sent > 0:
			log.Info("mail delivery", "sent", sent)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Notifications lists the caller's notifications on this site.
func (a *Admin) Notifications(ctx context.Context, limit, offset int) ([]*canopy.Notification, int, error) {
	return a.pages.Notifications(ctx, a.User.ID, limit, offset)
}

// MarkNotificationsRead marks the caller's notifications here read.
func (a *Admin) MarkNotificationsRead(ctx context.Context) error {
	return a.pages.MarkNotificationsRead(ctx, a.User.ID)
}

// NotificationPrefs returns the caller's choice per kind.
func (a *Admin) NotificationPrefs(ctx context.Context) (map[string]bool, error) {
	return a.svc.DB.NotificationPrefs(ctx, a.User.ID)
}

// SetNotificationPrefs changes the caller's choices; unknown kinds are refused.
func (a *Admin) SetNotificationPrefs(ctx context.Context, prefs map[string]bool) (map[string]bool, error) {
	known := map[string]bool{}
	for _, k := range sqlstore.NotificationKinds {
		known[k] = true
	}
	for k := range prefs {
		if !known[k] {
			return nil, canopy.Errorf(canopy.EINVALID, "unknown notification kind %q (use %v)", k, sqlstore.NotificationKinds)
		}
	}
	if err := a.svc.DB.SetNotificationPrefs(ctx, a.User.ID, prefs); err != nil {
		return nil, err
	}
	return a.svc.DB.NotificationPrefs(ctx, a.User.ID)
}

// MailOutboxDepth counts the emails of the installation not sent yet.
func (s *Service) MailOutboxDepth(ctx context.Context) (int, error) { return s.DB.MailOutboxDepth(ctx) }
