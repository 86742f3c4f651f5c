package adminui

import (
	"net/http"
	"strconv"

	"github.com/canopy-cms/canopy"
)

type dashboardData struct {
	Reviews    []canopy.ReviewItem
	Mine       []canopy.MyPage
	Recent     []canopy.RecentEdit
	Notes      []*canopy.Notification
	Types      func(string) string
	CanExplore bool
}

func (u *UI) dashboard(q *req) error {
	q.section = "dashboard"
	d, err := q.a.Dashboard(q.ctx())
	if err != nil {
		return err
	}
	data := dashboardData{Reviews: d.Reviews, Mine: d.Mine, Recent: d.Recent, Notes: d.Notifications,
		Types: func(n string) string { return typeLabel(q.a.Types(), n) }}
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
	return q.redirect("/admin/", "success", "Notifications marked as read.")
}

// backTo is the form's "next" (a path of this admin), else def.
func backTo(q *req, def string) string {
	if n := q.r.FormValue("next"); n != "" {
		return localNext(n)
	}
	return def
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

func (u *UI) mySites(q *req) error {
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
	return q.render(http.StatusOK, "my_sites", "My sites", out)
}
