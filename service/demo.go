package service

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math"
	"math/big"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/sqlstore"
)

// DemoResult tells what the demo installation holds.
type DemoResult struct {
	Sites    []*canopy.Site
	Username string
	Password string
	// Logins are the demo's people with a role on one site, each with a
	// generated password (printed once).
	Logins []DemoLogin
}

// DemoLogin is one demo account with a role on one site.
type DemoLogin struct {
	Site     *canopy.Site
	Role     string
	Username string
	Password string
}

type demoSite struct {
	host, name, intro, theme string
	isDefault                bool
	about, topic             string
	events, news             []string
}

var demoSites = []demoSite{
	{host: "localhost", name: "Canopy", isDefault: true, theme: "default",
		intro: "One Canopy installation serving several websites, each at its own hostname.",
		about: "Canopy is a multi-tenant content management system: every site here has its own page tree, and nothing of one site is visible on another.",
		topic: "the installation", events: []string{"Launch day", "Editors' workshop", "Open office hours"},
		news: []string{"Canopy demo installed", "Two more sites added"}},
	{host: "alpha.localhost", name: "Alpha Physics Department", theme: "default",
		intro: "Research and teaching in physics at Alpha University.",
		about: "The Alpha Physics Department studies everything from quarks to galaxies.",
		topic: "physics", events: []string{"Colloquium: dark matter", "Open lab night", "Quantum reading group"},
		news: []string{"New telescope installed", "Prize for our graduate students"}},
	{host: "beta.localhost", name: "Beta Gardening Club", theme: "default",
		intro: "Growing vegetables, flowers and friendships since 1987.",
		about: "The Beta Gardening Club meets every week in the community garden.",
		topic: "gardening", events: []string{"Seed swap", "Pruning masterclass", "Harvest festival"},
		news: []string{"Greenhouse repaired", "Record pumpkin"}},
}

// Demo fills an empty installation with the demo sites and a superuser whose
// generated password is returned (to be printed once). It refuses to touch an
// installation that already has sites. The sites are on port (0: 80), the
// port the demo is served on, so that their root URLs (and the content
// API's absolute URLs, made from them) are addresses that work.
func (s *Service) Demo(ctx context.Context, port int) (*DemoResult, error) {
	existing, err := s.DB.Sites(ctx)
	if err != nil {
		return nil, err
	}
	if len(existing) > 0 {
		return nil, canopy.Errorf(canopy.ECONFLICT, "the installation already has %d site(s); the demo is only created on an empty database", len(existing))
	}
	password, err := RandomPassword(20)
	if err != nil {
		return nil, err
	}
	admin, err := s.CreateUser(ctx, NewUser{Username: "admin", Email: "admin@localhost", Password: password, IsSuperuser: true})
	if err != nil {
		return nil, err
	}
	res := &DemoResult{Username: admin.Username, Password: password}
	for i, d := range demoSites {
		site, err := s.CreateSiteFrom(ctx, canopy.NewSite{Hostname: d.host, Port: port, Name: d.name, IsDefault: d.isDefault, Theme: d.theme,
			HomeTitle: d.name, HomeFields: map[string]any{"intro": d.intro,
				"body": s.SanitizeRichText(fmt.Sprintf("<p>Welcome to the %s website. Browse the <a href=\"/events/\">events</a> and the <a href=\"/news/\">news</a>.</p>", d.name))},
			OwnerID: admin.ID}, BlankTemplate)
		if err != nil {
			return nil, err
		}
		if err := s.demoPages(ctx, site, d, i, admin.ID); err != nil {
			return nil, err
		}
		res.Sites = append(res.Sites, site)
		logins, err := s.demoPeople(ctx, site)
		if err != nil {
			return nil, err
		}
		res.Logins = append(res.Logins, logins...)
	}
	return res, nil
}

// demoPeople gives alpha an editor (who may not publish), a moderator (who
// reviews the news section's workflow) and a site admin, and beta a site
// admin: one account of each to log in as.
func (s *Service) demoPeople(ctx context.Context, site *canopy.Site) ([]DemoLogin, error) {
	var roles []struct{ role, username, group string }
	switch site.Hostname {
	case "alpha.localhost":
		roles = []struct{ role, username, group string }{{"editor", "alpha-editor", "Editors"}, {"moderator", "alpha-moderator", "Moderators"},
			{"site admin", "alpha-admin", sqlstore.AdminsGroup}}
	case "beta.localhost":
		roles = []struct{ role, username, group string }{{"site admin", "beta-admin", sqlstore.AdminsGroup}}
	default:
		return nil, nil
	}
	store := s.DB.Site(site.ID, s.Types)
	groups, err := store.Groups(ctx)
	if err != nil {
		return nil, err
	}
	byName := map[string]int64{}
	for _, g := range groups {
		byName[g.Name] = g.ID
	}
	if site.Hostname == "alpha.localhost" {
		// Editors write; Moderators also publish and review the news.
		media := []canopy.CollectionGrantRow{{CollectionID: site.RootCollectionID, Permissions: []string{"add_image", "change_image", "choose_image", "add_document", "change_document", "choose_document"}}}
		models := []string{"access_admin", "add_location", "change_location", "delete_location", "view_location"}
		if err := store.SetGroupGrants(ctx, byName["Editors"], []canopy.PageGrantRow{{PageID: site.RootPageID, Actions: []string{"add", "change", "lock"}}}, models, media...); err != nil {
			return nil, err
		}
		mods, err := store.CreateGroup(ctx, "Moderators")
		if err != nil {
			return nil, err
		}
		byName["Moderators"] = mods.ID
		if err := store.SetGroupGrants(ctx, mods.ID, []canopy.PageGrantRow{{PageID: site.RootPageID, Actions: []string{"add", "change", "publish", "lock", "unlock"}}}, models, media...); err != nil {
			return nil, err
		}
		news, err := store.PageByURLPath(ctx, "/news/")
		if err != nil {
			return nil, err
		}
		w, err := store.SaveWorkflow(ctx, 0, canopy.WorkflowInput{Name: "News review", Tasks: []canopy.WorkflowTask{{Name: "Moderator approval", Active: true, GroupIDs: []int64{mods.ID}}}})
		if err != nil {
			return nil, err
		}
		if err := store.AttachWorkflow(ctx, news.ID, w.ID); err != nil {
			return nil, err
		}
	}
	var out []DemoLogin
	for _, r := range roles {
		password, err := RandomPassword(16)
		if err != nil {
			return nil, err
		}
		u, err := s.CreateUser(ctx, NewUser{Username: r.username, Email: r.username + "@" + site.Hostname, Password: password})
		if err != nil {
			return nil, err
		}
		if err := store.AddMember(ctx, byName[r.group], u.ID); err != nil {
			return nil, err
		}
		out = append(out, DemoLogin{Site: site, Role: r.role, Username: u.Username, Password: password})
	}
	return out, nil
}

func (s *Service) demoPages(ctx context.Context, site *canopy.Site, d demoSite, n int, owner int64) error {
	rich := s.SanitizeRichText
	store := s.DB.Site(site.ID, s.Types)
	var locations []int64
	for _, loc := range []map[string]any{{"name": "Main Hall", "building_name": "Old Library", "room_number": "G.01"},
		{"name": "Seminar Room", "building_name": "North Wing", "room_number": "2.14"}} {
		sn, err := store.CreateSnippet(ctx, s.Snippets.Get(canopy.LocationType), loc)
		if err != nil {
			return err
		}
		locations = append(locations, sn.ID)
	}
	var events []*canopy.ImportPage
	for i, title := range d.events {
		start := fmt.Sprintf("2026-12-%02dT18:00:00Z", 3+i*7+n)
		end := fmt.Sprintf("2026-12-%02dT20:00:00Z", 3+i*7+n)
		events = append(events, &canopy.ImportPage{Type: canopy.EventType, Live: true, Content: canopy.PageContent{Title: title,
			Fields: map[string]any{"start": start, "end": end, "location": locations[i%len(locations)],
				"description": rich(fmt.Sprintf("<p>%s: an evening about %s. Everyone is welcome.</p>", title, d.topic))}}})
	}
	var news []*canopy.ImportPage
	for _, title := range d.news {
		news = append(news, &canopy.ImportPage{Type: canopy.StandardType, Live: true, Content: canopy.PageContent{Title: title,
			Fields: map[string]any{"intro": title + ".", "body": rich(fmt.Sprintf("<p>%s. Read all about it on the %s website.</p>", title, d.name))}}})
	}
	aboutFields := map[string]any{"intro": d.about, "body": rich("<h2>Who we are</h2><p>" + d.about + "</p><ul><li>Friendly</li><li>Open to all</li></ul>")}
	if s.Media != nil {
		// A generated picture for the About page and a logo, so that the demo
		// shows images and their renditions.
		im, err := s.StoreImage(ctx, site.ID, owner, Upload{Filename: "banner.jpg", Title: d.name + " banner", CollectionID: site.RootCollectionID,
			Data: demoPicture(1600, 1000, n), Tags: []string{"demo"}})
		if err != nil {
			return err
		}
		aboutFields["image"] = im.ID
		logo, err := s.StoreImage(ctx, site.ID, owner, Upload{Filename: "logo.png", Title: d.name + " logo", CollectionID: site.RootCollectionID,
			Data: demoLogo(n)})
		if err != nil {
			return err
		}
		if err := store.SaveSettings(ctx, canopy.GeneralSettings, map[string]any{"contact_email": "info@" + d.host, "logo": logo.ID}); err != nil {
			return err
		}
	}
	tree := []*canopy.ImportPage{
		{Type: canopy.StandardType, Live: true, Content: canopy.PageContent{Title: "About", ShowInMenus: true,
			Fields: aboutFields}},
		{Type: canopy.IndexType, Live: true, Content: canopy.PageContent{Title: "Events", ShowInMenus: true,
			Fields: map[string]any{"intro": rich("<p>What is coming up.</p>")}}, Children: events},
		{Type: canopy.IndexType, Live: true, Content: canopy.PageContent{Title: "News", ShowInMenus: true,
			Fields: map[string]any{"intro": rich("<p>The latest from " + d.name + ".</p>")}}, Children: news},
		{Type: canopy.StandardType, Live: true, Content: canopy.PageContent{Title: "Contact", ShowInMenus: true,
			Fields: map[string]any{"intro": "How to reach us.", "body": rich("<p>Write to us at <a href=\"mailto:info@" + d.host + "\">info@" + d.host + "</a>.</p>")}}},
		{Type: canopy.StandardType, Live: false, Content: canopy.PageContent{Title: "Plans for next year",
			Fields: map[string]any{"intro": "A draft: never shown to visitors until published."}}},
	}
	_, err := store.Import(ctx, site.RootPageID, tree, owner)
	return err
}

// Generate creates n sites named gen-K.localhost (K continuing after any that
// exist), each with about pagesPerSite published pages in a two-level tree:
// sections under the home page, pages under the sections. It returns the sites.
func (s *Service) Generate(ctx context.Context, n, pagesPerSite int, progress func(done int)) ([]*canopy.Site, error) {
	if n < 1 || pagesPerSite < 0 {
		return nil, canopy.Errorf(canopy.EINVALID, "--sites must be at least 1 and --pages-per-site at least 0")
	}
	existing, err := s.DB.Sites(ctx)
	if err != nil {
		return nil, err
	}
	taken := map[string]bool{}
	for _, st := range existing {
		taken[st.Hostname] = true
	}
	var out []*canopy.Site
	k := 1
	for len(out) < n {
		host := fmt.Sprintf("gen-%d.localhost", k)
		k++
		if taken[host] {
			continue
		}
		site, err := s.CreateSiteFrom(ctx, canopy.NewSite{Hostname: host, Name: fmt.Sprintf("Generated site %d", k-1)}, BlankTemplate)
		if err != nil {
			return out, err
		}
		if pagesPerSite > 0 {
			if _, err := s.DB.Site(site.ID, s.Types).Import(ctx, site.RootPageID, GeneratedTree(pagesPerSite), 0); err != nil {
				return out, err
			}
		}
		out = append(out, site)
		if progress != nil {
			progress(len(out))
		}
		if len(out)%100 == 0 {
			// Keep planner statistics current during a burst (autovacuum may
			// not have run yet), so cached plans stay index lookups.
			if err := s.DB.Analyze(ctx); err != nil {
				return out, err
			}
		}
	}
	// Merge the search index the bulk import left in pieces.
	return out, s.DB.OptimizeSearchIndex(ctx)
}

// GeneratedTree returns a tree of exactly total pages: about sqrt(total)
// index sections, each holding standard pages.
func GeneratedTree(total int) []*canopy.ImportPage {
	sections := min(total, int(math.Ceil(math.Sqrt(float64(total)))))
	rest := total - sections
	var roots []*canopy.ImportPage
	for i := 0; i < sections; i++ {
		sec := &canopy.ImportPage{Type: canopy.IndexType, Live: true, Content: canopy.PageContent{
			Title: fmt.Sprintf("Section %d", i+1), Slug: fmt.Sprintf("section-%d", i+1), ShowInMenus: i < 5}}
		per := rest / sections
		if i < rest%sections {
			per++
		}
		for j := 0; j < per; j++ {
			sec.Children = append(sec.Children, &canopy.ImportPage{Type: canopy.StandardType, Live: true, Content: canopy.PageContent{
				Title: fmt.Sprintf("Page %d.%d", i+1, j+1), Slug: fmt.Sprintf("page-%d", j+1),
				Fields: map[string]any{"intro": "A generated page.", "body": "<p>Generated content for benchmarks and demos.</p>"}}})
		}
		roots = append(roots, sec)
	}
	return roots
}

// RandomPassword returns a random password of n letters and digits.
func RandomPassword(n int) (string, error) {
	const alphabet = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	b := make([]byte, n)
	for i := range b {
		k, err := rand.Int(rand.Reader, big.NewInt(int64(len(alphabet))))
		if err != nil {
			return "", err
		}
		b[i] = alphabet[k.Int64()]
	}
	return string(b), nil
}

// demoPicture draws a landscape-like JPEG: a sky gradient, a sun and hills,
// tinted per site.
func demoPicture(w, h, tint int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	hues := [][3]float64{{70, 130, 200}, {120, 90, 190}, {60, 160, 110}}
	c := hues[tint%len(hues)]
	for y := 0; y < h; y++ {
		t := float64(y) / float64(h)
		for x := 0; x < w; x++ {
			hill := float64(h)*0.65 + math.Sin(float64(x)/float64(w)*7+float64(tint))*float64(h)*0.08
			var r, g, b float64
			switch {
			case y > int(hill):
				r, g, b = 40+c[0]*0.2, 90+t*60, 40
			case math.Hypot(float64(x)-float64(w)*0.7, float64(y)-float64(h)*0.3) < float64(h)*0.1:
				r, g, b = 250, 220, 120
			default:
				r, g, b = c[0]+t*80, c[1]+t*60, c[2]+t*40
			}
			img.Set(x, y, color.RGBA{uint8(math.Min(r, 255)), uint8(math.Min(g, 255)), uint8(math.Min(b, 255)), 255})
		}
	}
	var buf bytes.Buffer
	_ = jpeg.Encode(&buf, img, &jpeg.Options{Quality: 85})
	return buf.Bytes()
}

// demoLogo draws a small round PNG logo with transparency.
func demoLogo(tint int) []byte {
	const size = 160
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	cols := []color.NRGBA{{30, 100, 200, 255}, {140, 60, 180, 255}, {40, 140, 80, 255}}
	for y := 0; y < size; y++ {
		for x := 0; x < size; x++ {
			if d := math.Hypot(float64(x-size/2), float64(y-size/2)); d < size/2-4 {
				c := cols[tint%len(cols)]
				if d < size/4 {
					c = color.NRGBA{255, 255, 255, 255}
				}
				img.Set(x, y, c)
			}
		}
	}
	var buf bytes.Buffer
	_ = png.Encode(&buf, img)
	return buf.Bytes()
}
