package adminui

import (
	"net/http"
	"strconv"

	"github.com/canopy-cms/canopy"
)

// Comments on a page, below its editor: add one (the editor is shown again
// with the message beside the field when it is refused), resolve one,
// follow or stop following them.

func commentsOf(id int64) string {
	return "/admin/pages/" + strconv.FormatInt(id, 10) + "/edit/#comments-heading"
}

func (u *UI) addComment(q *req) error {
	id, err := pathID(q.r, "id")
	if err != nil {
		return err
	}
	body := q.r.PostFormValue("body")
	if _, err := q.a.AddComment(q.ctx(), id, body); err != nil {
		if canopy.ErrorCode(err) != canopy.EINVALID {
			return err
		}
		v, pt, verr := u.editing(q)
		if verr != nil {
			return verr
		}
		form := newPageForm(pt, v.Content, u.kit.Svc.Snippets)
		form.BaseRevision = v.Page.LatestRevisionID
		return u.showEditor(q, http.StatusBadRequest, v, form, formField{Value: body, Error: sentence(canopy.ErrorMessage(err))})
	}
	return q.redirect(commentsOf(id), "success", "Your comment is added; those who follow the comments are told.")
}

func (u *UI) resolveComment(q *req) error {
	id, err := pathID(q.r, "id")
	if err != nil {
		return err
	}
	cid, err := pathID(q.r, "cid")
	if err != nil {
		return err
	}
	if err := q.a.ResolveComment(q.ctx(), id, cid); err != nil {
		return err
	}
	return q.redirect(commentsOf(id), "success", "The comment is resolved.")
}

func (u *UI) followComments(q *req) error {
	id, err := pathID(q.r, "id")
	if err != nil {
		return err
	}
	on := q.r.PostFormValue("on") == "1"
	if err := q.a.FollowComments(q.ctx(), id, on); err != nil {
		return err
	}
	msg := "You follow this page's comments: you are told of new ones."
	if !on {
		msg = "You no longer follow this page's comments."
	}
	return q.redirect(commentsOf(id), "success", msg)
}
