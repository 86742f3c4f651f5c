package canopy

import (
	"net/url"
	"sort"
	"strings"
	"time"
)

// Redirect sends requests for an old path of a site elsewhere: to a page of
// the same site, or to a link.
type Redirect struct {
	ID             int64  `json:"id"`
	SiteID         int64  `json:"site_id"`
	OldPath        string `json:"old_path"`
	RedirectPageID int64  `json:"redirect_page_id,omitempty"`
	RedirectLink   string `json:"redirect_link,omitempty"`
	IsPermanent    bool   `json:"is_permanent"`
	// Automatic: Canopy made it when the page's address changed (a move or a
	// new slug); a newer automatic redirect from the same path replaces it.
	Automatic bool      `json:"automatic"`
	CreatedAt time.Time `json:"created_at"`
}

// NormalizeRedirectPath puts a path in the form redirects are stored and
// looked up in: scheme and host removed, no trailing slash (but "/"), query
// parameters sorted, no fragment.
func NormalizeRedirectPath(p string) (string, error) {
	p = strings.TrimSpace(p)
	if p == "" {
		return "", Errorf(EINVALID, "the old path is required")
	}
	if HasControl(p) {
		return "", Errorf(EINVALID, "the old path must not contain control characters (tabs, line breaks, NUL)")
	}
	u, err := url.Parse(p)
	if err != nil {
		return "", Errorf(EINVALID, "%q is not a valid path", p)
	}
	path := u.Path
	if !strings.HasPrefix(path, "/") {
		path = "/" + path
	}
	if len(path) > 1 {
		path = strings.TrimRight(path, "/")
		if path == "" {
			path = "/"
		}
	}
	if len(path) > 2000 {
		return "", Errorf(EINVALID, "the old path is too long")
	}
	q := u.Query()
	if len(q) == 0 {
		return path, nil
	}
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		vals := append([]string{}, q[k]...)
		sort.Strings(vals)
		for _, v := range vals {
			parts = append(parts, url.QueryEscape(k)+"="+url.QueryEscape(v))
		}
	}
	return path + "?" + strings.Join(parts, "&"), nil
}

// ValidateRedirectLink checks an external redirect target.
func ValidateRedirectLink(link string) error {
	if HasControl(link) || strings.ContainsAny(link, " \\") {
		return Errorf(EINVALID, "redirect link %q must not contain spaces, backslashes or control characters (tabs, line breaks, NUL); percent-encode them", link)
	}
	u, err := url.Parse(link)
	if err != nil || !(u.Scheme == "http" || u.Scheme == "https") || u.Host == "" {
		if strings.HasPrefix(link, "/") && !strings.HasPrefix(link, "//") {
			return nil // a path on this site
		}
		return Errorf(EINVALID, "redirect link %q must be an http(s) URL or a path starting with /", link)
	}
	return nil
}
