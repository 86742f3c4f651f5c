// Moderation workflows, their runs on pages, and notifications.
package canopy

import "time"

// Notification is one stored notification of a user on a site.
type Notification struct {
	ID        int64      `json:"id"`
	Kind      string     `json:"kind"`
	PageID    int64      `json:"page_id"`
	Subject   string     `json:"subject"`
	Body      string     `json:"body"`
	CreatedAt time.Time  `json:"created_at"`
	ReadAt    *time.Time `json:"read_at"`
	// ActorID did what the notification is about (Actor: their name);
	// PageTitle is the page's title then; Task names the task (or, for a
	// submission, the workflow); Comment is the reviewer's; RevisionID the
	// revision concerned; Published: the approval made it live.
	ActorID    int64  `json:"actor_id,omitempty"`
	Actor      string `json:"actor,omitempty"`
	PageTitle  string `json:"page_title,omitempty"`
	Task       string `json:"task,omitempty"`
	Comment    string `json:"comment,omitempty"`
	RevisionID int64  `json:"revision_id,omitempty"`
	Published  bool   `json:"published,omitempty"`
}

// Workflow is a site's moderation workflow: ordered group approval tasks.
type Workflow struct {
	ID              int64          `json:"id"`
	SiteID          int64          `json:"site_id"`
	Name            string         `json:"name"`
	Active          bool           `json:"active"`
	ReapproveOnEdit bool           `json:"reapprove_on_edit"`
	Tasks           []WorkflowTask `json:"tasks"`
	PageIDs         []int64        `json:"pages"`
}

// WorkflowTask is a group approval task: members of its groups review.
type WorkflowTask struct {
	ID       int64   `json:"id"`
	Name     string  `json:"name"`
	Active   bool    `json:"active"`
	GroupIDs []int64 `json:"groups"`
}

// WorkflowInput is a workflow as its editor saves it. Tasks are given in
// order; a task with an ID keeps its identity (and its history); existing
// tasks left out are deactivated.
type WorkflowInput struct {
	Name            string
	ReapproveOnEdit bool
	Tasks           []WorkflowTask
}

// WorkflowState is a run of a workflow on a page.
type WorkflowState struct {
	ID          int64      `json:"id"`
	PageID      int64      `json:"page_id"`
	WorkflowID  int64      `json:"workflow_id"`
	Status      string     `json:"status"`
	RequestedBy int64      `json:"requested_by"`
	Task        *TaskState `json:"current_task"`
	CreatedAt   time.Time  `json:"created_at"`
}

// TaskState is one task's run within a workflow state.
type TaskState struct {
	ID         int64        `json:"id"`
	Task       WorkflowTask `json:"task"`
	RevisionID int64        `json:"revision_id"`
	Status     string       `json:"status"`
	FinishedBy int64        `json:"finished_by"`
	Comment    string       `json:"comment"`
}

// DefaultWorkflow is the installation's default workflow that new sites get:
// its task groups are named (each site has its own groups).
type DefaultWorkflow struct {
	Name            string        `json:"name"`
	ReapproveOnEdit bool          `json:"reapprove_on_edit"`
	Tasks           []DefaultTask `json:"tasks"`
}

// DefaultTask is a task of the default workflow, its groups by name.
type DefaultTask struct {
	Name   string   `json:"name"`
	Groups []string `json:"groups"`
}

// ModerationRow is a page in moderation as the moderation report shows it:
// its workflow, the task it waits on (or that asked for changes), who
// submitted it and since when it has waited.
type ModerationRow struct {
	PageID       int64     `json:"page_id"`
	Title        string    `json:"title"`
	WorkflowID   int64     `json:"workflow_id"`
	WorkflowName string    `json:"workflow"`
	TaskName     string    `json:"task"`
	Status       string    `json:"status"` // in_progress, needs_changes
	RequestedBy  string    `json:"requested_by"`
	SubmittedAt  time.Time `json:"submitted_at"`
	// Since is when the current task began (or changes were asked for).
	Since time.Time `json:"since"`
}
