package canopy

import (
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// Site is one tenant: a hostname and port that map to a home page.
type Site struct {
	ID         int64  `json:"id"`
	Hostname   string `json:"hostname"`
	Port       int    `json:"port"`
	Name       string `json:"name"`
	IsDefault  bool   `json:"is_default"`
	Theme      string `json:"theme"`
	RootPageID int64  `json:"root_page_id"`
	// RootCollectionID is the site's root collection (media grants go there).
	RootCollectionID int64 `json:"root_collection_id"`
	Version          int64 `json:"-"`
	// Features are the site's feature flags (its features record, with Theme).
	Features map[string]bool `json:"features"`
	// Language is the site's language code (default en): PostgreSQL's search
	// stems its words with that language's rules.
	Language string `json:"language"`
	// Aliases are other hostnames of the site: a request for one is
	// redirected permanently to the site's own address (www.example.org →
	// example.org), and certificates are obtained for them too.
	Aliases   []string  `json:"aliases"`
	CreatedAt time.Time `json:"created_at"`
}

// DisplayName is the name if set, else the hostname, plus ":port" unless 80.
func (s *Site) DisplayName() string {
	n := s.Name
	if n == "" {
		n = s.Hostname
	}
	if s.Port != 80 && s.Name == "" {
		n += ":" + strconv.Itoa(s.Port)
	}
	return n
}

// RootURL is http://host for port 80, https://host for 443, http://host:port otherwise.
func (s *Site) RootURL() string {
	switch s.Port {
	case 80:
		return "http://" + s.Hostname
	case 443:
		return "https://" + s.Hostname
	default:
		return "http://" + s.Hostname + ":" + strconv.Itoa(s.Port)
	}
}

// NormalizeHostname validates a site hostname and returns it lower-cased, without
// a trailing dot. Accepted: a DNS name, "localhost", an IPv4 address, or a
// bracketed IPv6 address.
func NormalizeHostname(h string) (string, error) {
	h = strings.ToLower(strings.TrimSpace(h))
	h = strings.TrimSuffix(h, ".")
	if h == "" {
		return "", Errorf(EINVALID, "hostname is required")
	}
	if strings.HasPrefix(h, "[") {
		if !strings.HasSuffix(h, "]") {
			return "", Errorf(EINVALID, "hostname %q: an IPv6 address must be written in brackets, like [::1]", h)
		}
		a, err := netip.ParseAddr(h[1 : len(h)-1])
		if err != nil || !a.Is6() || a.Zone() != "" {
			return "", Errorf(EINVALID, "hostname %q is not a valid IPv6 address", h)
		}
		return "[" + a.String() + "]", nil
	}
	if a, err := netip.ParseAddr(h); err == nil {
		if a.Is4() {
			return a.String(), nil
		}
		return "", Errorf(EINVALID, "hostname %q: write an IPv6 address in brackets, like [%s]", h, h)
	}
	if len(h) > 253 {
		return "", Errorf(EINVALID, "hostname is longer than 253 characters")
	}
	for _, label := range strings.Split(h, ".") {
		if label == "" {
			return "", Errorf(EINVALID, "hostname %q has an empty label", h)
		}
		if len(label) > 63 {
			return "", Errorf(EINVALID, "hostname %q has a label longer than 63 characters", h)
		}
		if label[0] == '-' || label[len(label)-1] == '-' {
			return "", Errorf(EINVALID, "hostname %q: a label cannot start or end with a hyphen", h)
		}
		for _, c := range label {
			if c >= 0x80 || c == utf8.RuneError {
				return "", Errorf(EINVALID, "hostname %q contains the non-ASCII character %q; give an internationalised name in its ASCII (punycode) form, like xn--caf-dma.example for café.example", h, c)
			}
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return "", Errorf(EINVALID, "hostname %q contains %q; use letters, digits, hyphens and dots", h, c)
			}
		}
	}
	return h, nil
}

// ValidatePort checks a site port.
func ValidatePort(p int) error {
	if p < 1 || p > 65535 {
		return Errorf(EINVALID, "port %d is out of range (1-65535)", p)
	}
	return nil
}

// ParseHostHeader splits a Host header into a lower-cased hostname without a
// trailing dot and the port written in it (0 if none). A malformed header gives
// ok=false and is treated by callers as an unknown hostname.
func ParseHostHeader(host string) (hostname string, port int, ok bool) {
	if host == "" || len(host) > 300 {
		return "", 0, false
	}
	h, p := host, ""
	if strings.HasPrefix(host, "[") {
		end := strings.IndexByte(host, ']')
		if end < 0 {
			return "", 0, false
		}
		h, p = host[:end+1], host[end+1:]
		if p != "" {
			if p[0] != ':' {
				return "", 0, false
			}
			p = p[1:]
		}
	} else if i := strings.LastIndexByte(host, ':'); i >= 0 {
		h, p = host[:i], host[i+1:]
	}
	if strings.Contains(p, ":") {
		return "", 0, false
	}
	if p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return "", 0, false
		}
		port = n
	}
	h = strings.TrimSuffix(strings.ToLower(h), ".")
	if h == "" {
		return "", 0, false
	}
	if strings.HasPrefix(h, "[") {
		a, err := netip.ParseAddr(h[1 : len(h)-1])
		if err != nil {
			return "", 0, false
		}
		return "[" + a.String() + "]", port, true
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_') {
			return "", 0, false
		}
	}
	return h, port, true
}

// SiteTable resolves a request's hostname and port to a site following
// spec/sites.md. It is safe for concurrent use: a change to one site replaces
// that site's entry in O(1) (Put, Remove), holding the lock only for the map
// updates, so requests to other sites never wait for a database read.
type SiteTable struct {
	mu     sync.RWMutex
	byID   map[int64]*Site
	byHost map[string][]*Site
	// byAlias: a site by one of its other hostnames.
	byAlias map[string]*Site
	def     *Site
}

// NewSiteTable indexes sites for resolution.
func NewSiteTable(sites []*Site) *SiteTable {
	t := &SiteTable{}
	t.Replace(sites)
	return t
}

// Replace swaps in a new set of sites.
func (t *SiteTable) Replace(sites []*Site) {
	byID := make(map[int64]*Site, len(sites))
	byHost := make(map[string][]*Site, len(sites))
	byAlias := map[string]*Site{}
	var def *Site
	for _, s := range sites {
		byID[s.ID] = s
		byHost[s.Hostname] = append(byHost[s.Hostname], s)
		for _, a := range s.Aliases {
			byAlias[a] = s
		}
		if s.IsDefault {
			def = s
		}
	}
	t.mu.Lock()
	t.byID, t.byHost, t.byAlias, t.def = byID, byHost, byAlias, def
	t.mu.Unlock()
}

// Put adds or replaces one site's entry.
func (t *SiteTable) Put(s *Site) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.removeLocked(s.ID)
	t.byID[s.ID] = s
	t.byHost[s.Hostname] = append(t.byHost[s.Hostname], s)
	for _, a := range s.Aliases {
		t.byAlias[a] = s
	}
	if s.IsDefault {
		t.def = s
	}
}

// Remove drops a site's entry (if any).
func (t *SiteTable) Remove(id int64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.removeLocked(id)
}

func (t *SiteTable) removeLocked(id int64) {
	old := t.byID[id]
	if old == nil {
		return
	}
	delete(t.byID, id)
	for _, a := range old.Aliases {
		if t.byAlias[a] == old {
			delete(t.byAlias, a)
		}
	}
	list := t.byHost[old.Hostname]
	kept := make([]*Site, 0, len(list))
	for _, s := range list {
		if s.ID != id {
			kept = append(kept, s)
		}
	}
	if len(kept) == 0 {
		delete(t.byHost, old.Hostname)
	} else {
		t.byHost[old.Hostname] = kept
	}
	if t.def != nil && t.def.ID == id {
		t.def = nil
	}
}

// Len returns the number of sites.
func (t *SiteTable) Len() int {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return len(t.byID)
}

// HasHostname reports whether a site has this hostname (lower case): the
// names certificates may be obtained for.
func (t *SiteTable) HasHostname(hostname string) bool {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return len(t.byHost[hostname]) > 0 || t.byAlias[hostname] != nil
}

// HasAliases reports whether any site has other hostnames (most
// installations: none, and requests skip looking for one).
func (t *SiteTable) HasAliases() bool {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return len(t.byAlias) > 0
}

// Alias returns the site that has hostname as one of its other hostnames
// (a request for it is redirected to the site's address), or nil.
func (t *SiteTable) Alias(hostname string) *Site {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.byAlias[hostname]
}

// ByID returns the site with the given id, or nil.
func (t *SiteTable) ByID(id int64) *Site {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.byID[id]
}

// Match returns the site for a hostname and port, or nil when there is none.
func (t *SiteTable) Match(hostname string, port int) *Site {
	t.mu.RLock()
	defer t.mu.RUnlock()
	matches := t.byHost[hostname]
	if len(matches) == 0 && t.byAlias[hostname] != nil {
		return t.byAlias[hostname]
	}
	// Rank 0: hostname and port match. Rank 1: hostname matches, default site.
	var rank3 []*Site
	for _, s := range matches {
		if s.Port == port {
			return s
		}
	}
	for _, s := range matches {
		if s.IsDefault {
			return s
		}
		rank3 = append(rank3, s)
	}
	if t.def != nil {
		// Rank 2: the default site with another hostname.
		if len(rank3) == 1 {
			return rank3[0]
		}
		return t.def
	}
	if len(rank3) == 1 {
		return rank3[0]
	}
	return nil
}

// NewSite is what creating a site takes.
type NewSite struct {
	Hostname  string
	Port      int
	Name      string
	IsDefault bool
	Theme     string
	// HomeTitle is the title of the site's home page (default: the site name).
	HomeTitle  string
	HomeFields map[string]any
	OwnerID    int64
	// Groups are created with the site, with grants on its home page and root
	// collection.
	Groups []GroupSpec
	// Features are the site's feature flags.
	Features map[string]bool
	// Language is the site's language code (empty: en).
	Language string
	// Template adds default content in the same transaction; Types must be set
	// when it has pages.
	Template *TemplateContent
	// Workflow, if set, is created with the site (its tasks naming groups of
	// the new site by name) and attached to the home page.
	Workflow *DefaultWorkflow
	Types    *PageTypes
}

// SiteUpdate holds the site attributes to change; nil fields stay as they are.
type SiteUpdate struct {
	Hostname  *string
	Port      *int
	Name      *string
	IsDefault *bool
	Theme     *string
	// Features sets the named flags on (true) or off (false); a nil value
	// removes the flag. Flags not named stay as they are.
	Features map[string]*bool
	// Language changes the site's language (its search index is rebuilt).
	Language *string
	// Aliases replaces the site's other hostnames.
	Aliases *[]string
}

// GroupSpec describes a group that a new site starts with.
type GroupSpec struct {
	Name            string
	Admin           bool     // the site's administrators group (one per site)
	PageActions     []string // on the home page
	CollectionPerms []string // on the root collection
	Models          []string
}

// TemplateContent is a site template made ready for the store: the cleaned
// default content of a new site.
type TemplateContent struct {
	Name     string
	Pages    []*ImportPage // under the home page
	Snippets []TemplateSnippet
	Settings map[string]map[string]any
}

// TemplateSnippet is a snippet a template creates.
type TemplateSnippet struct {
	Type   *SnippetType
	Fields map[string]any
}

// ImportPage is one page of a subtree to import in bulk.
type ImportPage struct {
	Type     string
	Content  PageContent
	Live     bool
	Children []*ImportPage
}
