package purge

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
)

// Config is one front end as the configuration file names it ([[purge]]).
type Config struct {
	// Kind is "http" (Varnish, Fastly-style caches: a PURGE or BAN request
	// per address), "cloudflare" or "cloudfront".
	Kind string `toml:"kind"`
	// Endpoint is where requests go: the cache's address for http; for
	// cloudflare and cloudfront their API (default: the public one; set it
	// for a proxy or a test server).
	Endpoint string `toml:"endpoint"`
	// Method is http's request method: PURGE (default) or BAN.
	Method string `toml:"method"`
	// TagHeader is the header http's whole-site purge names the site's tag
	// in (default Surrogate-Key).
	TagHeader string `toml:"tag_header"`
	// Zone and Token are Cloudflare's zone id and API token.
	Zone  string `toml:"zone"`
	Token string `toml:"token"`
	// Distribution is CloudFront's distribution id; Region, AccessKey and
	// SecretKey its credentials (default: the AWS SDK's usual sources).
	Distribution string `toml:"distribution"`
	Region       string `toml:"region"`
	AccessKey    string `toml:"access_key"`
	SecretKey    string `toml:"secret_key"`
	// Hosts limits the front end to these sites' hostnames (empty: all).
	Hosts []string `toml:"hosts"`
}

// Build makes the backends the configuration names, or says what is wrong.
func Build(ctx context.Context, cfgs []Config) ([]Backend, error) {
	var out []Backend
	for i, c := range cfgs {
		name := fmt.Sprintf("%s#%d", c.Kind, i+1)
		var b Backend
		switch c.Kind {
		case "http":
			if c.Endpoint == "" {
				return nil, fmt.Errorf("purge %s: endpoint (the cache's address) is required", name)
			}
			if _, err := url.ParseRequestURI(c.Endpoint); err != nil {
				return nil, fmt.Errorf("purge %s: endpoint: %v", name, err)
			}
			m := strings.ToUpper(c.Method)
			if m == "" {
				m = "PURGE"
			}
			if m != "PURGE" && m != "BAN" {
				return nil, fmt.Errorf("purge %s: method must be PURGE or BAN", name)
			}
			h := c.TagHeader
			if h == "" {
				h = "Surrogate-Key"
			}
			b = &HTTPCache{name: name, Endpoint: strings.TrimRight(c.Endpoint, "/"), Method: m, TagHeader: h, Client: &http.Client{}}
		case "cloudflare":
			if c.Zone == "" || c.Token == "" {
				return nil, fmt.Errorf("purge %s: zone and token are required", name)
			}
			ep := c.Endpoint
			if ep == "" {
				ep = "https://api.cloudflare.com/client/v4"
			}
			b = &Cloudflare{name: name, Endpoint: strings.TrimRight(ep, "/"), Zone: c.Zone, Token: c.Token, Client: &http.Client{}}
		case "cloudfront":
			if c.Distribution == "" {
				return nil, fmt.Errorf("purge %s: distribution is required", name)
			}
			cf, err := NewCloudFront(ctx, name, c)
			if err != nil {
				return nil, err
			}
			b = cf
		default:
			return nil, fmt.Errorf("purge #%d: kind must be http, cloudflare or cloudfront, not %q", i+1, c.Kind)
		}
		if len(c.Hosts) > 0 {
			b = &hostFilter{Backend: b, hosts: c.Hosts}
		}
		out = append(out, b)
	}
	return out, nil
}

// hostFilter passes on only batches of the named sites.
type hostFilter struct {
	Backend
	hosts []string
}

func (h *hostFilter) Purge(ctx context.Context, b Batch) error {
	for _, host := range h.hosts {
		if strings.EqualFold(host, b.Site.Hostname) {
			return h.Backend.Purge(ctx, b)
		}
	}
	return nil
}

// HTTPCache purges Varnish or a Fastly-style cache: one request per address,
// "PURGE /news/" (or BAN) with the site's Host; a whole-site purge is one
// request for "/" naming the site's tag in TagHeader.
type HTTPCache struct {
	name                        string
	Endpoint, Method, TagHeader string
	Client                      *http.Client
}

func (h *HTTPCache) Name() string  { return h.name }
func (h *HTTPCache) MaxBatch() int { return 100 }

func (h *HTTPCache) Purge(ctx context.Context, b Batch) error {
	if b.All {
		return h.one(ctx, b.Site.Hostname, "/", b.Tags)
	}
	for _, p := range b.Paths {
		if err := h.one(ctx, b.Site.Hostname, p, nil); err != nil {
			return err
		}
	}
	return nil
}

func (h *HTTPCache) one(ctx context.Context, host, path string, tags []string) error {
	req, err := http.NewRequestWithContext(ctx, h.Method, h.Endpoint+path, nil)
	if err != nil {
		return Permanent{err}
	}
	req.Host = host
	if tags != nil {
		req.Header.Set(h.TagHeader, strings.Join(tags, " "))
	}
	_, err = do(h.Client, req)
	return err
}

// do sends a request and returns the answer's body (at most 64 KiB), or
// the answer as an error (statusError).
func do(c *http.Client, req *http.Request) ([]byte, error) {
	res, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(res.Body, 64<<10))
	return body, statusError(res, string(body))
}

// Cloudflare purges through Cloudflare's API: the addresses as "files" (30
// a request), a whole site by its Cache-Tag.
type Cloudflare struct {
	name                  string
	Endpoint, Zone, Token string
	Client                *http.Client
}

func (c *Cloudflare) Name() string  { return c.name }
func (c *Cloudflare) MaxBatch() int { return 30 }

func (c *Cloudflare) Purge(ctx context.Context, b Batch) error {
	body := map[string][]string{"files": b.URLs}
	if b.All {
		body = map[string][]string{"tags": b.Tags}
	}
	js, _ := json.Marshal(body)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.Endpoint+"/zones/"+url.PathEscape(c.Zone)+"/purge_cache", bytes.NewReader(js))
	if err != nil {
		return Permanent{err}
	}
	req.Header.Set("Authorization", "Bearer "+c.Token)
	req.Header.Set("Content-Type", "application/json")
	raw, err := do(c.Client, req)
	if err != nil {
		return err
	}
	var out struct {
		Success bool `json:"success"`
		Errors  []struct {
			Message string `json:"message"`
		} `json:"errors"`
	}
	if err := json.Unmarshal(raw, &out); err != nil || !out.Success {
		return fmt.Errorf("cloudflare purge: %s", trim(string(raw)))
	}
	return nil
}

// CloudFront purges by creating an invalidation of the addresses (a whole
// site: "/*") through the AWS SDK.
type CloudFront struct {
	name         string
	Distribution string
	client       *cloudfront.Client
}

// NewCloudFront makes a CloudFront front end from its configuration.
func NewCloudFront(ctx context.Context, name string, c Config) (*CloudFront, error) {
	region := c.Region
	if region == "" {
		region = "us-east-1"
	}
	opts := []func(*config.LoadOptions) error{config.WithRegion(region)}
	if c.AccessKey != "" {
		opts = append(opts, config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(c.AccessKey, c.SecretKey, "")))
	}
	awsCfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("purge %s: %v", name, err)
	}
	client := cloudfront.NewFromConfig(awsCfg, func(o *cloudfront.Options) {
		if c.Endpoint != "" {
			o.BaseEndpoint = aws.String(c.Endpoint)
		}
		o.RetryMaxAttempts = 1 // the purger retries
	})
	return &CloudFront{name: name, Distribution: c.Distribution, client: client}, nil
}

func (c *CloudFront) Name() string  { return c.name }
func (c *CloudFront) MaxBatch() int { return 1000 }

func (c *CloudFront) Purge(ctx context.Context, b Batch) error {
	paths := b.Paths
	if b.All {
		paths = []string{"/*"}
	}
	ref := strconv.FormatInt(time.Now().UnixNano(), 36)
	_, err := c.client.CreateInvalidation(ctx, &cloudfront.CreateInvalidationInput{
		DistributionId: aws.String(c.Distribution),
		InvalidationBatch: &cftypes.InvalidationBatch{CallerReference: aws.String(ref),
			Paths: &cftypes.Paths{Quantity: aws.Int32(int32(len(paths))), Items: paths}},
	})
	return err
}
