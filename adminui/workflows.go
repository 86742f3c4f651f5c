package adminui

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/canopy-cms/canopy"
)

// The site's workflows (issue 27 item 3): a listing; a form with the
// workflow's ordered tasks, each reviewed by groups of this site (tasks
// added, moved and removed by buttons that work without script, the form
// shown again unsaved); the pages it is attached to, attached and detached
// through the page chooser; the pages in it now with their task; deactivate
// and activate. The moderation report lists every page in moderation.

const workflowsPageSize = 50

type workflowRow struct {
	*canopy.Workflow
	Tasks        string
	InModeration int
}

func (u *UI) workflowsAllowed(q *req) ([]string, error) {
	q.section = "workflows"
	acts := q.a.WorkflowActions()
	if len(acts) == 0 {
		return nil, canopy.Errorf(canopy.EFORBIDDEN, "you may not see this site's workflows")
	}
	return acts, nil
}

func taskNames(w *canopy.Workflow) string {
	var names []string
	for _, t := range w.Tasks {
		if t.Active {
			names = append(names, t.Name)
		}
	}
	return strings.Join(names, " → ")
}

func (u *UI) workflowsList(q *req) error {
	acts, err := u.workflowsAllowed(q)
	if err != nil {
		return err
	}
	qs := strings.TrimSpace(q.r.URL.Query().Get("q"))
	offset := pageNumber(q.r, workflowsPageSize)
	list, total, err := q.a.Workflows(q.ctx(), qs, workflowsPageSize, offset)
	if err != nil {
		return err
	}
	// How many pages wait in each (one statement for the whole site).
	waiting, _, err := q.a.ModerationReport(q.ctx(), 0, -1, 0)
	if err != nil {
		return err
	}
	counts := map[int64]int{}
	for _, r := range waiting {
		counts[r.WorkflowID]++
	}
	rows := make([]workflowRow, len(list))
	for i, w := range list {
		rows[i] = workflowRow{Workflow: w, Tasks: taskNames(w), InModeration: counts[w.ID]}
	}
	base := searchBase("/admin/workflows/", qs)
	q.crumbs = []crumb{{Label: "Workflows"}}
	return q.render(http.StatusOK, "workflows", "Workflows", map[string]any{"Rows": rows, "Q": qs, "Total": total, "Actions": acts,
		"Pager": makePager(base, total, offset, workflowsPageSize)})
}

type groupChoice struct {
	ID      int64
	Name    string
	Checked bool
}

// taskSlot is one task in the workflow form.
type taskSlot struct {
	Index       int
	ID          int64
	Active      bool
	Name        formField
	Groups      []groupChoice
	GroupsError string
	First, Last bool
}

type attachedPage struct {
	ID    int64
	Title string
}

type workflowForm struct {
	IsNew        bool
	W            *canopy.Workflow
	Name         formField
	Reapprove    formField
	Tasks        []taskSlot
	TasksError   string
	Errors       []summaryItem
	Unsaved      bool
	CanChange    bool
	Pages        []attachedPage
	Attach       formField
	Waiting      []canopy.ModerationRow
	WaitingTotal int
	// attachValue, attachError: a refused attachment, shown beside the chooser.
	attachValue, attachError string
}

// workflowOf loads one of this site's workflows (another site's: 404).
func (u *UI) workflowOf(q *req) (*canopy.Workflow, []string, error) {
	return objectOf(q, u.workflowsAllowed, q.a.Workflow)
}

func (u *UI) workflowAdd(q *req) error {
	acts, err := u.workflowsAllowed(q)
	if err != nil {
		return err
	}
	if !slices.Contains(acts, "add") {
		return canopy.Errorf(canopy.EFORBIDDEN, "you may not add workflows")
	}
	f := &workflowForm{IsNew: true, CanChange: true}
	return u.workflowForm(q, f, nil)
}

func (u *UI) workflowEdit(q *req) error {
	w, acts, err := u.workflowOf(q)
	if err != nil {
		return err
	}
	f := &workflowForm{W: w, CanChange: slices.Contains(acts, "change")}
	if q.r.Method == http.MethodPost && !f.CanChange {
		return canopy.Errorf(canopy.EFORBIDDEN, "you may not change workflows")
	}
	return u.workflowForm(q, f, w)
}

// workflowForm shows the form (from the workflow, or as posted) and saves it.
func (u *UI) workflowForm(q *req, f *workflowForm, w *canopy.Workflow) error {
	groups, err := q.a.ReviewerGroups(q.ctx())
	if err != nil {
		return err
	}
	f.Name = formField{ID: "id_name", Name: "name", Label: "Name", Kind: "text", Required: true, MaxLength: 255}
	f.Reapprove = formField{ID: "id_reapprove", Name: "reapprove_on_edit", Label: "Ask for approval again when a page in moderation is edited", Kind: "boolean",
		Help: "Otherwise an edit during review keeps the approvals given so far."}
	slot := func(i int, t canopy.WorkflowTask) taskSlot {
		s := taskSlot{Index: i, ID: t.ID, Active: true, Name: formField{ID: "task-" + strconv.Itoa(i) + "-name", Name: "task-" + strconv.Itoa(i) + "-name",
			Label: "Task name", Kind: "text", Required: true, MaxLength: 255, Value: t.Name}}
		for _, g := range groups {
			s.Groups = append(s.Groups, groupChoice{ID: g.ID, Name: g.Name, Checked: slices.Contains(t.GroupIDs, g.ID)})
		}
		return s
	}
	var tasks []canopy.WorkflowTask
	status := http.StatusOK
	if q.r.Method == http.MethodGet {
		if w != nil {
			f.Name.Value, f.Reapprove.Checked = w.Name, w.ReapproveOnEdit
			for _, t := range w.Tasks {
				if t.Active {
					tasks = append(tasks, t)
				}
			}
		} else {
			tasks = []canopy.WorkflowTask{{}}
		}
	} else {
		form := q.r.PostForm
		f.Name.Value = strings.TrimSpace(form.Get("name"))
		f.Reapprove.Checked = form.Get("reapprove_on_edit") != ""
		n, _ := strconv.Atoi(form.Get("tasks"))
		for i := 0; i < min(n, 100); i++ {
			p := "task-" + strconv.Itoa(i) + "-"
			t := canopy.WorkflowTask{Name: strings.TrimSpace(form.Get(p + "name")), Active: true}
			t.ID, _ = strconv.ParseInt(form.Get(p+"id"), 10, 64)
			for _, s := range form[p+"groups"] {
				if id, err := strconv.ParseInt(s, 10, 64); err == nil {
					t.GroupIDs = append(t.GroupIDs, id)
				}
			}
			tasks = append(tasks, t)
		}
		// The buttons that rearrange the form without saving it.
		op, arg, _ := strings.Cut(form.Get("op"), "-")
		i, _ := strconv.Atoi(arg)
		switch {
		case op == "add":
			tasks = append(tasks, canopy.WorkflowTask{})
		case op == "up" && i > 0 && i < len(tasks):
			tasks[i-1], tasks[i] = tasks[i], tasks[i-1]
		case op == "down" && i >= 0 && i < len(tasks)-1:
			tasks[i+1], tasks[i] = tasks[i], tasks[i+1]
		case op == "remove" && i >= 0 && i < len(tasks):
			tasks = slices.Delete(tasks, i, i+1)
		}
		if op != "" {
			f.Unsaved = true
		} else {
			status = http.StatusBadRequest
			// Empty new slots are left out; the rest must be whole.
			tasks = slices.DeleteFunc(tasks, func(t canopy.WorkflowTask) bool { return t.ID == 0 && t.Name == "" && len(t.GroupIDs) == 0 })
		}
	}
	for i, t := range tasks {
		f.Tasks = append(f.Tasks, slot(i, t))
	}
	for i := range f.Tasks {
		f.Tasks[i].First, f.Tasks[i].Last = i == 0, i == len(f.Tasks)-1
	}
	if q.r.Method == http.MethodPost && !f.Unsaved {
		ok := true
		if f.Name.Value == "" {
			f.Name.Error, ok = "Name the workflow.", false
		}
		if len(tasks) == 0 {
			f.TasksError, ok = "Add at least one task: a workflow without tasks would approve nothing.", false
		}
		for i, t := range tasks {
			if t.Name == "" {
				f.Tasks[i].Name.Error, ok = "Name the task.", false
			}
			if len(t.GroupIDs) == 0 {
				f.Tasks[i].GroupsError, ok = "Choose at least one group whose members review this task.", false
			}
		}
		if ok {
			id := int64(0)
			if w != nil {
				id = w.ID
			}
			saved, err := q.a.SaveWorkflow(q.ctx(), id, canopy.WorkflowInput{Name: f.Name.Value, ReapproveOnEdit: f.Reapprove.Checked, Tasks: tasks})
			if err == nil {
				msg := "The workflow “" + saved.Name + "” is saved."
				if f.IsNew {
					msg += " Attach it to the pages it should moderate."
				}
				return q.redirect("/admin/workflows/"+strconv.FormatInt(saved.ID, 10)+"/", "success", msg)
			}
			if !formError(err) && canopy.ErrorCode(err) != canopy.ENOTFOUND {
				return err
			}
			if canopy.ErrorCode(err) == canopy.ECONFLICT {
				f.Name.Error = sentence(canopy.ErrorMessage(err))
			} else {
				f.Errors = append(f.Errors, summaryItem{Message: sentence(canopy.ErrorMessage(err))})
			}
		}
	}
	if f.Name.Error != "" {
		f.Errors = append(f.Errors, summaryItem{Anchor: f.Name.ID, Label: f.Name.Label, Message: f.Name.Error})
	}
	if f.TasksError != "" {
		f.Errors = append(f.Errors, summaryItem{Anchor: "tasks", Label: "Tasks", Message: f.TasksError})
	}
	for _, t := range f.Tasks {
		if t.Name.Error != "" {
			f.Errors = append(f.Errors, summaryItem{Anchor: t.Name.ID, Label: "Task " + strconv.Itoa(t.Index+1), Message: t.Name.Error})
		}
		if t.GroupsError != "" {
			f.Errors = append(f.Errors, summaryItem{Anchor: "task-" + strconv.Itoa(t.Index) + "-groups", Label: "Task " + strconv.Itoa(t.Index+1), Message: t.GroupsError})
		}
	}
	if f.attachError != "" {
		f.Errors = append(f.Errors, summaryItem{Anchor: "attach_page", Label: "Attach to a page", Message: f.attachError})
		status = http.StatusBadRequest
	} else if len(f.Errors) == 0 {
		status = http.StatusOK
	}
	if w != nil {
		if err := u.workflowPages(q, f, w); err != nil {
			return err
		}
	}
	title := "Add a workflow"
	if w != nil {
		title = w.Name
		q.crumbs = []crumb{{Label: "Workflows", URL: "/admin/workflows/"}, {Label: w.Name}}
	} else {
		q.crumbs = []crumb{{Label: "Workflows", URL: "/admin/workflows/"}, {Label: "Add a workflow"}}
	}
	return q.render(status, "workflow_form", title, f)
}

// workflowPages fills the pages the workflow is attached to and those in it now.
func (u *UI) workflowPages(q *req, f *workflowForm, w *canopy.Workflow) error {
	refs, err := q.a.Refs(q.ctx(), map[string][]int64{"page": w.PageIDs})
	if err != nil {
		return err
	}
	for _, id := range w.PageIDs {
		title := "Page " + strconv.FormatInt(id, 10)
		if r, ok := refs["page"][id]; ok {
			title = r.Title
		}
		f.Pages = append(f.Pages, attachedPage{ID: id, Title: title})
	}
	f.Attach = formField{ID: "attach_page", Name: "page", Label: "Attach to a page", Kind: "page", ChooserURL: "/admin/choose/page/", ChooseWhat: "a page",
		Help: "The workflow moderates this page and every page below it that has no workflow of its own."}
	f.Attach.Value, f.Attach.Error = f.attachValue, f.attachError
	f.Waiting, f.WaitingTotal, err = q.a.ModerationReport(q.ctx(), w.ID, 20, 0)
	return err
}

// workflowAttach attaches the workflow to a page, or detaches it from one.
func (u *UI) workflowAttach(q *req) error {
	w, acts, err := u.workflowOf(q)
	if err != nil {
		return err
	}
	if !slices.Contains(acts, "change") {
		return canopy.Errorf(canopy.EFORBIDDEN, "you may not change workflows")
	}
	back := "/admin/workflows/" + strconv.FormatInt(w.ID, 10) + "/"
	if d := q.r.PostFormValue("detach"); d != "" {
		id, err := strconv.ParseInt(d, 10, 64)
		if err != nil || !slices.Contains(w.PageIDs, id) {
			return canopy.Errorf(canopy.ENOTFOUND, "the workflow is not attached to page %s", d)
		}
		if err := q.a.AttachWorkflow(q.ctx(), id, 0); err != nil {
			return err
		}
		return q.redirect(back+"#pages-heading", "success", "The workflow no longer moderates that page (nor, through it, the pages below it).")
	}
	f := &workflowForm{W: w, CanChange: true}
	id, perr := strconv.ParseInt(strings.TrimSpace(q.r.PostFormValue("page")), 10, 64)
	if perr == nil && id > 0 {
		err = q.a.AttachWorkflow(q.ctx(), id, w.ID)
		if err == nil {
			return q.redirect(back+"#pages-heading", "success", "The workflow now moderates the page and the pages below it.")
		}
		if !formError(err) && canopy.ErrorCode(err) != canopy.ENOTFOUND && canopy.ErrorCode(err) != canopy.EFORBIDDEN {
			return err
		}
	}
	// Shown again with the message beside the chooser.
	msg := "Choose the page the workflow should moderate."
	if perr == nil && id > 0 {
		msg = "There is no page " + strconv.FormatInt(id, 10) + " on this site that you may attach a workflow to."
		if err != nil && canopy.ErrorCode(err) == canopy.EINVALID {
			msg = sentence(canopy.ErrorMessage(err))
		}
	}
	f.attachValue, f.attachError = q.r.PostFormValue("page"), msg
	q.r.Method = http.MethodGet
	return u.workflowForm(q, f, w)
}

// workflowActive deactivates (with a confirmation saying what it ends) or
// activates a workflow.
func (u *UI) workflowActive(q *req) error {
	w, acts, err := u.workflowOf(q)
	if err != nil {
		return err
	}
	if !slices.Contains(acts, "change") {
		return canopy.Errorf(canopy.EFORBIDDEN, "you may not change workflows")
	}
	activate := strings.HasSuffix(q.r.URL.Path, "/activate/")
	back := "/admin/workflows/" + strconv.FormatInt(w.ID, 10) + "/"
	if q.r.Method == http.MethodPost {
		if _, err := q.a.SetWorkflowActive(q.ctx(), w.ID, activate); err != nil {
			return err
		}
		if activate {
			return q.redirect(back, "success", "The workflow “"+w.Name+"” is active again. Attach it to the pages it should moderate.")
		}
		return q.redirect(back, "success", "The workflow “"+w.Name+"” is deactivated: its reviews are cancelled and it moderates no page.")
	}
	_, waiting, err := q.a.ModerationReport(q.ctx(), w.ID, 0, 0)
	if err != nil {
		return err
	}
	q.crumbs = []crumb{{Label: "Workflows", URL: "/admin/workflows/"}, {Label: w.Name, URL: back}, {Label: "Deactivate"}}
	return q.render(http.StatusOK, "workflow_deactivate", "Deactivate “"+w.Name+"”?", map[string]any{"W": w, "Waiting": waiting, "Pages": len(w.PageIDs)})
}

const moderationPageSize = 50

// moderationReport lists every page in moderation on this site, the longest
// waiting first.
func (u *UI) moderationReport(q *req) error {
	if _, err := u.workflowsAllowed(q); err != nil {
		return err
	}
	q.section = "reports"
	offset := pageNumber(q.r, moderationPageSize)
	rows, total, err := q.a.ModerationReport(q.ctx(), 0, moderationPageSize, offset)
	if err != nil {
		return err
	}
	q.crumbs = []crumb{{Label: "Reports"}, {Label: "Pages in moderation"}}
	return q.render(http.StatusOK, "report_moderation", "Pages in moderation", map[string]any{"Rows": rows, "Total": total,
		"Pager": makePager(url.URL{Path: "/admin/reports/moderation/"}, total, offset, moderationPageSize)})
}
