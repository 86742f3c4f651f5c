package adminapi

import (
	"net/http"
	"strconv"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/httpkit"
)

func (s *API) workflowRoutes(m *http.ServeMux) {
	m.HandleFunc("GET /admin/api/workflows", s.admin(s.listWorkflows, false))
	m.HandleFunc("POST /admin/api/workflows", s.admin(s.createWorkflow, false))
	m.HandleFunc("GET /admin/api/workflows/{id}", s.admin(s.getWorkflow, false))
	m.HandleFunc("PATCH /admin/api/workflows/{id}", s.admin(s.updateWorkflow, false))
	m.HandleFunc("PUT /admin/api/pages/{id}/workflow", s.admin(s.attachWorkflow, false))
	m.HandleFunc("GET /admin/api/pages/{id}/moderation", s.admin(s.getModeration, false))
	m.HandleFunc("POST /admin/api/pages/{id}/submit", s.admin(s.submitPage, false))
	m.HandleFunc("POST /admin/api/pages/{id}/approve", s.admin(s.reviewPage(true), false))
	m.HandleFunc("POST /admin/api/pages/{id}/reject", s.admin(s.reviewPage(false), false))
	m.HandleFunc("POST /admin/api/pages/{id}/cancel-moderation", s.admin(s.cancelModeration(false), false))
	m.HandleFunc("POST /admin/api/pages/{id}/restart-moderation", s.admin(s.cancelModeration(true), false))
	m.HandleFunc("GET /admin/api/reviews", s.admin(s.listReviews, false))
	m.HandleFunc("GET /admin/api/reports/moderation", s.admin(s.moderationReport, false))
	m.HandleFunc("GET /admin/api/default-workflow", s.admin(s.getDefaultWorkflow, false))
	m.HandleFunc("GET /admin/api/notifications", s.admin(s.listNotifications, false))
	m.HandleFunc("POST /admin/api/notifications/read", s.admin(s.readNotifications, false))
	m.HandleFunc("GET /admin/api/notification-preferences", s.admin(s.getNotificationPrefs, false))
	m.HandleFunc("PUT /admin/api/notification-preferences", s.admin(s.setNotificationPrefs, false))
	m.HandleFunc("PUT /admin/api/default-workflow", s.admin(s.setDefaultWorkflow, false))
}

type workflowBody struct {
	Name            *string                `json:"name"`
	ReapproveOnEdit *bool                  `json:"reapprove_on_edit"`
	Tasks           *[]canopy.WorkflowTask `json:"tasks"`
	Active          *bool                  `json:"active"`
}

func (s *API) listWorkflows(w http.ResponseWriter, r *http.Request, ar *httpkit.AdminRequest) error {
	limit, offset, err := adminPaging(r)
	if err != nil {
		return err
	}
	list, total, err := ar.Admin.Workflows(r.Context(), r.URL.Query().Get("q"), limit, offset)
	if err != nil {
		return err
	}
	httpkit.WriteJSON(w, http.StatusOK, listBody(total, list))
	return nil
}

// moderationReport lists the site's pages in moderation, the longest
// waiting first (?workflow=ID narrows it to one workflow).
func (s *API) moderationReport(w http.ResponseWriter, r *http.Request, ar *httpkit.AdminRequest) error {
	limit, offset, err := adminPaging(r)
	if err != nil {
		return err
	}
	var wf int64
	if v := r.URL.Query().Get("workflow"); v != "" {
		if wf, err = strconv.ParseInt(v, 10, 64); err != nil || wf <= 0 {
			return canopy.Errorf(canopy.EINVALID, "workflow must be a workflow id")
		}
	}
	rows, total, err := ar.Admin.ModerationReport(r.Context(), wf, limit, offset)
	if err != nil {
		return err
	}
	httpkit.WriteJSON(w, http.StatusOK, listBody(total, rows))
	return nil
}

func (s *API) getWorkflow(w http.ResponseWriter, r *http.Request, ar *httpkit.AdminRequest) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	wf, err := ar.Admin.Workflow(r.Context(), id)
	if err != nil {
		return err
	}
	httpkit.WriteJSON(w, http.StatusOK, wf)
	return nil
}

func (s *API) createWorkflow(w http.ResponseWriter, r *http.Request, ar *httpkit.AdminRequest) error {
	var in workflowBody
	if err := httpkit.DecodeJSON(r, &in); err != nil {
		return err
	}
	if in.Name == nil || in.Tasks == nil {
		return canopy.Errorf(canopy.EINVALID, "name and tasks are required")
	}
	wi := canopy.WorkflowInput{Name: *in.Name, Tasks: *in.Tasks}
	for i := range wi.Tasks {
		wi.Tasks[i].ID, wi.Tasks[i].Active = 0, true
	}
	if in.ReapproveOnEdit != nil {
		wi.ReapproveOnEdit = *in.ReapproveOnEdit
	}
	wf, err := ar.Admin.SaveWorkflow(r.Context(), 0, wi)
	if err != nil {
		return err
	}
	httpkit.WriteJSON(w, http.StatusCreated, wf)
	return nil
}

func (s *API) updateWorkflow(w http.ResponseWriter, r *http.Request, ar *httpkit.AdminRequest) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in workflowBody
	if err := httpkit.DecodeJSON(r, &in); err != nil {
		return err
	}
	cur, err := ar.Admin.Workflow(r.Context(), id)
	if err != nil {
		return err
	}
	if in.Name != nil || in.Tasks != nil || in.ReapproveOnEdit != nil {
		wi := canopy.WorkflowInput{Name: cur.Name, ReapproveOnEdit: cur.ReapproveOnEdit}
		for _, t := range cur.Tasks {
			if t.Active {
				wi.Tasks = append(wi.Tasks, t)
			}
		}
		if in.Name != nil {
			wi.Name = *in.Name
		}
		if in.ReapproveOnEdit != nil {
			wi.ReapproveOnEdit = *in.ReapproveOnEdit
		}
		if in.Tasks != nil {
			wi.Tasks = *in.Tasks
			for i := range wi.Tasks {
				wi.Tasks[i].Active = true
			}
		}
		if cur, err = ar.Admin.SaveWorkflow(r.Context(), id, wi); err != nil {
			return err
		}
	}
	if in.Active != nil && *in.Active != cur.Active {
		if cur, err = ar.Admin.SetWorkflowActive(r.Context(), id, *in.Active); err != nil {
			return err
		}
	}
	httpkit.WriteJSON(w, http.StatusOK, cur)
	return nil
}

func (s *API) attachWorkflow(w http.ResponseWriter, r *http.Request, ar *httpkit.AdminRequest) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in struct {
		WorkflowID *int64 `json:"workflow_id"`
	}
	if err := httpkit.DecodeJSON(r, &in); err != nil {
		return err
	}
	var wid int64
	if in.WorkflowID != nil {
		wid = *in.WorkflowID
	}
	if err := ar.Admin.AttachWorkflow(r.Context(), id, wid); err != nil {
		return err
	}
	return s.getModeration(w, r, ar)
}

func (s *API) getModeration(w http.ResponseWriter, r *http.Request, ar *httpkit.AdminRequest) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	st, err := ar.Admin.ModerationState(r.Context(), id)
	if err != nil {
		return err
	}
	httpkit.WriteJSON(w, http.StatusOK, map[string]any{"state": st})
	return nil
}

func (s *API) submitPage(w http.ResponseWriter, r *http.Request, ar *httpkit.AdminRequest) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	st, err := ar.Admin.Submit(r.Context(), id)
	if err != nil {
		return err
	}
	httpkit.WriteJSON(w, http.StatusOK, map[string]any{"state": st})
	return nil
}

func (s *API) reviewPage(approve bool) adminHandler {
	return func(w http.ResponseWriter, r *http.Request, ar *httpkit.AdminRequest) error {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		var in struct {
			Comment string `json:"comment"`
		}
		if err := httpkit.DecodeOptionalJSON(r, &in); err != nil {
			return err
		}
		published, st, err := ar.Admin.Review(r.Context(), id, approve, in.Comment)
		if err != nil {
			return err
		}
		httpkit.WriteJSON(w, http.StatusOK, map[string]any{"state": st, "published": published})
		return nil
	}
}

func (s *API) cancelModeration(restart bool) adminHandler {
	return func(w http.ResponseWriter, r *http.Request, ar *httpkit.AdminRequest) error {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		if err := ar.Admin.CancelWorkflow(r.Context(), id, restart); err != nil {
			return err
		}
		return s.getModeration(w, r, ar)
	}
}

func (s *API) listReviews(w http.ResponseWriter, r *http.Request, ar *httpkit.AdminRequest) error {
	limit, offset, err := adminPaging(r)
	if err != nil {
		return err
	}
	list, total, err := ar.Admin.AwaitingReviewPage(r.Context(), limit, offset)
	if err != nil {
		return err
	}
	httpkit.WriteJSON(w, http.StatusOK, listBody(total, list))
	return nil
}

func (s *API) getDefaultWorkflow(w http.ResponseWriter, r *http.Request, ar *httpkit.AdminRequest) error {
	wf, err := ar.Admin.DefaultWorkflow(r.Context())
	if err != nil {
		return err
	}
	httpkit.WriteJSON(w, http.StatusOK, map[string]any{"workflow": wf})
	return nil
}

// setDefaultWorkflow takes {"workflow": {name, reapprove_on_edit, tasks:
// [{name, groups: ["Admins"]}]}} or {"workflow": null} to clear it.
func (s *API) setDefaultWorkflow(w http.ResponseWriter, r *http.Request, ar *httpkit.AdminRequest) error {
	var in struct {
		Workflow *canopy.DefaultWorkflow `json:"workflow"`
	}
	if err := httpkit.DecodeJSON(r, &in); err != nil {
		return err
	}
	wf, err := ar.Admin.SetDefaultWorkflow(r.Context(), in.Workflow)
	if err != nil {
		return err
	}
	httpkit.WriteJSON(w, http.StatusOK, map[string]any{"workflow": wf})
	return nil
}

func (s *API) listNotifications(w http.ResponseWriter, r *http.Request, ar *httpkit.AdminRequest) error {
	limit, offset, err := adminPaging(r)
	if err != nil {
		return err
	}
	list, total, err := ar.Admin.Notifications(r.Context(), limit, offset)
	if err != nil {
		return err
	}
	if list == nil {
		list = []*canopy.Notification{}
	}
	httpkit.WriteJSON(w, http.StatusOK, listBody(total, list))
	return nil
}

func (s *API) readNotifications(w http.ResponseWriter, r *http.Request, ar *httpkit.AdminRequest) error {
	if err := ar.Admin.MarkNotificationsRead(r.Context()); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *API) getNotificationPrefs(w http.ResponseWriter, r *http.Request, ar *httpkit.AdminRequest) error {
	p, err := ar.Admin.NotificationPrefs(r.Context())
	if err != nil {
		return err
	}
	httpkit.WriteJSON(w, http.StatusOK, p)
	return nil
}

func (s *API) setNotificationPrefs(w http.ResponseWriter, r *http.Request, ar *httpkit.AdminRequest) error {
	var in map[string]bool
	if err := httpkit.DecodeJSON(r, &in); err != nil {
		return err
	}
	p, err := ar.Admin.SetNotificationPrefs(r.Context(), in)
	if err != nil {
		return err
	}
	httpkit.WriteJSON(w, http.StatusOK, p)
	return nil
}
