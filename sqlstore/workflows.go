package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/perm"
)

// Workflow is canopy.Workflow (the domain type; this alias keeps the store readable).
type Workflow = canopy.Workflow

// WorkflowTask is canopy.WorkflowTask (the domain type; this alias keeps the store readable).
type WorkflowTask = canopy.WorkflowTask

// WorkflowInput is canopy.WorkflowInput (the domain type; this alias keeps the store readable).
type WorkflowInput = canopy.WorkflowInput

// WorkflowState is canopy.WorkflowState (the domain type; this alias keeps the store readable).
type WorkflowState = canopy.WorkflowState

// TaskState is canopy.TaskState (the domain type; this alias keeps the store readable).
type TaskState = canopy.TaskState

func scanTask(row scanner) (WorkflowTask, error) {
	var t WorkflowTask
	var ids string
	if err := row.Scan(&t.ID, &t.Name, &t.Active, &ids); err != nil {
		return t, err
	}
	return t, json.Unmarshal([]byte(ids), &t.GroupIDs)
}

func (s *SiteDB) findWorkflow(ctx context.Context, tx *Tx, id int64) (*Workflow, error) {
	w := &Workflow{}
	err := tx.QueryRowContext(ctx, `SELECT id, site_id, name, active, reapprove_on_edit FROM workflows WHERE site_id = $1 AND id = $2`, s.site, id).
		Scan(&w.ID, &w.SiteID, &w.Name, &w.Active, &w.ReapproveOnEdit)
	if err == sql.ErrNoRows {
		return nil, canopy.Errorf(canopy.ENOTFOUND, "workflow %d not found", id)
	}
	if err != nil {
		return nil, err
	}
	rows, err := tx.QueryContext(ctx, `SELECT id, name, active, group_ids FROM workflow_tasks WHERE workflow_id = $1 AND site_id = $2 ORDER BY position`, id, s.site)
	if err := eachRow(scanTask, func(t WorkflowTask) { w.Tasks = append(w.Tasks, t) })(rows, err); err != nil {
		return nil, err
	}
	err = eachRow(scanInt64, func(p int64) { w.PageIDs = append(w.PageIDs, p) })(
		tx.QueryContext(ctx, `SELECT page_id FROM workflow_pages WHERE workflow_id = $1 AND site_id = $2 ORDER BY page_id`, id, s.site))
	if w.Tasks == nil {
		w.Tasks = []WorkflowTask{}
	}
	if w.PageIDs == nil {
		w.PageIDs = []int64{}
	}
	return w, err
}

func scanInt64(row scanner) (int64, error) {
	var v int64
	return v, row.Scan(&v)
}

// Workflow returns one of the site's workflows.
func (s *SiteDB) Workflow(ctx context.Context, id int64) (w *Workflow, err error) {
	err = s.db.read(ctx, func(tx *Tx) error {
		w, err = s.findWorkflow(ctx, tx, id)
		return err
	})
	return w, err
}

// Workflows lists one page (limit < 0: all) of the site's workflows by name,
// those whose name contains q (any case), with how many match; paged in SQL.
func (s *SiteDB) Workflows(ctx context.Context, q string, limit, offset int) (out []*Workflow, total int, err error) {
	pattern := "%" + likeEscape(strings.ToLower(strings.TrimSpace(q))) + "%"
	out = []*Workflow{}
	err = s.db.read(ctx, func(tx *Tx) error {
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM workflows WHERE site_id = $1 AND lower(name) LIKE $2 ESCAPE '\'`, s.site, pattern).Scan(&total); err != nil {
			return err
		}
		page := pageClause(limit, offset)
		byID := map[int64]*Workflow{}
		if err := eachRow(func(r scanner) (*Workflow, error) {
			w := &Workflow{Tasks: []WorkflowTask{}, PageIDs: []int64{}}
			return w, r.Scan(&w.ID, &w.SiteID, &w.Name, &w.Active, &w.ReapproveOnEdit)
		}, func(w *Workflow) { out = append(out, w); byID[w.ID] = w })(tx.QueryContext(ctx, `SELECT id, site_id, name, active, reapprove_on_edit FROM workflows
			WHERE site_id = $1 AND lower(name) LIKE $2 ESCAPE '\' ORDER BY lower(name), id`+page, s.site, pattern)); err != nil || len(out) == 0 {
			return err
		}
		// The page's workflows' tasks and pages: one statement each.
		in, args := idList(s.site, slices.Collect(maps.Keys(byID)))
		if err := eachRow(func(r scanner) (struct{}, error) {
			var wid int64
			t, err := scanTask(extraScan{r, []any{&wid}})
			if err == nil {
				byID[wid].Tasks = append(byID[wid].Tasks, t)
			}
			return struct{}{}, err
		}, func(struct{}) {})(tx.QueryContext(ctx, `SELECT id, name, active, group_ids, workflow_id FROM workflow_tasks
			WHERE site_id = $1 AND workflow_id IN (`+in+`) ORDER BY workflow_id, position`, args...)); err != nil {
			return err
		}
		return eachRow(func(r scanner) ([2]int64, error) {
			var v [2]int64
			return v, r.Scan(&v[0], &v[1])
		}, func(v [2]int64) { byID[v[0]].PageIDs = append(byID[v[0]].PageIDs, v[1]) })(tx.QueryContext(ctx,
			`SELECT workflow_id, page_id FROM workflow_pages WHERE site_id = $1 AND workflow_id IN (`+in+`) ORDER BY workflow_id, page_id`, args...))
	})
	return out, total, err
}

// SaveWorkflow creates (id 0) or changes a workflow and its tasks; task groups
// must be this site's.
func (s *SiteDB) SaveWorkflow(ctx context.Context, id int64, in WorkflowInput) (w *Workflow, err error) {
	err = s.db.write(ctx, func(tx *Tx) error {
		id, err = s.saveWorkflow(ctx, tx, id, in)
		if err != nil {
			return err
		}
		w, err = s.findWorkflow(ctx, tx, id)
		return err
	})
	return w, err
}

func (s *SiteDB) saveWorkflow(ctx context.Context, tx *Tx, id int64, in WorkflowInput) (int64, error) {
	name := strings.TrimSpace(in.Name)
	if name == "" {
		return 0, canopy.Errorf(canopy.EINVALID, "the workflow name is empty")
	}
	if err := canopy.CheckText("the workflow name", name, 255); err != nil {
		return 0, err
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM workflows WHERE site_id = $1 AND lower(name) = $2 AND id <> $3`, s.site, strings.ToLower(name), id).Scan(&n); err != nil {
		return 0, err
	}
	if n > 0 {
		return 0, canopy.Errorf(canopy.ECONFLICT, "a workflow named %q already exists on this site", name)
	}
	action := "edit"
	if id == 0 {
		action = "create"
		if err := tx.QueryRowContext(ctx, `INSERT INTO workflows (site_id, name, reapprove_on_edit, created_at) VALUES ($1, $2, $3, $4) RETURNING id`,
			s.site, name, in.ReapproveOnEdit, tx.now).Scan(&id); err != nil {
			return 0, err
		}
	} else {
		if _, err := s.findWorkflow(ctx, tx, id); err != nil {
			return 0, err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE workflows SET name = $2, reapprove_on_edit = $3 WHERE id = $1 AND site_id = $4`, id, name, in.ReapproveOnEdit, s.site); err != nil {
			return 0, err
		}
	}
	kept := map[int64]bool{}
	for i, t := range in.Tasks {
		tname := strings.TrimSpace(t.Name)
		if tname == "" {
			return 0, canopy.Errorf(canopy.EINVALID, "task %d has no name", i+1)
		}
		if len(t.GroupIDs) == 0 {
			return 0, canopy.Errorf(canopy.EINVALID, "task %q names no reviewer group", tname)
		}
		if err := s.checkSiteGroups(ctx, tx, t.GroupIDs, fmt.Sprintf("task %q: ", tname)); err != nil {
			return 0, err
		}
		ids, _ := json.Marshal(t.GroupIDs)
		if t.ID != 0 {
			res, err := tx.ExecContext(ctx, `UPDATE workflow_tasks SET position = $3, name = $4, active = $5, group_ids = $6 WHERE id = $1 AND workflow_id = $2 AND site_id = $7`,
				t.ID, id, i, tname, t.Active, string(ids), s.site)
			if err != nil {
				return 0, err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return 0, canopy.Errorf(canopy.ENOTFOUND, "task %d is not a task of this workflow", t.ID)
			}
			kept[t.ID] = true
			if !t.Active {
				if err := s.cancelTaskStates(ctx, tx, t.ID); err != nil {
					return 0, err
				}
			}
			continue
		}
		var tid int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO workflow_tasks (site_id, workflow_id, position, name, active, group_ids) VALUES ($1, $2, $3, $4, TRUE, $5) RETURNING id`,
			s.site, id, i, tname, string(ids)).Scan(&tid); err != nil {
			return 0, err
		}
		kept[tid] = true
	}
	// Tasks left out are deactivated (their history stays).
	var old []int64
	if err := eachRow(scanInt64, func(t int64) { old = append(old, t) })(
		tx.QueryContext(ctx, `SELECT id FROM workflow_tasks WHERE workflow_id = $1 AND active AND site_id = $2`, id, s.site)); err != nil {
		return 0, err
	}
	for _, t := range old {
		if !kept[t] {
			if _, err := tx.ExecContext(ctx, `UPDATE workflow_tasks SET active = FALSE, position = position + 10000 WHERE id = $1 AND site_id = $2`, t, s.site); err != nil {
				return 0, err
			}
			if err := s.cancelTaskStates(ctx, tx, t); err != nil {
				return 0, err
			}
		}
	}
	return id, tx.log(ctx, s.site, action, "workflow", id, name, map[string]any{"tasks": len(in.Tasks)})
}

// cancelTaskStates cancels the running task states of a deactivated task and
// their workflow states.
func (s *SiteDB) cancelTaskStates(ctx context.Context, tx *Tx, taskID int64) error {
	if _, err := tx.ExecContext(ctx, `UPDATE workflow_states SET status = 'cancelled', updated_at = $2 WHERE current_task_id = $1 AND status IN ('in_progress', 'needs_changes') AND site_id = $3`,
		taskID, tx.now, s.site); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `UPDATE task_states SET status = 'cancelled', finished_at = $2 WHERE task_id = $1 AND status = 'in_progress' AND site_id = $3`, taskID, tx.now, s.site)
	return err
}

// SetWorkflowActive activates or deactivates a workflow; deactivating cancels
// its running states and detaches it from its pages.
func (s *SiteDB) SetWorkflowActive(ctx context.Context, id int64, active bool) (w *Workflow, err error) {
	err = s.db.write(ctx, func(tx *Tx) error {
		w, err = s.findWorkflow(ctx, tx, id)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE workflows SET active = $2 WHERE id = $1 AND site_id = $3`, id, active, s.site); err != nil {
			return err
		}
		action := "activate"
		if !active {
			action = "deactivate"
			if _, err := tx.ExecContext(ctx, `UPDATE task_states SET status = 'cancelled', finished_at = $2 WHERE status = 'in_progress'
				AND workflow_state_id IN (SELECT id FROM workflow_states WHERE workflow_id = $1 AND status IN ('in_progress', 'needs_changes')) AND site_id = $3`, id, tx.now, s.site); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE workflow_states SET status = 'cancelled', updated_at = $2 WHERE workflow_id = $1 AND status IN ('in_progress', 'needs_changes') AND site_id = $3`, id, tx.now, s.site); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM workflow_pages WHERE workflow_id = $1 AND site_id = $2`, id, s.site); err != nil {
				return err
			}
		}
		if err := tx.log(ctx, s.site, action, "workflow", id, w.Name, nil); err != nil {
			return err
		}
		w, err = s.findWorkflow(ctx, tx, id)
		return err
	})
	return w, err
}

// AttachWorkflow attaches a workflow to a page of this site (replacing the
// page's own), or with workflowID 0 detaches it.
func (s *SiteDB) AttachWorkflow(ctx context.Context, pageID, workflowID int64) error {
	return s.db.write(ctx, func(tx *Tx) error {
		p, err := s.findPage(ctx, tx, pageID)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM workflow_pages WHERE page_id = $1 AND site_id = $2`, pageID, s.site); err != nil {
			return err
		}
		if workflowID == 0 {
			return tx.log(ctx, s.site, "detach_workflow", "page", p.ID, p.Title, nil)
		}
		w, err := s.findWorkflow(ctx, tx, workflowID)
		if err != nil {
			return err
		}
		if !w.Active {
			return canopy.Errorf(canopy.EINVALID, "workflow %q is inactive", w.Name)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO workflow_pages (page_id, site_id, workflow_id) VALUES ($1, $2, $3)`, pageID, s.site, workflowID); err != nil {
			return err
		}
		return tx.log(ctx, s.site, "attach_workflow", "page", p.ID, p.Title, map[string]any{"workflow_id": workflowID})
	})
}

// workflowFor finds the workflow that applies to a page: the nearest attached
// active workflow on the page or an ancestor (nil: none).
func (s *SiteDB) workflowFor(ctx context.Context, tx *Tx, p *canopy.Page) (*Workflow, error) {
	in, args := s.selfAndAncestors(p)
	var id int64
	err := tx.QueryRowContext(ctx, `SELECT w.id FROM workflow_pages wp JOIN pages p ON p.id = wp.page_id JOIN workflows w ON w.id = wp.workflow_id
		WHERE wp.site_id = $1 AND w.active AND p.path IN (`+in+`) ORDER BY p.path DESC LIMIT 1`, args...).Scan(&id)
	if err == sql.ErrNoRows {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return s.findWorkflow(ctx, tx, id)
}

// selfAndAncestors is the placeholder list of p's path and its ancestors'
// paths, with the site as $1 and the paths after it.
func (s *SiteDB) selfAndAncestors(p *canopy.Page) (string, []any) {
	paths := append(canopy.AncestorPaths(p.Path), p.Path)
	in := make([]string, len(paths))
	args := []any{s.site}
	for i, path := range paths {
		args = append(args, path)
		in[i] = "$" + strconv.Itoa(len(args))
	}
	return strings.Join(in, ", "), args
}

// WorkflowApplies reports whether an active workflow is attached to the page
// or an ancestor (one statement; WorkflowFor also loads it).
func (s *SiteDB) WorkflowApplies(ctx context.Context, p *canopy.Page) (ok bool, err error) {
	in, args := s.selfAndAncestors(p)
	err = s.db.read(ctx, func(tx *Tx) error {
		var n int
		err := tx.QueryRowContext(ctx, `SELECT count(*) FROM workflow_pages wp JOIN pages p ON p.id = wp.page_id JOIN workflows w ON w.id = wp.workflow_id
			WHERE wp.site_id = $1 AND w.active AND p.path IN (`+in+`)`, args...).Scan(&n)
		ok = n > 0
		return err
	})
	return ok, err
}

// WorkflowFor is workflowFor in its own read.
func (s *SiteDB) WorkflowFor(ctx context.Context, p *canopy.Page) (w *Workflow, err error) {
	err = s.db.read(ctx, func(tx *Tx) error {
		w, err = s.workflowFor(ctx, tx, p)
		return err
	})
	return w, err
}

// runningState loads a page's in-progress or needs-changes state, with its
// current task state (nil: none).
func (s *SiteDB) runningState(ctx context.Context, tx *Tx, pageID int64) (*WorkflowState, error) {
	st := &WorkflowState{}
	var req, task sql.NullInt64
	err := tx.QueryRowContext(ctx, `SELECT id, page_id, workflow_id, status, requested_by, current_task_id, created_at FROM workflow_states
		WHERE site_id = $1 AND page_id = $2 AND status IN ('in_progress', 'needs_changes')`, s.site, pageID).
		Scan(&st.ID, &st.PageID, &st.WorkflowID, &st.Status, &req, &task, &st.CreatedAt)
	if err == sql.ErrNoRows {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	st.RequestedBy = req.Int64
	return st, s.currentTask(ctx, tx, st)
}

// currentTask fills in a running state's newest task state.
func (s *SiteDB) currentTask(ctx context.Context, tx *Tx, st *WorkflowState) error {
	ts := &TaskState{}
	var rev, by sql.NullInt64
	var ids string
	err := tx.QueryRowContext(ctx, `SELECT ts.id, ts.revision_id, ts.status, ts.finished_by, ts.comment, t.id, t.name, t.active, t.group_ids
		FROM task_states ts JOIN workflow_tasks t ON t.id = ts.task_id WHERE ts.workflow_state_id = $1 AND ts.site_id = $2 ORDER BY ts.id DESC LIMIT 1`, st.ID, s.site).
		Scan(&ts.ID, &rev, &ts.Status, &by, &ts.Comment, &ts.Task.ID, &ts.Task.Name, &ts.Task.Active, &ids)
	if err == sql.ErrNoRows {
		return nil
	}
	if err != nil {
		return err
	}
	ts.RevisionID, ts.FinishedBy = rev.Int64, by.Int64
	st.Task = ts
	return json.Unmarshal([]byte(ids), &ts.Task.GroupIDs)
}

// ModerationFacts returns a page's running workflow state (nil: none) and
// whether an active workflow applies to it (attached to it or an ancestor),
// in one statement (two while a task runs): what every admin screen asks
// about a page it opens.
func (s *SiteDB) ModerationFacts(ctx context.Context, p *canopy.Page) (st *WorkflowState, applies bool, err error) {
	in, args := s.selfAndAncestors(p)
	args = append(args, p.ID)
	err = s.db.read(ctx, func(tx *Tx) error {
		var n int
		var id, page, wf, req sql.NullInt64
		var status sql.NullString
		var created sql.NullTime
		err := tx.QueryRowContext(ctx, `SELECT a.n, ws.id, ws.page_id, ws.workflow_id, ws.status, ws.requested_by, ws.created_at
			FROM (SELECT count(*) AS n FROM workflow_pages wp JOIN pages p ON p.id = wp.page_id JOIN workflows w ON w.id = wp.workflow_id
				WHERE wp.site_id = $1 AND w.active AND p.path IN (`+in+`)) a
			LEFT JOIN workflow_states ws ON ws.site_id = $1 AND ws.page_id = $`+strconv.Itoa(len(args))+` AND ws.status IN ('in_progress', 'needs_changes')`, args...).
			Scan(&n, &id, &page, &wf, &status, &req, &created)
		if err != nil {
			return err
		}
		applies = n > 0
		if !id.Valid {
			return nil
		}
		st = &WorkflowState{ID: id.Int64, PageID: page.Int64, WorkflowID: wf.Int64, Status: status.String, RequestedBy: req.Int64, CreatedAt: created.Time}
		return s.currentTask(ctx, tx, st)
	})
	return st, applies, err
}

// RunningState returns a page's running workflow state (nil: none).
func (s *SiteDB) RunningState(ctx context.Context, pageID int64) (st *WorkflowState, err error) {
	err = s.db.read(ctx, func(tx *Tx) error {
		st, err = s.runningState(ctx, tx, pageID)
		return err
	})
	return st, err
}

// startTask starts the task state for the first active task of w at or after
// position from (by order), on the page's latest revision, and returns it
// (nil when no task is left).
func (s *SiteDB) startTask(ctx context.Context, tx *Tx, st *WorkflowState, w *Workflow, from int, p *canopy.Page) (started *WorkflowTask, stateID int64, err error) {
	for i := from; i < len(w.Tasks); i++ {
		t := w.Tasks[i]
		if !t.Active {
			continue
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO task_states (site_id, workflow_state_id, task_id, revision_id, status, created_at) VALUES ($1, $2, $3, $4, 'in_progress', $5) RETURNING id`,
			s.site, st.ID, t.ID, p.LatestRevisionID, tx.now).Scan(&stateID); err != nil {
			return nil, 0, err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE workflow_states SET status = 'in_progress', current_task_id = $2, updated_at = $3 WHERE id = $1 AND site_id = $4`, st.ID, t.ID, tx.now, s.site); err != nil {
			return nil, 0, err
		}
		reviewers, err := taskReviewers(ctx, tx, s.site, t.GroupIDs)
		if err != nil {
			return nil, 0, err
		}
		if err := s.notifyStep(ctx, tx, NotifyTaskStarted, p, reviewers, "Task: "+t.Name+"\nSubmitted by: "+userLabel(ctx, tx, st.RequestedBy),
			noteFacts{task: t.Name, revisionID: p.LatestRevisionID}); err != nil {
			return nil, 0, err
		}
		// A task starting on a page locked by someone who is not among its
		// reviewers removes that lock.
		if p.Locked {
			in, args := idList(s.site, t.GroupIDs)
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM group_members WHERE site_id = $1 AND user_id = $`+strconv.Itoa(len(args)+1)+` AND group_id IN (`+in+`)`,
				append(args, p.LockedBy)...).Scan(&n); err != nil {
				return nil, 0, err
			}
			if n == 0 {
				if _, err := tx.ExecContext(ctx, `UPDATE pages SET locked = FALSE, locked_by = NULL, locked_at = NULL WHERE id = $1 AND site_id = $2`, p.ID, s.site); err != nil {
					return nil, 0, err
				}
			}
		}
		return &t, stateID, nil
	}
	return nil, 0, nil
}

// workflowLog is the data of a workflow history entry (what Wagtail's audit
// log records): the workflow, the state's status after the step, and the
// task now current (the next one after an approval), with extra fields.
func workflowLog(w *Workflow, status string, task *WorkflowTask, extra map[string]any) map[string]any {
	d := map[string]any{"workflow_id": w.ID, "workflow": w.Name, "status": status}
	if task != nil {
		d["task_id"], d["task"] = task.ID, task.Name
	}
	for k, v := range extra {
		d[k] = v
	}
	return d
}

func taskIndex(w *Workflow, taskID int64) int {
	for i, t := range w.Tasks {
		if t.ID == taskID {
			return i
		}
	}
	return -1
}

// Submit starts the page's workflow (or resumes one that needs changes, at the
// rejecting task) on its latest revision.
func (s *SiteDB) Submit(ctx context.Context, pageID, userID int64) (st *WorkflowState, err error) {
	err = s.db.write(ctx, func(tx *Tx) error {
		p, err := s.findPage(ctx, tx, pageID)
		if err != nil {
			return err
		}
		if p.LatestRevisionID == 0 {
			return canopy.Errorf(canopy.EINVALID, "page %q has no revision to submit", p.Title)
		}
		cur, err := s.runningState(ctx, tx, pageID)
		if err != nil {
			return err
		}
		if cur != nil && cur.Status == "in_progress" {
			return canopy.Errorf(canopy.ECONFLICT, "page %q is already in moderation", p.Title)
		}
		if cur != nil { // needs changes: resume at the rejecting task
			w, err := s.findWorkflow(ctx, tx, cur.WorkflowID)
			if err != nil {
				return err
			}
			from := 0
			if cur.Task != nil {
				from = taskIndex(w, cur.Task.Task.ID)
			}
			t, tsID, err := s.startTask(ctx, tx, cur, w, max(from, 0), p)
			if err != nil {
				return err
			}
			if t == nil {
				return canopy.Errorf(canopy.EINVALID, "the workflow has no active task left")
			}
			if err := tx.log(ctx, s.site, "workflow_resume", "page", p.ID, p.Title, workflowLog(w, "in_progress", t, map[string]any{"task_state_id": tsID})); err != nil {
				return err
			}
		} else {
			w, err := s.workflowFor(ctx, tx, p)
			if err != nil {
				return err
			}
			if w == nil {
				return canopy.Errorf(canopy.EINVALID, "no workflow applies to page %q; publish it directly or attach a workflow", p.Title)
			}
			var id int64
			if err := tx.QueryRowContext(ctx, `INSERT INTO workflow_states (site_id, page_id, workflow_id, status, requested_by, created_at, updated_at)
				VALUES ($1, $2, $3, 'in_progress', $4, $5, $5) RETURNING id`, s.site, p.ID, w.ID, nullID(userID), tx.now).Scan(&id); err != nil {
				return err
			}
			t, tsID, err := s.startTask(ctx, tx, &WorkflowState{ID: id, RequestedBy: userID}, w, 0, p)
			if err != nil {
				return err
			}
			if t == nil {
				return canopy.Errorf(canopy.EINVALID, "workflow %q has no active task", w.Name)
			}
			if err := tx.log(ctx, s.site, "workflow_submit", "page", p.ID, p.Title, workflowLog(w, "in_progress", t,
				map[string]any{"revision_id": p.LatestRevisionID, "task_state_id": tsID})); err != nil {
				return err
			}
			mods, err := s.moderators(ctx, tx)
			if err != nil {
				return err
			}
			if err := s.notifyStep(ctx, tx, NotifySubmitted, p, mods, "Workflow: "+w.Name+"\nSubmitted by: "+userLabel(ctx, tx, userID),
				noteFacts{task: w.Name, revisionID: p.LatestRevisionID}); err != nil {
				return err
			}
		}
		if err := tx.touchSite(ctx, s.site); err != nil {
			return err
		}
		st, err = s.runningState(ctx, tx, pageID)
		return err
	})
	return st, err
}

// FinishTask records the current task's outcome: approve (then the next task
// starts, or after the last the workflow is approved and the latest revision
// published, which the returned flag says) or reject (needs changes). The
// service has checked that the user reviews the task.
func (s *SiteDB) FinishTask(ctx context.Context, pageID, userID int64, approve bool, comment string) (published bool, err error) {
	err = s.db.write(ctx, func(tx *Tx) error {
		p, err := s.findPage(ctx, tx, pageID)
		if err != nil {
			return err
		}
		st, err := s.runningState(ctx, tx, pageID)
		if err != nil {
			return err
		}
		if st == nil || st.Status != "in_progress" || st.Task == nil || st.Task.Status != "in_progress" {
			return canopy.Errorf(canopy.EINVALID, "page %q has no task in progress", p.Title)
		}
		status, action := "rejected", "workflow_reject"
		if approve {
			status, action = "approved", "workflow_approve"
		}
		if _, err := tx.ExecContext(ctx, `UPDATE task_states SET status = $2, finished_by = $3, finished_at = $4, comment = $5 WHERE id = $1 AND site_id = $6`,
			st.Task.ID, status, nullID(userID), tx.now, comment, s.site); err != nil {
			return err
		}
		w, err := s.findWorkflow(ctx, tx, st.WorkflowID)
		if err != nil {
			return err
		}
		// As Wagtail's entries: the finished task state's id and its status.
		finished := map[string]any{"finished_task": st.Task.Task.Name, "finished_task_id": st.Task.Task.ID, "comment": comment,
			"task_state_id": st.Task.ID, "task_status": status}
		if !approve {
			if _, err := tx.ExecContext(ctx, `UPDATE workflow_states SET status = 'needs_changes', updated_at = $2 WHERE id = $1 AND site_id = $3`, st.ID, tx.now, s.site); err != nil {
				return err
			}
			if err := tx.log(ctx, s.site, action, "page", p.ID, p.Title, workflowLog(w, "needs_changes", &st.Task.Task, finished)); err != nil {
				return err
			}
			if err := s.notifyStep(ctx, tx, NotifyRejected, p, []int64{st.RequestedBy}, commentLine(comment),
				noteFacts{task: st.Task.Task.Name, comment: comment, revisionID: st.Task.RevisionID}); err != nil {
				return err
			}
			return tx.touchSite(ctx, s.site)
		}
		next, _, err := s.startTask(ctx, tx, st, w, taskIndex(w, st.Task.Task.ID)+1, p)
		if err != nil {
			return err
		}
		if next != nil {
			// The entry names the next task, as Wagtail's does.
			if err := tx.log(ctx, s.site, action, "page", p.ID, p.Title, workflowLog(w, "in_progress", next, finished)); err != nil {
				return err
			}
			return tx.touchSite(ctx, s.site)
		}
		if err := tx.log(ctx, s.site, action, "page", p.ID, p.Title, workflowLog(w, "approved", nil, finished)); err != nil {
			return err
		}
		// The last task approved: the workflow is approved and the latest
		// revision goes live (or is scheduled), published by the approver.
		if _, err := tx.ExecContext(ctx, `UPDATE workflow_states SET status = 'approved', current_task_id = NULL, updated_at = $2 WHERE id = $1 AND site_id = $3`, st.ID, tx.now, s.site); err != nil {
			return err
		}
		rev, err := s.findRevision(ctx, tx, p.ID, p.LatestRevisionID)
		if err != nil {
			return err
		}
		if err := s.checkPageRefs(ctx, tx, p.Type, rev.Content.Fields); err != nil {
			return err
		}
		if err := s.publishOrSchedule(ctx, tx, p, rev); err != nil {
			return err
		}
		published = true
		if err := s.notifyStep(ctx, tx, NotifyApproved, p, []int64{st.RequestedBy}, commentLine(comment),
			noteFacts{task: st.Task.Task.Name, comment: comment, revisionID: rev.ID, published: p.ScheduledRevisionID == 0}); err != nil {
			return err
		}
		return tx.touchSite(ctx, s.site)
	})
	return published, err
}

// CancelWorkflow cancels a page's running workflow (restart: and starts it
// afresh).
func (s *SiteDB) CancelWorkflow(ctx context.Context, pageID, userID int64, restart bool) (err error) {
	return s.db.write(ctx, func(tx *Tx) error {
		p, err := s.findPage(ctx, tx, pageID)
		if err != nil {
			return err
		}
		st, err := s.runningState(ctx, tx, pageID)
		if err != nil {
			return err
		}
		if st == nil {
			return canopy.Errorf(canopy.EINVALID, "page %q is not in moderation", p.Title)
		}
		if err := s.cancelState(ctx, tx, st.ID); err != nil {
			return err
		}
		w, err := s.findWorkflow(ctx, tx, st.WorkflowID)
		if err != nil {
			return err
		}
		var cancelled *WorkflowTask
		if st.Task != nil {
			cancelled = &st.Task.Task
		}
		if err := tx.log(ctx, s.site, "workflow_cancel", "page", p.ID, p.Title, workflowLog(w, "cancelled", cancelled, map[string]any{"restart": restart})); err != nil {
			return err
		}
		if restart {
			var id int64
			if err := tx.QueryRowContext(ctx, `INSERT INTO workflow_states (site_id, page_id, workflow_id, status, requested_by, created_at, updated_at)
				VALUES ($1, $2, $3, 'in_progress', $4, $5, $5) RETURNING id`, s.site, p.ID, w.ID, nullID(userID), tx.now).Scan(&id); err != nil {
				return err
			}
			t, tsID, err := s.startTask(ctx, tx, &WorkflowState{ID: id, RequestedBy: userID}, w, 0, p)
			if err == nil && t == nil {
				err = canopy.Errorf(canopy.EINVALID, "workflow %q has no active task", w.Name)
			}
			if err != nil {
				return err
			}
			if err := tx.log(ctx, s.site, "workflow_submit", "page", p.ID, p.Title, workflowLog(w, "in_progress", t, map[string]any{"restart": true, "task_state_id": tsID})); err != nil {
				return err
			}
		}
		return tx.touchSite(ctx, s.site)
	})
}

func (s *SiteDB) cancelState(ctx context.Context, tx *Tx, stateID int64) error {
	if _, err := tx.ExecContext(ctx, `UPDATE task_states SET status = 'cancelled', finished_at = $2 WHERE workflow_state_id = $1 AND status = 'in_progress' AND site_id = $3`, stateID, tx.now, s.site); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `UPDATE workflow_states SET status = 'cancelled', updated_at = $2 WHERE id = $1 AND site_id = $3`, stateID, tx.now, s.site)
	return err
}

// restartForReapproval makes a running workflow start again at its first task
// on the latest revision (a reviewer edited, and the workflow asks for
// re-approval after edits).
func (s *SiteDB) restartForReapproval(ctx context.Context, tx *Tx, p *canopy.Page) error {
	st, err := s.runningState(ctx, tx, p.ID)
	if err != nil || st == nil || st.Status != "in_progress" {
		return err
	}
	w, err := s.findWorkflow(ctx, tx, st.WorkflowID)
	if err != nil || !w.ReapproveOnEdit {
		return err
	}
	if st.Task != nil && st.Task.Status == "in_progress" {
		if _, err := tx.ExecContext(ctx, `UPDATE task_states SET status = 'cancelled', finished_at = $2 WHERE id = $1 AND site_id = $3`, st.Task.ID, tx.now, s.site); err != nil {
			return err
		}
	}
	if _, _, err := s.startTask(ctx, tx, st, w, 0, p); err != nil {
		return err
	}
	return tx.log(ctx, s.site, "workflow_reapproval", "page", p.ID, p.Title, nil)
}

// AwaitingReviewPage lists one page (limit < 0: all) of this site's pages whose
// current task is in progress and reviewed by any of groups (every one when
// all is set: superusers), oldest request first, with how many there are:
// filtered, counted and paged in SQL.
func (s *SiteDB) AwaitingReviewPage(ctx context.Context, groups []int64, all bool, limit, offset int) (out []*WorkflowState, total int, err error) {
	// A task's groups are stored as a JSON array of ids ("[3,7]"): a group
	// matches when ",3," is in ",3,7,".
	cond := `ws.site_id = $1 AND ws.status = 'in_progress' AND ts.status = 'in_progress'
		AND ts.id = (SELECT max(x.id) FROM task_states x WHERE x.workflow_state_id = ws.id AND x.site_id = ws.site_id)`
	args := []any{s.site}
	if !all {
		if len(groups) == 0 {
			return []*WorkflowState{}, 0, nil
		}
		var ors []string
		for _, g := range groups {
			args = append(args, "%,"+strconv.FormatInt(g, 10)+",%")
			ors = append(ors, fmt.Sprintf(`(',' || replace(replace(t.group_ids, '[', ''), ']', '') || ',') LIKE $%d`, len(args)))
		}
		cond += ` AND (` + strings.Join(ors, " OR ") + `)`
	}
	from := ` FROM workflow_states ws JOIN task_states ts ON ts.workflow_state_id = ws.id AND ts.site_id = ws.site_id
		JOIN workflow_tasks t ON t.id = ts.task_id AND t.site_id = ws.site_id WHERE ` + cond
	out = []*WorkflowState{}
	err = s.db.read(ctx, func(tx *Tx) error {
		if err := tx.QueryRowContext(ctx, `SELECT count(*)`+from, args...).Scan(&total); err != nil {
			return err
		}
		page := pageClause(limit, offset)
		var ids []int64
		if err := eachRow(scanInt64, func(id int64) { ids = append(ids, id) })(
			tx.QueryContext(ctx, `SELECT ws.page_id`+from+` ORDER BY ws.updated_at, ws.id`+page, args...)); err != nil {
			return err
		}
		for _, pid := range ids {
			st, err := s.runningState(ctx, tx, pid)
			if err != nil {
				return err
			}
			if st != nil {
				out = append(out, st)
			}
		}
		return nil
	})
	return out, total, err
}

func intersects(a, b []int64) bool {
	for _, x := range a {
		for _, y := range b {
			if x == y {
				return true
			}
		}
	}
	return false
}

// DefaultWorkflow is canopy.DefaultWorkflow (the domain type; this alias keeps the store readable).
type DefaultWorkflow = canopy.DefaultWorkflow

// DefaultTask is canopy.DefaultTask (the domain type; this alias keeps the store readable).
type DefaultTask = canopy.DefaultTask

// DefaultWorkflow returns the installation's default workflow (nil: none).
func (db *DB) DefaultWorkflow(ctx context.Context) (*DefaultWorkflow, error) {
	var v string
	err := db.read(ctx, func(tx *Tx) error {
		return tx.QueryRowContext(ctx, `SELECT value FROM installation_settings WHERE name = 'default_workflow'`).Scan(&v)
	})
	if canopy.ErrorCode(err) == canopy.ENOTFOUND {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	w := &DefaultWorkflow{}
	return w, json.Unmarshal([]byte(v), w)
}

// SetDefaultWorkflow sets (nil: clears) the default workflow for new sites.
func (db *DB) SetDefaultWorkflow(ctx context.Context, w *DefaultWorkflow) error {
	return db.write(ctx, func(tx *Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM installation_settings WHERE name = 'default_workflow'`); err != nil {
			return err
		}
		data := map[string]any{"cleared": w == nil}
		if w != nil {
			b, err := json.Marshal(w)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO installation_settings (name, value) VALUES ('default_workflow', $1)`, string(b)); err != nil {
				return err
			}
			data["name"] = w.Name
		}
		return tx.log(ctx, 0, "set_default_workflow", "installation", 0, "default workflow", data)
	})
}

func commentLine(c string) string {
	if c == "" {
		return ""
	}
	return "Comment: " + c
}

// checkSiteGroups refuses group ids that are not this site's groups (prefix
// names what refers to them in the message).
func (s *SiteDB) checkSiteGroups(ctx context.Context, tx *Tx, ids []int64, prefix string) error {
	for _, g := range ids {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM groups WHERE id = $1 AND site_id = $2`, g, s.site).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return canopy.Errorf(canopy.EINVALID, "%sgroup %d is not a group of this site", prefix, g)
		}
	}
	return nil
}

// PublisherGroups names this site's groups whose page grants let them
// publish the page (a grant on it or an ancestor), for telling an editor who
// can publish what they may only save.
func (s *SiteDB) PublisherGroups(ctx context.Context, p *canopy.Page) (out []string, err error) {
	in, args := s.selfAndAncestors(p)
	args = append(args, int(perm.Publish))
	out = []string{}
	err = s.db.read(ctx, func(tx *Tx) error {
		return eachRow(scanString, func(n string) { out = append(out, n) })(tx.QueryContext(ctx, `SELECT DISTINCT g.name FROM group_page_grants gg
			JOIN pages p ON p.id = gg.page_id JOIN groups g ON g.id = gg.group_id
			WHERE gg.site_id = $1 AND g.site_id = $1 AND p.path IN (`+in+`) AND (gg.actions & $`+strconv.Itoa(len(args))+`) <> 0 ORDER BY g.name`, args...))
	})
	return out, err
}

// ModerationRow is canopy.ModerationRow (the domain type; this alias keeps the store readable).
type ModerationRow = canopy.ModerationRow

// ModerationReport lists one page of this site's pages in moderation (of one
// workflow, or all with workflowID 0), the longest waiting first, with how
// many there are: one statement.
func (s *SiteDB) ModerationReport(ctx context.Context, workflowID int64, limit, offset int) (out []ModerationRow, total int, err error) {
	cond := `ws.status IN ('in_progress', 'needs_changes')`
	args := []any{s.site}
	if workflowID != 0 {
		args = append(args, workflowID)
		cond += ` AND ws.workflow_id = $2`
	}
	out = []ModerationRow{}
	err = s.db.read(ctx, func(tx *Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT ws.page_id, COALESCE(NULLIF(p.draft_title, ''), p.title), ws.workflow_id, w.name, COALESCE(t.name, ''), ws.status,
			COALESCE(u.username, ''), ws.created_at, ts.created_at, ws.updated_at, count(*) OVER ()
			FROM workflow_states ws
			JOIN pages p ON p.id = ws.page_id AND p.site_id = ws.site_id
			JOIN workflows w ON w.id = ws.workflow_id AND w.site_id = ws.site_id
			LEFT JOIN task_states ts ON ts.id = (SELECT max(x.id) FROM task_states x WHERE x.workflow_state_id = ws.id AND x.site_id = ws.site_id)
			LEFT JOIN workflow_tasks t ON t.id = ts.task_id AND t.site_id = ws.site_id
			LEFT JOIN users u ON u.id = ws.requested_by
			WHERE ws.site_id = $1 AND `+cond+` ORDER BY CASE WHEN ws.status = 'in_progress' AND ts.created_at IS NOT NULL THEN ts.created_at ELSE ws.updated_at END, ws.id`+pageClause(limit, offset), args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var r ModerationRow
			var task sql.NullTime
			var updated time.Time
			if err := rows.Scan(&r.PageID, &r.Title, &r.WorkflowID, &r.WorkflowName, &r.TaskName, &r.Status, &r.RequestedBy, &r.SubmittedAt, &task, &updated, &total); err != nil {
				return err
			}
			// Waiting since the current task began, or since changes were asked for.
			r.Since = updated
			if task.Valid && r.Status == "in_progress" {
				r.Since = task.Time
			}
			out = append(out, r)
		}
		if err := rows.Err(); err != nil || len(out) > 0 || (offset == 0 && limit != 0) {
			return err
		}
		return tx.QueryRowContext(ctx, `SELECT count(*) FROM workflow_states ws WHERE ws.site_id = $1 AND `+cond, args...).Scan(&total)
	})
	return out, total, err
}
