package adminapi

import (
	"mime"
	"net/http"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/httpkit"
	"github.com/canopy-cms/canopy/service"
)

func (s *API) redirectRoutes(m *http.ServeMux) {
	m.HandleFunc("GET /admin/api/redirects", s.admin(s.listRedirects, false))
	m.HandleFunc("POST /admin/api/redirects", s.admin(s.createRedirect, false))
	m.HandleFunc("POST /admin/api/redirects/import", s.admin(s.importRedirects, false))
	m.HandleFunc("GET /admin/api/redirects/{id}", s.admin(s.getRedirect, false))
	m.HandleFunc("PATCH /admin/api/redirects/{id}", s.admin(s.updateRedirect, false))
	m.HandleFunc("DELETE /admin/api/redirects/{id}", s.admin(s.deleteRedirect, false))
}

type redirectInput struct {
	OldPath        string `json:"old_path"`
	RedirectPageID int64  `json:"redirect_page_id"`
	RedirectLink   string `json:"redirect_link"`
	IsPermanent    *bool  `json:"is_permanent"`
}

func (in redirectInput) service() service.RedirectInput {
	perm := true
	if in.IsPermanent != nil {
		perm = *in.IsPermanent
	}
	return service.RedirectInput{OldPath: in.OldPath, RedirectPageID: in.RedirectPageID, RedirectLink: in.RedirectLink, IsPermanent: perm}
}

func (s *API) listRedirects(w http.ResponseWriter, r *http.Request, ar *httpkit.AdminRequest) error {
	limit, offset, err := adminPaging(r)
	if err != nil {
		return err
	}
	list, total, err := ar.Admin.Redirects(r.Context(), r.URL.Query().Get("search"), limit, offset)
	if err != nil {
		return err
	}
	httpkit.WriteJSON(w, http.StatusOK, listBody(total, list))
	return nil
}

func (s *API) getRedirect(w http.ResponseWriter, r *http.Request, ar *httpkit.AdminRequest) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	red, err := ar.Admin.Redirect(r.Context(), id)
	if err != nil {
		return err
	}
	httpkit.WriteJSON(w, http.StatusOK, red)
	return nil
}

func (s *API) createRedirect(w http.ResponseWriter, r *http.Request, ar *httpkit.AdminRequest) error {
	var in redirectInput
	if err := httpkit.DecodeJSON(r, &in); err != nil {
		return err
	}
	red, err := ar.Admin.CreateRedirect(r.Context(), in.service())
	if err != nil {
		return err
	}
	httpkit.WriteJSON(w, http.StatusCreated, red)
	return nil
}

func (s *API) updateRedirect(w http.ResponseWriter, r *http.Request, ar *httpkit.AdminRequest) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in redirectInput
	if err := httpkit.DecodeJSON(r, &in); err != nil {
		return err
	}
	red, err := ar.Admin.UpdateRedirect(r.Context(), id, in.service())
	if err != nil {
		return err
	}
	httpkit.WriteJSON(w, http.StatusOK, red)
	return nil
}

func (s *API) deleteRedirect(w http.ResponseWriter, r *http.Request, ar *httpkit.AdminRequest) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := ar.Admin.DeleteRedirect(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// importRedirects takes a CSV body (Content-Type: text/csv), at most 1 MiB.
func (s *API) importRedirects(w http.ResponseWriter, r *http.Request, ar *httpkit.AdminRequest) error {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "text/csv" {
		return canopy.Errorf(canopy.EINVALID, "send the CSV with Content-Type: text/csv")
	}
	partial := r.URL.Query().Get("partial") == "true"
	body := http.MaxBytesReader(w, r.Body, httpkit.MaxJSONBody)
	if r.URL.Query().Get("dry_run") == "true" {
		// What the import would do: its rows (new or replacing) and errors.
		res, err := ar.Admin.PreviewRedirectImport(r.Context(), body)
		if err != nil {
			return err
		}
		httpkit.WriteJSON(w, http.StatusOK, res)
		return nil
	}
	res, err := ar.Admin.ImportRedirects(r.Context(), body, partial)
	if err != nil {
		if res != nil && canopy.ErrorCode(err) == canopy.EINVALID {
			httpkit.WriteJSON(w, http.StatusBadRequest, map[string]any{"error": map[string]any{"code": canopy.EINVALID, "message": canopy.ErrorMessage(err), "rows": res.Errors}})
			return nil
		}
		return err
	}
	httpkit.WriteJSON(w, http.StatusOK, res)
	return nil
}
