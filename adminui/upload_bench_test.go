package adminui_test

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/canopy-cms/canopy/internal/benchmem"
	"github.com/canopy-cms/canopy/sqlstore"
)

// residentPeak is the process's peak resident memory so far (VmHWM), in bytes.
func residentPeak() uint64 {
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmHWM:" {
			n, _ := strconv.ParseUint(f[1], 10, 64)
			return n << 10
		}
	}
	return 0
}

// BenchmarkUpload20Images: twenty 4000×3000 camera JPEGs uploaded at once
// through the images screen, as the upload page's script sends them (one
// request per file, here all 20 at the same time rather than its 2) and as
// the form sends them without script (one request with the 20 files, each
// stored as it streams in). Reports the peak heap above the idle server and
// the process's peak resident memory.
//
//	go test -run '^$' -bench Upload20Images -benchtime 2x ./adminui/
func BenchmarkUpload20Images(b *testing.B) {
	d := newDemo(b, sqlstore.SQLite)
	c := d.login("alpha.localhost", "alpha-admin")
	c.get("/admin/images/add/")
	files := make([][]byte, 20)
	total := 0
	for i := range files {
		data, err := benchmem.CameraJPEG(4000, 3000, int64(i))
		if err != nil {
			b.Fatal(err)
		}
		files[i] = data
		total += len(files[i])
	}
	// The requests are built before the measurement: the client's copies
	// of the files are not the server's memory.
	build := func(parts [][]byte) *http.Request {
		var body bytes.Buffer
		w := multipart.NewWriter(&body)
		_ = w.WriteField("csrf", c.csrf)
		for i, data := range parts {
			part, _ := w.CreateFormFile("file", fmt.Sprintf("photo-%d.jpg", i))
			_, _ = part.Write(data)
		}
		w.Close()
		req := httptest.NewRequest("POST", "/admin/images/add/", bytes.NewReader(body.Bytes()))
		req.Host = c.host + ":" + d.port
		req.Header.Set("Content-Type", w.FormDataContentType())
		req.Header.Set("Origin", "http://"+req.Host)
		if len(parts) == 1 {
			req.Header.Set("X-Requested-With", "canopy")
		}
		u, _ := url.Parse("http://" + c.host + "/admin/")
		for _, ck := range c.jar.Cookies(u) {
			req.AddCookie(ck)
		}
		return req
	}
	send := func(req *http.Request) {
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Errorf("upload: %d %.200s", rec.Code, rec.Body.String())
		}
	}
	for _, mode := range []string{"script-20-requests-at-once", "no-script-one-request"} {
		b.Run(mode, func(b *testing.B) {
			var peak uint64
			for i := 0; i < b.N; i++ {
				var reqs []*http.Request
				if mode == "no-script-one-request" {
					reqs = append(reqs, build(files))
				} else {
					for _, f := range files {
						reqs = append(reqs, build([][]byte{f}))
					}
				}
				p := benchmem.Peak(func() {
					var wg sync.WaitGroup
					for _, r := range reqs {
						wg.Add(1)
						go func() { defer wg.Done(); send(r) }()
					}
					wg.Wait()
				})
				peak = max(peak, p)
			}
			b.ReportMetric(float64(peak)/(1<<20), "MiB-peak-heap")
			b.ReportMetric(float64(residentPeak())/(1<<20), "MiB-peak-RSS")
			b.ReportMetric(float64(total)/(1<<20)/20, "MiB-per-file")
		})
	}
}
