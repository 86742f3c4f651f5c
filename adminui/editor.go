package adminui

import (
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/service"
)

// The page editor: one form for creating and editing, generated from the
// page type; the buttons shown are the actions the engine allows.

type editorData struct {
	Form   *pageForm
	Page   *service.PageWithActions // nil when creating
	Parent *canopy.Page             // when creating
	View   *service.EditorView
	Action string // the form's URL
	// Buttons
	CanSave, CanPublish, CanSubmit, CanLock, CanUnlock, CanUnschedule bool
	Schedule                                                          bool // the publish button schedules (go-live in the future)
	ReadOnly                                                          bool
	LockHolder, Owner, RequestedBy                                    string
	TypeLabel                                                         string
	Private                                                           bool
	// SaveOnly: the user may save but neither publish nor submit (no
	// workflow applies); Publishers are this site's groups that may publish
	// here, to say who can.
	SaveOnly   bool
	Publishers []string
	// The page's open comments, whether the user follows them, what they may
	// do with them, and the new comment's field.
	Comments      []canopy.Comment
	Following     bool
	CommentRights service.CommentRights
	Comment       formField
}

// explainPublishing fills SaveOnly and Publishers when the user can only save.
func (d *editorData) explainPublishing(q *req, p *canopy.Page) error {
	if !d.CanSave || d.CanPublish || d.CanSubmit {
		return nil
	}
	_, pubs, err := q.a.Publishing(q.ctx(), p)
	d.SaveOnly, d.Publishers = true, pubs
	return err
}

// pageType is a page type as this user edits and reads it: without the
// fields they may not see or change (field permissions).
func (u *UI) pageType(q *req, name string) (*canopy.PageType, error) {
	pt := q.a.Types().Get(name)
	if pt == nil {
		return nil, canopy.Errorf(canopy.ENOTFOUND, "unknown page type %q", name)
	}
	return q.a.EditableType(pt), nil
}

// editing loads the page of the request's {id} for the editor, with its type.
func (u *UI) editing(q *req) (*service.EditorView, *canopy.PageType, error) {
	id, err := pathID(q.r, "id")
	if err != nil {
		return nil, nil, err
	}
	v, err := q.a.Editor(q.ctx(), id)
	if err != nil {
		return nil, nil, err
	}
	pt, err := u.pageType(q, v.Page.Type)
	return v, pt, err
}

func (u *UI) editForm(q *req) error {
	v, pt, err := u.editing(q)
	if err != nil {
		return err
	}
	if !v.CanEdit && !v.Reviewer && !v.LockedByOther && !slices.Contains(v.Page.Permissions, "view_revisions") {
		return canopy.Errorf(canopy.EFORBIDDEN, "you may not edit %q", v.Page.Title)
	}
	form := newPageForm(pt, v.Content, u.kit.Svc.Snippets)
	form.BaseRevision = v.Page.LatestRevisionID
	return u.showEditor(q, http.StatusOK, v, form)
}

func (u *UI) showEditor(q *req, status int, v *service.EditorView, form *pageForm, comment ...formField) error {
	q.section = "pages"
	q.richText = form.hasRichText()
	if err := u.labelRefs(q, form); err != nil {
		return err
	}
	p := v.Page
	perms := p.Permissions
	d := &editorData{Form: form, Page: p, View: v, Action: "/admin/pages/" + strconv.FormatInt(p.ID, 10) + "/edit/",
		CanSave: v.CanEdit && p.ScheduledRevisionID == 0, CanSubmit: v.CanEdit && slices.Contains(perms, "submit") && p.ScheduledRevisionID == 0,
		CanPublish: v.CanEdit && slices.Contains(perms, "publish") && p.ScheduledRevisionID == 0,
		CanLock:    slices.Contains(perms, "lock") && !p.Locked, CanUnlock: slices.Contains(perms, "unlock") && p.Locked,
		CanUnschedule: p.ScheduledRevisionID != 0 && slices.Contains(perms, "publish"),
		ReadOnly:      !v.CanEdit || p.ScheduledRevisionID != 0, TypeLabel: form.Type.Label, Private: u.privacy(q)(p.Path)}
	d.Schedule = form.GoLiveAt.Value != "" && scheduledLater(form.GoLiveAt.Value)
	d.LockHolder, d.Owner = v.Names[p.LockedBy], v.Names[p.OwnerID]
	if v.State == nil {
		if err := d.explainPublishing(q, p.Page); err != nil {
			return err
		}
	}
	if v.State != nil {
		d.RequestedBy = v.Names[v.State.RequestedBy]
	}
	var err error
	if d.Comments, d.Following, d.CommentRights, err = q.a.EditorComments(q.ctx(), v); err != nil {
		return err
	}
	d.Comment = formField{ID: "id_new_comment", Name: "body", Label: "Add a comment", Kind: "textarea", MaxLength: 5000,
		Help: "Everyone who follows the comments is told; you follow them once you comment."}
	if len(comment) > 0 {
		d.Comment.Value, d.Comment.Error = comment[0].Value, comment[0].Error
	}
	anc, err := q.a.VisibleAncestors(q.ctx(), p.Page)
	if err != nil {
		return err
	}
	q.crumbsFor(anc, p.Page, true)
	q.crumbs = append(q.crumbs, crumb{Label: "Edit"})
	return q.render(status, "editor", "Editing "+p.Title, d)
}

func scheduledLater(v string) bool {
	t, err := parseDateTime(v)
	return err == nil && t.After(time.Now())
}

// editSubmit saves the form as a draft and then, as the button says,
// publishes it or submits it for moderation.
func (u *UI) editSubmit(q *req) error {
	v, pt, err := u.editing(q)
	if err != nil {
		return err
	}
	id := v.Page.ID
	form, patch := parsePageForm(q.r, pt, u.kit.Svc.Snippets)
	if q.r.PostFormValue("restore") == "1" {
		// Input kept across an expired session: shown again, not saved.
		form.Dirty = true
		q.flashes = append(q.flashes, flash{"warning", "Your changes are back in the form but not saved yet: review them and save."})
		return u.showEditor(q, http.StatusOK, v, form)
	}
	if form.summarize() {
		return u.showEditor(q, http.StatusBadRequest, v, form)
	}
	action := q.r.PostFormValue("action")
	saved, rev, err := q.a.EditDraft(q.ctx(), id, patch, form.BaseRevision)
	if canopy.ErrorField(err) == "base_revision" {
		return u.conflict(q, v, form)
	}
	if err != nil {
		form.setError(err)
		return u.showEditor(q, http.StatusBadRequest, v, form)
	}
	edit := "/admin/pages/" + strconv.FormatInt(id, 10) + "/edit/"
	switch action {
	case "publish":
		var redirects int
		p, err := q.a.Publish(service.CountRedirects(q.ctx(), &redirects), id, rev.ID)
		if err != nil {
			return q.redirect(edit, "error", "The draft was saved, but it could not be published: "+canopy.ErrorMessage(err))
		}
		if p.ScheduledRevisionID != 0 {
			return q.redirect(edit, "success", "“"+p.Title+"” is scheduled to go live on "+when(p.GoLiveAt)+".")
		}
		msg := "“" + p.Title + "” has been published."
		switch {
		case redirects == 1:
			msg += " Its address changed: a permanent redirect sends visitors of the old one to " + p.URLPath + "."
		case redirects > 1:
			msg += " Its address changed: " + strconv.Itoa(redirects) + " permanent redirects send visitors of the old addresses of it and its subpages to the new ones."
		}
		return q.redirect(u.afterPublish(p.Page), "success", msg)
	case "submit":
		if _, err := q.a.Submit(q.ctx(), id); err != nil {
			return q.redirect(edit, "error", "The draft was saved, but it could not be submitted: "+canopy.ErrorMessage(err))
		}
		return q.redirect(edit, "success", "“"+saved.Title+"” has been submitted for moderation.")
	}
	return q.redirect(edit, "success", "Draft of “"+saved.Title+"” saved.")
}

// afterPublish is where a published page's editor goes: its parent in the explorer.
func (u *UI) afterPublish(p *canopy.Page) string {
	if p.Depth <= 2 {
		return "/admin/pages/" + strconv.FormatInt(p.ID, 10) + "/"
	}
	return "/admin/pages/" + strconv.FormatInt(p.ParentID, 10) + "/"
}

type conflictData struct {
	Form   *pageForm
	Theirs *pageForm
	Page   *service.PageWithActions
	Rows   []diffRow
	By     string
	At     time.Time
	Action string
}

// conflict shows the user's changes beside the newer revision saved since
// they opened the page; nothing is overwritten.
func (u *UI) conflict(q *req, v *service.EditorView, mine *pageForm) error {
	fresh, err := q.a.Editor(q.ctx(), v.Page.ID)
	if err != nil {
		return err
	}
	pt := mine.Type
	theirs := newPageForm(pt, fresh.Content, u.kit.Svc.Snippets)
	mineContent := contentOfForm(mine)
	_, rev, err := q.a.Revision(q.ctx(), v.Page.ID, fresh.Page.LatestRevisionID)
	d := conflictData{Form: mine, Theirs: theirs, Page: fresh.Page, Rows: diffContent(pt, fresh.Content, mineContent),
		Action: "/admin/pages/" + strconv.FormatInt(v.Page.ID, 10) + "/edit/"}
	if err == nil && rev != nil {
		d.At = rev.CreatedAt
		names, _ := q.a.UserNames(q.ctx(), []int64{rev.UserID})
		d.By = names[rev.UserID]
	}
	// Saving from the conflict screen is a decision to replace the newer revision.
	mine.BaseRevision = fresh.Page.LatestRevisionID
	q.crumbs = []crumb{{Label: fresh.Page.Title, URL: d.Action}, {Label: "Conflict"}}
	return q.render(http.StatusConflict, "conflict", "Someone else saved this page", d)
}

func (u *UI) lock(lock bool) handler {
	return func(q *req) error {
		id, err := pathID(q.r, "id")
		if err != nil {
			return err
		}
		p, err := q.a.SetLock(q.ctx(), id, lock)
		if err != nil {
			return err
		}
		msg := "“" + p.Title + "” is locked: others cannot change it until you unlock it."
		if !lock {
			msg = "“" + p.Title + "” is unlocked."
		}
		return q.redirect(backTo(q, "/admin/pages/"+strconv.FormatInt(id, 10)+"/edit/"), "success", msg)
	}
}

func (u *UI) unschedule(q *req) error {
	id, err := pathID(q.r, "id")
	if err != nil {
		return err
	}
	p, err := q.a.Unschedule(q.ctx(), id)
	if err != nil {
		return err
	}
	return q.redirect("/admin/pages/"+strconv.FormatInt(id, 10)+"/edit/", "success", "The scheduled publication of “"+p.Title+"” is cancelled; you can edit it again.")
}

// workflowAction: approve, request changes, cancel, restart.
func (u *UI) workflowAction(q *req) error {
	id, err := pathID(q.r, "id")
	if err != nil {
		return err
	}
	edit := "/admin/pages/" + strconv.FormatInt(id, 10) + "/edit/"
	switch q.r.PostFormValue("workflow") {
	case "approve", "reject":
		approve := q.r.PostFormValue("workflow") == "approve"
		published, _, err := q.a.Review(q.ctx(), id, approve, q.r.PostFormValue("comment"))
		if err != nil {
			return err
		}
		msg := "Changes requested; the author has been told."
		if approve {
			msg = "Approved; the page moves to its next task."
			if published {
				msg = "Approved and published."
			}
		}
		return q.redirect(backTo(q, edit), "success", msg)
	case "cancel", "restart":
		restart := q.r.PostFormValue("workflow") == "restart"
		if err := q.a.CancelWorkflow(q.ctx(), id, restart); err != nil {
			return err
		}
		if restart {
			return q.redirect(edit, "success", "The moderation has started again from its first task.")
		}
		return q.redirect(edit, "success", "The moderation is cancelled.")
	}
	return canopy.Errorf(canopy.EINVALID, "unknown workflow action")
}
