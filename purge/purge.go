// Package purge tells front-end caches (Varnish, Fastly-style HTTP caches,
// Cloudflare, CloudFront) to drop a site's answers when they change (issue 28
// item 7). The store names the changed addresses in each committed change
// (sqlstore.Change.Purge); the purger queues them without waiting, batches
// what arrives within a short window per site, and sends each batch to every
// configured front end on a goroutine of its own, retried with backoff. A
// front end that hangs or fails delays nothing but its own queue; failures
// are counted (Stats, exported as metrics) and logged.
package purge

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/sqlstore"
)

// Batch is what one front end is asked to drop for one site.
type Batch struct {
	Site *canopy.Site
	// Paths are URL paths of the site ("/news/"); URLs are the same,
	// absolute from the site's root URL.
	Paths, URLs []string
	// All: drop everything of the site (too many addresses to name).
	All bool
	// Tags name the site's answers in their Surrogate-Key/Cache-Tag headers
	// (the site's tag), for front ends that purge by tag.
	Tags []string
}

// Backend is one front-end cache.
type Backend interface {
	// Name names it in logs and metrics ("http", "cloudflare", "cloudfront"
	// and its position).
	Name() string
	// MaxBatch is the most addresses one request may carry.
	MaxBatch() int
	// Purge sends one batch (at most MaxBatch addresses). An error that is
	// Permanent is not retried.
	Purge(ctx context.Context, b Batch) error
}

// Permanent marks an error a retry cannot mend (a 4xx answer: bad
// credentials or configuration).
type Permanent struct{ Err error }

func (p Permanent) Error() string { return p.Err.Error() }
func (p Permanent) Unwrap() error { return p.Err }

// Options tune the purger (zero values: the defaults).
type Options struct {
	// Window is how long changes are gathered into one batch (100ms).
	Window time.Duration
	// Attempts is how often a batch is tried (5); Backoff the first wait
	// between tries (200ms), doubled each time up to MaxBackoff (10s).
	Attempts            int
	Backoff, MaxBackoff time.Duration
	// Timeout bounds one request to a front end (10s).
	Timeout time.Duration
	// QueueLength is how many changes wait per front end (10,000); beyond
	// it changes are dropped (counted and logged), never waited for.
	QueueLength int
	Logger      *slog.Logger
}

// Stats are one front end's counters since the start.
type Stats struct {
	Backend string
	// Requests sent and failed (every try); Batches that failed after the
	// last try; Dropped changes (queue full).
	Requests, Failures, Failed, Dropped int64
}

// Purger sends purges to the configured front ends.
type Purger struct {
	lookup  func(siteID int64) *canopy.Site
	opt     Options
	workers []*worker
}

type job struct {
	site  int64
	paths []string
	all   bool
}

type worker struct {
	b                                   Backend
	q                                   chan job
	requests, failures, failed, dropped atomic.Int64
}

// New starts a purger over backends (none: it does nothing); lookup finds a
// site by id (nil: gone). The workers stop when ctx ends.
func New(ctx context.Context, backends []Backend, lookup func(siteID int64) *canopy.Site, opt Options) *Purger {
	if opt.Window <= 0 {
		opt.Window = 100 * time.Millisecond
	}
	if opt.Attempts <= 0 {
		opt.Attempts = 5
	}
	if opt.Backoff <= 0 {
		opt.Backoff = 200 * time.Millisecond
	}
	if opt.MaxBackoff <= 0 {
		opt.MaxBackoff = 10 * time.Second
	}
	if opt.Timeout <= 0 {
		opt.Timeout = 10 * time.Second
	}
	if opt.QueueLength <= 0 {
		opt.QueueLength = 10000
	}
	if opt.Logger == nil {
		opt.Logger = slog.Default()
	}
	p := &Purger{lookup: lookup, opt: opt}
	for _, b := range backends {
		w := &worker{b: b, q: make(chan job, opt.QueueLength)}
		p.workers = append(p.workers, w)
		go p.run(ctx, w)
	}
	return p
}

// Changed takes a committed change (a service.OnChange listener): it never
// blocks.
func (p *Purger) Changed(c sqlstore.Change) {
	if len(p.workers) == 0 || c.SiteID == 0 || len(c.Purge) == 0 && !c.PurgeAll {
		return
	}
	j := job{site: c.SiteID, paths: c.Purge, all: c.PurgeAll}
	for _, w := range p.workers {
		select {
		case w.q <- j:
		default:
			w.dropped.Add(1)
			p.opt.Logger.Error("purge queue full: change dropped", "backend", w.b.Name(), "site", c.SiteID, "paths", len(c.Purge))
		}
	}
}

// Stats returns each front end's counters.
func (p *Purger) Stats() []Stats {
	out := make([]Stats, len(p.workers))
	for i, w := range p.workers {
		out[i] = Stats{Backend: w.b.Name(), Requests: w.requests.Load(), Failures: w.failures.Load(), Failed: w.failed.Load(), Dropped: w.dropped.Load()}
	}
	return out
}

// run gathers a window's changes per site and sends them.
func (p *Purger) run(ctx context.Context, w *worker) {
	for {
		var first job
		select {
		case <-ctx.Done():
			return
		case first = <-w.q:
		}
		pending := map[int64]*job{first.site: &first}
		order := []int64{first.site}
		timer := time.NewTimer(p.opt.Window)
	gather:
		for {
			select {
			case <-ctx.Done():
				timer.Stop()
				return
			case j := <-w.q:
				if have := pending[j.site]; have != nil {
					have.paths = append(slices.Clip(have.paths), j.paths...)
					have.all = have.all || j.all
				} else {
					pending[j.site] = &j
					order = append(order, j.site)
				}
			case <-timer.C:
				break gather
			}
		}
		for _, id := range order {
			p.send(ctx, w, pending[id])
		}
	}
}

// send purges one site's gathered addresses in batches of the front end's
// size, each retried.
func (p *Purger) send(ctx context.Context, w *worker, j *job) {
	site := p.lookup(j.site)
	if site == nil {
		return
	}
	root := site.RootURL()
	tags := []string{"site-" + strconv.FormatInt(site.ID, 10)}
	paths := dedupe(append(slices.Clip(j.paths), "/sitemap.xml")) // the change's slice is shared by every front end
	if j.all || len(paths) > sqlstore.MaxPurgePaths {
		p.try(ctx, w, Batch{Site: site, All: true, Tags: tags})
		return
	}
	size := max(w.b.MaxBatch(), 1)
	for start := 0; start < len(paths); start += size {
		part := paths[start:min(start+size, len(paths))]
		urls := make([]string, len(part))
		for i, u := range part {
			urls[i] = root + u
		}
		p.try(ctx, w, Batch{Site: site, Paths: part, URLs: urls, Tags: tags})
	}
}

// try sends a batch until it succeeds, fails permanently or runs out of
// attempts, waiting longer each time (with jitter).
func (p *Purger) try(ctx context.Context, w *worker, b Batch) {
	wait := p.opt.Backoff
	var err error
	for attempt := 1; attempt <= p.opt.Attempts; attempt++ {
		rctx, cancel := context.WithTimeout(ctx, p.opt.Timeout)
		w.requests.Add(1)
		err = w.b.Purge(rctx, b)
		cancel()
		if err == nil {
			return
		}
		w.failures.Add(1)
		var perm Permanent
		if errors.As(err, &perm) || attempt == p.opt.Attempts {
			break
		}
		p.opt.Logger.Warn("purge failed, trying again", "backend", w.b.Name(), "site", b.Site.Hostname, "attempt", attempt, "err", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait + time.Duration(rand.Int64N(int64(wait/4)+1))):
		}
		wait = min(wait*2, p.opt.MaxBackoff)
	}
	w.failed.Add(1)
	p.opt.Logger.Error("purge failed", "backend", w.b.Name(), "site", b.Site.Hostname, "paths", len(b.Paths), "all", b.All, "err", err)
}

func dedupe(paths []string) []string {
	seen := make(map[string]bool, len(paths))
	out := paths[:0:0]
	for _, p := range paths {
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	return out
}

// statusError turns a front end's answer into an error: nil for 2xx,
// Permanent for 4xx other than 408 and 429.
func statusError(res *http.Response, body string) error {
	if res.StatusCode >= 200 && res.StatusCode < 300 {
		return nil
	}
	err := errors.New(res.Request.Method + " " + res.Request.URL.Redacted() + ": " + res.Status + " " + trim(body))
	if res.StatusCode >= 400 && res.StatusCode < 500 && res.StatusCode != http.StatusRequestTimeout && res.StatusCode != http.StatusTooManyRequests {
		return Permanent{err}
	}
	return err
}

func trim(s string) string {
	if len(s) > 200 {
		return s[:200] + "…"
	}
	return s
}
