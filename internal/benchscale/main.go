// Command benchscale measures a running Canopy installation of generated sites
// (canopy generate: gen-1.localhost … gen-N.localhost) from outside, over HTTP,
// for scripts/bench-scale.sh: cached and uncached delivery over up to 1,000
// sites, the admin reads (me, children, page, users, history, sites list), the
// latency of a public request right after an edit on another site, and public
// latency under one edit per second. It prints a table and, with -out, writes
// the figures as JSON; with -baseline (a previous -out) it adds the ratio of
// each figure to the baseline's.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Result is one measured figure set.
type Result struct {
	Name  string  `json:"name"`
	RPS   float64 `json:"rps,omitempty"`
	P50ms float64 `json:"p50_ms"`
	P99ms float64 `json:"p99_ms"`
	N     int     `json:"n"`
}

type bench struct {
	base     string
	client   *http.Client
	sites    int
	spread   int
	duration time.Duration
	conns    int
	user     string
	password string
	paths    []string
	tokens   map[int]string // site number → admin token
	roots    map[int]int64  // site number → home page id
	// editSites are where admin reads and edits happen; editPage the page
	// edited on each.
	editSites []int
	editPage  map[int]int64
}

func main() {
	var small, large bench
	flag.StringVar(&large.base, "url", "http://127.0.0.1:8000", "the large installation's base `URL`")
	flag.IntVar(&large.sites, "sites", 10000, "how many generated `sites` it has")
	flag.StringVar(&small.base, "baseline-url", "", "the small installation's base `URL` (measured alternately with the large one)")
	flag.IntVar(&small.sites, "baseline-sites", 10, "how many generated `sites` it has")
	spread := flag.Int("spread", 1000, "deliver from at most this many `sites`")
	duration := flag.Duration("duration", 10*time.Second, "how long each throughput run lasts")
	conns := flag.Int("conns", 16, "concurrent `connections` of throughput runs")
	user := flag.String("user", "bench", "a superuser's `username` (on both)")
	password := flag.String("password", "", "its `password`")
	label := flag.String("label", "", "a `label` for the table")
	out := flag.String("out", "", "write the figures as JSON to `file`")
	flag.Parse()
	transport := &http.Transport{MaxIdleConnsPerHost: 256, MaxIdleConns: 1024}
	targets := []*bench{&large}
	if small.base != "" {
		targets = []*bench{&small, &large}
	}
	for _, b := range targets {
		b.tokens, b.roots, b.editPage = map[int]string{}, map[int]int64{}, map[int]int64{}
		b.spread, b.duration, b.conns, b.user, b.password = min(*spread, b.sites), *duration, *conns, *user, *password
		b.client = &http.Client{Transport: transport, Timeout: 30 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		b.paths = []string{"/", "/section-1/", "/section-1/page-1/", "/section-2/"}
		if err := b.setup(); err != nil {
			fail(err)
		}
	}
	// Each step runs on the small installation, then at once on the large
	// one (the admin reads alternate request by request), so both see the
	// same machine.
	results := make([][]Result, len(targets))
	for _, step := range []func(*bench) ([]Result, error){(*bench).delivery, nil, (*bench).nextRequest, (*bench).underEdits} {
		if step == nil {
			r, err := admin(targets)
			if err != nil {
				fail(err)
			}
			for i := range targets {
				results[i] = append(results[i], r[i]...)
			}
			continue
		}
		for i, b := range targets {
			r, err := step(b)
			if err != nil {
				fail(err)
			}
			results[i] = append(results[i], r...)
		}
	}
	fmt.Printf("%s: %d sites", *label, large.sites)
	if small.base != "" {
		fmt.Printf(", as a ratio of %d sites measured alternately in the same run", small.sites)
	}
	fmt.Printf("\n%-36s %10s %9s %9s", "measure", "req/s", "p50 ms", "p99 ms")
	if small.base != "" {
		fmt.Printf(" | %9s %9s %9s %9s", "base p50", "base p99", "p99 ×", "req/s ×")
	}
	fmt.Println()
	for j, r := range results[len(results)-1] {
		fmt.Printf("%-36s %10.0f %9.3f %9.3f", r.Name, r.RPS, r.P50ms, r.P99ms)
		if small.base != "" {
			o := results[0][j]
			fmt.Printf(" | %9.3f %9.3f %9.2f", o.P50ms, o.P99ms, r.P99ms/o.P99ms)
			if o.RPS > 0 {
				fmt.Printf(" %9.2f", r.RPS/o.RPS)
			}
		}
		fmt.Println()
	}
	if *out != "" {
		raw, _ := json.MarshalIndent(map[string]any{"large": results[len(results)-1], "small": results[0]}, "", "  ")
		if err := os.WriteFile(*out, raw, 0o644); err != nil {
			fail(err)
		}
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "benchscale:", err)
	os.Exit(1)
}

func host(n int) string { return fmt.Sprintf("gen-%d.localhost", n) }

// pick returns a site number spread evenly over the installation.
func (b *bench) pick(r *rand.Rand) int {
	step := max(1, b.sites/b.spread)
	return 1 + step*r.IntN(b.spread)
}

func (b *bench) do(method, hostname, path, token string, body any) (int, []byte, time.Duration, error) {
	var rd io.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, b.base+path, rd)
	if err != nil {
		return 0, nil, 0, err
	}
	req.Host = hostname
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	start := time.Now()
	res, err := b.client.Do(req)
	if err != nil {
		return 0, nil, 0, err
	}
	data, err := io.ReadAll(res.Body)
	res.Body.Close()
	return res.StatusCode, data, time.Since(start), err
}

// login makes an admin token for a site.
func (b *bench) login(n int) error {
	jar := &http.Client{Transport: b.client.Transport, Timeout: 30 * time.Second}
	raw, _ := json.Marshal(map[string]string{"username": b.user, "password": b.password})
	req, _ := http.NewRequest("POST", b.base+"/admin/api/login", bytes.NewReader(raw))
	req.Host = host(n)
	req.Header.Set("Content-Type", "application/json")
	res, err := jar.Do(req)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode != 200 {
		return fmt.Errorf("login on %s: %d", host(n), res.StatusCode)
	}
	raw, _ = json.Marshal(map[string]any{"name": "bench"})
	req, _ = http.NewRequest("POST", b.base+"/admin/api/tokens", bytes.NewReader(raw))
	req.Host = host(n)
	req.Header.Set("Content-Type", "application/json")
	for _, c := range res.Cookies() {
		req.AddCookie(c)
	}
	res, err = jar.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	var tok struct {
		Token string `json:"token"`
	}
	if err := json.NewDecoder(res.Body).Decode(&tok); err != nil || tok.Token == "" {
		return fmt.Errorf("token on %s: %d %v", host(n), res.StatusCode, err)
	}
	b.tokens[n] = tok.Token
	status, data, _, err := b.do("GET", host(n), "/admin/api/sites?q="+host(n), tok.Token, nil)
	if err != nil || status != 200 {
		return fmt.Errorf("sites on %s: %d %v", host(n), status, err)
	}
	var list struct {
		Items []struct {
			Hostname   string `json:"hostname"`
			RootPageID int64  `json:"root_page_id"`
		} `json:"items"`
	}
	_ = json.Unmarshal(data, &list)
	for _, it := range list.Items {
		if it.Hostname == host(n) {
			b.roots[n] = it.RootPageID
		}
	}
	if b.roots[n] == 0 {
		return fmt.Errorf("no home page id for %s", host(n))
	}
	return nil
}

// setup makes admin tokens on ten sites spread over the installation (the
// first is where admin reads run) and asks for every delivered page once:
// caches, site models and connections are warm.
func (b *bench) setup() error {
	for i := 0; i < 10; i++ {
		n := 1 + i*max(1, b.sites/10)
		if !slices.Contains(b.editSites, n) {
			b.editSites = append(b.editSites, n)
		}
	}
	for _, n := range b.editSites {
		if err := b.login(n); err != nil {
			return err
		}
	}
	for n := 1; n <= b.sites; n += max(1, b.sites/b.spread) {
		for _, p := range b.paths {
			if status, _, _, err := b.do("GET", host(n), p, "", nil); err != nil || status != 200 {
				return fmt.Errorf("warm %s%s: %d %v", host(n), p, status, err)
			}
		}
	}
	return nil
}

// delivery measures cached and uncached (rendered) public pages.
func (b *bench) delivery() ([]Result, error) {
	cached, err := b.load("delivery, cached", false)
	if err != nil {
		return nil, err
	}
	uncached, err := b.load("delivery, uncached (rendered)", true)
	return []Result{cached, uncached}, err
}

// admin measures the admin reads, one request after another.
type endpoint struct{ name, path string }

// adminEndpoints are the admin reads measured on one installation.
func (b *bench) adminEndpoints() ([]endpoint, error) {
	n := b.editSites[0]
	root := b.roots[n]
	_, data, _, err := b.do("GET", host(n), fmt.Sprintf("/admin/api/pages/%d/children", root), b.tokens[n], nil)
	if err != nil {
		return nil, err
	}
	var kids struct {
		Items []struct {
			ID int64 `json:"id"`
		} `json:"items"`
	}
	if err := json.Unmarshal(data, &kids); err != nil || len(kids.Items) == 0 {
		return nil, fmt.Errorf("children of %s's home page: %v %s", host(n), err, data)
	}
	return []endpoint{
		{"admin: me", "/admin/api/me"},
		{"admin: children", fmt.Sprintf("/admin/api/pages/%d/children", root)},
		{"admin: page", fmt.Sprintf("/admin/api/pages/%d", kids.Items[0].ID)},
		{"admin: users", "/admin/api/users"},
		{"admin: history", "/admin/api/history"},
		{"admin: sites list (10 a page)", "/admin/api/sites?limit=10"},
		{"admin: sites list (50 a page)", "/admin/api/sites?limit=50"},
		{"admin: sites search", "/admin/api/sites?q=gen-7&limit=50"},
	}, nil
}

// admin measures the admin reads one request after another, alternating
// between the installations request by request, so that both see the same
// moments of the machine.
func admin(targets []*bench) ([][]Result, error) {
	eps := make([][]endpoint, len(targets))
	for i, b := range targets {
		var err error
		if eps[i], err = b.adminEndpoints(); err != nil {
			return nil, err
		}
	}
	out := make([][]Result, len(targets))
	const n, warm = 2000, 20
	for e := range eps[0] {
		samples := make([][]time.Duration, len(targets))
		for k := 0; k < n+warm; k++ {
			for i, b := range targets {
				site := b.editSites[0]
				status, _, took, err := b.do("GET", host(site), eps[i][e].path, b.tokens[site], nil)
				if err != nil {
					return nil, err
				}
				if status != 200 {
					return nil, fmt.Errorf("%s: status %d", eps[i][e].name, status)
				}
				if k >= warm {
					samples[i] = append(samples[i], took)
				}
			}
		}
		for i := range targets {
			out[i] = append(out[i], result(eps[i][e].name, samples[i]))
		}
	}
	return out, nil
}

// nextRequest measures a public request on one site right after an edit on
// another, against the same request without an edit before it.
func (b *bench) nextRequest() ([]Result, error) {
	rng := rand.New(rand.NewPCG(1, 2))
	other := b.pick(rng)
	for slices.Contains(b.editSites, other) {
		other++
	}
	var before, after, edits []time.Duration
	for i := 0; i < 200; i++ {
		_, _, t0, err := b.do("GET", host(other), "/", "", nil)
		if err != nil {
			return nil, err
		}
		before = append(before, t0)
		took, err := b.edit(b.editSites[i%len(b.editSites)], i)
		if err != nil {
			return nil, err
		}
		edits = append(edits, took)
		_, _, t1, err := b.do("GET", host(other), "/", "", nil)
		if err != nil {
			return nil, err
		}
		after = append(after, t1)
	}
	return []Result{result("edit (draft save + publish)", edits), result("next request, no edit before", before),
		result("next request, right after an edit", after)}, nil
}

// underEdits measures cached delivery while an editor publishes once a second,
// beside the same run without edits.
func (b *bench) underEdits() ([]Result, error) {
	quiet, err := b.load("delivery, cached, no edits", false)
	if err != nil {
		return nil, err
	}
	stop := make(chan struct{})
	done := make(chan struct{})
	var edits atomic.Int64
	go func() {
		defer close(done)
		tk := time.NewTicker(time.Second)
		defer tk.Stop()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-tk.C:
			}
			if _, err := b.edit(b.editSites[i%len(b.editSites)], 1000+i); err == nil {
				edits.Add(1)
			}
		}
	}()
	edited, err := b.load("delivery, cached, 1 edit/s", false)
	close(stop)
	<-done
	if err != nil {
		return nil, err
	}
	if edits.Load() == 0 {
		return nil, fmt.Errorf("no edit succeeded during the edit run")
	}
	return []Result{quiet, edited}, nil
}

// edit saves a new title of a page of site n and publishes it (a draft save
// and a publish, as an editor does) and returns how long the two took.
func (b *bench) edit(n, i int) (time.Duration, error) {
	tok := b.tokens[n]
	if b.editPage[n] == 0 {
		_, data, _, err := b.do("GET", host(n), fmt.Sprintf("/admin/api/pages/%d/children", b.roots[n]), tok, nil)
		if err != nil {
			return 0, err
		}
		var kids struct {
			Items []struct {
				ID int64 `json:"id"`
			} `json:"items"`
		}
		if err := json.Unmarshal(data, &kids); err != nil || len(kids.Items) == 0 {
			return 0, fmt.Errorf("children of %s: %v", host(n), err)
		}
		b.editPage[n] = kids.Items[len(kids.Items)-1].ID
	}
	path := fmt.Sprintf("/admin/api/pages/%d", b.editPage[n])
	status, body, t1, err := b.do("PATCH", host(n), path, tok, map[string]any{"title": fmt.Sprintf("Edited %d", i)})
	if err != nil || status != 200 {
		return 0, fmt.Errorf("edit on %s: %d %v %s", host(n), status, err, body)
	}
	status, body, t2, err := b.do("POST", host(n), path+"/publish", tok, nil)
	if err != nil || status != 200 {
		return 0, fmt.Errorf("publish on %s: %d %v %s", host(n), status, err, body)
	}
	return t1 + t2, nil
}

// load runs conns workers for the duration, each requesting pages of sites
// spread over the installation; uncached adds a unique query string, which
// the page cache never holds, so every page is rendered.
func (b *bench) load(name string, uncached bool) (Result, error) {
	var mu sync.Mutex
	var all []time.Duration
	var failed atomic.Int64
	var wg sync.WaitGroup
	deadline := time.Now().Add(b.duration)
	var seq atomic.Int64
	for w := 0; w < b.conns; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 7))
			var mine []time.Duration
			for time.Now().Before(deadline) {
				p := b.paths[rng.IntN(len(b.paths))]
				if uncached {
					p += fmt.Sprintf("?n=%d", seq.Add(1))
				}
				status, _, took, err := b.do("GET", host(b.pick(rng)), p, "", nil)
				if err != nil || status != 200 {
					failed.Add(1)
					continue
				}
				mine = append(mine, took)
			}
			mu.Lock()
			all = append(all, mine...)
			mu.Unlock()
		}(w)
	}
	wg.Wait()
	if f := failed.Load(); f > 0 {
		return Result{}, fmt.Errorf("%s: %d requests failed", name, f)
	}
	r := result(name, all)
	r.RPS = float64(len(all)) / b.duration.Seconds()
	return r, nil
}

func result(name string, d []time.Duration) Result {
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	q := func(p float64) float64 {
		if len(d) == 0 {
			return 0
		}
		return float64(d[min(len(d)-1, int(p*float64(len(d))))].Microseconds()) / 1000
	}
	return Result{Name: strings.TrimSpace(name), P50ms: q(0.50), P99ms: q(0.99), N: len(d)}
}
