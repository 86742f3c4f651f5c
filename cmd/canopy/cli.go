package main

import (
	"bufio"
	"cmp"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"golang.org/x/term"

	"github.com/caddyserver/certmagic"
	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/certs"
	"github.com/canopy-cms/canopy/config"
	"github.com/canopy-cms/canopy/media"
	"github.com/canopy-cms/canopy/purge"
	"github.com/canopy-cms/canopy/server"
	"github.com/canopy-cms/canopy/service"
	"github.com/canopy-cms/canopy/sqlstore"
	"github.com/canopy-cms/canopy/theme"
)

// Exit codes, one per error code (docs/cli.md).
var exitCodes = map[string]int{canopy.EINTERNAL: 1, canopy.EINVALID: 2, canopy.ENOTFOUND: 3, canopy.ECONFLICT: 4,
	canopy.EFORBIDDEN: 5, canopy.EUNAUTHENTICATED: 6, canopy.ETOOLARGE: 7, canopy.EUNAVAILABLE: 8}

const usage = `canopy: a multi-tenant content management system

Usage: canopy <command> [flags]

Commands:
  serve             run the web server (--demo creates a demo installation on an empty database)
  migrate           apply database migrations
  user create       create a user
  group create      create an installation-wide group (its grants count on every site)
  group members     list an installation-wide group's members
  group add-member  put a user in an installation-wide group
  group remove-member  take a user out of an installation-wide group
  site create       create a site with a published home page
  site list         list the sites
  site templates    list the site templates a new site can start from
  site update       change a site's hostname, port, name, theme or default flag
  site convert-domain  replace the base domain in every site's hostname (staging copies)
  site delete       delete a site and everything it owns
  generate          fill the installation with generated sites and pages
  search reindex    rebuild the search index (of one site with --site HOST)
  config            print the effective configuration
  version           print the version

Run 'canopy <command> --help' for a command's flags. Every command that touches
an installation takes --data, --database and --config, and CANOPY_* variables.
`

// Version is set at build time with -ldflags "-X main.Version=…".
var Version = "dev"

// app is one run of the command: its streams and the installation it opened.
type app struct {
	ctx            context.Context
	stdin          io.Reader
	stdout, stderr io.Writer
	cfg            *config.Config
	log            *slog.Logger
}

// Run runs the command line and returns the process exit code.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	a := &app{ctx: ctx, stdin: stdin, stdout: stdout, stderr: stderr}
	err := a.dispatch(args)
	if err == nil {
		return 0
	}
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	var ue usageError
	if errors.As(err, &ue) {
		fmt.Fprintf(stderr, "canopy: %s\n", ue.msg)
		return 2
	}
	code := canopy.ErrorCode(err)
	msg := canopy.ErrorMessage(err)
	if code == canopy.EINTERNAL {
		msg = err.Error()
	}
	fmt.Fprintf(stderr, "canopy: %s\n", msg)
	return exitCodes[code]
}

type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func (a *app) dispatch(args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(a.stdout, usage)
		if len(args) == 0 {
			return usageError{"no command given"}
		}
		return nil
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return a.serve(rest)
	case "migrate":
		return a.migrate(rest)
	case "user", "site", "group", "search":
		if len(rest) == 0 || strings.HasPrefix(rest[0], "-") {
			sub := map[string]string{"user": "create", "site": "create, list, templates, update, convert-domain, delete",
				"group": "create, members, add-member, remove-member", "search": "reindex"}[cmd]
			return usageError{fmt.Sprintf("'canopy %s' needs a subcommand: %s", cmd, sub)}
		}
		switch cmd + " " + rest[0] {
		case "user create":
			return a.userCreate(rest[1:])
		case "site create":
			return a.siteCreate(rest[1:])
		case "group create", "group members", "group add-member", "group remove-member":
			return a.group(rest[0], rest[1:])
		case "site list":
			return a.siteList(rest[1:])
		case "site templates":
			return a.siteTemplates(rest[1:])
		case "site update":
			return a.siteUpdate(rest[1:])
		case "site convert-domain":
			return a.siteConvertDomain(rest[1:])
		case "site delete":
			return a.siteDelete(rest[1:])
		case "search reindex":
			return a.searchReindex(rest[1:])
		}
		return usageError{fmt.Sprintf("unknown command 'canopy %s %s'", cmd, rest[0])}
	case "generate":
		return a.generate(rest)
	case "config":
		return a.showConfig(rest)
	case "version":
		fmt.Fprintln(a.stdout, "canopy", Version)
		return nil
	}
	return usageError{fmt.Sprintf("unknown command %q (run 'canopy --help')", cmd)}
}

// stringList is a repeatable string flag.
type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

// flags builds a flag set with the installation flags every command shares.
type flags struct {
	*flag.FlagSet
	configs        stringList
	data, database string
}

func (a *app) newFlags(name, synopsis string) *flags {
	f := &flags{FlagSet: flag.NewFlagSet(name, flag.ContinueOnError)}
	f.SetOutput(a.stderr)
	f.Var(&f.configs, "config", "config `file` (TOML); repeat to layer files, later ones override earlier ones")
	f.StringVar(&f.data, "data", "", "data `directory` holding the SQLite file and media (default ./canopy-data; env CANOPY_DATA)")
	f.StringVar(&f.database, "database", "", "database `URL`: sqlite:PATH or postgres://… (env CANOPY_DATABASE)")
	f.Usage = func() {
		fmt.Fprintf(f.Output(), "Usage: canopy %s\n\nFlags:\n", synopsis)
		f.PrintDefaults()
	}
	return f
}

// parse parses args and loads the effective configuration.
func (a *app) parse(f *flags, args []string) error {
	if err := f.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err.Error()}
	}
	if f.NArg() > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", f.Arg(0))}
	}
	cfg := config.Default()
	if err := cfg.LoadFiles(f.configs); err != nil {
		return err
	}
	if err := cfg.LoadEnv(os.Getenv); err != nil {
		return err
	}
	if f.data != "" {
		cfg.DataDir = f.data
	}
	if f.database != "" {
		cfg.Database = f.database
	}
	a.cfg = cfg
	return nil
}

func (a *app) logger() *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(a.cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	if a.cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(a.stderr, opts))
	}
	return slog.New(slog.NewTextHandler(a.stderr, opts))
}

// open validates the config, connects, migrates and wires the service.
func (a *app) open() (*service.Service, func(), error) {
	if err := a.cfg.Validate(); err != nil {
		return nil, nil, err
	}
	a.log = a.logger()
	types, err := config.LoadPageTypes(a.cfg.PageTypes)
	if err != nil {
		return nil, nil, err
	}
	db, err := sqlstore.Open(a.ctx, a.cfg.DatabaseURL())
	if err != nil {
		return nil, nil, err
	}
	n, err := db.Migrate(a.ctx)
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	if n > 0 {
		a.log.Info("database migrated", "migrations", n, "dialect", db.Dialect())
	}
	svc := service.New(db, types)
	if err := a.registerTemplates(svc); err != nil {
		db.Close()
		return nil, nil, err
	}
	// A database upgraded to the search schema builds its index once.
	if built, err := svc.EnsureSearchIndex(a.ctx); err != nil {
		db.Close()
		return nil, nil, err
	} else if built {
		a.log.Info("search index built for the existing sites")
	}
	if built, err := svc.EnsureReferences(a.ctx); err != nil {
		db.Close()
		return nil, nil, err
	} else if built {
		a.log.Info("reference index built for the existing sites")
	}
	store, err := media.OpenStore(a.ctx, a.cfg.MediaStorage())
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	svc.Media = store
	if a.cfg.SMTPURL != "" {
		m, err := service.NewMailer(a.cfg.SMTPURL, a.cfg.MailFrom)
		if err != nil {
			store.Close()
			db.Close()
			return nil, nil, err
		}
		svc.Mail = m
		db.QueueMail = true
	}
	svc.Limits = service.MediaLimits{MaxImageBytes: a.cfg.MaxImageBytes, MaxDocumentBytes: a.cfg.MaxDocumentBytes,
		MaxImagePixels: a.cfg.MaxImagePixels, MaxRenditionSize: a.cfg.MaxRenditionSize, RenderBudget: a.cfg.RenderBudgetBytes}
	providers := service.DefaultOEmbedProviders()
	if a.cfg.OEmbed != nil {
		providers = *a.cfg.OEmbed
	}
	if svc.Embeds, err = service.NewEmbedder(providers, nil); err != nil {
		store.Close()
		db.Close()
		return nil, nil, canopy.Errorf(canopy.EINVALID, "%v", err)
	}
	return svc, func() { store.Close(); db.Close() }, nil
}

// registerTemplates adds the config's site templates (checked against the
// page, snippet and settings types and the themes) and sets the default one.
func (a *app) registerTemplates(svc *service.Service) error {
	var themes *theme.Set
	for name, t := range a.cfg.SiteTemplates {
		if t != nil && t.Theme != "" {
			if themes == nil {
				var err error
				if themes, err = theme.Load(a.cfg.ThemesDir); err != nil {
					return canopy.Errorf(canopy.EINVALID, "%v", err)
				}
			}
			if !themes.Exists(t.Theme) {
				return canopy.Errorf(canopy.EINVALID, "site template %s: theme %q does not exist (themes: %s)", name, t.Theme, strings.Join(themes.Names(), ", "))
			}
		}
		if err := svc.RegisterSiteTemplate(name, t); err != nil {
			return canopy.Errorf(canopy.EINVALID, "config: %s", canopy.ErrorMessage(err))
		}
	}
	if a.cfg.SiteTemplate != "" {
		if err := svc.SetDefaultTemplate(a.cfg.SiteTemplate); err != nil {
			return canopy.Errorf(canopy.EINVALID, "config site_template: %s", canopy.ErrorMessage(err))
		}
	}
	return nil
}

// parseAndOpen parses the flags and opens the installation.
func (a *app) parseAndOpen(f *flags, args []string) (*service.Service, func(), error) {
	if err := a.parse(f, args); err != nil {
		return nil, nil, err
	}
	return a.open()
}

// goneFor is the configured gone_for as the server takes it (0, never:
// negative).
func goneFor(d time.Duration) time.Duration {
	if d == 0 {
		return -1
	}
	return d
}

func (a *app) serve(args []string) error {
	f := a.newFlags("serve", "serve [--addr :8000] [--https] [--demo] [--data DIR] [--database URL] [--config FILE]...")
	addr := f.String("addr", "", "listen `address` (default :8000; env CANOPY_ADDR); with --https the plain HTTP one (use :80)")
	https := f.Bool("https", false, "terminate TLS on https_addr (default :443) with certificates obtained through ACME for the sites' hostnames (env CANOPY_HTTPS)")
	demo := f.Bool("demo", false, "on an empty database, create the demo sites and an admin user (password printed once)")
	if err := a.parse(f, args); err != nil {
		return err
	}
	if *addr != "" {
		a.cfg.Addr = *addr
	}
	if *https {
		a.cfg.HTTPS = true
	}
	svc, closeDB, err := a.open()
	if err != nil {
		return err
	}
	defer closeDB()
	themes, err := theme.Load(a.cfg.ThemesDir)
	if err != nil {
		return canopy.Errorf(canopy.EINVALID, "%v", err)
	}
	for _, pt := range svc.Types.All() {
		if pt.Template != "" && !themes.Get(theme.Default).Has(pt.Template) {
			a.log.Warn("page type has no template in the default theme; the generic page.html renders it", "type", pt.Name, "template", pt.Template)
		}
	}
	if *demo {
		if err := a.createDemo(svc); err != nil {
			return err
		}
	}
	proxies, _ := a.cfg.Proxies()
	purgers, err := purge.Build(a.ctx, a.cfg.Purge)
	if err != nil {
		return err
	}
	srv, err := server.New(a.ctx, svc, themes, server.Options{TrustedProxies: proxies, CacheBytes: a.cfg.CacheBytes, ModelBytes: modelBytes(a.cfg.ModelBytes), MediaCacheBytes: a.cfg.MediaCacheBytes,
		APIMaxLimit: a.cfg.APIMaxLimit, PollInterval: a.cfg.PollInterval.Duration, AllowedHosts: a.cfg.AllowedHosts,
		MetricsToken: a.cfg.MetricsToken, GoneFor: goneFor(a.cfg.GoneFor.Duration), Purge: purgers, Logger: a.log})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", a.cfg.Addr)
	if err != nil {
		return canopy.Errorf(canopy.EINVALID, "cannot listen on %s: %v", a.cfg.Addr, err)
	}
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 60 * time.Second,
		WriteTimeout: 60 * time.Second, IdleTimeout: 120 * time.Second, MaxHeaderBytes: 64 << 10,
		ErrorLog: slog.NewLogLogger(a.log.Handler(), slog.LevelWarn)}
	var tlsSrv *http.Server
	if a.cfg.HTTPS {
		if tlsSrv, err = a.serveHTTPS(svc, srv, hs); err != nil {
			ln.Close()
			return err
		}
	}
	var ms *http.Server
	if a.cfg.MetricsAddr != "" {
		mln, err := net.Listen("tcp", a.cfg.MetricsAddr)
		if err != nil {
			ln.Close()
			return canopy.Errorf(canopy.EINVALID, "cannot listen on metrics_addr %s: %v", a.cfg.MetricsAddr, err)
		}
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", srv.MetricsHandler())
		ms = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, WriteTimeout: 30 * time.Second}
		go func() {
			if err := ms.Serve(mln); err != nil && err != http.ErrServerClosed {
				a.log.Error("metrics listener", "err", err)
			}
		}()
		a.log.Info("metrics served", "addr", mln.Addr().String(), "path", "/metrics")
	}
	watchCtx, stopWatch := context.WithCancel(a.ctx)
	defer stopWatch()
	go srv.Watch(watchCtx)
	go svc.RunScheduler(watchCtx, a.cfg.ScheduleInterval.Duration, a.log)
	if svc.Mail != nil {
		go svc.RunMailer(watchCtx, 10*time.Second, a.log)
	}
	a.log.Info("canopy serving", "addr", ln.Addr().String(), "database", string(svc.DB.Dialect()), "version", Version)
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-a.ctx.Done():
	}
	a.log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if ms != nil {
		_ = ms.Shutdown(sctx)
	}
	if tlsSrv != nil {
		_ = tlsSrv.Shutdown(sctx)
	}
	if err := hs.Shutdown(sctx); err != nil {
		return err
	}
	a.log.Info("stopped")
	return nil
}

// serveHTTPS starts the HTTPS listener (https_addr) with certificates
// obtained through ACME for the sites' hostnames, or given as files; the
// plain listener hs then answers ACME challenges and redirects the sites'
// hostnames to HTTPS.
func (a *app) serveHTTPS(svc *service.Service, srv *server.Server, hs *http.Server) (*http.Server, error) {
	var storage certmagic.Storage = &certmagic.FileStorage{Path: filepath.Join(a.cfg.DataDir, "certs")}
	if a.cfg.TLSStorage == "database" {
		storage = certs.NewDBStorage(svc.DB)
	}
	mgr, err := certs.New(a.ctx, certs.Options{CA: a.cfg.ACMECA, Email: a.cfg.ACMEEmail, Storage: storage, Allowed: srv.ServesHostname,
		Files: a.cfg.Certificates, Logger: a.log})
	if err != nil {
		return nil, canopy.Errorf(canopy.EINVALID, "%v", err)
	}
	ln, err := net.Listen("tcp", a.cfg.HTTPSAddr)
	if err != nil {
		mgr.Stop()
		return nil, canopy.Errorf(canopy.EINVALID, "cannot listen on https_addr %s: %v", a.cfg.HTTPSAddr, err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	hs.Handler = mgr.HTTPHandler(port, srv.Handler())
	ts := &http.Server{Handler: srv.Handler(), TLSConfig: mgr.TLSConfig(), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 60 * time.Second,
		WriteTimeout: 60 * time.Second, IdleTimeout: 120 * time.Second, MaxHeaderBytes: 64 << 10,
		ErrorLog: slog.NewLogLogger(a.log.Handler(), slog.LevelDebug)}
	go func() {
		defer mgr.Stop()
		if err := ts.Serve(tls.NewListener(ln, ts.TLSConfig)); err != nil && err != http.ErrServerClosed {
			a.log.Error("https listener", "err", err)
		}
	}()
	a.log.Info("canopy serving HTTPS", "addr", ln.Addr().String(), "ca", cmp.Or(a.cfg.ACMECA, certs.DefaultCA), "storage", a.cfg.TLSStorage)
	return ts, nil
}

func (a *app) createDemo(svc *service.Service) error {
	sites, err := svc.DB.Sites(a.ctx)
	if err != nil {
		return err
	}
	_, port, _ := net.SplitHostPort(a.cfg.Addr)
	suffix := ""
	if port != "" && port != "80" {
		suffix = ":" + port
	}
	if len(sites) > 0 {
		a.log.Info("demo: the installation already has sites; nothing created", "sites", len(sites))
		fmt.Fprintf(a.stdout, "Canopy demo: the installation already has %d site(s); nothing was created.\n", len(sites))
		return nil
	}
	portNum, _ := strconv.Atoi(port)
	res, err := svc.Demo(a.ctx, portNum)
	if err != nil {
		return err
	}
	fmt.Fprintln(a.stdout, "Canopy demo installation created:")
	for _, s := range res.Sites {
		note := ""
		if s.IsDefault {
			note = "  (default site)"
		}
		fmt.Fprintf(a.stdout, "  http://%s%s/%s\n", s.Hostname, suffix, note)
	}
	fmt.Fprintf(a.stdout, "  content API: http://localhost%s/api/v2/pages/\n", suffix)
	fmt.Fprintf(a.stdout, "  admin: http://alpha.localhost%s/admin/ (each site has its own /admin/)\n", suffix)
	fmt.Fprintln(a.stdout, "Logins (passwords shown only once):")
	fmt.Fprintf(a.stdout, "  username %s, password %s  superuser (every site)\n", res.Username, res.Password)
	for _, l := range res.Logins {
		fmt.Fprintf(a.stdout, "  username %s, password %s  %s of http://%s%s/admin/\n", l.Username, l.Password, l.Role, l.Site.Hostname, suffix)
	}
	return nil
}

func (a *app) migrate(args []string) error {
	f := a.newFlags("migrate", "migrate [--data DIR] [--database URL] [--config FILE]...")
	if err := a.parse(f, args); err != nil {
		return err
	}
	_, closeDB, err := a.open()
	if err != nil {
		return err
	}
	closeDB()
	fmt.Fprintln(a.stdout, "database is up to date")
	return nil
}

func (a *app) userCreate(args []string) error {
	f := a.newFlags("user create", "user create --username U [--email E] [--superuser] [--superadmin] [--password-stdin]")
	username := f.String("username", "", "the user's `name` (required)")
	email := f.String("email", "", "the user's email `address`")
	superuser := f.Bool("superuser", false, "may do everything on every site")
	superadmin := f.Bool("superadmin", false, "acts as an admin of whichever site they are on")
	fromStdin := f.Bool("password-stdin", false, "read the password from the first line of standard input")
	if err := a.parse(f, args); err != nil {
		return err
	}
	if *username == "" {
		return usageError{"--username is required"}
	}
	var password string
	switch {
	case *fromStdin:
		line, err := bufio.NewReader(a.stdin).ReadString('\n')
		if err != nil && err != io.EOF {
			return err
		}
		password = strings.TrimRight(line, "\r\n")
	case isTerminal(a.stdin):
		fd := int(a.stdin.(*os.File).Fd())
		fmt.Fprint(a.stderr, "Password: ")
		p1, err := term.ReadPassword(fd)
		fmt.Fprintln(a.stderr)
		if err != nil {
			return err
		}
		fmt.Fprint(a.stderr, "Password (again): ")
		p2, err := term.ReadPassword(fd)
		fmt.Fprintln(a.stderr)
		if err != nil {
			return err
		}
		if string(p1) != string(p2) {
			return canopy.Errorf(canopy.EINVALID, "the passwords do not match")
		}
		password = string(p1)
	default:
		return usageError{"no password given: use --password-stdin, or run on a terminal to be prompted"}
	}
	svc, closeDB, err := a.open()
	if err != nil {
		return err
	}
	defer closeDB()
	u, err := svc.CreateUser(a.ctx, service.NewUser{Username: *username, Email: *email, Password: password,
		IsSuperuser: *superuser, IsSuperadmin: *superadmin})
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "created user %s (id %d)\n", u.Username, u.ID)
	return nil
}

func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

func (a *app) siteCreate(args []string) error {
	f := a.newFlags("site create", "site create --hostname H [--port N] --name NAME [--default] [--theme T] [--language CODE] [--template NAME] [--feature NAME=on|off]...")
	hostname := f.String("hostname", "", "the site's `hostname` (required)")
	port := f.Int("port", 80, "the site's `port`")
	name := f.String("name", "", "the site's `name` (required)")
	isDefault := f.Bool("default", false, "make it the default site")
	themeName := f.String("theme", "", "the site's `theme` (default: the template's, else default)")
	language := f.String("language", "", "the site's language `code` (default en; search stems words by it)")
	template := f.String("template", "", "the site `template` to start from (default: the installation's; see canopy site templates)")
	var features stringList
	f.Var(&features, "feature", "set a feature flag, `NAME=on|off`; repeatable")
	if err := a.parse(f, args); err != nil {
		return err
	}
	if *hostname == "" || *name == "" {
		return usageError{"--hostname and --name are required"}
	}
	if err := a.checkTheme(*themeName); err != nil {
		return err
	}
	flags, err := parseFeatures(features, false)
	if err != nil {
		return err
	}
	ns := canopy.NewSite{Hostname: *hostname, Port: *port, Name: *name, IsDefault: *isDefault, Theme: *themeName, Language: *language}
	if len(flags) > 0 {
		ns.Features = map[string]bool{}
		for k, v := range flags {
			ns.Features[k] = *v
		}
	}
	svc, closeDB, err := a.open()
	if err != nil {
		return err
	}
	defer closeDB()
	s, err := svc.CreateSiteFrom(a.ctx, ns, *template)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "created site %d: %s (%s), home page %d\n", s.ID, s.DisplayName(), s.RootURL(), s.RootPageID)
	return nil
}

// checkTheme fails unless the named theme exists ("" passes).
func (a *app) checkTheme(name string) error {
	if name == "" {
		return nil
	}
	themes, err := theme.Load(a.cfg.ThemesDir)
	if err != nil {
		return canopy.Errorf(canopy.EINVALID, "%v", err)
	}
	if !themes.Exists(name) {
		return canopy.Errorf(canopy.EINVALID, "theme %q does not exist (themes: %s)", name, strings.Join(themes.Names(), ", "))
	}
	return nil
}

// parseFeatures reads --feature NAME=on|off (and NAME=unset when allowed).
func parseFeatures(list []string, allowUnset bool) (map[string]*bool, error) {
	out := map[string]*bool{}
	for _, item := range list {
		name, val, ok := strings.Cut(item, "=")
		name = strings.TrimSpace(name)
		var v *bool
		switch strings.ToLower(strings.TrimSpace(val)) {
		case "on", "true", "yes", "1":
			t := true
			v = &t
		case "off", "false", "no", "0":
			f := false
			v = &f
		case "unset":
			if !allowUnset {
				ok = false
			}
		default:
			ok = false
		}
		if !ok || name == "" {
			want := "NAME=on or NAME=off"
			if allowUnset {
				want = "NAME=on, NAME=off or NAME=unset"
			}
			return nil, usageError{fmt.Sprintf("--feature %q: write %s", item, want)}
		}
		out[name] = v
	}
	return out, nil
}

// featureList shows flags as "a=on b=off", sorted, or "-".
func featureList(m map[string]bool) string {
	if len(m) == 0 {
		return "-"
	}
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	sort.Strings(names)
	for i, n := range names {
		if m[n] {
			names[i] += "=on"
		} else {
			names[i] += "=off"
		}
	}
	return strings.Join(names, " ")
}

func (a *app) siteTemplates(args []string) error {
	f := a.newFlags("site templates", "site templates [--json]")
	asJSON := f.Bool("json", false, "print the templates' definitions as JSON")
	svc, closeDB, err := a.parseAndOpen(f, args)
	if err != nil {
		return err
	}
	defer closeDB()
	templates := svc.SiteTemplates()
	names := make([]string, 0, len(templates))
	for n := range templates {
		names = append(names, n)
	}
	sort.Strings(names)
	if *asJSON {
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(templates)
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tDEFAULT\tDESCRIPTION")
	for _, n := range names {
		def := ""
		if n == svc.DefaultTemplate() {
			def = "yes"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", n, def, templates[n].Description)
	}
	return tw.Flush()
}

func (a *app) siteList(args []string) error {
	f := a.newFlags("site list", "site list [--search TEXT] [--limit N] [--offset N] [--order hostname|name|created_at|id] [--json]")
	asJSON := f.Bool("json", false, "print JSON")
	search := f.String("search", "", "only sites whose hostname or name contains `text` (any case)")
	limit := f.Int("limit", 0, "list at most `n` sites (0: all)")
	offset := f.Int("offset", 0, "skip the first `n` sites")
	order := f.String("order", "hostname", "sort by `field`: hostname, name, created_at or id; a leading - reverses")
	svc, closeDB, err := a.parseAndOpen(f, args)
	if err != nil {
		return err
	}
	defer closeDB()
	if *limit < 0 || *offset < 0 {
		return canopy.Errorf(canopy.EINVALID, "--limit and --offset must not be negative")
	}
	n := *limit
	if n == 0 {
		n = math.MaxInt32
	}
	sites, total, err := svc.DB.SearchSites(a.ctx, *search, *order, n, *offset)
	if err != nil {
		return err
	}
	if *asJSON {
		if sites == nil {
			sites = []*canopy.Site{}
		}
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(sites)
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tHOSTNAME\tPORT\tNAME\tDEFAULT\tROOT PAGE\tTHEME\tFEATURES")
	for _, s := range sites {
		def := ""
		if s.IsDefault {
			def = "yes"
		}
		fmt.Fprintf(tw, "%d\t%s\t%d\t%s\t%s\t%d\t%s\t%s\n", s.ID, s.Hostname, s.Port, s.Name, def, s.RootPageID, s.Theme, featureList(s.Features))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(sites) < total {
		fmt.Fprintf(a.stdout, "(%d of %d sites; use --offset and --limit for more)\n", len(sites), total)
	}
	return nil
}

func (a *app) generate(args []string) error {
	f := a.newFlags("generate", "generate --sites N --pages-per-site M")
	n := f.Int("sites", 1, "how many `sites` to create (named gen-K.localhost)")
	m := f.Int("pages-per-site", 100, "published `pages` per site besides the home page")
	svc, closeDB, err := a.parseAndOpen(f, args)
	if err != nil {
		return err
	}
	defer closeDB()
	start := time.Now()
	sites, err := svc.Generate(a.ctx, *n, *m, func(done int) {
		if done%50 == 0 {
			fmt.Fprintf(a.stderr, "  %d/%d sites\n", done, *n)
		}
	})
	if err != nil {
		return err
	}
	took := time.Since(start)
	names := make([]string, 0, 3)
	for i, s := range sites {
		if i == 3 {
			names = append(names, "…")
			break
		}
		names = append(names, s.Hostname)
	}
	sort.Strings(names)
	fmt.Fprintf(a.stdout, "generated %d site(s) with %d pages each in %s (%s)\n", len(sites), *m, took.Round(time.Millisecond), strings.Join(names, ", "))
	return nil
}

func (a *app) showConfig(args []string) error {
	f := a.newFlags("config", "config [--config FILE]...   (prints the effective configuration)")
	if err := a.parse(f, args); err != nil {
		return err
	}
	if err := a.cfg.Validate(); err != nil {
		return err
	}
	fmt.Fprint(a.stdout, a.cfg.String())
	return nil
}

func (a *app) siteUpdate(args []string) error {
	f := a.newFlags("site update", "site update --id N [--hostname H] [--port N] [--name NAME] [--default] [--theme T] [--language CODE] [--aliases H1,H2] [--feature NAME=on|off|unset]...")
	id := f.Int64("id", 0, "the site's `id` (see canopy site list)")
	hostname := f.String("hostname", "", "new `hostname`")
	port := f.Int("port", 0, "new `port`")
	name := f.String("name", "", "new `name`")
	isDefault := f.Bool("default", false, "make it the default site")
	themeName := f.String("theme", "", "new `theme`")
	language := f.String("language", "", "new language `code` (the site's search index is rebuilt)")
	aliases := f.String("aliases", "", "the site's other `hostnames`, comma separated, redirected to it (\"\" removes them)")
	var features stringList
	f.Var(&features, "feature", "set or remove a feature flag, `NAME=on|off|unset`; repeatable")
	if err := a.parse(f, args); err != nil {
		return err
	}
	if *id <= 0 {
		return usageError{"--id is required"}
	}
	var upd canopy.SiteUpdate
	f.Visit(func(fl *flag.Flag) {
		switch fl.Name {
		case "hostname":
			upd.Hostname = hostname
		case "port":
			upd.Port = port
		case "name":
			upd.Name = name
		case "default":
			upd.IsDefault = isDefault
		case "theme":
			upd.Theme = themeName
		case "language":
			upd.Language = language
		case "aliases":
			list := splitComma(*aliases)
			upd.Aliases = &list
		}
	})
	var err error
	if upd.Features, err = parseFeatures(features, true); err != nil {
		return err
	}
	if upd.Hostname == nil && upd.Port == nil && upd.Name == nil && upd.IsDefault == nil && upd.Theme == nil && upd.Language == nil && upd.Aliases == nil && len(upd.Features) == 0 {
		return usageError{"nothing to change: give --hostname, --port, --name, --default, --theme, --language, --aliases or --feature"}
	}
	if upd.Theme != nil {
		if *upd.Theme == "" {
			return usageError{"--theme is empty"}
		}
		if err := a.checkTheme(*upd.Theme); err != nil {
			return err
		}
	}
	svc, closeDB, err := a.open()
	if err != nil {
		return err
	}
	defer closeDB()
	site, err := svc.DB.UpdateSite(a.ctx, *id, upd)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "updated site %d: %s (%s)\n", site.ID, site.DisplayName(), site.RootURL())
	if upd.Aliases != nil {
		fmt.Fprintf(a.stdout, "other hostnames: %s\n", cmp.Or(strings.Join(site.Aliases, ", "), "none"))
	}
	if len(upd.Features) > 0 {
		fmt.Fprintf(a.stdout, "features: %s\n", featureList(site.Features))
	}
	return nil
}

func (a *app) siteConvertDomain(args []string) error {
	f := a.newFlags("site convert-domain", "site convert-domain [--from OLD] --to NEW [--dry-run]")
	from := f.String("from", "", "the base `domain` to replace (default: the default site's hostname without www.)")
	to := f.String("to", "", "the new base `domain` (required)")
	dryRun := f.Bool("dry-run", false, "show what would change and change nothing")
	svc, closeDB, err := a.parseAndOpen(f, args)
	if err != nil {
		return err
	}
	defer closeDB()
	if *to == "" {
		return usageError{"--to is required"}
	}
	changes, err := svc.DB.ConvertDomain(a.ctx, *from, *to, *dryRun)
	if err != nil {
		return err
	}
	verb := "changed"
	if *dryRun {
		verb = "would change (dry run, nothing written)"
	}
	for _, c := range changes {
		fmt.Fprintf(a.stdout, "  site %d: %s:%d -> %s:%d\n", c.SiteID, c.Old, c.Port, c.New, c.Port)
	}
	fmt.Fprintf(a.stdout, "%d site(s) %s\n", len(changes), verb)
	return nil
}

// searchReindex rebuilds the search index of one site or of all of them.
func (a *app) searchReindex(args []string) error {
	f := a.newFlags("search reindex", "search reindex [--site HOSTNAME]")
	host := f.String("site", "", "the `hostname` of the one site to reindex (default: every site and the shared library)")
	svc, closeDB, err := a.parseAndOpen(f, args)
	if err != nil {
		return err
	}
	defer closeDB()
	if *host == "" {
		total, err := svc.ReindexAllSearch(a.ctx, func(site *canopy.Site, n int) {
			fmt.Fprintf(a.stdout, "%s: %d documents\n", site.DisplayName(), n)
		})
		if err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "reindexed every site: %d documents\n", total)
		return nil
	}
	sites, _, err := svc.DB.SearchSites(a.ctx, *host, "hostname", -1, 0)
	if err != nil {
		return err
	}
	want, _ := canopy.NormalizeHostname(*host)
	found := false
	for _, site := range sites { // one hostname may have sites on several ports
		if site.Hostname != want {
			continue
		}
		found = true
		n, err := svc.ReindexSearch(a.ctx, site)
		if err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "reindexed %s: %d documents\n", site.DisplayName(), n)
	}
	if !found {
		return canopy.Errorf(canopy.ENOTFOUND, "no site has the hostname %q (canopy site list shows them)", *host)
	}
	return nil
}

func (a *app) siteDelete(args []string) error {
	f := a.newFlags("site delete", "site delete --id N [--new-default M] [--yes]")
	id := f.Int64("id", 0, "the site's `id` (see canopy site list)")
	newDefault := f.Int64("new-default", 0, "the `id` of the site that becomes the default (needed to delete the default site)")
	yes := f.Bool("yes", false, "do not ask for confirmation")
	svc, closeDB, err := a.parseAndOpen(f, args)
	if err != nil {
		return err
	}
	defer closeDB()
	if *id <= 0 {
		return usageError{"--id is required"}
	}
	site, err := svc.DB.SiteByID(a.ctx, *id)
	if err != nil {
		return err
	}
	if !*yes {
		if !isTerminal(a.stdin) {
			return usageError{"deleting a site needs confirmation: run on a terminal, or pass --yes"}
		}
		fmt.Fprintf(a.stderr, "This deletes %s (site %d) with all its pages, groups, users of its own and media.\nType its hostname to confirm: ", site.DisplayName(), site.ID)
		line, _ := bufio.NewReader(a.stdin).ReadString('\n')
		if strings.TrimSpace(line) != site.Hostname {
			return canopy.Errorf(canopy.EINVALID, "not confirmed; nothing was deleted")
		}
	}
	deleted, err := svc.DeleteSite(a.ctx, *id, *newDefault)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "deleted site %d (%s): %d pages, %d revisions, %d groups, %d site-local users\n",
		site.ID, site.Hostname, deleted["pages"], deleted["revisions"], deleted["groups"], deleted["users"])
	return nil
}

// group manages installation-wide groups and their members (the multi-site
// sharing mode: an operator's command, like the superuser's API).
func (a *app) group(sub string, args []string) error {
	usage := map[string]string{"create": "group create --name NAME", "members": "group members --group NAME",
		"add-member": "group add-member --group NAME --user USERNAME_OR_EMAIL", "remove-member": "group remove-member --group NAME --user USERNAME"}[sub]
	f := a.newFlags("group "+sub, usage)
	name := f.String("name", "", "the new group's `name`")
	group := f.String("group", "", "the installation-wide group's `name`")
	user := f.String("user", "", "the user's `username` (or email, to add)")
	svc, closeDB, err := a.parseAndOpen(f, args)
	if err != nil {
		return err
	}
	defer closeDB()
	if sub == "create" {
		if *name == "" {
			return usageError{"--name is required"}
		}
		g, err := svc.DB.Installation().CreateGroup(a.ctx, *name)
		if err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "created installation-wide group %s (id %d)\n", g.Name, g.ID)
		return nil
	}
	if *group == "" {
		return usageError{"--group is required"}
	}
	g, err := svc.DB.InstallationGroupByName(a.ctx, *group)
	if err != nil {
		return err
	}
	switch sub {
	case "members":
		us, _, err := svc.DB.Installation().GroupMembers(a.ctx, g.ID, "", -1, 0)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tUSERNAME\tEMAIL\tNAME")
		for _, u := range us {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\n", u.ID, u.Username, u.Email, strings.TrimSpace(u.FirstName+" "+u.LastName))
		}
		return tw.Flush()
	case "add-member":
		if *user == "" {
			return usageError{"--user is required"}
		}
		u, err := svc.DB.AddGroupMemberByName(a.ctx, g.ID, *user)
		if err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "added %s to %s\n", u.Username, g.Name)
	case "remove-member":
		if *user == "" {
			return usageError{"--user is required"}
		}
		u, err := svc.DB.UserByUsername(a.ctx, *user)
		if err != nil {
			return err
		}
		if err := svc.DB.RemoveGroupMember(a.ctx, g.ID, u.ID); err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "removed %s from %s\n", u.Username, g.Name)
	}
	return nil
}

// modelBytes maps the model_bytes setting (0: off) to the server option (0:
// the default, negative: off).
func modelBytes(n int64) int64 {
	if n == 0 {
		return -1
	}
	return n
}

// splitComma splits a comma-separated list, dropping empty items.
func splitComma(s string) []string {
	out := []string{}
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
