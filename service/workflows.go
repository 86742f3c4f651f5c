package service

import (
	"context"
	"strings"

	"github.com/canopy-cms/canopy"
)

// Workflows are a site's own: created, edited, attached and deactivated by
// that site's admins (add_workflow, change_workflow, view_workflow), with
// reviewer groups of the same site only.

// Workflows lists one page of the site's workflows whose name contains q,
// with how many match.
func (a *Admin) Workflows(ctx context.Context, q string, limit, offset int) ([]*canopy.Workflow, int, error) {
	if err := a.requireAny("view_workflow", "change_workflow", "add_workflow"); err != nil {
		return nil, 0, err
	}
	return a.pages.Workflows(ctx, q, limit, offset)
}

// Workflow returns one of the site's workflows.
func (a *Admin) Workflow(ctx context.Context, id int64) (*canopy.Workflow, error) {
	if err := a.requireAny("view_workflow", "change_workflow", "add_workflow"); err != nil {
		return nil, err
	}
	return a.pages.Workflow(ctx, id)
}

// SaveWorkflow creates (id 0: add_workflow) or edits (change_workflow) a
// workflow with its tasks.
func (a *Admin) SaveWorkflow(ctx context.Context, id int64, in canopy.WorkflowInput) (*canopy.Workflow, error) {
	perm := "change_workflow"
	if id == 0 {
		perm = "add_workflow"
	}
	if err := a.requireAny(perm); err != nil {
		return nil, err
	}
	if len([]rune(strings.TrimSpace(in.Name))) > 255 {
		return nil, canopy.Errorf(canopy.EINVALID, "the workflow name is longer than 255 characters")
	}
	if id == 0 && len(in.Tasks) == 0 {
		return nil, canopy.Errorf(canopy.EINVALID, "a workflow needs at least one task")
	}
	return a.pages.SaveWorkflow(a.Ctx(ctx), id, in)
}

// SetWorkflowActive activates or deactivates a workflow (change_workflow).
func (a *Admin) SetWorkflowActive(ctx context.Context, id int64, active bool) (*canopy.Workflow, error) {
	if err := a.requireAny("change_workflow"); err != nil {
		return nil, err
	}
	return a.pages.SetWorkflowActive(a.Ctx(ctx), id, active)
}

// AttachWorkflow attaches a workflow (0: none) to a page of this site
// (change_workflow).
func (a *Admin) AttachWorkflow(ctx context.Context, pageID, workflowID int64) error {
	if err := a.requireAny("change_workflow"); err != nil {
		return err
	}
	if _, err := a.page(ctx, pageID); err != nil {
		return err
	}
	return a.pages.AttachWorkflow(a.Ctx(ctx), pageID, workflowID)
}

// Submit sends a page to moderation (or resubmits it after changes were
// requested): the caller must be able to edit it and a workflow must apply.
func (a *Admin) Submit(ctx context.Context, id int64) (*canopy.WorkflowState, error) {
	p, err := a.page(ctx, id)
	if err != nil {
		return nil, err
	}
	pp := a.pp(p)
	if !a.Check.CanEdit(pp) {
		return nil, forbidden("you may not submit %q", p.Title)
	}
	if a.Check.LockedForUser(pp) {
		return nil, canopy.Errorf(canopy.ECONFLICT, "%q is locked", p.Title)
	}
	if pp.WorkflowInProgress {
		return nil, canopy.Errorf(canopy.ECONFLICT, "%q is already in moderation", p.Title)
	}
	if !pp.HasActiveWorkflow {
		return nil, canopy.Errorf(canopy.EINVALID, "no workflow applies to %q; publish it directly or attach a workflow", p.Title)
	}
	return a.pages.Submit(a.Ctx(ctx), id, a.User.ID)
}

// Review approves or rejects (requests changes on) the page's current task:
// only its reviewers (members of its groups) and superusers, and only while
// the task is in progress. The last approval publishes the latest revision.
// It returns the page's workflow state afterwards (nil once approved).
func (a *Admin) Review(ctx context.Context, id int64, approve bool, comment string) (published bool, after *canopy.WorkflowState, err error) {
	p, err := a.page(ctx, id)
	if err != nil {
		return false, nil, err
	}
	if len(comment) > 10000 {
		return false, nil, canopy.Errorf(canopy.EINVALID, "the comment is longer than 10,000 characters")
	}
	st, err := a.pages.RunningState(ctx, p.ID)
	if err != nil {
		return false, nil, err
	}
	if st == nil || st.Status != "in_progress" || st.Task == nil || st.Task.Status != "in_progress" {
		return false, nil, canopy.Errorf(canopy.EINVALID, "%q has no task in progress", p.Title)
	}
	if !a.Reviews(st.Task.Task.GroupIDs) {
		return false, nil, forbidden("you are not a reviewer of the task %q", st.Task.Task.Name)
	}
	if published, err = a.pages.FinishTask(a.Ctx(ctx), id, a.User.ID, approve, strings.TrimSpace(comment)); err != nil {
		return false, nil, err
	}
	after, err = a.pages.RunningState(ctx, p.ID)
	return published, after, err
}

// CancelWorkflow cancels (or restarts) a page's running workflow: the
// requester, the page's owner or a reviewer of the current task, unless the
// page is locked by someone else; superusers always.
func (a *Admin) CancelWorkflow(ctx context.Context, id int64, restart bool) error {
	p, err := a.page(ctx, id)
	if err != nil {
		return err
	}
	st, err := a.pages.RunningState(ctx, p.ID)
	if err != nil {
		return err
	}
	if st == nil {
		return canopy.Errorf(canopy.EINVALID, "%q is not in moderation", p.Title)
	}
	allowed := a.User.IsSuperuser || st.RequestedBy == a.User.ID || p.OwnerID == a.User.ID ||
		st.Task != nil && a.Reviews(st.Task.Task.GroupIDs)
	if !a.User.IsSuperuser && p.Locked && p.LockedBy != a.User.ID {
		allowed = false
	}
	if !allowed {
		return forbidden("you may not cancel the moderation of %q", p.Title)
	}
	return a.pages.CancelWorkflow(a.Ctx(ctx), id, a.User.ID, restart)
}

// AwaitingReviewPage lists one page of the pages awaiting the caller's
// review, with how many there are (paged in SQL).
func (a *Admin) AwaitingReviewPage(ctx context.Context, limit, offset int) ([]*canopy.WorkflowState, int, error) {
	var groups []int64
	for _, g := range a.Access.Groups {
		groups = append(groups, g.ID)
	}
	return a.pages.AwaitingReviewPage(ctx, groups, a.User.IsSuperuser, limit, offset)
}

// ModerationState returns a page's running workflow state (nil: none).
func (a *Admin) ModerationState(ctx context.Context, id int64) (*canopy.WorkflowState, error) {
	if _, err := a.page(ctx, id); err != nil {
		return nil, err
	}
	return a.pages.RunningState(ctx, id)
}

// DefaultWorkflow returns the workflow new sites receive (superusers).
func (a *Admin) DefaultWorkflow(ctx context.Context) (*canopy.DefaultWorkflow, error) {
	if err := a.requireSuperuser("manage the default workflow of new sites"); err != nil {
		return nil, err
	}
	return a.svc.DB.DefaultWorkflow(ctx)
}

// SetDefaultWorkflow sets (nil: clears) the workflow that the site creator
// gives every new site, attached to its home page (superusers). Its tasks
// name the groups every new site has (Admins, Editors, Viewers).
func (a *Admin) SetDefaultWorkflow(ctx context.Context, w *canopy.DefaultWorkflow) (*canopy.DefaultWorkflow, error) {
	if err := a.requireSuperuser("manage the default workflow of new sites"); err != nil {
		return nil, err
	}
	if w != nil {
		w.Name = strings.TrimSpace(w.Name)
		if w.Name == "" {
			return nil, canopy.Errorf(canopy.EINVALID, "the workflow name is empty")
		}
		if len(w.Tasks) == 0 {
			return nil, canopy.Errorf(canopy.EINVALID, "a workflow needs at least one task")
		}
		known := map[string]bool{}
		var names []string
		for _, g := range DefaultGroups() {
			known[strings.ToLower(g.Name)] = true
			names = append(names, g.Name)
		}
		for i, t := range w.Tasks {
			if strings.TrimSpace(t.Name) == "" {
				return nil, canopy.Errorf(canopy.EINVALID, "task %d has no name", i+1)
			}
			if len(t.Groups) == 0 {
				return nil, canopy.Errorf(canopy.EINVALID, "task %q names no reviewer group", t.Name)
			}
			for _, g := range t.Groups {
				if !known[strings.ToLower(g)] {
					return nil, canopy.Errorf(canopy.EINVALID, "task %q: every new site has the groups %s, not %q", t.Name, strings.Join(names, ", "), g)
				}
			}
		}
	}
	if err := a.svc.DB.SetDefaultWorkflow(a.Ctx(ctx), w); err != nil {
		return nil, err
	}
	return a.svc.DB.DefaultWorkflow(ctx)
}

// Publishing tells an editor how a page under parent (or the page itself)
// gets published when they may only save: whether a workflow applies (then
// they submit it for moderation), and which of this site's groups may
// publish there.
func (a *Admin) Publishing(ctx context.Context, p *canopy.Page) (workflow bool, publishers []string, err error) {
	if workflow, err = a.pages.WorkflowApplies(ctx, p); err != nil {
		return false, nil, err
	}
	publishers, err = a.pages.PublisherGroups(ctx, p)
	return workflow, publishers, err
}

// WorkflowActions lists what the user may do with this site's workflows:
// view, add, change (view whenever any of the others).
func (a *Admin) WorkflowActions() []string { return a.modelActions("workflow") }

// ModerationReport lists one page of this site's pages in moderation (of one
// workflow, or all with workflowID 0), the longest waiting first: for those
// who may see the site's workflows.
func (a *Admin) ModerationReport(ctx context.Context, workflowID int64, limit, offset int) ([]canopy.ModerationRow, int, error) {
	if err := a.requireAny("view_workflow", "change_workflow", "add_workflow"); err != nil {
		return nil, 0, err
	}
	return a.pages.ModerationReport(ctx, workflowID, limit, offset)
}

// ReviewerGroups lists this site's own groups, those a workflow's tasks may
// name as reviewers: for those who may see the site's workflows.
func (a *Admin) ReviewerGroups(ctx context.Context) ([]*canopy.Group, error) {
	if err := a.requireAny("view_workflow", "add_workflow", "change_workflow"); err != nil {
		return nil, err
	}
	all, err := a.pages.Groups(ctx)
	if err != nil {
		return nil, err
	}
	return a.ownGroups(all), nil
}
