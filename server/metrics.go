package server

import (
	"context"
	"crypto/subtle"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/canopy-cms/canopy/httpkit"
	"github.com/canopy-cms/canopy/purge"
	"github.com/canopy-cms/canopy/service"
)

// Route classes: what a request was for, the label of the request metrics.
const (
	classPage = iota
	classMedia
	classStatic
	classContentAPI
	classAdminAPI
	classAdminUI
	classSiteAuth
	classHealth
	classOther
	numClasses
)

var classNames = [numClasses]string{"page", "media", "static", "content_api", "admin_api", "admin_ui", "site_auth", "health", "other"}

// routeClass sorts a path into its route class.
func routeClass(p string) int {
	switch {
	case strings.HasPrefix(p, "/admin/api/"):
		return classAdminAPI
	case strings.HasPrefix(p, "/admin/"):
		return classAdminUI
	case strings.HasPrefix(p, "/api/"):
		return classContentAPI
	case strings.HasPrefix(p, "/media/"):
		return classMedia
	case strings.HasPrefix(p, "/static/"):
		return classStatic
	case strings.HasPrefix(p, "/_"):
		return classSiteAuth
	case p == "/healthz":
		return classHealth
	}
	return classPage
}

// metrics are the server's Prometheus metrics, in a registry of its own (one
// per server, so tests and several servers in one process do not collide).
type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	duration [numClasses]prometheus.Observer
	// counts caches the counters by class×1000+status (the few that occur).
	counts sync.Map
}

func newMetrics(svc *service.Service, sites *httpkit.Sites, cache *httpkit.PageCache, purger *purge.Purger) *metrics {
	m := &metrics{reg: prometheus.NewRegistry()}
	m.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "canopy_http_requests_total",
		Help: "HTTP requests answered, by route class and status code (499: the client went away)."}, []string{"class", "code"})
	dur := prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "canopy_http_request_duration_seconds",
		Help:    "Time to answer an HTTP request, by route class.",
		Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}}, []string{"class"})
	for c := range numClasses {
		m.duration[c] = dur.WithLabelValues(classNames[c])
	}
	m.reg.MustRegister(m.requests, dur)

	stat := func() httpkit.PageCacheStats { return cache.Stats() }
	m.reg.MustRegister(
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "canopy_page_cache_hits_total",
			Help: "Public answers served from the page cache."}, func() float64 { return float64(stat().Hits) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "canopy_page_cache_misses_total",
			Help: "Public answers looked for in the page cache and rendered instead (absent, or of an older content version)."},
			func() float64 { return float64(stat().Misses) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "canopy_page_cache_bytes",
			Help: "Weight of the page cache's entries (bodies, keys and overhead)."}, func() float64 { return float64(stat().Bytes) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "canopy_page_cache_budget_bytes",
			Help: "The page cache's memory budget (cache_bytes)."}, func() float64 { return float64(stat().Maximum) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "canopy_page_cache_entries",
			Help: "Entries in the page cache."}, func() float64 { return float64(stat().Entries) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "canopy_sites",
			Help: "Sites in this process's site table."}, func() float64 { return float64(sites.Table(context.Background()).Len()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "canopy_mail_outbox_depth",
			Help: "Notification emails of the installation not sent yet (-1: the database did not answer)."}, func() float64 {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			n, err := svc.MailOutboxDepth(ctx)
			if err != nil {
				return -1
			}
			return float64(n)
		}),
	)
	for i, st := range purger.Stats() {
		i, labels := i, prometheus.Labels{"backend": st.Backend}
		stat := func() purge.Stats { return purger.Stats()[i] }
		m.reg.MustRegister(
			prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "canopy_purge_requests_total", ConstLabels: labels,
				Help: "Purge requests sent to a front-end cache (every try)."}, func() float64 { return float64(stat().Requests) }),
			prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "canopy_purge_request_failures_total", ConstLabels: labels,
				Help: "Purge requests that failed (each is tried again until the last try)."}, func() float64 { return float64(stat().Failures) }),
			prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "canopy_purge_batches_failed_total", ConstLabels: labels,
				Help: "Purges given up after the last try (the front end may serve stale answers until they expire)."}, func() float64 { return float64(stat().Failed) }),
			prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "canopy_purge_dropped_total", ConstLabels: labels,
				Help: "Changes not purged because the front end's queue was full."}, func() float64 { return float64(stat().Dropped) }),
		)
	}
	for name, pool := range svc.DB.Pools() {
		m.reg.MustRegister(collectors.NewDBStatsCollector(pool, name))
	}

	refreshes := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "canopy_site_table_refreshes_total",
		Help: "Updates of the site table: kind=site for one site's entry, kind=full for a reload of every site."}, []string{"kind"})
	sitesRead := prometheus.NewCounter(prometheus.CounterOpts{Name: "canopy_site_table_rows_read_total",
		Help: "Site rows read from the database to update the site table."})
	m.reg.MustRegister(refreshes, sitesRead)
	full, one := refreshes.WithLabelValues("full"), refreshes.WithLabelValues("site")
	sites.OnRefresh(func(isFull bool, n int) {
		if isFull {
			full.Inc()
		} else {
			one.Inc()
		}
		sitesRead.Add(float64(n))
	})

	runs := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "canopy_scheduler_runs_total",
		Help: "Passes of the scheduler (scheduled publishing and expiry), by result."}, []string{"result"})
	m.reg.MustRegister(runs)
	ok, failed := runs.WithLabelValues("ok"), runs.WithLabelValues("error")
	svc.OnSchedulerRun = func(err error) {
		if err != nil {
			failed.Inc()
		} else {
			ok.Inc()
		}
	}
	return m
}

// observe records one answered request.
func (m *metrics) observe(class, status int, took time.Duration) {
	m.duration[class].Observe(took.Seconds())
	key := class*1000 + status
	c, ok := m.counts.Load(key)
	if !ok {
		c, _ = m.counts.LoadOrStore(key, m.requests.WithLabelValues(classNames[class], strconv.Itoa(status)))
	}
	c.(prometheus.Counter).Inc()
}

// MetricsHandler serves the Prometheus metrics (for a listener of its own:
// it checks nothing).
func (s *Server) MetricsHandler() http.Handler {
	return promhttp.HandlerFor(s.metrics.reg, promhttp.HandlerOpts{})
}

// tokenMetrics serves the metrics on the public listener at /_metrics to a
// request with "Authorization: Bearer TOKEN"; anything else is a 404, as if
// the route did not exist.
func (s *Server) tokenMetrics(w http.ResponseWriter, r *http.Request) int {
	want := "Bearer " + s.opt.MetricsToken
	got := r.Header.Get("Authorization")
	if s.opt.MetricsToken == "" || subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
		http.NotFound(w, r)
		return http.StatusNotFound
	}
	s.MetricsHandler().ServeHTTP(w, r)
	return http.StatusOK
}
