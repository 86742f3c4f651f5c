package service

import (
	"context"

	"github.com/canopy-cms/canopy"
)

// Comments on pages: read by whoever may open the page in the admin, written
// by those who may edit it (reviewers of its current task included) or
// publish it; a comment is resolved by its author or by those who may edit
// the page.

// CommentRights says what the caller may do with a page's comments.
type CommentRights struct {
	Write, Resolve bool
}

func (a *Admin) commentRights(ctx context.Context, id int64) (*canopy.Page, CommentRights, error) {
	p, err := a.page(ctx, id)
	if err != nil {
		return nil, CommentRights{}, err
	}
	pp := a.pp(p)
	edit := a.Check.CanEdit(pp)
	return p, CommentRights{Write: edit || a.Check.CanPublish(pp), Resolve: edit}, nil
}

// PageComments lists a page's comments (resolved ones too with resolved),
// whether the caller follows them, and what the caller may do.
func (a *Admin) PageComments(ctx context.Context, id int64, resolved bool) ([]canopy.Comment, bool, CommentRights, error) {
	_, rights, err := a.commentRights(ctx, id)
	if err != nil {
		return nil, false, rights, err
	}
	list, following, err := a.pages.CommentsFor(ctx, id, a.User.ID, resolved)
	return list, following, rights, err
}

// EditorComments is PageComments for the editor, which has already opened
// the page (v, from Editor, is the proof): the comments that are not
// resolved, in one statement.
func (a *Admin) EditorComments(ctx context.Context, v *EditorView) ([]canopy.Comment, bool, CommentRights, error) {
	pp := a.pp(v.Page.Page)
	edit := a.Check.CanEdit(pp) // a lock stops changes to the content, not comments
	rights := CommentRights{Write: edit || a.Check.CanPublish(pp), Resolve: edit}
	list, following, err := a.pages.CommentsFor(ctx, v.Page.ID, a.User.ID, false)
	return list, following, rights, err
}

// AddComment comments on a page; the caller then follows its comments.
func (a *Admin) AddComment(ctx context.Context, id int64, body string) (*canopy.Comment, error) {
	_, rights, err := a.commentRights(ctx, id)
	if err != nil {
		return nil, err
	}
	if !rights.Write {
		return nil, forbidden("you may not comment on this page (it needs edit or publish permission)")
	}
	return a.pages.AddComment(a.Ctx(ctx), id, a.User.ID, body)
}

// ResolveComment marks a comment resolved: its author, or someone who may
// edit the page.
func (a *Admin) ResolveComment(ctx context.Context, id, commentID int64) error {
	_, rights, err := a.commentRights(ctx, id)
	if err != nil {
		return err
	}
	c, err := a.pages.Comment(ctx, id, commentID)
	if err != nil {
		return err
	}
	if !rights.Resolve && c.UserID != a.User.ID {
		return forbidden("only its author or someone who may edit the page resolves a comment")
	}
	return a.pages.ResolveComment(a.Ctx(ctx), id, commentID, a.User.ID)
}

// FollowComments makes the caller follow, or stop following, a page's comments.
func (a *Admin) FollowComments(ctx context.Context, id int64, on bool) error {
	if _, _, err := a.commentRights(ctx, id); err != nil {
		return err
	}
	return a.pages.SetFollowing(ctx, id, a.User.ID, on)
}
