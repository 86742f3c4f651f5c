package adminui

import (
	"net/http"
	"net/url"

	"github.com/canopy-cms/canopy/service"
)

// Notifications: every notification of this site for the user, newest
// first, unread ones marked, "mark all as read", and which kinds they get
// (by e-mail too when the installation sends mail).

const notificationsPageSize = 30

type noteKind struct {
	Kind, Label string
	On          bool
}

var noteKindLabels = []struct{ kind, label string }{
	{service.NotifySubmitted, "A page is submitted for moderation (to the site's administrators)"},
	{service.NotifyTaskStarted, "A page waits for my review"},
	{service.NotifyApproved, "A page I submitted is approved"},
	{service.NotifyRejected, "Changes are requested on a page I submitted"},
	{service.NotifyComment, "Someone comments on a page whose comments I follow"},
}

func (u *UI) notificationsPage(q *req) error {
	q.section = "notifications"
	offset := pageNumber(q.r, notificationsPageSize)
	list, total, err := q.a.Notifications(q.ctx(), notificationsPageSize, offset)
	if err != nil {
		return err
	}
	prefs, err := q.a.NotificationPrefs(q.ctx())
	if err != nil {
		return err
	}
	var notes []noteView
	unread := 0
	for _, n := range list {
		notes = append(notes, noteSentence(n))
		if n.ReadAt == nil {
			unread++
		}
	}
	var kinds []noteKind
	for _, k := range noteKindLabels {
		on, ok := prefs[k.kind]
		kinds = append(kinds, noteKind{Kind: k.kind, Label: k.label, On: on || !ok})
	}
	q.crumbs = []crumb{{Label: "Notifications"}}
	return q.render(http.StatusOK, "notifications", "Notifications", map[string]any{"Notes": notes, "Total": total, "Unread": unread,
		"Kinds": kinds, "Mail": u.kit.Svc.MailConfigured(), "Pager": makePager(url.URL{Path: "/admin/notifications/"}, total, offset, notificationsPageSize)})
}

func (u *UI) notificationPrefs(q *req) error {
	prefs := map[string]bool{}
	for _, k := range noteKindLabels {
		prefs[k.kind] = q.r.PostFormValue(k.kind) == "on"
	}
	if _, err := q.a.SetNotificationPrefs(q.ctx(), prefs); err != nil {
		return err
	}
	return q.redirect("/admin/notifications/", "success", "Your notification choices are saved.")
}
