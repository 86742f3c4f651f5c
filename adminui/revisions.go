package adminui

import (
	"encoding/json"
	"net/http"
	"sort"
	"strconv"
	"time"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/service"
)

// Revisions: the list (who, when, published or not), one revision read-only,
// any two compared field by field, and revert (a new draft from an old one).

type revRow struct {
	*canopy.Revision
	By           string
	Live, Latest bool
	PrevID       int64
	// PublishedBy published this revision (directly or by approving it).
	PublishedBy string
	PublishedAt *time.Time
}

func (u *UI) revisionsPage(q *req) (*service.PageWithActions, []*canopy.Revision, error) {
	q.section = "pages"
	id, err := pathID(q.r, "id")
	if err != nil {
		return nil, nil, err
	}
	revs, err := q.a.Revisions(q.ctx(), id)
	if err != nil {
		return nil, nil, err
	}
	p, err := q.a.Page(q.ctx(), id)
	if err != nil {
		return nil, nil, err
	}
	anc, err := q.a.VisibleAncestors(q.ctx(), p.Page)
	if err != nil {
		return nil, nil, err
	}
	q.crumbsFor(anc, p.Page, true)
	q.crumbs = append(q.crumbs, crumb{Label: "Revisions", URL: "/admin/pages/" + strconv.FormatInt(id, 10) + "/revisions/"})
	return p, revs, nil
}

func (u *UI) revisions(q *req) error {
	p, revs, err := u.revisionsPage(q)
	if err != nil {
		return err
	}
	q.crumbs = q.crumbs[:len(q.crumbs)-1]
	q.crumbs = append(q.crumbs, crumb{Label: "Revisions"})
	var ids []int64
	for _, r := range revs {
		ids = append(ids, r.UserID)
	}
	// Who published each revision (directly, or by approving it last).
	pubs, _, err := q.a.PageHistory(q.ctx(), p.ID, "publish", 1000, 0)
	if err != nil {
		return err
	}
	publishedBy := map[int64]*canopy.LogEntry{}
	for _, e := range pubs {
		var d map[string]any
		_ = json.Unmarshal(e.Data, &d)
		if id := num(d["revision_id"]); id != 0 && publishedBy[id] == nil {
			publishedBy[id] = e
			ids = append(ids, e.UserID)
		}
	}
	names, err := q.a.UserNames(q.ctx(), ids)
	if err != nil {
		return err
	}
	rows := make([]revRow, len(revs))
	for i, r := range revs {
		rows[i] = revRow{Revision: r, By: names[r.UserID], Live: r.ID == p.LiveRevisionID, Latest: r.ID == p.LatestRevisionID}
		if e := publishedBy[r.ID]; e != nil {
			rows[i].PublishedBy, rows[i].PublishedAt = names[e.UserID], &e.CreatedAt
			if rows[i].PublishedBy == "" {
				rows[i].PublishedBy = "Canopy (scheduled)"
			}
		}
	}
	// Newest first; each compares with the one before it.
	sort.Slice(rows, func(i, j int) bool { return rows[i].ID > rows[j].ID })
	for i := 0; i+1 < len(rows); i++ {
		rows[i].PrevID = rows[i+1].ID
	}
	return q.render(http.StatusOK, "revisions", "History of "+p.Title, map[string]any{"Page": p, "Rows": rows, "CanRevert": q.a.EditableNow(p)})
}

// revisionRef reads a revision reference: an id, "live" or "latest".
func revisionRef(p *canopy.Page, v string) (int64, error) {
	switch v {
	case "live":
		if p.LiveRevisionID == 0 {
			return 0, canopy.Errorf(canopy.EINVALID, "“%s” has never been published", p.Title)
		}
		return p.LiveRevisionID, nil
	case "latest", "":
		return p.LatestRevisionID, nil
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id <= 0 {
		return 0, canopy.Errorf(canopy.ENOTFOUND, "no such revision")
	}
	return id, nil
}

func (u *UI) revisionView(q *req) error {
	p, _, err := u.revisionsPage(q)
	if err != nil {
		return err
	}
	rid, err := revisionRef(p.Page, q.r.PathValue("rid"))
	if err != nil {
		return err
	}
	_, rev, err := q.a.Revision(q.ctx(), p.ID, rid)
	if err != nil {
		return err
	}
	pt, err := u.pageType(q, p.Type)
	if err != nil {
		return err
	}
	names, _ := q.a.UserNames(q.ctx(), []int64{rev.UserID})
	q.crumbs = append(q.crumbs, crumb{Label: "Revision #" + strconv.FormatInt(rev.ID, 10)})
	rows := diffContent(pt, rev.Content, rev.Content)
	return q.render(http.StatusOK, "revision", "Revision of "+p.Title, map[string]any{"Page": p, "Rev": rev, "By": names[rev.UserID], "Rows": rows})
}

func (u *UI) revisionCompare(q *req) error {
	p, _, err := u.revisionsPage(q)
	if err != nil {
		return err
	}
	qs := q.r.URL.Query()
	aID, err := revisionRef(p.Page, qs.Get("a"))
	if err != nil {
		return err
	}
	bID, err := revisionRef(p.Page, qs.Get("b"))
	if err != nil {
		return err
	}
	_, a, err := q.a.Revision(q.ctx(), p.ID, aID)
	if err != nil {
		return err
	}
	_, b, err := q.a.Revision(q.ctx(), p.ID, bID)
	if err != nil {
		return err
	}
	pt, err := u.pageType(q, p.Type)
	if err != nil {
		return err
	}
	q.crumbs = append(q.crumbs, crumb{Label: "Compare"})
	return q.render(http.StatusOK, "compare", "Compare revisions of "+p.Title, map[string]any{"Page": p, "A": a, "B": b, "Rows": diffContent(pt, a.Content, b.Content)})
}

func (u *UI) revert(q *req) error {
	id, err := pathID(q.r, "id")
	if err != nil {
		return err
	}
	rid, err := pathID(q.r, "rid")
	if err != nil {
		return err
	}
	rev, err := q.a.Revert(q.ctx(), id, rid)
	if err != nil {
		return err
	}
	return q.redirect("/admin/pages/"+strconv.FormatInt(id, 10)+"/edit/", "success", "Revision #"+strconv.FormatInt(rid, 10)+" is back as the latest draft (#"+strconv.FormatInt(rev.ID, 10)+"). Publish it to make it live.")
}
