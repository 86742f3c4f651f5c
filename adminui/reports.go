package adminui

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/canopy-cms/canopy"
)

// Reports (issue 27 item 4): the site's history with filters (person,
// action, kind of object, date range), paged by id over millions of entries
// and exported as a streamed CSV; locked pages (with Unlock where allowed),
// pages waiting to go live, and pages no one has edited for N days. Readers
// need the view_history permission.

// siteActions are the actions the site history's filter offers.
var siteActions = append(append([]struct{ Name, Label string }{}, historyActions...), []struct{ Name, Label string }{
	{"delete", "Deleted"}, {"save", "Saved (redirect)"}, {"replace_file", "File replaced"},
	{"add_member", "Member added"}, {"remove_member", "Member removed"}, {"remove", "Removed from the site"},
	{"change_permissions", "Permissions changed"}, {"invite", "Invited"}, {"accept_invitation", "Invitation accepted"},
	{"edit_account", "Account changed"}, {"create_refused", "Account creation refused"},
	{"activate", "Activated"}, {"deactivate", "Deactivated"},
}...)

// objectTypes are the kinds of object the filter offers.
var objectTypes = []struct{ Name, Label string }{
	{"page", "Pages"}, {"image", "Images"}, {"document", "Documents"}, {"snippet", "Snippets"}, {"collection", "Collections"},
	{"settings", "Settings"}, {"redirect", "Redirects"}, {"user", "Users"}, {"group", "Groups"}, {"workflow", "Workflows"}, {"token", "API tokens"},
}

const (
	siteHistoryPageSize = 50
	historyCountCap     = 10_000
)

type siteHistoryRow struct {
	When                   time.Time
	Who, Action, What      string
	ObjectLabel, ObjectURL string
	Comment                string
}

type siteHistoryData struct {
	User, Action, Type, From, To  string
	Errors                        []summaryItem
	UserError, FromError          string
	Actions, Types                []struct{ Name, Label string }
	Rows                          []siteHistoryRow
	Total                         int
	More                          bool // the total is more than historyCountCap
	NewerURL, OlderURL, NewestURL string
	ExportURL                     string
	Filtered                      bool
}

func (u *UI) reportsAllowed(q *req) error {
	q.section = "reports"
	if !q.a.ReadsHistory() {
		return canopy.Errorf(canopy.EFORBIDDEN, "you may not read this site's history and reports (it needs the view_history permission)")
	}
	return nil
}

// historyFilter reads the filters of the site history's URL; problems are
// said beside the fields.
func (u *UI) historyFilter(q *req, d *siteHistoryData) (canopy.HistoryFilter, bool, error) {
	v := q.r.URL.Query()
	d.User, d.Action, d.Type = strings.TrimSpace(v.Get("user")), v.Get("action"), v.Get("type")
	d.From, d.To = v.Get("from"), v.Get("to")
	f := canopy.HistoryFilter{}
	ok := true
	if d.User != "" {
		id, err := q.a.HistoryUserID(q.ctx(), d.User)
		if err != nil {
			return f, false, err
		}
		f.UserID = id
	}
	if d.Action != "" {
		if !listed(siteActions, d.Action) {
			return f, false, canopy.Errorf(canopy.EINVALID, "choose an action from the list")
		}
		f.Action = d.Action
	}
	if d.Type != "" {
		if !listed(objectTypes, d.Type) {
			return f, false, canopy.Errorf(canopy.EINVALID, "choose a kind of object from the list")
		}
		f.ObjectType = d.Type
	}
	day := func(s string) (time.Time, bool) {
		t, err := time.Parse("2006-01-02", s)
		return t, err == nil
	}
	if d.From != "" {
		t, good := day(d.From)
		if !good {
			d.FromError, ok = "Give the first day as a date (YYYY-MM-DD).", false
		}
		f.From = t
	}
	if d.To != "" {
		t, good := day(d.To)
		switch {
		case !good:
			d.FromError, ok = "Give the last day as a date (YYYY-MM-DD).", false
		case !f.From.IsZero() && t.Before(f.From):
			d.FromError, ok = "The last day is before the first.", false
		default:
			f.To = t.AddDate(0, 0, 1) // the whole last day
		}
	}
	if d.FromError != "" {
		d.Errors = append(d.Errors, summaryItem{Anchor: "history-from", Label: "Dates", Message: d.FromError})
	}
	d.Filtered = d.User != "" || d.Action != "" || d.Type != "" || d.From != "" || d.To != ""
	return f, ok, nil
}

// listed says whether name is one of a filter's choices.
func listed(choices []struct{ Name, Label string }, name string) bool {
	return slices.ContainsFunc(choices, func(c struct{ Name, Label string }) bool { return c.Name == name })
}

// filterQuery is the URL query of the filters alone.
func (d *siteHistoryData) filterQuery() url.Values {
	v := url.Values{}
	for k, s := range map[string]string{"user": d.User, "action": d.Action, "type": d.Type, "from": d.From, "to": d.To} {
		if s != "" {
			v.Set(k, s)
		}
	}
	return v
}

func (u *UI) siteHistory(q *req) error {
	if err := u.reportsAllowed(q); err != nil {
		return err
	}
	d := &siteHistoryData{Actions: siteActions, Types: objectTypes}
	f, ok, err := u.historyFilter(q, d)
	if err != nil {
		return err
	}
	q.crumbs = []crumb{{Label: "Reports"}, {Label: "Site history"}}
	if !ok {
		return q.render(http.StatusBadRequest, "report_history", "Site history", d)
	}
	v := q.r.URL.Query()
	f.BeforeID, _ = strconv.ParseInt(v.Get("before"), 10, 64)
	f.AfterID, _ = strconv.ParseInt(v.Get("after"), 10, 64)
	// One entry more than a page says whether there are more beyond it.
	f.Limit, f.CountCap = siteHistoryPageSize+1, historyCountCap
	entries, total, err := q.a.History(q.ctx(), f, false)
	if err != nil {
		return err
	}
	d.Total, d.More = min(total, historyCountCap), total > historyCountCap
	base := d.filterQuery()
	link := func(k string, id int64) string {
		w := url.Values{}
		for key, vals := range base {
			w[key] = vals
		}
		if k != "" {
			w.Set(k, strconv.FormatInt(id, 10))
		}
		return "/admin/reports/history/?" + w.Encode()
	}
	d.ExportURL = "/admin/reports/history/export/?" + base.Encode()
	newer, older := f.BeforeID != 0, false
	if len(entries) > siteHistoryPageSize {
		if f.AfterID != 0 {
			entries, newer = entries[1:], true // the newest one is beyond this page
		} else {
			entries, older = entries[:siteHistoryPageSize], true
		}
	}
	if f.AfterID != 0 {
		older = true
	}
	if len(entries) > 0 {
		if newer {
			d.NewerURL, d.NewestURL = link("after", entries[0].ID), link("", 0)
		}
		if older {
			d.OlderURL = link("before", entries[len(entries)-1].ID)
		}
	}
	d.Rows, err = u.historyRows(q, entries)
	if err != nil {
		return err
	}
	return q.render(http.StatusOK, "report_history", "Site history", d)
}

// historyRows turns log entries into the rows of the site history.
func (u *UI) historyRows(q *req, entries []*canopy.LogEntry) ([]siteHistoryRow, error) {
	pages := map[string][]int64{}
	datas := make([]map[string]any, len(entries))
	for i, e := range entries {
		_ = json.Unmarshal(e.Data, &datas[i])
		for _, k := range []string{"from_parent_id", "to_parent_id", "source_id"} {
			if n := num(datas[i][k]); n != 0 {
				pages["page"] = append(pages["page"], n)
			}
		}
	}
	refs, err := q.a.Refs(q.ctx(), pages)
	if err != nil {
		return nil, err
	}
	title := func(id int64) string {
		if r, ok := refs["page"][id]; ok {
			return "“" + r.Title + "”"
		}
		return "a page since deleted"
	}
	labels := map[string]string{}
	for _, a := range siteActions {
		labels[a.Name] = a.Label
	}
	labels["edit"] = "Changed"
	kinds := map[string]string{"page": "Page", "image": "Image", "document": "Document", "snippet": "Snippet", "collection": "Collection",
		"settings": "Settings", "redirect": "Redirect", "user": "User", "group": "Group", "workflow": "Workflow", "token": "API token", "site": "Site"}
	links := map[string]string{"page": "/admin/pages/%s/", "image": "/admin/images/%s/", "document": "/admin/documents/%s/",
		"collection": "/admin/collections/%s/", "user": "/admin/users/%s/", "group": "/admin/groups/%s/", "workflow": "/admin/workflows/%s/", "redirect": "/admin/redirects/%s/"}
	rows := make([]siteHistoryRow, len(entries))
	for i, e := range entries {
		r := siteHistoryRow{When: e.CreatedAt, Who: e.Username, Action: labels[e.Action]}
		if r.Who == "" {
			r.Who = "Canopy"
		}
		if r.Action == "" {
			r.Action = strings.ToUpper(e.Action[:1]) + strings.ReplaceAll(e.Action[1:], "_", " ")
		}
		kind := kinds[e.ObjectType]
		if kind == "" {
			kind = e.ObjectType
		}
		r.ObjectLabel = kind
		if e.ObjectTitle != "" {
			r.ObjectLabel += " “" + e.ObjectTitle + "”"
		}
		if l, ok := links[e.ObjectType]; ok && e.Action != "delete" && e.Action != "remove" && e.ObjectID != "" {
			r.ObjectURL = strings.Replace(l, "%s", url.PathEscape(e.ObjectID), 1)
		}
		if e.ObjectType == "page" {
			r.What, r.Comment = historySentence(e.Action, datas[i], title)
		} else {
			r.Comment, _ = datas[i]["comment"].(string)
		}
		rows[i] = r
	}
	return rows, nil
}

// historyExport streams the filtered history as CSV.
func (u *UI) historyExport(q *req) error {
	if err := u.reportsAllowed(q); err != nil {
		return err
	}
	d := &siteHistoryData{}
	f, ok, err := u.historyFilter(q, d)
	if err != nil {
		return err
	}
	if !ok {
		return canopy.Errorf(canopy.EINVALID, "%s", d.FromError)
	}
	securityHeaders(q.w.Header())
	q.w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	q.w.Header().Set("Content-Disposition", `attachment; filename="history-`+q.site.Hostname+`-`+time.Now().UTC().Format("2006-01-02")+`.csv"`)
	fl, _ := q.w.(http.Flusher)
	return q.a.ExportHistory(q.ctx(), f, q.w, func() {
		if fl != nil {
			fl.Flush()
		}
	})
}

const pageReportSize = 50

// pageReport is one of the page reports: locked, scheduled, aging.
func (u *UI) pageReport(kind string) handler {
	titles := map[string]string{"locked": "Locked pages", "scheduled": "Pages waiting to go live", "aging": "Aging pages"}
	return func(q *req) error {
		if err := u.reportsAllowed(q); err != nil {
			return err
		}
		d := map[string]any{"Kind": kind, "Total": 0}
		var before time.Time
		base := url.URL{Path: q.r.URL.Path}
		if kind == "aging" {
			days := 90
			if s := q.r.URL.Query().Get("days"); s != "" {
				n, err := strconv.Atoi(s)
				if err != nil || n < 1 || n > 3650 {
					d["DaysError"] = "Give a number of days from 1 to 3650."
					d["Days"] = s
					d["Errors"] = []summaryItem{{Anchor: "aging-days", Label: "Days", Message: "Give a number of days from 1 to 3650."}}
					q.crumbs = []crumb{{Label: "Reports"}, {Label: titles[kind]}}
					return q.render(http.StatusBadRequest, "report_pages", titles[kind], d)
				}
				days = n
			}
			d["Days"] = strconv.Itoa(days)
			before = time.Now().AddDate(0, 0, -days)
			base.RawQuery = url.Values{"days": {strconv.Itoa(days)}}.Encode()
		}
		offset := pageNumber(q.r, pageReportSize)
		rows, total, err := q.a.PageReport(q.ctx(), kind, before, pageReportSize, offset)
		if err != nil {
			return err
		}
		d["Rows"], d["Total"], d["Pager"] = rows, total, makePager(base, total, offset, pageReportSize)
		d["Back"] = q.r.URL.RequestURI()
		q.crumbs = []crumb{{Label: "Reports"}, {Label: titles[kind]}}
		return q.render(http.StatusOK, "report_pages", titles[kind], d)
	}
}

// brokenLinks lists the site's references to what is gone or not live.
func (u *UI) brokenLinks(q *req) error {
	if err := u.reportsAllowed(q); err != nil {
		return err
	}
	offset := pageNumber(q.r, pageReportSize)
	refs, total, err := q.a.BrokenLinks(q.ctx(), pageReportSize, offset)
	if err != nil {
		return err
	}
	q.crumbs = []crumb{{Label: "Reports"}, {Label: "Broken links"}}
	return q.render(http.StatusOK, "report_broken", "Broken links", map[string]any{"Rows": refs, "Total": total,
		"Pager": makePager(url.URL{Path: "/admin/reports/broken-links/"}, total, offset, pageReportSize)})
}
