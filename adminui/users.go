package adminui

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/service"
)

// Users of this site: its members with their roles here only (never where
// else they are members), search, filters by group and active state,
// pages; add an existing person found by username, name or whole email
// address, or create an account of this site; change roles here (at least
// one group), identity where it is this site's to change, the superuser
// flags for superusers only; remove from this site (the account stays for
// its other sites). Controls follow the user permissions; the service
// checks every POST again.

const usersPageSize = 50

func (u *UI) usersAllowed(q *req) ([]string, error) {
	q.section = "users"
	acts := q.a.UserActions()
	if len(acts) == 0 {
		return nil, canopy.Errorf(canopy.EFORBIDDEN, "you may not see this site's users")
	}
	return acts, nil
}

func (u *UI) usersList(q *req) error {
	acts, err := u.usersAllowed(q)
	if err != nil {
		return err
	}
	qs := q.r.URL.Query()
	f := canopy.MemberFilter{Q: strings.TrimSpace(qs.Get("q")), Limit: usersPageSize, Offset: pageNumber(q.r, usersPageSize)}
	status := qs.Get("status")
	switch status {
	case "active", "inactive":
		v := status == "active"
		f.Active = &v
	default:
		status = ""
	}
	if v := qs.Get("group"); v != "" {
		f.GroupID, _ = strconv.ParseInt(v, 10, 64)
	}
	var searchErr string
	if len(f.Q) > 200 {
		searchErr, f.Q = "The search is longer than 200 characters.", ""
	}
	groups, err := q.a.SiteGroups(q.ctx())
	if err != nil {
		return err
	}
	if f.GroupID != 0 && !slices.ContainsFunc(groups, func(g *canopy.Group) bool { return g.ID == f.GroupID }) {
		return canopy.Errorf(canopy.ENOTFOUND, "no such group on this site")
	}
	list, total, err := q.a.FilterMembers(q.ctx(), f)
	if err != nil {
		return err
	}
	keep := url.Values{}
	for k, v := range map[string]string{"q": f.Q, "status": status} {
		if v != "" {
			keep.Set(k, v)
		}
	}
	if f.GroupID != 0 {
		keep.Set("group", strconv.FormatInt(f.GroupID, 10))
	}
	base := url.URL{Path: "/admin/users/", RawQuery: keep.Encode()}
	q.crumbs = []crumb{{Label: "Users"}}
	return q.render(http.StatusOK, "users", "Users", map[string]any{"Members": list, "Total": total, "Q": f.Q, "Group": f.GroupID, "Status": status,
		"Groups": groups, "Actions": acts, "Error": searchErr, "Filtered": f.Q != "" || f.GroupID != 0 || status != "",
		"Pager": makePager(base, total, f.Offset, usersPageSize)})
}

// ---- add ----

type userAddData struct {
	Q, SearchError string
	Matches        []canopy.AccountMatch
	Searched       bool
	Groups         []*canopy.Group
	Chosen         map[int64]bool
	AddError       string
	AddUser        string
	// The new account's form.
	Username, Email, FirstName, LastName, Password formField
	NewGroupsError                                 string
	Errors                                         []summaryItem
	Superuser                                      bool
	// CanInvite: the installation sends e-mail; How is "invite" or "password".
	CanInvite bool
	How       string
}

func newAccountFields() (username, email, first, last, password formField) {
	return formField{ID: "id_username", Name: "username", Label: "Username", Kind: "text", Required: true, MaxLength: 150},
		formField{ID: "id_email", Name: "email", Label: "Email", Kind: "text", MaxLength: 254},
		formField{ID: "id_first_name", Name: "first_name", Label: "First name", Kind: "text", MaxLength: 150},
		formField{ID: "id_last_name", Name: "last_name", Label: "Last name", Kind: "text", MaxLength: 150},
		formField{ID: "id_password", Name: "password", Label: "Password", Kind: "password", Required: true, MaxLength: 72,
			Help: "8 to 72 characters; tell it to them safely, they change it on their account page."}
}

func (u *UI) userAdd(q *req) error {
	acts, err := u.usersAllowed(q)
	if err != nil {
		return err
	}
	if !slices.Contains(acts, "add") {
		return canopy.Errorf(canopy.EFORBIDDEN, "you may not add users to this site")
	}
	groups, err := q.a.SiteGroups(q.ctx())
	if err != nil {
		return err
	}
	d := &userAddData{Groups: groups, Chosen: map[int64]bool{}, Superuser: q.a.User.IsSuperuser, CanInvite: u.kit.Svc.MailConfigured(), How: "password"}
	if d.CanInvite {
		d.How = "invite"
	}
	d.Username, d.Email, d.FirstName, d.LastName, d.Password = newAccountFields()
	d.Password.Required = !d.CanInvite
	status := http.StatusOK
	if q.r.Method == http.MethodGet {
		d.Q = strings.TrimSpace(q.r.URL.Query().Get("q"))
		if d.Q != "" {
			d.Searched = true
			if d.Matches, err = q.a.FindAccounts(q.ctx(), d.Q); err != nil {
				if !formError(err) {
					return err
				}
				d.SearchError, status = sentence(canopy.ErrorMessage(err)), http.StatusBadRequest
			}
		}
	} else {
		ids, err := postedIDs(q.r, "groups")
		if err != nil {
			return err
		}
		for _, id := range ids {
			d.Chosen[id] = true
		}
		switch q.r.PostFormValue("action") {
		case "existing":
			d.AddUser = q.r.PostFormValue("user")
			if len(ids) == 0 {
				d.AddError = "Choose at least one group for them on this site."
			} else if m, err := q.a.AddExistingMember(q.ctx(), d.AddUser, ids); err == nil {
				return q.redirect("/admin/users/", "success", m.Username+" is now a member of this site.")
			} else if formError(err) || canopy.ErrorCode(err) == canopy.ENOTFOUND {
				d.AddError = sentence(canopy.ErrorMessage(err))
			} else {
				return err
			}
			d.Q, d.Searched = q.r.PostFormValue("q"), true
			if d.Q != "" {
				d.Matches, _ = q.a.FindAccounts(q.ctx(), d.Q)
			}
		case "create":
			in := service.MemberInput{Username: strings.TrimSpace(q.r.PostFormValue("username")), Groups: &ids}
			email, first, last, password := strings.TrimSpace(q.r.PostFormValue("email")), q.r.PostFormValue("first_name"), q.r.PostFormValue("last_name"), q.r.PostFormValue("password")
			in.Email, in.FirstName, in.LastName = &email, &first, &last
			d.Username.Value, d.Email.Value, d.FirstName.Value, d.LastName.Value = in.Username, email, first, last
			if d.How = q.r.PostFormValue("how"); d.How != "invite" || !d.CanInvite {
				d.How = "password"
				in.Password = &password
			}
			switch {
			case in.Username == "":
				d.Username.Error = "This field is required."
			case d.How == "password" && password == "":
				d.Password.Error = "This field is required."
			case d.How == "invite" && email == "":
				d.Email.Error = "An invitation needs their email address."
			case len(ids) == 0:
				d.NewGroupsError = "Choose at least one group for them on this site."
			default:
				var m *canopy.Member
				var err error
				if d.How == "invite" {
					m, err = q.a.InviteMember(q.ctx(), in, q.site.RootURL())
				} else {
					m, err = q.a.CreateMember(q.ctx(), in)
				}
				if err == nil && d.How == "invite" {
					return q.redirect("/admin/users/", "success", "The account "+m.Username+" is created; an invitation to choose a password is on its way to "+m.Email+".")
				}
				if err == nil {
					return q.redirect("/admin/users/", "success", "The account "+m.Username+" is created; they may log in to this site.")
				}
				if !formError(err) {
					return err
				}
				msg := sentence(canopy.ErrorMessage(err))
				switch field := canopy.ErrorField(err); {
				case field == "username" || field == "" && strings.Contains(canopy.ErrorMessage(err), "username"):
					d.Username.Error = msg
				case field == "email" || strings.Contains(canopy.ErrorMessage(err), "email"):
					d.Email.Error = msg
				case field == "password":
					d.Password.Error = msg
				case field == "first_name":
					d.FirstName.Error = msg
				case field == "last_name":
					d.LastName.Error = msg
				case strings.Contains(canopy.ErrorMessage(err), "group"):
					d.NewGroupsError = msg
				default:
					d.Username.Error = msg
				}
			}
			for _, ff := range []*formField{&d.Username, &d.Email, &d.FirstName, &d.LastName, &d.Password} {
				if ff.Error != "" {
					d.Errors = append(d.Errors, summaryItem{Anchor: ff.ID, Label: ff.Label, Message: ff.Error})
				}
			}
			if d.NewGroupsError != "" {
				d.Errors = append(d.Errors, summaryItem{Anchor: "new-groups", Label: "Roles on this site", Message: d.NewGroupsError})
			}
		default:
			return canopy.Errorf(canopy.EINVALID, "choose to add an existing person or to create an account")
		}
		status = http.StatusBadRequest
	}
	q.crumbs = []crumb{{Label: "Users", URL: "/admin/users/"}, {Label: "Add a user"}}
	return q.render(status, "user_add", "Add a user", d)
}

// postedIDs reads repeated id values of a form field (another site's ids
// are the service's to refuse).
func postedIDs(r *http.Request, name string) ([]int64, error) {
	var out []int64
	for _, v := range r.PostForm[name] {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			return nil, canopy.Errorf(canopy.EINVALID, "choose %s from the list", name)
		}
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out, nil
}

// ---- edit and remove ----

type userForm struct {
	M                                     *canopy.Member
	Groups                                []*canopy.Group
	Chosen                                map[int64]bool
	GroupsError                           string
	Email, FirstName, LastName, Password  formField
	Active, Superuser, Superadmin         formField
	Identity, Flags, CanChange, CanRemove bool
	Errors                                []summaryItem
	SelfEdit                              bool
}

// userFormOf loads the member the path names (another site's: 404) with
// their form.
func (u *UI) userFormOf(q *req) (*canopy.Member, *userForm, error) {
	m, acts, err := objectOf(q, u.usersAllowed, q.a.Member)
	if err != nil {
		return nil, nil, err
	}
	f, err := u.newUserForm(q, m, acts)
	return m, f, err
}

func (u *UI) newUserForm(q *req, m *canopy.Member, acts []string) (*userForm, error) {
	groups, err := q.a.SiteGroups(q.ctx())
	if err != nil {
		return nil, err
	}
	su := q.a.User.IsSuperuser
	f := &userForm{M: m, Groups: groups, Chosen: map[int64]bool{},
		CanChange: slices.Contains(acts, "change") && (!m.IsSuperuser || su),
		CanRemove: slices.Contains(acts, "delete") && m.ID != q.a.User.ID && (su || !m.IsSuperuser && !m.IsSuperadmin),
		Identity:  su || m.IdentityHere && !m.IsSuperadmin, Flags: su, SelfEdit: m.ID == q.a.User.ID}
	for _, g := range m.Groups {
		if g.SiteID == q.a.Site.ID {
			f.Chosen[g.ID] = true
		}
	}
	f.Email = formField{ID: "id_email", Name: "email", Label: "Email", Kind: "text", MaxLength: 254, Value: m.Email}
	f.FirstName = formField{ID: "id_first_name", Name: "first_name", Label: "First name", Kind: "text", MaxLength: 150, Value: m.FirstName}
	f.LastName = formField{ID: "id_last_name", Name: "last_name", Label: "Last name", Kind: "text", MaxLength: 150, Value: m.LastName}
	f.Password = formField{ID: "id_password", Name: "password", Label: "New password", Kind: "password", MaxLength: 72,
		Help: "Leave empty to keep the current password; 8 to 72 characters."}
	f.Active = formField{ID: "id_is_active", Name: "is_active", Label: "Active: the account may log in (on every site it belongs to)", Kind: "boolean", Checked: m.IsActive}
	f.Superuser = formField{ID: "id_is_superuser", Name: "is_superuser", Label: "Superuser: may do everything on every site", Kind: "boolean", Checked: m.IsSuperuser}
	f.Superadmin = formField{ID: "id_is_superadmin", Name: "is_superadmin", Label: "Super admin: an administrator of every site", Kind: "boolean", Checked: m.IsSuperadmin}
	return f, nil
}

func (u *UI) showUserForm(q *req, status int, f *userForm) error {
	q.crumbs = []crumb{{Label: "Users", URL: "/admin/users/"}, {Label: f.M.Username}}
	return q.render(status, "user_form", f.M.Username, f)
}

func (u *UI) userEdit(q *req) error {
	m, f, err := u.userFormOf(q)
	if err != nil {
		return err
	}
	if q.r.Method == http.MethodGet {
		return u.showUserForm(q, http.StatusOK, f)
	}
	if !f.CanChange {
		return canopy.Errorf(canopy.EFORBIDDEN, "you may not change %s", m.Username)
	}
	ids, err := postedIDs(q.r, "groups")
	if err != nil {
		return err
	}
	f.Chosen = map[int64]bool{}
	for _, id := range ids {
		f.Chosen[id] = true
	}
	in := service.MemberInput{Groups: &ids}
	if f.Identity {
		email, first, last := strings.TrimSpace(q.r.PostFormValue("email")), q.r.PostFormValue("first_name"), q.r.PostFormValue("last_name")
		active := q.r.PostFormValue("is_active") == "on"
		in.Email, in.FirstName, in.LastName = &email, &first, &last
		f.Email.Value, f.FirstName.Value, f.LastName.Value, f.Active.Checked = email, first, last, active
		if !f.SelfEdit {
			in.IsActive = &active
		}
		if p := q.r.PostFormValue("password"); p != "" {
			in.Password = &p
		}
	}
	if f.Flags {
		su, sa := q.r.PostFormValue("is_superuser") == "on", q.r.PostFormValue("is_superadmin") == "on"
		if !f.SelfEdit {
			in.IsSuperuser = &su
		}
		in.IsSuperadmin = &sa
		f.Superuser.Checked, f.Superadmin.Checked = su, sa
	}
	if len(ids) == 0 && !q.a.User.IsSuperuser {
		f.GroupsError = "Choose at least one group; to take away every role here, remove them from this site."
		f.Errors = append(f.Errors, summaryItem{Anchor: "groups", Label: "Roles on this site", Message: f.GroupsError})
		return u.showUserForm(q, http.StatusBadRequest, f)
	}
	saved, err := q.a.UpdateMember(q.ctx(), m.ID, in)
	if err != nil {
		if !formError(err) && canopy.ErrorCode(err) != canopy.EFORBIDDEN {
			return err
		}
		msg := sentence(canopy.ErrorMessage(err))
		switch field := canopy.ErrorField(err); {
		case field == "email":
			f.Email.Error = msg
		case field == "password":
			f.Password.Error = msg
		case field == "first_name":
			f.FirstName.Error = msg
		case field == "last_name":
			f.LastName.Error = msg
		default:
			f.GroupsError = msg
		}
		for _, ff := range []*formField{&f.Email, &f.FirstName, &f.LastName, &f.Password} {
			if ff.Error != "" {
				f.Errors = append(f.Errors, summaryItem{Anchor: ff.ID, Label: ff.Label, Message: ff.Error})
			}
		}
		if f.GroupsError != "" {
			f.Errors = append(f.Errors, summaryItem{Anchor: "groups", Label: "Roles on this site", Message: f.GroupsError})
		}
		return u.showUserForm(q, http.StatusBadRequest, f)
	}
	return q.redirect("/admin/users/", "success", saved.Username+" is saved.")
}

func (u *UI) userRemove(q *req) error {
	m, f, err := u.userFormOf(q)
	if err != nil {
		return err
	}
	if !f.CanRemove {
		return canopy.Errorf(canopy.EFORBIDDEN, "you may not remove %s from this site", m.Username)
	}
	if q.r.Method == http.MethodPost {
		if err := q.a.RemoveMember(q.ctx(), m.ID); err != nil {
			if !formError(err) && canopy.ErrorCode(err) != canopy.ECONFLICT {
				return err
			}
			q.crumbs = []crumb{{Label: "Users", URL: "/admin/users/"}, {Label: "Remove " + m.Username}}
			return q.render(http.StatusConflict, "user_remove", "Remove "+m.Username+"?", map[string]any{"M": m, "Error": sentence(canopy.ErrorMessage(err))})
		}
		return q.redirect("/admin/users/", "success", m.Username+" is no longer a member of this site.")
	}
	q.crumbs = []crumb{{Label: "Users", URL: "/admin/users/"}, {Label: "Remove " + m.Username}}
	return q.render(http.StatusOK, "user_remove", "Remove "+m.Username+"?", map[string]any{"M": m})
}
