// Package service holds Canopy's use cases: it validates and cleans input at the
// boundary (whichever adapter it came through) and calls the store. HTTP and CLI
// adapters use it; it knows neither.
package service

import (
	"context"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/microcosm-cc/bluemonday"
	"golang.org/x/crypto/bcrypt"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/media"
	"github.com/canopy-cms/canopy/sqlstore"
)

// Service is the entry point for every use case of one installation.
type Service struct {
	DB    *sqlstore.DB
	Types *canopy.PageTypes
	// InvitationTTL is how long an invitation link works (0: InvitationDays).
	InvitationTTL time.Duration
	Snippets      *canopy.SnippetTypes
	// BcryptCost is the password hashing cost (tests lower it).
	BcryptCost int
	// Media stores images and documents (each site's under sites/ID/); nil
	// turns uploads off.
	Media *media.Store
	// Limits bound uploads and renditions.
	Limits MediaLimits
	// ThemeExists says whether a theme of that name is installed (nil: any
	// name is accepted); sites may only be given installed themes.
	ThemeExists func(name string) bool
	// Mail sends notification emails (nil: notifications are only stored).
	Mail *Mailer
	// OnSchedulerRun, if set, is told of each scheduler pass (for metrics).
	OnSchedulerRun func(err error)
	// Embeds finds what URLs on lines of their own in rich text embed (nil:
	// they stay links).
	Embeds   *Embedder
	richText *bluemonday.Policy

	mediaMu        sync.Mutex
	media          mediaState
	renditionsMade atomic.Int64
	uiKey          atomic.Pointer[[]byte]

	tmplMu          sync.RWMutex
	templates       map[string]*canopy.SiteTemplate
	defaultTemplate string
}

// New wires a service over a store and the installation's page types.
func New(db *sqlstore.DB, types *canopy.PageTypes) *Service {
	snippets, err := canopy.NewSnippetTypes()
	if err != nil {
		panic(err) // the built-in snippet types are valid
	}
	s := &Service{DB: db, Types: types, Snippets: snippets, BcryptCost: 11, richText: richTextPolicy(), Limits: DefaultMediaLimits(),
		media: mediaState{gen: make(chan struct{}, runtime.NumCPU()), upload: make(chan struct{}, max(4, 2*runtime.NumCPU()))}}
	for name, t := range builtinTemplates() {
		if err := s.RegisterSiteTemplate(name, t); err != nil {
			panic(err) // the built-in templates are valid for the built-in types
		}
	}
	registerFieldPermissions(types)
	registerSnippetPermissions(snippets)
	if db != nil {
		db.UsePageTypes(types)
		db.UseSnippetTypes(snippets)
	}
	return s
}

// richTextPolicy allows what an editor's rich-text toolbar produces: headings,
// paragraphs, lists, emphasis, links, images, tables, quotes and code. Scripts,
// styles, event handlers and javascript: URLs are removed.
func richTextPolicy() *bluemonday.Policy {
	p := bluemonday.UGCPolicy()
	p.AllowAttrs("class").Matching(bluemonday.SpaceSeparatedTokens).OnElements("p", "span", "div", "figure", "img", "a")
	// Media references by id, checked against the site on save.
	digits := regexp.MustCompile(`^[0-9]+$`)
	// Embeds by URL (service/embeds.go): the placeholder delivery fills in.
	p.AllowAttrs("data-embed-url").Matching(regexp.MustCompile(`^https?://[^\s"<>]+$`)).OnElements("figure")
	p.AllowAttrs("data-image-id").Matching(digits).OnElements("img")
	p.AllowAttrs("data-document-id", "data-page-id").Matching(digits).OnElements("a")
	p.RequireNoFollowOnLinks(false)
	p.AddTargetBlankToFullyQualifiedLinks(false)
	return p
}

// SanitizeRichText cleans editor HTML for storage and display.
func (s *Service) SanitizeRichText(html string) string { return s.richText.Sanitize(html) }

// PageInput is a page's editable content as an adapter receives it.
type PageInput struct {
	Type              string
	Title             string
	Slug              string
	SeoTitle          string
	SearchDescription string
	ShowInMenus       bool
	HideFromSearch    bool
	Fields            map[string]any
	// GoLiveAt schedules publishing; ExpireAt unpublishes the live page.
	GoLiveAt *time.Time
	ExpireAt *time.Time
}

// Pages returns the page use cases bound to one site.
func (s *Service) Pages(siteID int64) *Pages {
	return &Pages{svc: s, store: s.DB.Site(siteID, s.Types)}
}

// checkTheme refuses a theme that is not installed.
func (s *Service) checkTheme(name string) error {
	if name != "" && s.ThemeExists != nil && !s.ThemeExists(name) {
		return canopy.FieldErrorf("theme", canopy.EINVALID, "theme %q does not exist", name)
	}
	return nil
}

// Sites lists every site (for the host table of the HTTP adapters).
func (s *Service) Sites(ctx context.Context) ([]*canopy.Site, error) { return s.DB.Sites(ctx) }

// SitesByID returns the sites with these ids that still exist.
func (s *Service) SitesByID(ctx context.Context, ids []int64) ([]*canopy.Site, error) {
	return s.DB.SitesByID(ctx, ids)
}

// SiteChange is one entry of the site change log (SiteID 0: every site).
type SiteChange = sqlstore.SiteChange

// SiteChangesSince returns up to limit logged site changes after seq, oldest
// first, to find changes made by other processes.
func (s *Service) SiteChangesSince(ctx context.Context, seq int64, limit int) ([]SiteChange, error) {
	return s.DB.SiteChangesSince(ctx, seq, limit)
}

// LatestSiteChange returns the newest sequence number of the site change log.
func (s *Service) LatestSiteChange(ctx context.Context) (int64, error) {
	return s.DB.LatestSiteChange(ctx)
}

// ListenSiteChanges calls fn whenever any process commits a site change, on
// databases that announce them (see CanListenSiteChanges), until ctx ends.
func (s *Service) ListenSiteChanges(ctx context.Context, fn func(), onErr func(error)) {
	s.DB.ListenSiteChanges(ctx, fn, onErr)
}

// CanListenSiteChanges reports whether ListenSiteChanges does anything.
func (s *Service) CanListenSiteChanges() bool { return s.DB.CanListen() }

// SiteChanged is what a committed change of this process did to one site.
type SiteChanged = sqlstore.Change

// OnChange registers fn to be called after any committed change of this
// process to a site or what it shows, once per site.
func (s *Service) OnChange(fn func(SiteChanged)) { s.DB.OnChange(fn) }

// Content is the read handle of one site's content, for public delivery and
// the content API.
func (s *Service) Content(siteID int64) canopy.SiteContent { return s.DB.Site(siteID, s.Types) }

// Pages are the page use cases of one site.
type Pages struct {
	svc   *Service
	store *sqlstore.SiteDB
}

// Store is the site-bound store handle, for reads.
func (p *Pages) Store() *sqlstore.SiteDB { return p.store }

// clean validates and normalises input for a page of the given type.
func (p *Pages) clean(typeName string, in PageInput) (canopy.PageContent, error) {
	pt := p.svc.Types.Get(typeName)
	if pt == nil {
		return canopy.PageContent{}, canopy.Errorf(canopy.EINVALID, "unknown page type %q", typeName)
	}
	title, err := canopy.ValidateTitle(in.Title)
	if err != nil {
		return canopy.PageContent{}, err
	}
	slug := strings.TrimSpace(in.Slug)
	if slug != "" {
		if err := canopy.ValidateSlug(slug); err != nil {
			return canopy.PageContent{}, err
		}
	}
	fields, _, err := pt.CleanFields(in.Fields, p.svc.SanitizeRichText)
	if err != nil {
		return canopy.PageContent{}, err
	}
	if len(in.SeoTitle) > 255 {
		return canopy.PageContent{}, canopy.FieldErrorf("seo_title", canopy.EINVALID, "seo_title is longer than 255 characters")
	}
	c := canopy.PageContent{Title: title, Slug: slug, SeoTitle: strings.TrimSpace(in.SeoTitle),
		SearchDescription: strings.TrimSpace(in.SearchDescription), ShowInMenus: in.ShowInMenus, HideFromSearch: in.HideFromSearch, Fields: fields,
		GoLiveAt: utc(in.GoLiveAt), ExpireAt: utc(in.ExpireAt)}
	if err := c.ValidateSchedule(p.svc.DB.Now()); err != nil {
		return canopy.PageContent{}, err
	}
	return c, nil
}

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC().Truncate(time.Second)
	return &u
}

// Create adds a page under parentID, published at once if publish is set.
func (p *Pages) Create(ctx context.Context, parentID int64, in PageInput, ownerID int64, publish bool) (*canopy.Page, error) {
	c, err := p.clean(in.Type, in)
	if err != nil {
		return nil, err
	}
	if c.Fields, err = p.linkMedia(ctx, in.Type, c.Fields); err != nil {
		return nil, err
	}
	return p.store.CreatePage(ctx, parentID, sqlstore.NewPage{Type: in.Type, Content: c, OwnerID: ownerID, Publish: publish})
}

// SaveDraft records a new revision; baseRevisionID (if not 0) guards against
// overwriting someone else's newer save.
func (p *Pages) SaveDraft(ctx context.Context, pageID int64, in PageInput, userID, baseRevisionID int64) (*canopy.Revision, error) {
	page, err := p.store.Page(ctx, pageID)
	if err != nil {
		return nil, err
	}
	c, err := p.clean(page.Type, in)
	if err != nil {
		return nil, err
	}
	if c.Fields, err = p.linkMedia(ctx, page.Type, c.Fields); err != nil {
		return nil, err
	}
	return p.store.SaveDraft(ctx, pageID, c, userID, baseRevisionID)
}

// CreateSite creates a site from the default site template (see
// CreateSiteFrom).
func (s *Service) CreateSite(ctx context.Context, in canopy.NewSite) (*canopy.Site, error) {
	return s.CreateSiteFrom(ctx, in, "")
}

// CreateSiteFrom validates and creates, in one transaction, a site with its
// published home page, its settings, features record, root collection, its
// default groups (Admins, Editors, Viewers) with their grants, and what the
// named site template adds ("" for the installation's default template).
func (s *Service) CreateSiteFrom(ctx context.Context, in canopy.NewSite, template string) (*canopy.Site, error) {
	if len(in.Name) > 255 {
		return nil, canopy.Errorf(canopy.EINVALID, "site name is longer than 255 characters")
	}
	if err := canopy.ValidateFeatures(in.Features); err != nil {
		return nil, err
	}
	if in.Template == nil {
		if err := s.applyTemplate(&in, template); err != nil {
			return nil, err
		}
	}
	if in.Groups == nil {
		in.Groups = DefaultGroups()
	}
	if in.Workflow == nil {
		w, err := s.DB.DefaultWorkflow(ctx)
		if err != nil {
			return nil, err
		}
		in.Workflow = w
	}
	if in.Types == nil {
		in.Types = s.Types
	}
	return s.DB.CreateSite(ctx, in)
}

// DefaultGroups are the groups every new site starts with. Admins and Editors
// get every page permission except bulk delete on the home page, every media
// permission on the root collection and the snippet permissions; Admins also
// manage collections, settings, users and groups. Viewers can log in and have
// no admin access.
func DefaultGroups() []canopy.GroupSpec {
	pages := []string{"add", "change", "publish", "lock", "unlock"}
	media := []string{"add_image", "change_image", "choose_image", "add_document", "change_document", "choose_document"}
	snippets := []string{"add_location", "change_location", "delete_location", "view_location"}
	editors := append([]string{"access_admin"}, snippets...)
	admins := append(append([]string{}, editors...), "change_general", "view_general", "view_history",
		"add_redirect", "change_redirect", "delete_redirect", "view_redirect",
		"add_user", "change_user", "delete_user", "view_user", "add_group", "change_group", "delete_group", "view_group",
		"add_workflow", "change_workflow", "view_workflow")
	return []canopy.GroupSpec{
		{Name: sqlstore.AdminsGroup, Admin: true, PageActions: pages,
			CollectionPerms: append(append([]string{}, media...), "add_collection", "change_collection", "delete_collection"), Models: admins},
		{Name: "Editors", PageActions: pages, CollectionPerms: media, Models: editors},
		{Name: "Viewers"},
	}
}

// NewUser is what creating a user takes.
type NewUser struct {
	Username     string
	Email        string
	Password     string
	IsSuperuser  bool
	IsSuperadmin bool
}

// CreateUser validates the input, hashes the password with bcrypt and stores the user.
func (s *Service) CreateUser(ctx context.Context, in NewUser) (*canopy.User, error) {
	if len(in.Password) < 8 {
		return nil, canopy.Errorf(canopy.EINVALID, "the password must be at least 8 characters long")
	}
	if len(in.Password) > 72 {
		return nil, canopy.Errorf(canopy.EINVALID, "the password must be at most 72 bytes long")
	}
	email := strings.TrimSpace(in.Email)
	if email != "" && (!strings.Contains(email, "@") || strings.ContainsAny(email, " \t\r\n")) {
		return nil, canopy.Errorf(canopy.EINVALID, "%q is not a valid email address", email)
	}
	hash, err := HashPassword(in.Password, s.BcryptCost)
	if err != nil {
		return nil, err
	}
	u := &canopy.User{Username: in.Username, Email: email, IsActive: true, IsSuperuser: in.IsSuperuser,
		IsSuperadmin: in.IsSuperadmin, PasswordHash: hash}
	if err := s.DB.CreateUser(ctx, u); err != nil {
		return nil, err
	}
	return u, nil
}

// HashPassword hashes a password with bcrypt at the given cost.
func HashPassword(password string, cost int) (string, error) {
	h, err := bcrypt.GenerateFromPassword([]byte(password), cost)
	return string(h), err
}

// CheckPassword reports whether password matches the user's hash.
func CheckPassword(u *canopy.User, password string) bool {
	return bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(password)) == nil
}

// PlainText is rich text (HTML) as the words a reader sees (feeds'
// summaries, search excerpts).
func PlainText(html string) string { return sqlstore.PlainText(html) }
