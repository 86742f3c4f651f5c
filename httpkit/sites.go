package httpkit

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/service"
)

// Sites binds requests to sites from an in-memory table of every site, kept
// current one site at a time (docs/behaviour/sites.md, docs/decisions/0015):
//
//   - a change committed by this process refreshes the sites it touched
//     before the write returns (one indexed read), so the next request sees it;
//   - changes of other processes are found in the site change log, read from
//     the last sequence number seen: every PollInterval, and at once when
//     PostgreSQL announces a commit with NOTIFY;
//   - only a change to every site (the shared media library), a log that
//     outran the pruning horizon or a failed refresh reloads the whole table.
type Sites struct {
	svc     *service.Service
	log     *slog.Logger
	proxies []netip.Prefix
	// onRefresh is told of each table update (called, and set, under
	// refreshMu). Caches need no word of a change: their entries carry the
	// content version they were made at.
	onRefresh func(full bool, sites int)

	table *canopy.SiteTable
	// refreshMu serialises database reads with the table updates they lead
	// to, so an older read never overwrites a newer one. Requests never take
	// it.
	refreshMu sync.Mutex
	// needFull is set when a refresh failed: the next request or poll
	// reloads everything.
	needFull atomic.Bool

	cursor changeCursor
	wake   chan struct{}
}

// NewSites loads the site table. proxies are the networks whose
// X-Forwarded-Host/-Port/-Proto headers are believed.
func NewSites(ctx context.Context, svc *service.Service, log *slog.Logger, proxies []netip.Prefix) (*Sites, error) {
	s := &Sites{svc: svc, log: log, proxies: proxies, onRefresh: func(bool, int) {}, table: canopy.NewSiteTable(nil),
		wake: make(chan struct{}, 1)}
	// Where watching starts is read before the sites: a change committed in
	// between is read twice, never missed.
	seq, err := svc.LatestSiteChange(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.reloadAll(ctx); err != nil {
		return nil, err
	}
	s.cursor.reset(seq)
	svc.OnChange(s.changed)
	return s, nil
}

// changed applies a change committed by this process, after the commit and
// in the writer's goroutine, so it is in the table before the write returns:
// a new content version is set without a read; a site whose own row changed
// is read again (one indexed read).
func (s *Sites) changed(c service.SiteChanged) {
	s.cursor.saw(c.Seq)
	if !c.Reread && s.bumpVersion(c.SiteID, c.Version) {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.refresh(ctx, []int64{c.SiteID}); err != nil {
		s.needFull.Store(true)
		s.log.Error("refresh site table", "site", c.SiteID, "err", err)
	}
}

// bumpVersion sets a site's content version in its entry (a copy; entries
// are never changed in place), reporting false if the site is not in the
// table.
func (s *Sites) bumpVersion(id, version int64) bool {
	s.refreshMu.Lock()
	defer s.refreshMu.Unlock()
	old := s.table.ByID(id)
	if old == nil {
		return false
	}
	if old.Version >= version {
		return true
	}
	n := *old
	n.Version = version
	s.table.Put(&n)
	s.onRefresh(false, 0)
	return true
}

// OnRefresh sets the function told of each table update: full (every site
// read) or not, and how many site rows were read.
func (s *Sites) OnRefresh(fn func(full bool, sites int)) {
	s.refreshMu.Lock()
	s.onRefresh = fn
	s.refreshMu.Unlock()
}

// reloadAll reads every site and replaces the table.
func (s *Sites) reloadAll(ctx context.Context) error {
	s.refreshMu.Lock()
	defer s.refreshMu.Unlock()
	return s.reloadAllLocked(ctx)
}

func (s *Sites) reloadAllLocked(ctx context.Context) error {
	s.needFull.Store(false)
	sites, err := s.svc.Sites(ctx)
	if err != nil {
		s.needFull.Store(true)
		return err
	}
	s.table.Replace(sites)
	s.onRefresh(true, len(sites))
	return nil
}

// refresh rereads the given sites (0: every site) and updates their entries.
func (s *Sites) refresh(ctx context.Context, ids []int64) error {
	s.refreshMu.Lock()
	defer s.refreshMu.Unlock()
	if slices.Contains(ids, 0) || s.needFull.Load() {
		return s.reloadAllLocked(ctx)
	}
	sites, err := s.svc.SitesByID(ctx, ids)
	if err != nil {
		return err
	}
	found := make(map[int64]bool, len(sites))
	for _, n := range sites {
		found[n.ID] = true
		s.table.Put(n)
	}
	for _, id := range ids {
		if !found[id] {
			s.table.Remove(id)
		}
	}
	s.onRefresh(false, len(ids))
	return nil
}

// Table returns the current site table (after a failed refresh, reloaded
// first).
func (s *Sites) Table(ctx context.Context) *canopy.SiteTable {
	if s.needFull.Load() {
		if err := s.reloadAll(ctx); err != nil {
			s.log.Error("reload sites", "err", err)
		}
	}
	return s.table
}

// Watch looks for changes made by other processes (the CLI, other nodes)
// until ctx ends: every interval, and at once when the database announces one
// (PostgreSQL LISTEN/NOTIFY; the poll stays as the fallback).
func (s *Sites) Watch(ctx context.Context, interval time.Duration) {
	go s.svc.ListenSiteChanges(ctx, func() {
		select {
		case s.wake <- struct{}{}:
		default:
		}
	}, func(err error) { s.log.Warn("listen for site changes", "err", err) })
	tk := time.NewTicker(interval)
	defer tk.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tk.C:
		case <-s.wake:
		}
		if err := s.Poll(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("poll site changes", "err", err)
		}
	}
}

// changeBatch bounds one read of the change log; a longer backlog reloads
// every site instead.
const changeBatch = 1000

// Poll reads the site change log past what this process has seen and
// refreshes the sites it names.
func (s *Sites) Poll(ctx context.Context) error {
	if s.needFull.Load() {
		if err := s.reloadAll(ctx); err != nil {
			return err
		}
	}
	from := s.cursor.from()
	changes, err := s.svc.SiteChangesSince(ctx, from, changeBatch)
	if err != nil {
		return err
	}
	if len(changes) == changeBatch {
		// Far behind: cheaper to read every site once.
		seq, err := s.svc.LatestSiteChange(ctx)
		if err != nil {
			return err
		}
		if err := s.reloadAll(ctx); err != nil {
			return err
		}
		s.cursor.reset(seq)
		return nil
	}
	ids := s.cursor.take(changes, time.Now())
	if len(ids) == 0 {
		return nil
	}
	if err := s.refresh(ctx, ids); err != nil {
		s.needFull.Store(true)
		return err
	}
	return nil
}

// gapTimeout is how long a missing sequence number is waited for. On
// PostgreSQL numbers are taken before commit, so a later number can commit
// first; a number whose transaction rolled back never appears.
const gapTimeout = 30 * time.Second

// changeCursor is how far a process has read the site change log: every
// sequence number up to low is handled; seen are the handled ones above low,
// and gaps the missing ones below the highest seen, with when first missed.
type changeCursor struct {
	mu   sync.Mutex
	low  int64
	seen map[int64]bool
	gaps map[int64]time.Time
}

func (c *changeCursor) reset(seq int64) {
	c.mu.Lock()
	c.low, c.seen, c.gaps = seq, map[int64]bool{}, map[int64]time.Time{}
	c.mu.Unlock()
}

// saw records a change this process made itself, so reading the log does
// not read its site again.
func (c *changeCursor) saw(seq int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if seq > c.low {
		c.seen[seq] = true
		delete(c.gaps, seq)
	}
}

func (c *changeCursor) from() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.low
}

// take records a read of the log and returns the sites of the changes not
// handled before (0 among them: every site).
func (c *changeCursor) take(changes []service.SiteChange, now time.Time) []int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	var ids []int64
	high := c.low
	for _, ch := range changes {
		if ch.Seq <= c.low || c.seen[ch.Seq] {
			continue
		}
		c.seen[ch.Seq] = true
		delete(c.gaps, ch.Seq)
		if !slices.Contains(ids, ch.SiteID) {
			ids = append(ids, ch.SiteID)
		}
	}
	for seq := range c.seen {
		high = max(high, seq)
	}
	if high-c.low > 10*changeBatch {
		// A jump in the sequence (PostgreSQL skips numbers after a crash):
		// not a gap worth waiting for.
		c.low, c.seen, c.gaps = high, map[int64]bool{}, map[int64]time.Time{}
		return ids
	}
	for seq := c.low + 1; seq < high; seq++ {
		if !c.seen[seq] {
			if _, ok := c.gaps[seq]; !ok {
				c.gaps[seq] = now
			}
		}
	}
	for {
		next := c.low + 1
		if c.seen[next] {
			delete(c.seen, next)
		} else if t, ok := c.gaps[next]; ok && now.Sub(t) >= gapTimeout {
			delete(c.gaps, next)
		} else {
			break
		}
		c.low = next
	}
	return ids
}

// Resolve binds a request to its site, or nil.
func (s *Sites) Resolve(r *http.Request) *canopy.Site {
	hostname, port := s.requestHost(r)
	return s.Table(r.Context()).Match(hostname, port)
}

// AliasOf returns the site whose other hostname the request names (it is
// redirected to the site's address), or nil.
func (s *Sites) AliasOf(r *http.Request) *canopy.Site {
	t := s.Table(r.Context())
	if !t.HasAliases() {
		return nil
	}
	hostname, _ := s.requestHost(r)
	if hostname == "" {
		return nil
	}
	return t.Alias(hostname)
}

// Named reports whether the request names the site by its own hostname (not
// an unknown host answered by the default site).
func (s *Sites) Named(r *http.Request, site *canopy.Site) bool {
	hostname, _ := s.requestHost(r)
	return hostname != "" && strings.EqualFold(hostname, site.Hostname)
}

// requestHost is the hostname and port a request asks for (the forwarded
// ones behind a trusted proxy).
func (s *Sites) requestHost(r *http.Request) (string, int) {
	host := r.Host
	trusted := s.Trusted(r)
	if trusted {
		if fh := r.Header.Get("X-Forwarded-Host"); fh != "" {
			host = strings.TrimSpace(strings.Split(fh, ",")[0])
		}
	}
	hostname, port, ok := canopy.ParseHostHeader(host)
	if !ok {
		hostname = ""
	}
	if port == 0 {
		if fp := r.Header.Get("X-Forwarded-Port"); trusted && fp != "" {
			port, _ = strconv.Atoi(strings.TrimSpace(strings.Split(fp, ",")[0]))
		}
	}
	if port == 0 {
		port = 80
		if r.TLS != nil || trusted && strings.EqualFold(strings.TrimSpace(strings.Split(r.Header.Get("X-Forwarded-Proto"), ",")[0]), "https") {
			port = 443
		}
	}
	return hostname, port
}

// Trusted reports whether the request comes from a trusted proxy.
func (s *Sites) Trusted(r *http.Request) bool {
	if len(s.proxies) == 0 {
		return false
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return false
	}
	return s.TrustedAddr(a)
}

// TrustedAddr reports whether a is the address of a trusted proxy.
func (s *Sites) TrustedAddr(a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range s.proxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// BadPath rejects paths that try to escape or confuse routing: encoded slashes
// or backslashes, dot segments, NUL bytes.
func BadPath(r *http.Request) string {
	raw := r.URL.EscapedPath()
	lower := strings.ToLower(raw)
	if strings.Contains(lower, "%2f") || strings.Contains(lower, "%5c") || strings.Contains(lower, "%00") || strings.ContainsRune(r.URL.Path, 0) {
		return "bad request: encoded slashes, backslashes and NUL bytes are not allowed in paths"
	}
	for _, seg := range strings.Split(r.URL.Path, "/") {
		if seg == ".." || seg == "." {
			return "bad request: the path contains a dot segment"
		}
	}
	if strings.Contains(r.URL.Path, "\\") {
		return "bad request: backslashes are not allowed in paths"
	}
	if strings.ContainsFunc(r.URL.Path, func(c rune) bool { return c < 0x20 || c == 0x7f }) {
		return "bad request: control characters are not allowed in paths"
	}
	return ""
}
