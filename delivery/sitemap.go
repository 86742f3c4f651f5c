package delivery

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/httpkit"
)

// Sitemaps and robots.txt (issue 28 items 2 and 3, first part): every site
// answers /sitemap.xml with its live pages that everyone may see, by absolute
// URL from the site's own root URL, with the time each was last published;
// above SitemapSize pages /sitemap.xml is an index of /sitemap-N.xml. A
// default /robots.txt names the sitemap. Both are cached with the site's
// content version, so a publish renews them.

// SitemapSize is the most URLs one sitemap file lists (the protocol's limit).
var SitemapSize = 50_000

var sitemapPageRE = regexp.MustCompile(`^/sitemap-([1-9][0-9]{0,5})\.xml$`)

// isSitemapPath reports whether path is the sitemap's, a part of it, or robots.txt.
// (Every public request asks: a prefix test before the expression.)
func isSitemapPath(path string) bool {
	return path == "/robots.txt" || strings.HasPrefix(path, "/sitemap") && (path == "/sitemap.xml" || sitemapPageRE.MatchString(path))
}

// unnamedHost reports whether a sitemap or robots path is asked of a host
// no site has (answered by the default site): such a host gets neither, as
// the files name the site's own addresses. Checked before the cache, which
// is keyed by site, not by host.
func (s *Server) unnamedHost(r *http.Request, site *canopy.Site, path string) bool {
	return isSitemapPath(path) && s.kit.Named != nil && !s.kit.Named(r, site)
}

// sitemapFor answers the sitemap and robots paths; ok is false for any other path.
func (s *Server) sitemapFor(r *http.Request, site *canopy.Site, path string) (e *httpkit.CachedPage, ok bool, err error) {
	if !isSitemapPath(path) {
		return nil, false, nil
	}
	switch {
	case path == "/robots.txt":
		body, err := s.robots(r, site)
		if err != nil {
			return nil, true, err
		}
		return httpkit.NewCachedPage(site.Version, http.StatusOK, []byte(body), "text/plain; charset=utf-8", "public, max-age=0, must-revalidate"), true, nil
	case path == "/sitemap.xml":
		e, err = s.renderSitemap(r, site, 0)
		return e, true, err
	}
	if m := sitemapPageRE.FindStringSubmatch(path); m != nil {
		n, _ := strconv.Atoi(m[1])
		e, err = s.renderSitemap(r, site, n)
		return e, true, err
	}
	return nil, false, nil
}

// robots is the site's robots.txt: everything disallowed when the site is
// hidden from search engines, else the text of its settings, else a default
// that allows everything and names the sitemap.
func (s *Server) robots(r *http.Request, site *canopy.Site) (string, error) {
	settings, err := s.settingsView(r.Context(), site)
	if err != nil {
		return "", err
	}
	general := settings[canopy.GeneralSettings]
	if hidden, _ := general["hide_from_search_engines"].(bool); hidden {
		return "User-agent: *\nDisallow: /\n", nil
	}
	if text, _ := general["robots_txt"].(string); strings.TrimSpace(text) != "" {
		return strings.TrimRight(strings.ReplaceAll(text, "\r\n", "\n"), "\n") + "\n", nil
	}
	return "User-agent: *\nAllow: /\n\nSitemap: " + site.RootURL() + "/sitemap.xml\n", nil
}

const sitemapNS = "http://www.sitemaps.org/schemas/sitemap/0.9"

// renderSitemap renders the sitemap (n 0: the whole site, or the index when
// it has more than SitemapSize pages; n ≥ 1: the n-th part). Pages under a
// view restriction are left out, whoever asks.
func (s *Server) renderSitemap(r *http.Request, site *canopy.Site, n int) (*httpkit.CachedPage, error) {
	ctx := r.Context()
	store := s.svc.Content(site.ID)
	offset := 0
	if n > 0 {
		offset = (n - 1) * SitemapSize
	}
	entries, total, err := store.SitemapEntries(ctx, SitemapSize, offset)
	if err != nil {
		return nil, err
	}
	parts := (total + SitemapSize - 1) / SitemapSize
	if n > 0 && (parts < 2 || n > parts) {
		// Only a big site has parts; past its last there is nothing.
		return httpkit.NewCachedPage(site.Version, http.StatusNotFound, []byte("404 page not found: this site's sitemap has no part "+strconv.Itoa(n)+"\n"),
			"text/plain; charset=utf-8", "public, max-age=0, must-revalidate"), nil
	}
	// Written by hand (escaped): encoding/xml's reflection took most of the
	// time of a 10,000-page sitemap.
	var b bytes.Buffer
	b.Grow(64 + len(entries)*(len(site.RootURL())+80))
	b.WriteString(xml.Header)
	loc := func(u string) {
		b.WriteString("<loc>")
		_ = xml.EscapeText(&b, []byte(u))
		b.WriteString("</loc>")
	}
	if n == 0 && parts > 1 {
		b.WriteString(`<sitemapindex xmlns="` + sitemapNS + `">` + "\n")
		for i := 1; i <= parts; i++ {
			b.WriteString("<sitemap>")
			loc(fmt.Sprintf("%s/sitemap-%d.xml", site.RootURL(), i))
			b.WriteString("</sitemap>\n")
		}
		b.WriteString("</sitemapindex>\n")
	} else {
		restricted, err := s.kit.Privacy.Paths(r, site)
		if err != nil {
			return nil, err
		}
		b.WriteString(`<urlset xmlns="` + sitemapNS + `">` + "\n")
	pages:
		for _, e := range entries {
			for _, pr := range restricted {
				if strings.HasPrefix(e.Path, pr.Path) {
					continue pages
				}
			}
			b.WriteString("<url>")
			loc(site.RootURL() + e.URLPath)
			if !e.LastMod.IsZero() {
				b.WriteString("<lastmod>" + e.LastMod.Format("2006-01-02T15:04:05Z") + "</lastmod>")
			}
			b.WriteString("</url>\n")
		}
		b.WriteString("</urlset>\n")
	}
	return httpkit.NewCachedPage(site.Version, http.StatusOK, b.Bytes(), "application/xml; charset=utf-8", "public, max-age=0, must-revalidate"), nil
}

// hasExtension reports whether the path's last segment names a file
// ("/favicon.ico"): such a path is never given a trailing slash.
func hasExtension(path string) bool {
	last := path[strings.LastIndexByte(path, '/')+1:]
	return strings.Contains(last, ".")
}
