package adminui

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/httpkit"
	"github.com/canopy-cms/canopy/service"
)

// The account page: one's name, email and password (the current password
// to change either of the last two; a new password ends one's other
// sessions), one's sessions on this site with "log out everywhere else",
// and one's API tokens on this site (a new one's secret shown once).

type accountData struct {
	FirstName, LastName, Email, Current, Password, Password2 formField
	Errors                                                   []summaryItem
	Sessions                                                 []canopy.SessionInfo
	ThisSession                                              string
	Tokens                                                   []*canopy.Token
	TokenName                                                formField
	NewSecret, NewTokenName                                  string
}

func (u *UI) accountForm(q *req) *accountData {
	usr := q.a.User
	return &accountData{
		FirstName: formField{ID: "id_first_name", Name: "first_name", Label: "First name", Kind: "text", MaxLength: 150, Value: usr.FirstName},
		LastName:  formField{ID: "id_last_name", Name: "last_name", Label: "Last name", Kind: "text", MaxLength: 150, Value: usr.LastName},
		Email:     formField{ID: "id_email", Name: "email", Label: "Email", Kind: "text", MaxLength: 254, Value: usr.Email},
		Current: formField{ID: "id_current_password", Name: "current_password", Label: "Current password", Kind: "password", MaxLength: 72,
			Help: "Needed to change your email or your password."},
		Password: formField{ID: "id_password", Name: "password", Label: "New password", Kind: "password", MaxLength: 72,
			Help: "Leave empty to keep it; 8 to 72 characters. A new password logs you out everywhere else."},
		Password2: formField{ID: "id_password2", Name: "password2", Label: "New password again", Kind: "password", MaxLength: 72},
		TokenName: formField{ID: "id_token_name", Name: "name", Label: "Name", Kind: "text", MaxLength: 100, Help: "What the token is for, e.g. “deploy script”."},
	}
}

func (u *UI) sessionKey(q *req) string {
	if c, err := q.r.Cookie(httpkit.SessionCookie); err == nil {
		return service.SessionKey(c.Value)
	}
	return ""
}

func (u *UI) showAccount(q *req, status int, d *accountData) error {
	q.section = "account"
	var err error
	if d.Sessions, err = q.a.Sessions(q.ctx()); err != nil {
		return err
	}
	if d.Tokens, err = q.a.Tokens(q.ctx()); err != nil {
		return err
	}
	d.ThisSession = u.sessionKey(q)
	for _, ff := range []*formField{&d.FirstName, &d.LastName, &d.Email, &d.Current, &d.Password, &d.Password2, &d.TokenName} {
		if ff.Error != "" {
			d.Errors = append(d.Errors, summaryItem{Anchor: ff.ID, Label: ff.Label, Message: ff.Error})
		}
	}
	q.crumbs = []crumb{{Label: "My account"}}
	return q.render(status, "account", "My account", d)
}

func (u *UI) account(q *req) error {
	return u.showAccount(q, http.StatusOK, u.accountForm(q))
}

func (u *UI) accountSubmit(q *req) error {
	d := u.accountForm(q)
	r := q.r
	first, last, email := strings.TrimSpace(r.PostFormValue("first_name")), strings.TrimSpace(r.PostFormValue("last_name")), strings.TrimSpace(r.PostFormValue("email"))
	d.FirstName.Value, d.LastName.Value, d.Email.Value = first, last, email
	in := service.AccountInput{CurrentPassword: r.PostFormValue("current_password"), FirstName: &first, LastName: &last}
	if email != q.a.User.Email {
		in.Email = &email
	}
	if p := r.PostFormValue("password"); p != "" {
		if p != r.PostFormValue("password2") {
			d.Password2.Error = "The two new passwords differ."
			return u.showAccount(q, http.StatusBadRequest, d)
		}
		in.Password = &p
	}
	if _, err := q.a.UpdateAccount(q.ctx(), in, u.sessionKey(q)); err != nil {
		if !formError(err) {
			return err
		}
		msg := sentence(canopy.ErrorMessage(err))
		switch canopy.ErrorField(err) {
		case "current_password":
			d.Current.Error = msg
		case "email":
			d.Email.Error = msg
		case "password":
			d.Password.Error = msg
		case "first_name":
			d.FirstName.Error = msg
		case "last_name":
			d.LastName.Error = msg
		default:
			d.Email.Error = msg
		}
		return u.showAccount(q, http.StatusBadRequest, d)
	}
	msg := "Your account is saved."
	if in.Password != nil {
		msg = "Your password is changed; your other sessions have ended."
	}
	return q.redirect("/admin/account/", "success", msg)
}

// accountPreferences saves the theme (for this browser, as the account
// menu does) and the keyboard shortcuts (for the person).
func (u *UI) accountPreferences(q *req) error {
	u.themeCookie(q, q.r.PostFormValue("theme"))
	if err := q.a.SetKeyboardShortcuts(q.ctx(), q.r.PostFormValue("shortcuts") != ""); err != nil {
		return err
	}
	return q.redirect("/admin/account/#prefs-heading", "success", "Your preferences are saved.")
}

func (u *UI) accountEndSessions(q *req) error {
	n, err := q.a.EndOtherSessions(q.ctx(), u.sessionKey(q))
	if err != nil {
		return err
	}
	return q.redirect("/admin/account/", "success", "Logged out everywhere else ("+plural(int(n), "session")+" ended).")
}

func (u *UI) accountCreateToken(q *req) error {
	d := u.accountForm(q)
	name := strings.TrimSpace(q.r.PostFormValue("name"))
	days, _ := strconv.Atoi(q.r.PostFormValue("expires_in_days"))
	d.TokenName.Value = name
	tok, secret, err := q.a.CreateToken(q.ctx(), name, days)
	if err != nil {
		if !formError(err) {
			return err
		}
		d.TokenName.Error = sentence(canopy.ErrorMessage(err))
		return u.showAccount(q, http.StatusBadRequest, d)
	}
	// The secret is shown on this answer only, never again.
	q.w.Header().Set("Cache-Control", "no-store")
	d.NewSecret, d.NewTokenName, d.TokenName.Value = secret, tok.Name, ""
	return u.showAccount(q, http.StatusCreated, d)
}

func (u *UI) accountDeleteToken(q *req) error {
	id, err := pathID(q.r, "id")
	if err != nil {
		return err
	}
	if err := q.a.DeleteToken(q.ctx(), id); err != nil {
		return err
	}
	return q.redirect("/admin/account/", "success", "The token is revoked.")
}
