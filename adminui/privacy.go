package adminui

import (
	"net/http"
	"strconv"

	"github.com/canopy-cms/canopy"
)

// Page privacy: public, any logged-in person of the site, a password, or
// members of some of this site's groups; for the page and all below it.

func (u *UI) privacyForm(q *req) error {
	return u.showPrivacy(q, http.StatusOK, "", "")
}

func (u *UI) showPrivacy(q *req, status int, errMsg, kind string) error {
	p, _, _, err := u.actionPage(q, "set_privacy")
	if err != nil {
		return err
	}
	q.crumbs = append(q.crumbs, crumb{Label: "Privacy"})
	priv, err := q.a.PagePrivacy(q.ctx(), p.ID)
	if err != nil {
		return err
	}
	groups, err := q.a.PrivacyGroups(q.ctx(), p.ID)
	if err != nil {
		return err
	}
	current, chosen := "none", map[int64]bool{}
	if priv.Own != nil {
		current = priv.Own.Kind
		for _, g := range priv.Own.GroupIDs {
			chosen[g] = true
		}
	}
	if kind != "" {
		current = kind
	}
	return q.render(status, "privacy", "Privacy of "+p.Title, map[string]any{"Page": p, "Current": current, "Inherited": len(priv.Inherited) > 0,
		"Groups": groups, "Chosen": chosen, "Error": errMsg, "HasPassword": priv.Own != nil && priv.Own.Kind == "password"})
}

func (u *UI) privacySubmit(q *req) error {
	id, err := pathID(q.r, "id")
	if err != nil {
		return err
	}
	kind := q.r.PostFormValue("kind")
	var groups []int64
	for _, v := range q.r.PostForm["groups"] {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return canopy.Errorf(canopy.EINVALID, "choose groups from the list")
		}
		groups = append(groups, n)
	}
	password := ""
	if kind == "password" {
		password = q.r.PostFormValue("password")
	} else {
		groups = groupsIf(kind == "groups", groups)
	}
	if _, err := q.a.SetPagePrivacy(q.ctx(), id, kind, password, groups); err != nil {
		if canopy.ErrorCode(err) == canopy.EINVALID {
			return u.showPrivacy(q, http.StatusBadRequest, canopy.ErrorMessage(err), kind)
		}
		return err
	}
	return q.redirect("/admin/pages/"+strconv.FormatInt(id, 10)+"/edit/", "success", "The privacy of the page is saved.")
}

func groupsIf(ok bool, g []int64) []int64 {
	if ok {
		return g
	}
	return nil
}
