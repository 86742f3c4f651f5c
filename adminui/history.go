package adminui

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/canopy-cms/canopy"
)

// A page's history: every action on it (not only saves), who did it and
// when to the second, with a filter by action. Entries come from the log,
// written in the transaction of each change.

// historyActions are the actions the filter offers, in its order, with the
// label of each.
var historyActions = []struct{ Name, Label string }{
	{"create", "Created"}, {"edit", "Saved"}, {"revert", "Reverted"}, {"publish", "Published"},
	{"schedule_publish", "Scheduled"}, {"unschedule", "Schedule cancelled"}, {"unpublish", "Unpublished"},
	{"workflow_submit", "Submitted for moderation"}, {"workflow_approve", "Approved"}, {"workflow_reject", "Changes requested"},
	{"workflow_cancel", "Moderation cancelled"}, {"workflow_resume", "Resubmitted"}, {"workflow_reapproval", "Moderation restarted"},
	{"move", "Moved"}, {"reorder", "Reordered"}, {"copy", "Copied"}, {"rename", "Renamed"},
	{"lock", "Locked"}, {"unlock", "Unlocked"}, {"set_privacy", "Privacy changed"},
	{"attach_workflow", "Workflow attached"}, {"detach_workflow", "Workflow detached"},
	{"comment", "Commented"}, {"resolve_comment", "Comment resolved"},
}

type historyRow struct {
	When        time.Time
	Who, What   string
	Action      string
	Comment     string
	RevisionID  int64
	PrevID      int64 // the revision it replaced, for "Compare"
	ActionLabel string
}

const historyPageSize = 50

func (u *UI) pageHistory(q *req) error {
	q.section = "pages"
	id, err := pathID(q.r, "id")
	if err != nil {
		return err
	}
	action := q.r.URL.Query().Get("action")
	if action != "" && !listed(historyActions, action) {
		return canopy.Errorf(canopy.EINVALID, "choose an action from the list")
	}
	offset := pageNumber(q.r, historyPageSize)
	entries, total, err := q.a.PageHistory(q.ctx(), id, action, historyPageSize, offset)
	if err != nil {
		return err
	}
	p, err := q.a.Page(q.ctx(), id)
	if err != nil {
		return err
	}
	var users []int64
	pages := map[string][]int64{}
	datas := make([]map[string]any, len(entries))
	for i, e := range entries {
		users = append(users, e.UserID)
		_ = json.Unmarshal(e.Data, &datas[i])
		for _, k := range []string{"from_parent_id", "to_parent_id", "source_id", "parent_id"} {
			if n := num(datas[i][k]); n != 0 {
				pages["page"] = append(pages["page"], n)
			}
		}
	}
	names, err := q.a.UserNames(q.ctx(), users)
	if err != nil {
		return err
	}
	refs, err := q.a.Refs(q.ctx(), pages)
	if err != nil {
		return err
	}
	title := func(id int64) string {
		if r, ok := refs["page"][id]; ok {
			return "“" + r.Title + "”"
		}
		return "a page since deleted"
	}
	rows := make([]historyRow, len(entries))
	for i, e := range entries {
		d := datas[i]
		r := historyRow{When: e.CreatedAt, Who: names[e.UserID], Action: e.Action, RevisionID: num(d["revision_id"])}
		if r.Who == "" {
			r.Who = "Canopy" // the scheduler, an import: no person
		}
		for _, a := range historyActions {
			if a.Name == e.Action {
				r.ActionLabel = a.Label
			}
		}
		r.What, r.Comment = historySentence(e.Action, d, title)
		rows[i] = r
	}
	base := url.URL{Path: q.r.URL.Path}
	if action != "" {
		base.RawQuery = url.Values{"action": {action}}.Encode()
	}
	anc, err := q.a.VisibleAncestors(q.ctx(), p.Page)
	if err != nil {
		return err
	}
	q.crumbsFor(anc, p.Page, true)
	q.crumbs = append(q.crumbs, crumb{Label: "History"})
	return q.render(http.StatusOK, "history", "History of "+p.Title, map[string]any{"Page": p, "Rows": rows, "Action": action,
		"Actions": historyActions, "Pager": makePager(base, total, offset, historyPageSize), "Total": total})
}

// historySentence says what an entry did, as a sentence after the person's
// name, and the comment that came with it.
func historySentence(action string, d map[string]any, title func(int64) string) (what, comment string) {
	rev := func() string {
		if n := num(d["revision_id"]); n != 0 {
			return fmt.Sprintf(" (revision #%d)", n)
		}
		return ""
	}
	task := ""
	if t, _ := d["finished_task"].(string); t != "" {
		task = " at “" + t + "”"
	} else if t, _ := d["task"].(string); t != "" {
		task = " (task “" + t + "”)"
	}
	comment, _ = d["comment"].(string)
	switch action {
	case "create":
		what = "created the page"
		if pub, _ := d["published"].(bool); pub {
			what += " and published it"
		}
		if n := num(d["source_id"]); n != 0 {
			what += ", as a copy of " + title(n)
		}
	case "edit":
		what = "saved a draft" + rev()
	case "revert":
		what = fmt.Sprintf("reverted to revision #%d, saved as #%d", num(d["reverted_revision_id"]), num(d["revision_id"]))
	case "publish":
		what = "published it" + rev()
	case "schedule_publish":
		what = "scheduled it to go live" + rev()
		if at, _ := d["go_live_at"].(string); at != "" {
			if t, err := time.Parse(time.RFC3339, at); err == nil {
				what = "scheduled it to go live on " + when(&t) + rev()
			}
		}
	case "unschedule":
		what = "cancelled its scheduled publication" + rev()
		if reason, _ := d["reason"].(string); reason != "" {
			what = "ended its scheduled publication" + rev() + ", " + reason
		}
	case "unpublish":
		what = "unpublished it"
		if all, _ := d["include_descendants"].(bool); all {
			what += " and its subpages"
		}
	case "workflow_submit":
		what = "submitted it for moderation"
		if w, _ := d["workflow"].(string); w != "" {
			what += " in “" + w + "”"
		}
		if restart, _ := d["restart"].(bool); restart {
			what = "submitted it for moderation again"
		}
	case "workflow_approve":
		what = "approved it" + task
		if st, _ := d["status"].(string); st == "approved" {
			what += " and published it"
		}
	case "workflow_reject":
		what = "requested changes" + task
	case "workflow_cancel":
		what = "cancelled its moderation"
		if reason, _ := d["reason"].(string); reason != "" {
			what += " (" + reason + ")"
		}
	case "workflow_resume":
		what = "resubmitted it after the requested changes" + task
	case "workflow_reapproval":
		what = "saved it while in moderation: the review starts again"
	case "move":
		what = "moved it from " + title(num(d["from_parent_id"])) + " to " + title(num(d["to_parent_id"]))
	case "reorder":
		what = "changed its position among its siblings"
	case "copy":
		what = "created it as a copy of " + title(num(d["source_id"]))
	case "rename":
		what = fmt.Sprintf("renamed it from “%v” to “%v”", d["old_title"], d["new_title"])
	case "lock":
		what = "locked it"
	case "unlock":
		what = "unlocked it"
	case "set_privacy":
		switch d["type"] {
		case "password":
			what = "made it private: visitors need a password"
		case "login":
			what = "made it private: visitors must log in"
		case "groups":
			what = "made it private: only some groups may see it"
		default:
			what = "made it public"
		}
	case "attach_workflow":
		what = "attached a moderation workflow"
	case "detach_workflow":
		what = "detached its moderation workflow"
	case "comment":
		what = "commented"
	case "resolve_comment":
		what = "resolved a comment"
	default:
		what = action
	}
	return what, comment
}

// num reads a JSON number as an id.
func num(v any) int64 {
	switch n := v.(type) {
	case float64:
		return int64(n)
	case string:
		i, _ := strconv.ParseInt(n, 10, 64)
		return i
	}
	return 0
}
