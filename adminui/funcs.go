package adminui

import (
	"fmt"
	"html/template"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/canopy-cms/canopy"
)

var funcs = template.FuncMap{
	"has":      func(list []string, s string) bool { return slices.Contains(list, s) },
	"ago":      ago,
	"byteSize": byteSize,
	"lower":    strings.ToLower,
	"fullName": func(u *canopy.User) string { return strings.TrimSpace(u.FirstName + " " + u.LastName) },
	"indent": func(depth int) string { // a collection's place in the tree
		if depth <= 1 {
			return ""
		}
		return strings.Repeat("— ", depth-1)
	},
	"when":         when,
	"isoTime":      func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	"displayName":  func(u *canopy.User) string { return canopy.DisplayName(u.FirstName, u.LastName, u.Username) },
	"badges":       badgesOf,
	"editorStatus": func(d *editorData) editorStatus { return editorStatus{d} },
	"hiddenFields": hiddenFields,
	"list":         func(v ...formField) []formField { return v },
	"dict": func(kv ...any) map[string]any {
		m := map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	},
	"plural": func(n int, one, many string) string {
		if n == 1 {
			return fmt.Sprintf("%d %s", n, one)
		}
		return fmt.Sprintf("%d %s", n, many)
	},
	"add": func(a, b int) int { return a + b },
	"deref": func(t *time.Time) time.Time {
		if t == nil {
			return time.Time{}
		}
		return *t
	},
}

// ago says how long ago t was, for listings ("3 minutes ago").
func ago(v any) string {
	var t time.Time
	switch x := v.(type) {
	case time.Time:
		t = x
	case *time.Time:
		if x == nil {
			return ""
		}
		t = *x
	}
	if t.IsZero() {
		return ""
	}
	d := time.Since(t)
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return plural(int(d/time.Minute), "minute") + " ago"
	case d < 24*time.Hour:
		return plural(int(d/time.Hour), "hour") + " ago"
	case d < 30*24*time.Hour:
		return plural(int(d/(24*time.Hour)), "day") + " ago"
	}
	return t.UTC().Format("2 Jan 2006")
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}

// when is a full date and time (UTC).
func when(v any) string {
	switch x := v.(type) {
	case time.Time:
		if x.IsZero() {
			return ""
		}
		return x.UTC().Format("2 Jan 2006, 15:04 UTC")
	case *time.Time:
		if x == nil {
			return ""
		}
		return x.UTC().Format("2 Jan 2006, 15:04 UTC")
	}
	return ""
}

type badge struct{ Class, Label string }

// statusOf describes a page's state for badges.
type statusOf interface {
	status() (p *canopy.Page, moderation, private bool)
}

// badgesOf lists a page's status badges: live, draft, live + draft,
// scheduled, in moderation, locked, private, expired.
func badgesOf(v any) []badge {
	var p *canopy.Page
	var moderation, private bool
	switch x := v.(type) {
	case statusOf:
		p, moderation, private = x.status()
	case *canopy.Page:
		p = x
	}
	if p == nil {
		return nil
	}
	var out []badge
	switch {
	case p.Expired:
		out = append(out, badge{"expired", "Expired"})
	case p.Live && p.HasUnpublishedChanges:
		out = append(out, badge{"live", "Live"}, badge{"changes", "+ Draft"})
	case p.Live:
		out = append(out, badge{"live", "Live"})
	default:
		out = append(out, badge{"draft", "Draft"})
	}
	if p.ScheduledRevisionID != 0 {
		out = append(out, badge{"scheduled", "Scheduled"})
	}
	if moderation {
		out = append(out, badge{"moderation", "In moderation"})
	}
	if p.Locked {
		out = append(out, badge{"locked", "Locked"})
	}
	if private {
		out = append(out, badge{"private", "Private"})
	}
	return out
}

// typeLabel is a page type's label, or its name when unknown.
func typeLabel(types *canopy.PageTypes, name string) string {
	if pt := types.Get(name); pt != nil {
		return pt.Label
	}
	return strings.TrimPrefix(name, "canopy.")
}

type editorStatus struct{ d *editorData }

func (e editorStatus) status() (*canopy.Page, bool, bool) {
	return e.d.Page.Page, e.d.View.State != nil && e.d.View.State.Status == "in_progress", e.d.Private
}

// hiddenFields is a form's input as hidden fields (to post it again).
func hiddenFields(f *pageForm) []hiddenField {
	out := []hiddenField{{"base_revision", strconv.FormatInt(f.BaseRevision, 10)}}
	for _, ff := range f.all() {
		if ff.Kind == "boolean" {
			if ff.Checked {
				out = append(out, hiddenField{ff.Name, "on"})
			}
			continue
		}
		out = append(out, hiddenField{ff.Name, ff.Value})
	}
	return out
}
