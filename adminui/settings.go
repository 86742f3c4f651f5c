package adminui

import (
	"net/http"
	"net/url"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/service"
)

// The site's settings: one form per settings group the user may see, with
// the same fields and choosers as the page editor (the logo through the
// image chooser), errors beside the fields; read-only without the change
// permission, which the service checks again on every POST.

type settingsForm struct {
	snippetForm
	Access  service.SettingsAccess
	Choices []service.SettingsAccess
}

func (u *UI) settingsAccess(q *req) (service.SettingsAccess, []service.SettingsAccess, error) {
	q.section = "settings"
	all := q.a.SettingsTypes()
	name := q.r.PathValue("name")
	for _, s := range all {
		if s.Type.Name == name {
			return s, all, nil
		}
	}
	if service.SettingsType(name) == nil {
		return service.SettingsAccess{}, nil, canopy.Errorf(canopy.ENOTFOUND, "there are no settings named %q", name)
	}
	return service.SettingsAccess{}, nil, canopy.Errorf(canopy.EFORBIDDEN, "you may not see these settings")
}

// settingsIndex opens the first settings group the user may see.
func (u *UI) settingsIndex(q *req) error {
	all := q.a.SettingsTypes()
	if len(all) == 0 {
		return canopy.Errorf(canopy.EFORBIDDEN, "you may not see this site's settings")
	}
	return q.redirect("/admin/settings/"+url.PathEscape(all[0].Type.Name)+"/", "", "")
}

func (u *UI) settingsEdit(q *req) error {
	acc, all, err := u.settingsAccess(q)
	if err != nil {
		return err
	}
	st := &canopy.SnippetType{Name: acc.Type.Name, Label: acc.Type.Label, Fields: acc.Type.Fields}
	f := &settingsForm{Access: acc, Choices: all, snippetForm: snippetForm{Type: st}}
	status := http.StatusOK
	if q.r.Method == http.MethodPost {
		if !acc.Change {
			return canopy.Errorf(canopy.EFORBIDDEN, "you may not change these settings")
		}
		f.Fields = fieldsForm(acc.Type.Fields, nil)
		if _, err := q.a.SaveSettings(q.ctx(), acc.Type.Name, readSnippetForm(q.r, f.Fields)); err != nil {
			if !formError(err) {
				return err
			}
			f.Errors = failSnippet(st, f.Fields, err)
			status = http.StatusBadRequest
		} else {
			return q.redirect("/admin/settings/"+url.PathEscape(acc.Type.Name)+"/", "success", acc.Type.Label+" saved.")
		}
	} else {
		values, err := q.a.Settings(q.ctx(), acc.Type.Name)
		if err != nil {
			return err
		}
		f.Fields = fieldsForm(acc.Type.Fields, values)
	}
	f.RichLinkChooser, f.RichImageChooser, f.RichDocChooser = "/admin/choose/page/?link=1", "/admin/choose/image/?rich=1", "/admin/choose/document/?rich=1"
	if err := u.nameChosen(q, f.Fields); err != nil {
		return err
	}
	q.crumbs = []crumb{{Label: "Settings"}, {Label: acc.Type.Label}}
	return q.render(status, "settings", acc.Type.Label, f)
}
