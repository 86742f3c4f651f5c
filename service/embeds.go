package service

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/microcosm-cc/bluemonday"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/sqlstore"
)

// Embeds in rich text (as Wagtail's): a URL on a line of its own — a
// paragraph holding only the URL, typed or linked — becomes an embed when an
// oEmbed provider of the installation answers for it. The answer is fetched
// once (when the text is saved, before the write transaction), sanitised and
// kept in the embeds table; the text keeps a placeholder,
//
//	<figure class="embed" data-embed-url="URL"><a href="URL">Title</a></figure>
//
// which delivery replaces with the kept HTML (the link remains where there is
// none). A URL no provider knows, or whose provider does not answer, stays a
// plain link.

// OEmbedProvider is an oEmbed endpoint and the URLs it answers for.
type OEmbedProvider struct {
	Name     string `toml:"name"`
	Endpoint string `toml:"endpoint"`
	// URLs are the patterns of the pages it embeds; * matches anything.
	URLs []string `toml:"urls"`
	// FrameHosts are the hosts an iframe of its answer may come from
	// (default: the endpoint's host).
	FrameHosts []string `toml:"frame_hosts"`
}

// DefaultOEmbedProviders are an installation's providers when its
// configuration names none.
func DefaultOEmbedProviders() []OEmbedProvider {
	return []OEmbedProvider{
		{Name: "YouTube", Endpoint: "https://www.youtube.com/oembed",
			URLs:       []string{"https://www.youtube.com/watch?*", "https://youtube.com/watch?*", "https://m.youtube.com/watch?*", "https://youtu.be/*", "https://www.youtube.com/shorts/*"},
			FrameHosts: []string{"www.youtube.com", "www.youtube-nocookie.com"}},
		{Name: "Vimeo", Endpoint: "https://vimeo.com/api/oembed.json",
			URLs:       []string{"https://vimeo.com/*", "https://player.vimeo.com/video/*"},
			FrameHosts: []string{"player.vimeo.com"}},
	}
}

// Embedder finds embeds through the installation's providers.
type Embedder struct {
	providers []embedProvider
	client    *http.Client
	// MaxWidth is asked of providers (default 800).
	MaxWidth int
}

type embedProvider struct {
	OEmbedProvider
	patterns []*regexp.Regexp
	policy   *bluemonday.Policy
}

// NewEmbedder checks the providers (an https endpoint, at least one URL
// pattern) and prepares them; client nil means a client with a 5 s timeout.
func NewEmbedder(providers []OEmbedProvider, client *http.Client) (*Embedder, error) {
	if client == nil {
		client = &http.Client{Timeout: 5 * time.Second}
	}
	e := &Embedder{client: client, MaxWidth: 800}
	for _, p := range providers {
		u, err := url.Parse(p.Endpoint)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return nil, fmt.Errorf("oembed provider %q: endpoint %q is not an http(s) URL", p.Name, p.Endpoint)
		}
		if len(p.URLs) == 0 {
			return nil, fmt.Errorf("oembed provider %q names no urls", p.Name)
		}
		ep := embedProvider{OEmbedProvider: p}
		for _, pat := range p.URLs {
			ep.patterns = append(ep.patterns, regexp.MustCompile(`^`+strings.ReplaceAll(regexp.QuoteMeta(pat), `\*`, `.*`)+`$`))
		}
		hosts := p.FrameHosts
		if len(hosts) == 0 {
			hosts = []string{u.Host}
		}
		quoted := make([]string, len(hosts))
		for i, h := range hosts {
			quoted[i] = regexp.QuoteMeta(h)
		}
		ep.policy = embedPolicy(regexp.MustCompile(`^https://(` + strings.Join(quoted, "|") + `)/`))
		e.providers = append(e.providers, ep)
	}
	return e, nil
}

// embedPolicy allows what an embed's HTML may hold: iframes from the
// provider's hosts, images, links and text; no scripts.
func embedPolicy(frameSrc *regexp.Regexp) *bluemonday.Policy {
	p := bluemonday.UGCPolicy()
	p.AllowElements("iframe")
	p.AllowAttrs("src").Matching(frameSrc).OnElements("iframe")
	p.AllowAttrs("width", "height").Matching(regexp.MustCompile(`^[0-9]{1,4}%?$`)).OnElements("iframe")
	p.AllowAttrs("title", "allow", "allowfullscreen", "referrerpolicy", "loading", "frameborder").OnElements("iframe")
	return p
}

func (e *Embedder) provider(u string) *embedProvider {
	for i := range e.providers {
		for _, re := range e.providers[i].patterns {
			if re.MatchString(u) {
				return &e.providers[i]
			}
		}
	}
	return nil
}

// fetch asks the URL's provider for its embed; nil when no provider knows
// the URL, or its answer is not something to embed.
func (e *Embedder) fetch(ctx context.Context, u string) (*sqlstore.Embed, error) {
	p := e.provider(u)
	if p == nil {
		return nil, nil
	}
	q := url.Values{"url": {u}, "format": {"json"}, "maxwidth": {fmt.Sprint(e.MaxWidth)}}
	sep := "?"
	if strings.Contains(p.Endpoint, "?") {
		sep = "&"
	}
	req, err := http.NewRequestWithContext(ctx, "GET", p.Endpoint+sep+q.Encode(), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	res, err := e.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("oembed %s: %s", p.Name, res.Status)
	}
	var a struct {
		Type         string `json:"type"`
		HTML         string `json:"html"`
		URL          string `json:"url"`
		Title        string `json:"title"`
		ThumbnailURL string `json:"thumbnail_url"`
		Width        any    `json:"width"`
		Height       any    `json:"height"`
	}
	if err := json.NewDecoder(io.LimitReader(res.Body, 1<<20)).Decode(&a); err != nil {
		return nil, fmt.Errorf("oembed %s: %v", p.Name, err)
	}
	emb := &sqlstore.Embed{URL: u, Provider: p.Name, Type: a.Type, Title: a.Title, ThumbnailURL: a.ThumbnailURL, Width: dim(a.Width), Height: dim(a.Height)}
	switch a.Type {
	case "video", "rich":
		emb.HTML = strings.TrimSpace(p.policy.Sanitize(a.HTML))
	case "photo":
		if pu, err := url.Parse(a.URL); err == nil && (pu.Scheme == "https" || pu.Scheme == "http") {
			emb.HTML = `<img src="` + html.EscapeString(a.URL) + `" alt="` + html.EscapeString(a.Title) + `">`
		}
	}
	if emb.HTML == "" {
		return nil, nil
	}
	return emb, nil
}

func dim(v any) int {
	switch x := v.(type) {
	case float64:
		return int(x)
	case string:
		var n int
		fmt.Sscanf(x, "%d", &n)
		return n
	}
	return 0
}

// EmbedsByURL returns the kept embeds of the URLs.
func (s *Service) EmbedsByURL(ctx context.Context, urls []string) (map[string]*canopy.Embed, error) {
	return s.DB.EmbedsByURL(ctx, urls)
}

// embedLine is a paragraph holding only a URL: typed, or a link whose text
// is its address.
var embedLine = regexp.MustCompile(`<p>\s*(?:<a href="([^"]+)"[^>]*>([^<]*)</a>|(https?://[^\s<>"]+))\s*</p>`)

// ExpandEmbeds turns the URLs on lines of their own in sanitised rich text
// into embed placeholders (fetching what is not kept yet) or plain links.
func (s *Service) ExpandEmbeds(ctx context.Context, text string) string {
	if !strings.Contains(text, "<p>") || !strings.Contains(text, "http") {
		return text
	}
	return embedLine.ReplaceAllStringFunc(text, func(m string) string {
		g := embedLine.FindStringSubmatch(m)
		raw := g[3]
		if g[1] != "" {
			if strings.TrimSpace(html.UnescapeString(g[2])) != html.UnescapeString(g[1]) {
				return m // a link with words of its own is not an embed
			}
			raw = g[1]
		}
		u := html.UnescapeString(raw)
		if pu, err := url.Parse(u); err != nil || pu.Scheme != "https" && pu.Scheme != "http" || pu.Host == "" {
			return m
		}
		esc := html.EscapeString(u)
		link := `<p><a href="` + esc + `">` + esc + `</a></p>`
		if s.Embeds == nil || s.Embeds.provider(u) == nil {
			return link
		}
		kept, err := s.DB.EmbedsByURL(ctx, []string{u})
		if err != nil {
			return link
		}
		emb := kept[u]
		if emb == nil {
			if emb, err = s.Embeds.fetch(ctx, u); err != nil || emb == nil {
				return link
			}
			if err := s.DB.SaveEmbed(ctx, emb); err != nil {
				return link
			}
		}
		title := emb.Title
		if title == "" {
			title = u
		}
		return `<figure class="embed" data-embed-url="` + esc + `"><a href="` + esc + `">` + html.EscapeString(title) + `</a></figure>`
	})
}
