package adminui

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/service"
)

type dashboardData struct {
	Reviews    []canopy.ReviewItem
	Mine       []canopy.MyPage
	Recent     []canopy.RecentEdit
	MyRecent   []canopy.RecentEdit
	Notes      []noteView
	Types      func(string) string
	CanExplore bool
}

func (u *UI) dashboard(q *req) error {
	q.section = "dashboard"
	d, err := q.a.Dashboard(q.ctx())
	if err != nil {
		return err
	}
	data := dashboardData{Reviews: d.Reviews, Mine: d.Mine, Recent: d.Recent, MyRecent: d.MyRecent,
		Types: func(n string) string { return typeLabel(q.a.Types(), n) }}
	for _, n := range d.Notifications {
		data.Notes = append(data.Notes, noteSentence(n))
	}
	return q.render(http.StatusOK, "dashboard", "Dashboard", data)
}

// reviewFromDashboard approves or requests changes on a page's current task.
func (u *UI) reviewFromDashboard(q *req) error {
	id, err := pathID(q.r, "id")
	if err != nil {
		return err
	}
	approve := q.r.FormValue("decision") == "approve"
	if !approve && q.r.FormValue("decision") != "reject" {
		return canopy.Errorf(canopy.EINVALID, "choose Approve or Request changes")
	}
	published, _, err := q.a.Review(q.ctx(), id, approve, q.r.FormValue("comment"))
	if err != nil {
		return err
	}
	msg := "Changes requested."
	switch {
	case approve && published:
		msg = "Approved and published."
	case approve:
		msg = "Approved; the page moves to its next task."
	}
	return q.redirect(backTo(q, "/admin/"), "success", msg)
}

func (u *UI) markRead(q *req) error {
	if err := q.a.MarkNotificationsRead(q.ctx()); err != nil {
		return err
	}
	return q.redirect(backTo(q, "/admin/"), "success", "Notifications marked as read.")
}

// backTo is the form's "next" (a path of this admin), else def.
func backTo(q *req, def string) string {
	if n := q.r.FormValue("next"); n != "" {
		return localNext(n)
	}
	return def
}

// objectOf loads the object a screen's path names ({id}) after checking
// that the user may use the screen at all (allowed returns their actions);
// get is a site-scoped service call, so another site's id is not found.
func objectOf[T any](q *req, allowed func(*req) ([]string, error), get func(context.Context, int64) (T, error)) (T, []string, error) {
	var zero T
	acts, err := allowed(q)
	if err != nil {
		return zero, nil, err
	}
	id, err := pathID(q.r, "id")
	if err != nil {
		return zero, nil, err
	}
	obj, err := get(q.ctx(), id)
	if err != nil {
		return zero, nil, err
	}
	return obj, acts, nil
}

// searchBase is a listing's address with its search, for the pager.
func searchBase(path, qs string) url.URL {
	base := url.URL{Path: path}
	if qs != "" {
		base.RawQuery = url.Values{"q": {qs}}.Encode()
	}
	return base
}

func pathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, canopy.Errorf(canopy.ENOTFOUND, "not found")
	}
	return id, nil
}

type mySite struct {
	Name, Host, AdminURL string
	Current              bool
}

type mySitesData struct {
	Sites []mySite
	// All: a superuser, who works on every site: they are all listed, with
	// a search and pages.
	All   bool
	Q     string
	Total int
	Pager pager
}

const sitesPageSize = 50

func (u *UI) mySites(q *req) error {
	if q.a.User.IsSuperuser {
		qs := strings.TrimSpace(q.r.URL.Query().Get("q"))
		if len(qs) > 200 {
			return canopy.Errorf(canopy.EINVALID, "the search is longer than 200 characters")
		}
		offset := pageNumber(q.r, sitesPageSize)
		sites, total, err := q.a.SearchSites(q.ctx(), qs, "name", sitesPageSize, offset)
		if err != nil {
			return err
		}
		d := mySitesData{All: true, Q: qs, Total: total}
		for _, s := range sites {
			d.Sites = append(d.Sites, mySite{Name: s.DisplayName(), Host: s.Hostname, AdminURL: adminURLOf(q.r, s), Current: s.ID == q.site.ID})
		}
		base := url.URL{Path: q.r.URL.Path}
		if qs != "" {
			base.RawQuery = url.Values{"q": {qs}}.Encode()
		}
		d.Pager = makePager(base, total, offset, sitesPageSize)
		return q.render(http.StatusOK, "my_sites", "All sites", d)
	}
	ids, err := q.a.MySiteIDs(q.ctx())
	if err != nil {
		return err
	}
	var out []mySite
	for _, id := range ids {
		s := u.opt.SiteByID(q.r, id)
		if s == nil {
			continue
		}
		out = append(out, mySite{Name: s.Name, Host: s.Hostname, AdminURL: adminURLOf(q.r, s), Current: s.ID == q.site.ID})
	}
	sortSites(out)
	return q.render(http.StatusOK, "my_sites", "My sites", mySitesData{Sites: out, Total: len(out)})
}

// noteView is a notification as the dashboard says it.
type noteView struct {
	*canopy.Notification
	Sentence string
	// PageURL opens the page in the editor; ChangeURL the revision concerned.
	PageURL, ChangeURL string
}

// noteSentence says a notification as a sentence about who did what to which
// page; notifications stored before these facts were kept read as their
// subject.
func noteSentence(n *canopy.Notification) noteView {
	v := noteView{Notification: n, Sentence: n.Subject}
	if n.PageID != 0 {
		v.PageURL = "/admin/pages/" + strconv.FormatInt(n.PageID, 10) + "/edit/"
		if n.RevisionID != 0 {
			v.ChangeURL = "/admin/pages/" + strconv.FormatInt(n.PageID, 10) + "/revisions/" + strconv.FormatInt(n.RevisionID, 10) + "/"
		}
	}
	if n.PageTitle == "" {
		return v
	}
	who := n.Actor
	if who == "" {
		who = "Someone"
	}
	title := "“" + n.PageTitle + "”"
	at := ""
	if n.Task != "" {
		at = " at “" + n.Task + "”"
	}
	switch n.Kind {
	case service.NotifySubmitted:
		v.Sentence = who + " submitted " + title + " for moderation"
		if n.Task != "" {
			v.Sentence += " in “" + n.Task + "”"
		}
	case service.NotifyTaskStarted:
		v.Sentence = who + " sent " + title + " for your review" + at
	case service.NotifyApproved:
		v.Sentence = who + " approved " + title
		if n.Published {
			v.Sentence += " and published it"
		} else {
			v.Sentence += "; it will go live at its scheduled time"
		}
	case service.NotifyRejected:
		v.Sentence = who + " requested changes on " + title + at
	case service.NotifyComment:
		v.Sentence = who + " commented on " + title
	}
	v.Sentence += "."
	return v
}
