package adminapi_test

import (
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/internal/testdb"
	"github.com/canopy-cms/canopy/internal/testserver"
	"github.com/canopy-cms/canopy/service"
)

// mailbox is an SMTP server run inside the test, with PLAIN authentication.
type mailbox struct {
	mu   sync.Mutex
	msgs []mailMsg
	ln   net.Listener
	srv  *smtp.Server
}

type mailMsg struct {
	to   []string
	data string
}

type mailSession struct {
	b    *mailbox
	to   []string
	auth bool
}

func (b *mailbox) NewSession(*smtp.Conn) (smtp.Session, error) { return &mailSession{b: b}, nil }
func (s *mailSession) AuthMechanisms() []string                { return []string{sasl.Plain} }
func (s *mailSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, user, pass string) error {
		if user != "canopy" || pass != "mail-secret" {
			return errors.New("bad credentials")
		}
		s.auth = true
		return nil
	}), nil
}
func (s *mailSession) Mail(string, *smtp.MailOptions) error {
	if !s.auth {
		return errors.New("authenticate first")
	}
	return nil
}
func (s *mailSession) Rcpt(to string, _ *smtp.RcptOptions) error { s.to = append(s.to, to); return nil }
func (s *mailSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.b.mu.Lock()
	s.b.msgs = append(s.b.msgs, mailMsg{to: s.to, data: string(b)})
	s.b.mu.Unlock()
	return nil
}
func (s *mailSession) Reset()        { s.to = nil }
func (s *mailSession) Logout() error { return nil }

func startMailbox(t *testing.T, addr string) *mailbox {
	t.Helper()
	b := &mailbox{}
	b.srv = smtp.NewServer(b)
	b.srv.Domain = "localhost"
	b.srv.AllowInsecureAuth = true
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	b.ln = ln
	go b.srv.Serve(ln)
	t.Cleanup(func() { b.srv.Close() })
	return b
}

func (b *mailbox) messages() []mailMsg {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]mailMsg(nil), b.msgs...)
}

func TestNotifications(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(string(d), func(t *testing.T) {
			f := testserver.NewAdmin(t, d)
			db := f.Svc.DB
			now := time.Now().UTC()
			db.Now = func() time.Time { return now }
			// The mail server is down when the editor acts: reserve a port, close it.
			probe, _ := net.Listen("tcp", "127.0.0.1:0")
			addr := probe.Addr().String()
			probe.Close()
			_, port, _ := net.SplitHostPort(addr)
			m, err := service.NewMailer("smtp://canopy:mail-secret@localhost:"+port+"?tls=none", "Canopy <noreply@alpha.test>")
			if err != nil {
				t.Fatal(err)
			}
			f.Svc.Mail = m
			db.QueueMail = true

			groups, _ := db.Site(f.Alpha.ID, nil).Groups(ctx)
			var admins *canopy.Group
			for _, g := range groups {
				if g.Name == "Admins" {
					admins = g
				}
			}
			mods, _ := db.Site(f.Alpha.ID, nil).CreateGroup(ctx, "Moderators")
			testserver.Must(t, db.Site(f.Alpha.ID, nil).SetGroupGrants(ctx, mods.ID, nil, []string{"access_admin"}))
			mk := func(name, email string, g *canopy.Group) {
				u, err := f.Svc.CreateUser(ctx, service.NewUser{Username: name, Email: email, Password: "password-" + name})
				if err != nil {
					t.Fatal(err)
				}
				testserver.Must(t, db.Site(f.Alpha.ID, nil).AddMember(ctx, g.ID, u.ID))
			}
			mk("mod", "mod@alpha.test", mods)
			mk("quiet", "quiet@alpha.test", mods)
			mk("boss", "boss@alpha.test", admins)
			quiet := f.Login("alpha.test", "quiet")
			if status, body := quiet.Do("PUT", "/admin/api/notification-preferences", map[string]any{"task_started": false}); status != 200 || body["task_started"] != false || body["approved"] != true {
				t.Fatalf("preferences: %d %v", status, body)
			}
			if status, _ := quiet.Do("PUT", "/admin/api/notification-preferences", map[string]any{"gossip": true}); status != 400 {
				t.Fatal("unknown notification kind accepted")
			}
			wf, err := db.Site(f.Alpha.ID, f.Svc.Types).SaveWorkflow(ctx, 0, canopy.WorkflowInput{Name: "Review",
				Tasks: []canopy.WorkflowTask{{Name: "Moderate", GroupIDs: []int64{mods.ID}}}})
			if err != nil {
				t.Fatal(err)
			}
			testserver.Must(t, db.Site(f.Alpha.ID, f.Svc.Types).AttachWorkflow(ctx, f.Alpha.RootPageID, wf.ID))

			ed := f.Login("alpha.test", "ed")
			_, page := ed.Do("POST", fmt.Sprintf("/admin/api/pages/%d/children", f.Alpha.RootPageID), map[string]any{"type": canopy.StandardType, "title": "Notice"})
			if status, body := ed.Do("POST", "/admin/api/pages/"+testserver.ID(page["id"])+"/submit", nil); status != 200 {
				t.Fatalf("submit with the mail server down: %d %v", status, body)
			}
			// Stored at once: boss (Admins) and root (superuser) got "submitted",
			// mod and root (a superuser reviews every task, as in Wagtail) got
			// "task_started", quiet turned that kind off, ed triggered it.
			count := func(user, kind string) int {
				n, _ := db.Count(ctx, `SELECT count(*) FROM notifications n JOIN users u ON u.id = n.user_id WHERE lower(u.username) = $1 AND n.kind = $2`, user, kind)
				return n
			}
			for _, c := range []struct {
				user, kind string
				want       int
			}{{"boss", "submitted", 1}, {"root", "submitted", 1}, {"mod", "task_started", 1}, {"root", "task_started", 1}, {"quiet", "task_started", 0}, {"ed", "submitted", 0}} {
				if got := count(c.user, c.kind); got != c.want {
					t.Errorf("%s %s: %d, want %d", c.user, c.kind, got, c.want)
				}
			}
			mod := f.Login("alpha.test", "mod")
			_, list := mod.Do("GET", "/admin/api/notifications", nil)
			if list["meta"].(map[string]any)["total_count"].(float64) != 1 || !strings.Contains(list["items"].([]any)[0].(map[string]any)["subject"].(string), "waiting for your review") ||
				!strings.Contains(list["items"].([]any)[0].(map[string]any)["body"].(string), "Submitted by: ed") {
				t.Fatalf("mod's notifications: %v", list)
			}
			if _, list := f.Login("beta.test", "bea").Do("GET", "/admin/api/notifications", nil); list["meta"].(map[string]any)["total_count"].(float64) != 0 {
				t.Fatalf("notifications of alpha listed on beta: %v", list)
			}
			// Delivery while the server is down fails and is retried later.
			sent, failed, err := f.Svc.DeliverMail(ctx)
			if err != nil || sent != 0 || failed == 0 {
				t.Fatalf("delivery with the server down: sent %d failed %d %v", sent, failed, err)
			}
			pending, _ := db.Count(ctx, `SELECT count(*) FROM mail_outbox WHERE sent_at IS NULL AND last_error <> ''`)
			if pending != failed {
				t.Fatalf("failed mails waiting for a retry: %d of %d", pending, failed)
			}
			box := startMailbox(t, addr)
			if sent, _, _ := f.Svc.DeliverMail(ctx); sent != 0 {
				t.Fatal("retried before its time")
			}
			now = now.Add(2 * time.Minute)
			sent, failed, err = f.Svc.DeliverMail(ctx)
			if err != nil || failed != 0 || sent != 4 {
				t.Fatalf("retry: sent %d failed %d %v", sent, failed, err)
			}
			// The reviewer approves: the requester (ed) is told; nothing is sent twice.
			if status, body := mod.Do("POST", "/admin/api/pages/"+testserver.ID(page["id"])+"/approve", map[string]any{"comment": "Fine"}); status != 200 {
				t.Fatalf("approve: %d %v", status, body)
			}
			if sent, _, _ := f.Svc.DeliverMail(ctx); sent != 1 {
				t.Fatalf("approval mail: %d", sent)
			}
			msgs := box.messages()
			var toEd string
			for _, m := range msgs {
				if m.to[0] == "ed@example.org" {
					toEd = m.data
				}
			}
			if len(msgs) != 5 || !strings.Contains(toEd, "was approved") || !strings.Contains(toEd, "Comment: Fine") {
				t.Fatalf("messages: %d; to ed: %q", len(msgs), toEd)
			}
		})
	}
}
