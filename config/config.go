// Package config loads Canopy's typed configuration: defaults, then each
// config file in order (later files override earlier ones: the multi-instance
// shape), then CANOPY_* environment variables, then command-line flags.
package config

import (
	"bytes"
	"fmt"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/certs"
	"github.com/canopy-cms/canopy/purge"
	"github.com/canopy-cms/canopy/service"
)

// Config is every setting of one Canopy instance.
type Config struct {
	Addr     string `toml:"addr"`
	DataDir  string `toml:"data"`
	Database string `toml:"database"`
	MediaDir string `toml:"media_dir"`
	// MediaURL selects the media storage: a directory (default media_dir, else
	// DATA/media) or s3://bucket?region=…&endpoint=… for S3-compatible storage.
	MediaURL         string `toml:"media_url"`
	MaxImageBytes    int64  `toml:"max_image_bytes"`
	MaxDocumentBytes int64  `toml:"max_document_bytes"`
	MaxImagePixels   int64  `toml:"max_image_pixels"`
	MaxRenditionSize int    `toml:"max_rendition_size"`
	MediaCacheBytes  int64  `toml:"media_cache_bytes"`
	// RenderBudgetBytes bounds the estimated memory of the renditions being
	// generated at once (default 512 MiB, for a 1 GiB process).
	RenderBudgetBytes int64    `toml:"render_budget_bytes"`
	ThemesDir         string   `toml:"themes_dir"`
	PageTypes         string   `toml:"page_types"`
	AllowedHosts      []string `toml:"allowed_hosts"`
	TrustedProxies    []string `toml:"trusted_proxies"`
	CacheBytes        int64    `toml:"cache_bytes"`
	ModelBytes        int64    `toml:"model_bytes"`
	APIMaxLimit       int      `toml:"api_max_limit"`
	PollInterval      Duration `toml:"poll_interval"`
	// ScheduleInterval is how often due scheduled publishing and expiry run.
	ScheduleInterval Duration `toml:"schedule_interval"`
	// GoneFor is how long a deleted page's address answers 410 Gone rather
	// than 404 (default 720h, 30 days; 0: never; at most 8760h, a year).
	GoneFor   Duration `toml:"gone_for"`
	LogLevel  string   `toml:"log_level"`
	LogFormat string   `toml:"log_format"`
	// SMTPURL is the mail server for notifications; MailFrom the sender.
	SMTPURL  string `toml:"smtp_url"`
	MailFrom string `toml:"mail_from"`
	// MetricsAddr, if set, is a listen address of its own for the
	// Prometheus metrics at /metrics; MetricsToken, if set, serves them on
	// the main listener at /_metrics to "Authorization: Bearer TOKEN".
	MetricsAddr  string `toml:"metrics_addr"`
	MetricsToken string `toml:"metrics_token"`
	// HTTPS terminates TLS for every site: certificates through ACME for the
	// sites' hostnames (and from Certificates), HTTPSAddr the HTTPS
	// listener; Addr then answers plain HTTP (challenges, redirects).
	HTTPS     bool   `toml:"https"`
	HTTPSAddr string `toml:"https_addr"`
	// ACMECA is the ACME directory (default Let's Encrypt), ACMEEmail the
	// account's contact.
	ACMECA    string `toml:"acme_ca"`
	ACMEEmail string `toml:"acme_email"`
	// TLSStorage is where certificates are kept: "file" (DATA/certs, one
	// node) or "database" (shared by the nodes of an installation).
	TLSStorage string `toml:"tls_storage"`
	// Certificates are given as files instead of obtained.
	Certificates []certs.CertFile `toml:"certificate"`
	// Purge are the front-end caches told to drop changed answers
	// ([[purge]] tables; see package purge).
	Purge []purge.Config `toml:"purge"`
	// SiteTemplate names the template new sites get when none is named.
	SiteTemplate string `toml:"site_template"`
	// SiteTemplates are named recipes of default content for new sites.
	SiteTemplates map[string]*canopy.SiteTemplate `toml:"site_templates"`
	// OEmbed lists the providers whose URLs, on a line of their own in rich
	// text, become embeds; unset means service.DefaultOEmbedProviders, an
	// empty list none.
	OEmbed *[]service.OEmbedProvider `toml:"oembed"`
}

// Duration is a time.Duration written as "2s" in files and the environment.
type Duration struct{ time.Duration }

// UnmarshalText parses a duration like "1500ms" or "2s".
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("%q is not a duration like 2s or 500ms", b)
	}
	d.Duration = v
	return nil
}

// MarshalText writes the duration as text.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// DefaultCacheBytes is the default memory budget of the page cache: 256 MiB,
// about 10,000 pages of 25 KiB (docs/configuration.md#sizing-the-page-cache).
const DefaultCacheBytes = 256 << 20

// Default returns the built-in defaults.
func Default() *Config {
	return &Config{Addr: ":8000", DataDir: "./canopy-data", CacheBytes: DefaultCacheBytes, ModelBytes: 128 << 20, APIMaxLimit: 20,
		MaxImageBytes: 10 << 20, MaxDocumentBytes: 50 << 20, MaxImagePixels: 50_000_000, MaxRenditionSize: 4000, MediaCacheBytes: 64 << 20,
		RenderBudgetBytes: 512 << 20,
		PollInterval:      Duration{2 * time.Second}, ScheduleInterval: Duration{15 * time.Second}, GoneFor: Duration{30 * 24 * time.Hour}, HTTPSAddr: ":443", TLSStorage: "file", LogLevel: "info", LogFormat: "text"}
}

// LoadFiles applies config files in order on top of c. Unknown keys are errors.
func (c *Config) LoadFiles(files []string) error {
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return canopy.Errorf(canopy.EINVALID, "cannot read config file: %v", err)
		}
		md, err := toml.NewDecoder(bytes.NewReader(b)).Decode(c)
		if err != nil {
			return canopy.Errorf(canopy.EINVALID, "config file %s: %v", f, err)
		}
		if und := md.Undecoded(); len(und) > 0 {
			keys := make([]string, len(und))
			for i, k := range und {
				keys[i] = k.String()
				if keys[i] == "cache_entries" {
					return canopy.Errorf(canopy.EINVALID, "config file %s: cache_entries was replaced by cache_bytes, a memory budget in bytes (default %d)", f, DefaultCacheBytes)
				}
			}
			return canopy.Errorf(canopy.EINVALID, "config file %s: unknown setting(s): %s", f, strings.Join(keys, ", "))
		}
		// Relative paths set in a file are relative to that file.
		dir := filepath.Dir(f)
		for key, p := range map[string]*string{"data": &c.DataDir, "themes_dir": &c.ThemesDir, "page_types": &c.PageTypes, "media_dir": &c.MediaDir} {
			if md.IsDefined(key) && *p != "" && !filepath.IsAbs(*p) {
				*p = filepath.Join(dir, *p)
			}
		}
	}
	return nil
}

// LoadEnv applies CANOPY_* variables. A setting X may also be read from the file
// named by CANOPY_X_FILE (for secrets such as the database URL).
func (c *Config) LoadEnv(getenv func(string) string) error {
	get := func(name string) (string, bool, error) {
		if f := getenv("CANOPY_" + name + "_FILE"); f != "" {
			b, err := os.ReadFile(f)
			if err != nil {
				return "", false, canopy.Errorf(canopy.EINVALID, "CANOPY_%s_FILE: %v", name, err)
			}
			return strings.TrimSpace(string(b)), true, nil
		}
		v := getenv("CANOPY_" + name)
		return v, v != "", nil
	}
	strs := map[string]*string{"ADDR": &c.Addr, "DATA": &c.DataDir, "DATABASE": &c.Database, "MEDIA_DIR": &c.MediaDir,
		"THEMES_DIR": &c.ThemesDir, "PAGE_TYPES": &c.PageTypes, "LOG_LEVEL": &c.LogLevel, "LOG_FORMAT": &c.LogFormat,
		"SITE_TEMPLATE": &c.SiteTemplate, "MEDIA_URL": &c.MediaURL,
		"SMTP_URL": &c.SMTPURL, "MAIL_FROM": &c.MailFrom, "METRICS_ADDR": &c.MetricsAddr, "METRICS_TOKEN": &c.MetricsToken}
	for name, p := range strs {
		v, ok, err := get(name)
		if err != nil {
			return err
		}
		if ok {
			*p = v
		}
	}
	lists := map[string]*[]string{"ALLOWED_HOSTS": &c.AllowedHosts, "TRUSTED_PROXIES": &c.TrustedProxies}
	for name, p := range lists {
		if v, ok, err := get(name); err != nil {
			return err
		} else if ok {
			*p = splitList(v)
		}
	}
	if getenv("CANOPY_CACHE_ENTRIES") != "" {
		return canopy.Errorf(canopy.EINVALID, "CANOPY_CACHE_ENTRIES was replaced by CANOPY_CACHE_BYTES, a memory budget in bytes (default %d)", DefaultCacheBytes)
	}
	ints := map[string]*int{"API_MAX_LIMIT": &c.APIMaxLimit, "MAX_RENDITION_SIZE": &c.MaxRenditionSize}
	int64s := map[string]*int64{"MAX_IMAGE_BYTES": &c.MaxImageBytes, "MAX_DOCUMENT_BYTES": &c.MaxDocumentBytes, "MAX_IMAGE_PIXELS": &c.MaxImagePixels,
		"MEDIA_CACHE_BYTES": &c.MediaCacheBytes, "CACHE_BYTES": &c.CacheBytes, "MODEL_BYTES": &c.ModelBytes, "RENDER_BUDGET_BYTES": &c.RenderBudgetBytes}
	for name, p := range int64s {
		if v, ok, err := get(name); err != nil {
			return err
		} else if ok {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return canopy.Errorf(canopy.EINVALID, "CANOPY_%s=%q is not a whole number", name, v)
			}
			*p = n
		}
	}
	for name, p := range ints {
		if v, ok, err := get(name); err != nil {
			return err
		} else if ok {
			n, err := strconv.Atoi(v)
			if err != nil {
				return canopy.Errorf(canopy.EINVALID, "CANOPY_%s=%q is not a whole number", name, v)
			}
			*p = n
		}
	}
	if v, ok, err := get("SCHEDULE_INTERVAL"); err != nil {
		return err
	} else if ok {
		if err := c.ScheduleInterval.UnmarshalText([]byte(v)); err != nil {
			return canopy.Errorf(canopy.EINVALID, "CANOPY_SCHEDULE_INTERVAL: %v", err)
		}
	}
	if v, ok, err := get("POLL_INTERVAL"); err != nil {
		return err
	} else if ok {
		if err := c.PollInterval.UnmarshalText([]byte(v)); err != nil {
			return canopy.Errorf(canopy.EINVALID, "CANOPY_POLL_INTERVAL: %v", err)
		}
	}
	if v, ok, err := get("HTTPS"); err != nil {
		return err
	} else if ok {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return canopy.Errorf(canopy.EINVALID, "CANOPY_HTTPS must be true or false")
		}
		c.HTTPS = b
	}
	for name, dst := range map[string]*string{"HTTPS_ADDR": &c.HTTPSAddr, "ACME_CA": &c.ACMECA, "ACME_EMAIL": &c.ACMEEmail, "TLS_STORAGE": &c.TLSStorage} {
		if v, ok, err := get(name); err != nil {
			return err
		} else if ok {
			*dst = v
		}
	}
	if v, ok, err := get("GONE_FOR"); err != nil {
		return err
	} else if ok {
		if err := c.GoneFor.UnmarshalText([]byte(v)); err != nil {
			return canopy.Errorf(canopy.EINVALID, "CANOPY_GONE_FOR: %v", err)
		}
	}
	return nil
}

func splitList(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// Validate checks every setting and says how to fix what is wrong.
func (c *Config) Validate() error {
	if c.Addr == "" {
		return canopy.Errorf(canopy.EINVALID, "addr is empty (e.g. :8000 or 127.0.0.1:8000)")
	}
	if c.DataDir == "" && c.Database == "" {
		return canopy.Errorf(canopy.EINVALID, "set data (a directory) or database (a URL)")
	}
	if c.Database != "" && !strings.HasPrefix(c.Database, "sqlite:") && !strings.HasPrefix(c.Database, "postgres://") && !strings.HasPrefix(c.Database, "postgresql://") {
		return canopy.Errorf(canopy.EINVALID, "database must be sqlite:PATH or postgres://…, not %q", redact(c.Database))
	}
	if _, err := c.Proxies(); err != nil {
		return err
	}
	if c.MetricsToken != "" && len(c.MetricsToken) < 16 {
		return canopy.Errorf(canopy.EINVALID, "metrics_token must be at least 16 characters (it guards /_metrics on the public listener)")
	}
	if c.MetricsAddr != "" && c.MetricsAddr == c.Addr {
		return canopy.Errorf(canopy.EINVALID, "metrics_addr must differ from addr (use metrics_token to serve metrics on the main listener)")
	}
	if c.ModelBytes < 0 {
		return canopy.Errorf(canopy.EINVALID, "model_bytes must be 0 (off) or more")
	}
	if c.CacheBytes < 0 {
		return canopy.Errorf(canopy.EINVALID, "cache_bytes must be 0 (off) or more")
	}
	if c.APIMaxLimit < 1 {
		return canopy.Errorf(canopy.EINVALID, "api_max_limit must be at least 1")
	}
	if c.MediaCacheBytes < 0 {
		return canopy.Errorf(canopy.EINVALID, "media_cache_bytes must be 0 (off) or more")
	}
	if c.RenderBudgetBytes < 16<<20 {
		return canopy.Errorf(canopy.EINVALID, "render_budget_bytes must be at least 16 MiB (16777216)")
	}
	if c.MaxImageBytes < 1 || c.MaxDocumentBytes < 1 || c.MaxImagePixels < 1 || c.MaxRenditionSize < 1 {
		return canopy.Errorf(canopy.EINVALID, "max_image_bytes, max_document_bytes, max_image_pixels and max_rendition_size must be at least 1")
	}
	if c.ScheduleInterval.Duration < time.Second {
		return canopy.Errorf(canopy.EINVALID, "schedule_interval must be at least 1s")
	}
	if c.PollInterval.Duration < 100*time.Millisecond {
		return canopy.Errorf(canopy.EINVALID, "poll_interval must be at least 100ms")
	}
	if c.TLSStorage != "file" && c.TLSStorage != "database" {
		return canopy.Errorf(canopy.EINVALID, "tls_storage must be file or database")
	}
	if c.ACMECA != "" {
		if u, err := url.Parse(c.ACMECA); err != nil || u.Scheme != "https" || u.Host == "" {
			return canopy.Errorf(canopy.EINVALID, "acme_ca must be an https:// URL of an ACME directory")
		}
	}
	for _, f := range c.Certificates {
		if f.Cert == "" || f.Key == "" {
			return canopy.Errorf(canopy.EINVALID, "each [[certificate]] needs cert and key (PEM files)")
		}
	}
	if c.GoneFor.Duration < 0 || c.GoneFor.Duration > 365*24*time.Hour {
		return canopy.Errorf(canopy.EINVALID, "gone_for must be between 0 (never answer 410) and 8760h (a year)")
	}
	switch strings.ToLower(c.LogLevel) {
	case "debug", "info", "warn", "error":
	default:
		return canopy.Errorf(canopy.EINVALID, "log_level must be debug, info, warn or error")
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		return canopy.Errorf(canopy.EINVALID, "log_format must be text or json")
	}
	for name := range c.SiteTemplates {
		if err := canopy.ValidateTemplateName(name); err != nil {
			return canopy.Errorf(canopy.EINVALID, "site_templates: %s", canopy.ErrorMessage(err))
		}
	}
	for _, h := range c.AllowedHosts {
		if _, err := canopy.NormalizeHostname(strings.TrimPrefix(h, ".")); err != nil && h != "*" {
			return canopy.Errorf(canopy.EINVALID, "allowed_hosts: %v", err)
		}
	}
	return nil
}

// MediaStorage is the media storage URL: media_url, else the media_dir
// directory, else DATA/media.
func (c *Config) MediaStorage() string {
	switch {
	case c.MediaURL != "":
		return c.MediaURL
	case c.MediaDir != "":
		return c.MediaDir
	}
	return filepath.Join(c.DataDir, "media")
}

// DatabaseURL is the database to use: the database setting, or the SQLite file
// in the data directory.
func (c *Config) DatabaseURL() string {
	if c.Database != "" {
		return c.Database
	}
	return "sqlite:" + filepath.Join(c.DataDir, "canopy.db")
}

// Proxies parses trusted_proxies (addresses or CIDR prefixes).
func (c *Config) Proxies() ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, p := range c.TrustedProxies {
		if pr, err := netip.ParsePrefix(p); err == nil {
			out = append(out, pr)
			continue
		}
		a, err := netip.ParseAddr(p)
		if err != nil {
			return nil, canopy.Errorf(canopy.EINVALID, "trusted_proxies: %q is not an address or CIDR prefix", p)
		}
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

// String prints the effective configuration as TOML, with passwords redacted.
func (c *Config) String() string {
	cp := *c
	cp.Database = redact(cp.Database)
	cp.SMTPURL = redact(cp.SMTPURL)
	cp.MediaURL = redact(cp.MediaURL)
	if cp.MetricsToken != "" {
		cp.MetricsToken = "xxxxx"
	}
	// The front ends' credentials (a copy: the configuration keeps them).
	cp.Purge = append([]purge.Config(nil), c.Purge...)
	for i := range cp.Purge {
		for _, s := range []*string{&cp.Purge[i].Token, &cp.Purge[i].SecretKey} {
			if *s != "" {
				*s = "xxxxx"
			}
		}
	}
	var b bytes.Buffer
	_ = toml.NewEncoder(&b).Encode(cp)
	return b.String()
}

func redact(u string) string {
	pu, err := url.Parse(u)
	if err != nil || pu.User == nil {
		return u
	}
	if _, has := pu.User.Password(); has {
		pu.User = url.UserPassword(pu.User.Username(), "xxxxx")
	}
	return pu.String()
}
