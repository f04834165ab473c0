package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/pflag"

	"github.com/vernhq/vern/mail"
	"github.com/vernhq/vern/webhook"
)

// Config is everything Vern can be configured with. Flags beat environment
// variables, which beat the defaults; only this file reads the environment.
type Config struct {
	Data          string // folder for the SQLite file, the key file and the admin token
	Addr          string // HTTP listen address
	DatabaseURL   string // "" or sqlite:PATH for SQLite, postgres://... for PostgreSQL
	PolicyFile    string // "" means the stored policy, or the embedded seed on first start
	SMTPURL       string // smtp://host:port
	MasterKeyFile string // "" means DATA/master.key, created on first start
	LogFormat     string // json or text
	DebugAddr     string // "" or a loopback address serving net/http/pprof
	WebhooksFile  string // "" or a JSON file listing webhook sinks
	PublicURL     string // the address people reach Vern at, for links in emails; "" means http://ADDR
	MailFrom      string // the sender of Vern's emails; "" means the policy's privacy contact
	StaffEmail    string // who gets deadline reminders; "" means the policy's rights contact

	SiteOrigins []string // website origins allowed to post cookie choices, besides Vern's own
	CookieRate  float64  // cookie choices per second per client address; 0 means the server's default

	MailBatch int     // outbox messages sent per SMTP connection; 0 means 100
	MailRate  float64 // outbox messages per second at most; 0 means no limit

	// DKIM signing of outgoing mail: all three or none.
	DKIMDomain   string // d=, the domain whose DNS holds the public key
	DKIMSelector string // s=, so the key is at SELECTOR._domainkey.DOMAIN
	DKIMKeyFile  string // PEM private key, RSA (2048 bits or more) or Ed25519
}

// publicURL is where links in emails point.
func (c *Config) publicURL() string {
	if c.PublicURL != "" {
		return strings.TrimRight(c.PublicURL, "/")
	}
	return "http://" + c.Addr
}

// DefaultConfig returns the defaults: a local data folder and localhost.
func DefaultConfig() Config {
	return Config{Data: "./vern-data", Addr: "127.0.0.1:8080", LogFormat: "json"}
}

// envNames maps flags to the environment variables that may set them.
var envNames = map[string]string{
	"data":          "VERN_DATA",
	"addr":          "VERN_ADDR",
	"database-url":  "VERN_DATABASE_URL",
	"policy":        "VERN_POLICY",
	"smtp-url":      "VERN_SMTP_URL",
	"master-key":    "VERN_MASTER_KEY_FILE",
	"log-format":    "VERN_LOG_FORMAT",
	"debug-addr":    "VERN_DEBUG_ADDR",
	"webhooks":      "VERN_WEBHOOKS_FILE",
	"public-url":    "VERN_PUBLIC_URL",
	"mail-from":     "VERN_MAIL_FROM",
	"staff-email":   "VERN_STAFF_EMAIL",
	"site-origin":   "VERN_SITE_ORIGINS",
	"cookie-rate":   "VERN_COOKIE_RATE",
	"mail-batch":    "VERN_MAIL_BATCH",
	"mail-rate":     "VERN_MAIL_RATE",
	"dkim-domain":   "VERN_DKIM_DOMAIN",
	"dkim-selector": "VERN_DKIM_SELECTOR",
	"dkim-key":      "VERN_DKIM_KEY_FILE",
}

// bindFlags declares the configuration flags on fs.
func (c *Config) bindFlags(fs *pflag.FlagSet) {
	fs.StringVar(&c.Data, "data", c.Data, "data folder (SQLite file, master key, admin token) [VERN_DATA]")
	fs.StringVar(&c.Addr, "addr", c.Addr, "HTTP listen address [VERN_ADDR]")
	fs.StringVar(&c.DatabaseURL, "database-url", c.DatabaseURL, "postgres://... for PostgreSQL; empty for SQLite in the data folder [VERN_DATABASE_URL]")
	fs.StringVar(&c.PolicyFile, "policy", c.PolicyFile, "policy file to publish; empty keeps the stored one (the built-in example on first start) [VERN_POLICY]")
	fs.StringVar(&c.SMTPURL, "smtp-url", c.SMTPURL, "outgoing mail server, smtp://host:port [VERN_SMTP_URL]")
	fs.StringVar(&c.MasterKeyFile, "master-key", c.MasterKeyFile, "master key file; empty means DATA/master.key, created on first start [VERN_MASTER_KEY_FILE]")
	fs.StringVar(&c.LogFormat, "log-format", c.LogFormat, "log format: json or text [VERN_LOG_FORMAT]")
	fs.StringVar(&c.WebhooksFile, "webhooks", c.WebhooksFile, "JSON file listing webhook sinks told of every consent change [VERN_WEBHOOKS_FILE]")
	fs.StringVar(&c.PublicURL, "public-url", c.PublicURL, "public address of this Vern for links in emails, e.g. https://privacy.example.com; default http://ADDR [VERN_PUBLIC_URL]")
	fs.StringVar(&c.MailFrom, "mail-from", c.MailFrom, "sender address of Vern's emails; default the policy's privacy contact [VERN_MAIL_FROM]")
	fs.StringVar(&c.StaffEmail, "staff-email", c.StaffEmail, "who gets deadline reminders; default the policy's rights contact [VERN_STAFF_EMAIL]")
	fs.StringSliceVar(&c.SiteOrigins, "site-origin", c.SiteOrigins, "website origin (https://www.example.com) whose cookie banner may post choices; repeatable [VERN_SITE_ORIGINS, comma-separated]")
	fs.Float64Var(&c.CookieRate, "cookie-rate", c.CookieRate, "cookie choices one client address may post per second (burst twice that); 0 means 50 [VERN_COOKIE_RATE]")
	fs.IntVar(&c.MailBatch, "mail-batch", c.MailBatch, "emails sent per SMTP connection; 0 means 100 [VERN_MAIL_BATCH]")
	fs.Float64Var(&c.MailRate, "mail-rate", c.MailRate, "emails per second at most, for relays that throttle; 0 means no limit [VERN_MAIL_RATE]")
	fs.StringVar(&c.DKIMDomain, "dkim-domain", c.DKIMDomain, "DKIM-sign outgoing mail for this domain (d=); needs --dkim-selector and --dkim-key [VERN_DKIM_DOMAIN]")
	fs.StringVar(&c.DKIMSelector, "dkim-selector", c.DKIMSelector, "DKIM selector (s=): the public key is in DNS at SELECTOR._domainkey.DOMAIN [VERN_DKIM_SELECTOR]")
	fs.StringVar(&c.DKIMKeyFile, "dkim-key", c.DKIMKeyFile, "DKIM private key, PEM (PKCS#1 or PKCS#8): RSA of 2048 bits or more, or Ed25519 [VERN_DKIM_KEY_FILE]")
	fs.StringVar(&c.DebugAddr, "debug-addr", c.DebugAddr, "serve Go profiling (pprof) on this loopback address, e.g. 127.0.0.1:6060 [VERN_DEBUG_ADDR]")
}

// applyEnv fills every flag the user did not set from its environment
// variable, if that is set.
func applyEnv(fs *pflag.FlagSet, getenv func(string) string) error {
	var err error
	fs.VisitAll(func(f *pflag.Flag) {
		env, ok := envNames[f.Name]
		if !ok || f.Changed {
			return
		}
		if v := getenv(env); v != "" {
			if e := fs.Set(f.Name, v); e != nil && err == nil {
				err = fmt.Errorf("%s: %w", env, e)
			}
		}
	})
	return err
}

// checkDKIM refuses a DKIM configuration that sets some of the three
// settings but not all, which would otherwise send mail unsigned.
func (c *Config) checkDKIM() error {
	var missing []string
	for _, s := range []struct{ flag, env, value string }{
		{"--dkim-domain", "VERN_DKIM_DOMAIN", c.DKIMDomain},
		{"--dkim-selector", "VERN_DKIM_SELECTOR", c.DKIMSelector},
		{"--dkim-key", "VERN_DKIM_KEY_FILE", c.DKIMKeyFile},
	} {
		if s.value == "" {
			missing = append(missing, s.flag+" ("+s.env+")")
		}
	}
	if len(missing) == 0 || len(missing) == 3 {
		return nil
	}
	return fmt.Errorf("DKIM signing needs a domain, a selector and a key together; missing %s", strings.Join(missing, " and "))
}

// loadDKIM returns the DKIM signer the configuration asks for, or nil
// when it asks for none.
func (c *Config) loadDKIM() (*mail.DKIM, error) {
	if err := c.checkDKIM(); err != nil {
		return nil, err
	}
	if c.DKIMDomain == "" {
		return nil, nil
	}
	return mail.LoadDKIM(c.DKIMDomain, c.DKIMSelector, c.DKIMKeyFile)
}

// backend says which store a database URL selects.
func (c *Config) backend() (kind, target string, err error) {
	switch u := c.DatabaseURL; {
	case u == "":
		return "sqlite", filepath.Join(c.Data, "vern.db"), nil
	case strings.HasPrefix(u, "sqlite:"):
		return "sqlite", strings.TrimPrefix(strings.TrimPrefix(u, "sqlite:"), "//"), nil
	case strings.HasPrefix(u, "postgres://"), strings.HasPrefix(u, "postgresql://"):
		return "postgres", u, nil
	default:
		return "", "", fmt.Errorf("database URL must start with sqlite: or postgres:// (got scheme %q)", scheme(u))
	}
}

func scheme(u string) string {
	if i := strings.Index(u, ":"); i > 0 && i < 20 {
		return u[:i]
	}
	return "?"
}

func (c *Config) masterKeyPath() (path string, create bool) {
	if c.MasterKeyFile != "" {
		return c.MasterKeyFile, false
	}
	return filepath.Join(c.Data, "master.key"), true
}

func (c *Config) adminTokenPath() string { return filepath.Join(c.Data, "admin-token") }

func getenv(name string) string { return os.Getenv(name) }

// webhookFile is one entry of the --webhooks file. The secret lives in a
// file of its own (mode 0600), so the list itself holds nothing secret.
type webhookFile struct {
	Name       string   `json:"name"`
	URL        string   `json:"url"`
	SecretFile string   `json:"secret_file"`
	Topics     []string `json:"topics,omitempty"`
}

// loadWebhooks reads the sinks of the --webhooks file, relative secret
// paths resolved against the file's folder.
func (c *Config) loadWebhooks() ([]webhook.Sink, error) {
	if c.WebhooksFile == "" {
		return nil, nil
	}
	b, err := os.ReadFile(c.WebhooksFile)
	if err != nil {
		return nil, fmt.Errorf("read webhooks file: %w", err)
	}
	var entries []webhookFile
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&entries); err != nil {
		return nil, fmt.Errorf("webhooks file %s: %w", c.WebhooksFile, err)
	}
	sinks := make([]webhook.Sink, 0, len(entries))
	for i, e := range entries {
		path := e.SecretFile
		if path == "" {
			return nil, fmt.Errorf("webhooks file %s: entry %d (%s) has no secret_file", c.WebhooksFile, i+1, e.Name)
		}
		if !filepath.IsAbs(path) {
			path = filepath.Join(filepath.Dir(c.WebhooksFile), path)
		}
		secret, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("webhook %s: read secret: %w", e.Name, err)
		}
		sinks = append(sinks, webhook.Sink{Name: e.Name, URL: e.URL, Secret: bytes.TrimSpace(secret), Topics: e.Topics})
	}
	return sinks, nil
}
