package adminapi

import (
	"net/http"
	"strconv"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/httpkit"
	"github.com/canopy-cms/canopy/service"
)

// The admin JSON API at /admin/api/ (docs/behaviour/admin-api.md, docs/api.md).

// adminError writes {"error":{"code","message"}} (and "field" when the
// error names the input it is about).
func (s *API) adminError(w http.ResponseWriter, r *http.Request, err error) {
	code, status, msg := s.kit.Classify(w, r, err)
	body := map[string]string{"code": code, "message": msg}
	if f := canopy.ErrorField(err); f != "" {
		body["field"] = f
	}
	httpkit.WriteJSON(w, status, map[string]any{"error": body})
}

type adminHandler func(w http.ResponseWriter, r *http.Request, ar *httpkit.AdminRequest) error

// admin wraps a handler: the kit authenticates the request on its site
// (with cross-origin protection for cookie-authenticated writes), loads the
// grants once and, unless open, requires admin access; errors are JSON.
func (s *API) admin(h adminHandler, open bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ar, err := s.kit.AdminFor(r, open)
		if err == nil {
			err = h(w, r, ar)
		}
		if err != nil {
			s.adminError(w, r, err)
		}
	}
}

func (s *API) login(w http.ResponseWriter, r *http.Request) {
	site := s.kit.Resolve(r)
	if site == nil {
		s.adminError(w, r, canopy.Errorf(canopy.ENOTFOUND, "no site is configured for this host"))
		return
	}
	if err := s.kit.COP.Check(r); err != nil {
		s.adminError(w, r, canopy.Errorf(canopy.EFORBIDDEN, "cross-origin login refused"))
		return
	}
	var in struct {
		Username string `json:"username"`
		Password string `json:"password"`
	}
	if err := httpkit.DecodeJSON(r, &in); err != nil {
		s.adminError(w, r, err)
		return
	}
	a, err := s.kit.Login(w, r, site, in.Username, in.Password)
	if err != nil {
		s.adminError(w, r, err)
		return
	}
	httpkit.WriteJSON(w, http.StatusOK, s.meBody(a, site))
}

func (s *API) logout(w http.ResponseWriter, r *http.Request, ar *httpkit.AdminRequest) error {
	if ar.ViaCookie {
		if err := s.kit.EndSession(w, r); err != nil {
			return err
		}
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *API) meBody(a *service.Admin, site *canopy.Site) map[string]any {
	groups := []map[string]any{}
	for _, g := range a.Access.Groups {
		groups = append(groups, map[string]any{"id": g.ID, "name": g.Name, "site_id": nullable(g.SiteID)})
	}
	models := a.Access.Models
	if models == nil {
		models = []string{}
	}
	return map[string]any{"user": a.User, "site": siteBody(site), "groups": groups, "model_permissions": models}
}

func nullable(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func nonNilList(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func siteBody(site *canopy.Site) map[string]any {
	return map[string]any{"id": site.ID, "hostname": site.Hostname, "port": site.Port, "name": site.Name,
		"is_default": site.IsDefault, "root_page_id": site.RootPageID, "root_collection_id": site.RootCollectionID,
		"theme": site.Theme, "features": nonNilFeatures(site.Features), "root_url": site.RootURL(), "language": site.Language,
		"aliases": nonNilList(site.Aliases)}
}

func (s *API) me(w http.ResponseWriter, r *http.Request, ar *httpkit.AdminRequest) error {
	body := s.meBody(ar.Admin, ar.Site)
	root, err := ar.Admin.ExplorerRoot(r.Context())
	if err != nil {
		return err
	}
	body["explorer_root_page_id"] = nil
	if root != nil {
		body["explorer_root_page_id"] = root.ID
	}
	httpkit.WriteJSON(w, http.StatusOK, body)
	return nil
}

// updateAccount changes the caller's own account: names, and with the
// current password, email and password. A new password ends every other
// session and every token of the account, on every site.
func (s *API) updateAccount(w http.ResponseWriter, r *http.Request, ar *httpkit.AdminRequest) error {
	var in struct {
		CurrentPassword string  `json:"current_password"`
		Email           *string `json:"email"`
		FirstName       *string `json:"first_name"`
		LastName        *string `json:"last_name"`
		Password        *string `json:"password"`
	}
	if err := httpkit.DecodeJSON(r, &in); err != nil {
		return err
	}
	keep := ""
	if c, err := r.Cookie(httpkit.SessionCookie); err == nil && ar.ViaCookie {
		keep = service.SessionKey(c.Value)
	}
	// Wrong current passwords count as failed logins of the account: a
	// stolen session cannot be used to guess the password.
	keys := s.kit.PasswordKeys(r, ar.Admin.User.Username)
	if in.Email != nil || in.Password != nil {
		if err := s.kit.PasswordThrottle(w, keys, "current_password"); err != nil {
			return err
		}
	}
	u, err := ar.Admin.UpdateAccount(r.Context(), service.AccountInput{CurrentPassword: in.CurrentPassword, Email: in.Email,
		FirstName: in.FirstName, LastName: in.LastName, Password: in.Password}, keep)
	if canopy.ErrorField(err) == "current_password" {
		s.kit.Logins.Fail(keys)
	}
	if err != nil {
		return err
	}
	ar.Admin.User = u
	return s.me(w, r, ar)
}

func (s *API) getSite(w http.ResponseWriter, r *http.Request, ar *httpkit.AdminRequest) error {
	body := siteBody(ar.Site)
	body["features"] = map[string]any{}
	httpkit.WriteJSON(w, http.StatusOK, body)
	return nil
}

func (s *API) pageTypes(w http.ResponseWriter, r *http.Request, ar *httpkit.AdminRequest) error {
	items := []map[string]any{}
	for _, pt := range s.svc.Types.All() {
		if pt.Name == canopy.RootType {
			continue
		}
		var parents, subs any = pt.ParentTypes, pt.SubpageTypes
		if pt.ParentTypes == nil {
			parents = "any"
		}
		if pt.SubpageTypes == nil {
			subs = "any"
		}
		items = append(items, map[string]any{"name": pt.Name, "label": pt.Label, "fields": pt.Fields,
			"parent_page_types": parents, "subpage_types": subs, "creatable": !pt.NotCreatable})
	}
	httpkit.WriteJSON(w, http.StatusOK, map[string]any{"meta": map[string]any{"total_count": len(items)}, "items": items})
	return nil
}

func (s *API) listTokens(w http.ResponseWriter, r *http.Request, ar *httpkit.AdminRequest) error {
	toks, err := ar.Admin.Tokens(r.Context())
	if err != nil {
		return err
	}
	httpkit.WriteJSON(w, http.StatusOK, map[string]any{"meta": map[string]any{"total_count": len(toks)}, "items": toks})
	return nil
}

func (s *API) createToken(w http.ResponseWriter, r *http.Request, ar *httpkit.AdminRequest) error {
	var in struct {
		Name          string `json:"name"`
		ExpiresInDays int    `json:"expires_in_days"`
	}
	if err := httpkit.DecodeJSON(r, &in); err != nil {
		return err
	}
	tok, secret, err := ar.Admin.CreateToken(r.Context(), in.Name, in.ExpiresInDays)
	if err != nil {
		return err
	}
	httpkit.WriteJSON(w, http.StatusCreated, map[string]any{"id": tok.ID, "name": tok.Name, "site_id": tok.SiteID, "created_at": tok.CreatedAt,
		"expires_at": tok.ExpiresAt, "token": secret})
	return nil
}

func (s *API) deleteToken(w http.ResponseWriter, r *http.Request, ar *httpkit.AdminRequest) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := ar.Admin.DeleteToken(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func pathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, canopy.Errorf(canopy.ENOTFOUND, "%s %q not found", name, r.PathValue(name))
	}
	return id, nil
}
