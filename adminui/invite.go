package adminui

import (
	"crypto/hmac"
	"net/http"

	"github.com/canopy-cms/canopy"
)

// The invitation page: the person a site admin invited opens the e-mailed
// link, chooses a password (once; the link expires), then logs in.

type inviteData struct {
	CSRF, Username, Error, PasswordError string
	Expires                              string
	Done                                 bool
}

func (u *UI) invitePage(w http.ResponseWriter, r *http.Request) {
	q := &req{w: w, r: r, ui: u, site: u.kit.Resolve(r)}
	if q.site == nil {
		securityHeaders(w.Header())
		http.Error(w, "no site is configured for this host", http.StatusNotFound)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer") // the token is in the address
	token := r.PathValue("token")
	d := inviteData{CSRF: u.loginToken(w, r)}
	status := http.StatusOK
	inv, err := u.kit.Svc.Invitation(r.Context(), q.site, token)
	if inv != nil {
		d.Username, d.Expires = inv.Username, inv.ExpiresAt.Format("2 January 2006, 15:04 UTC")
	}
	if err != nil {
		d.Done, d.Error = true, sentence(canopy.ErrorMessage(err))
		status = http.StatusGone
		if canopy.ErrorCode(err) == canopy.ENOTFOUND {
			status = http.StatusNotFound
		} else if canopy.ErrorCode(err) == canopy.EINTERNAL {
			u.fail(q, err)
			return
		}
	} else if r.Method == http.MethodPost {
		c, cerr := r.Cookie(loginCookie)
		if perr := parseFormBody(w, r); perr != nil || cerr != nil || !hmac.Equal([]byte(r.PostFormValue("csrf")), []byte(u.sign(r, "login", c.Value))) {
			d.Error, status = "This form has expired. Please try again.", http.StatusForbidden
		} else if err := u.kit.COP.Check(r); err != nil {
			d.Error, status = "Cross-origin form refused.", http.StatusForbidden
		} else if p := r.PostFormValue("password"); p != r.PostFormValue("password2") {
			d.PasswordError, status = "The two passwords differ.", http.StatusBadRequest
		} else if _, err := u.kit.Svc.AcceptInvitation(r.Context(), q.site, token, p); err != nil {
			if canopy.ErrorCode(err) == canopy.EINTERNAL {
				u.fail(q, err)
				return
			}
			status = http.StatusBadRequest
			if canopy.ErrorField(err) == "password" {
				d.PasswordError = sentence(canopy.ErrorMessage(err))
			} else {
				d.Done, d.Error = true, sentence(canopy.ErrorMessage(err))
			}
		} else {
			u.setFlash(w, r, "success", "Your password is set. Log in with it.")
			http.Redirect(w, r, "/admin/login/", http.StatusSeeOther)
			return
		}
	}
	if err := q.render(status, "invite", "Choose your password", d); err != nil {
		u.log.Error("render invite", "err", err)
	}
}
