package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/vernhq/vern"
	"github.com/vernhq/vern/audience"
	"github.com/vernhq/vern/audit"
	"github.com/vernhq/vern/auth"
	"github.com/vernhq/vern/consent"
	"github.com/vernhq/vern/cookie"
	"github.com/vernhq/vern/keyring"
	"github.com/vernhq/vern/newsletter"
	"github.com/vernhq/vern/person"
	"github.com/vernhq/vern/policy"
	"github.com/vernhq/vern/postgres"
	"github.com/vernhq/vern/publish"
	"github.com/vernhq/vern/request"
	"github.com/vernhq/vern/retention"
	"github.com/vernhq/vern/sqlite"
	"github.com/vernhq/vern/webhook"
)

// App is the wired graph of stores and services that serve, migrate and
// every other subcommand share.
type App struct {
	Config   Config
	Log      *slog.Logger
	Clock    vern.Clock
	Store    vern.Store
	Keys     *keyring.Keyring
	People   *person.Service
	Policy   *publish.Service
	Auth     *auth.Service
	Consent  *consent.Service
	Webhooks *webhook.Worker
	Audit    *audit.Recorder
	Requests *request.Service
	// Audiences defines and exports audiences (S10).
	Audiences *audience.Service
	// Newsletters sends mailings and policy-change notices (S3, S13).
	Newsletters *newsletter.Service
	// Retention runs the retention sweeps and reads their statistics.
	Retention *retention.Service
	Cookies   *cookie.Service

	close func() error
}

// openApp opens the store (migrating it), the master key and the services.
func openApp(ctx context.Context, cfg Config, logOut io.Writer) (*App, error) {
	a := &App{Config: cfg, Clock: vern.SystemClock{}, Log: newLogger(cfg.LogFormat, logOut)}
	kind, target, err := cfg.backend()
	if err != nil {
		return nil, err
	}
	switch kind {
	case "sqlite":
		if err := os.MkdirAll(cfg.Data, 0o700); err != nil {
			return nil, fmt.Errorf("create data folder: %w", err)
		}
		db, err := sqlite.Open(ctx, target)
		if err != nil {
			return nil, err
		}
		a.Store, a.close = db, db.Close
	case "postgres":
		db, err := postgres.Open(ctx, target)
		if err != nil {
			return nil, err
		}
		a.Store, a.close = db, db.Close
	}
	if a.Keys, err = openKeys(cfg); err != nil {
		a.Close()
		return nil, err
	}
	if err := checkKeyFingerprint(ctx, a.Store, a.Keys); err != nil {
		a.Close()
		return nil, err
	}
	a.People = person.New(a.Store, a.Keys, a.Clock)
	a.Policy = publish.New(a.Store, a.Clock)
	a.People.SetPurposes(func(key string) bool {
		pol, _ := a.Policy.Current() // at call time: a newly published policy applies
		if pol == nil {
			return false
		}
		_, ok := pol.Purpose(key)
		return ok
	})
	a.Auth = auth.New(a.Store, a.Clock)
	a.Consent = consent.New(a.Store, a.People, a.Policy, a.Keys, a.Clock)
	sinks, err := cfg.loadWebhooks()
	if err != nil {
		a.Close()
		return nil, err
	}
	if a.Webhooks, err = webhook.New(a.Store, sinks, a.Clock, nil, a.Log.With("component", "webhook")); err != nil {
		a.Close()
		return nil, err
	}
	a.Consent.SetAnnouncer(a.Webhooks)
	a.Audit = audit.New(a.Store, a.Clock, a.Log.With("component", "audit"))
	a.Consent.SetTrailVerifier(a.Audit)
	origins := []string{cfg.publicURL()}
	for _, o := range cfg.SiteOrigins {
		if _, err := cookie.ParseOrigin(o); err != nil {
			a.Close()
			return nil, fmt.Errorf("--site-origin %q: %w", o, err)
		}
		origins = append(origins, o)
	}
	a.Cookies = cookie.New(cookie.Config{Store: a.Store, Policy: a.Policy, Clock: a.Clock, Origins: origins})
	a.Audiences = audience.New(a.Store, a.People, a.Consent, a.Policy, a.Clock)
	a.Newsletters = newsletter.New(newsletter.Config{Store: a.Store, Keys: a.Keys, People: a.People, Ledger: a.Consent,
		Policy: a.Policy, Clock: a.Clock, BaseURL: cfg.publicURL(), Log: a.Log.With("component", "newsletter")})
	// A significant policy change is announced by email (S13) as soon as
	// it is published; a notice cut short resumes with serve or
	// `vern newsletter resume`.
	a.Policy.SetOnPublish(func(ctx context.Context, p *policy.Policy, v *vern.PolicyVersion) {
		sd, err := a.Newsletters.Notify(ctx, p, v)
		if err != nil {
			a.Log.Error("queue policy notice", "version", v.Version, "error", err.Error())
		} else if sd != nil {
			a.Log.Info("policy notice queued", "send_id", sd.ID, "queued", sd.Queued, "skipped", sd.Skipped)
		}
	})
	a.Requests = request.New(request.Config{
		Store: a.Store, Keys: a.Keys, People: a.People, Ledger: a.Consent, Policy: a.Policy, Clock: a.Clock,
		Log: a.Log.With("component", "requests"), Notify: a.Webhooks, Trail: trail{a.Audit},
		BaseURL: cfg.publicURL(), StaffEmail: cfg.StaffEmail,
	})
	a.Retention = retention.New(retention.Config{Store: a.Store, People: a.People, Policy: a.Policy, Clock: a.Clock,
		Log: a.Log.With("component", "retention")})
	return a, nil
}

// trail records the request service's accesses in the audit trail.
type trail struct{ r *audit.Recorder }

func (t trail) Record(personID, actor, action, operation string, fields []string) {
	t.r.Record(audit.Access{PersonID: personID, Actor: actor, Action: action, Operation: operation, Fields: fields})
}

func openKeys(cfg Config) (*keyring.Keyring, error) {
	path, create := cfg.masterKeyPath()
	if create {
		if err := os.MkdirAll(cfg.Data, 0o700); err != nil {
			return nil, fmt.Errorf("create data folder: %w", err)
		}
		return keyring.LoadOrCreate(path)
	}
	return keyring.Load(path)
}

// checkKeyFingerprint refuses to run with a master key other than the one
// the database was first used with: data sealed under two keys would be
// partly unreadable. This matters most when several nodes share PostgreSQL
// and each must be given the same VERN_MASTER_KEY_FILE.
func checkKeyFingerprint(ctx context.Context, s vern.Store, k *keyring.Keyring) error {
	sum := sha256.Sum256(k.Sign("key-fingerprint", []byte("vern")))
	fp := hex.EncodeToString(sum[:8])
	stored, err := s.EnsureSetting(ctx, "master_key_fingerprint", fp)
	if err != nil {
		return err
	}
	if stored != fp {
		return errors.New("the master key does not match the one this database was created with (fingerprint " + fp + ", database expects " + stored + "); every node must use the same master key file")
	}
	return nil
}

// Close closes the store.
func (a *App) Close() error {
	if a.close == nil {
		return nil
	}
	return a.close()
}

func newLogger(format string, w io.Writer) *slog.Logger {
	if format == "text" {
		return slog.New(slog.NewTextHandler(w, nil))
	}
	return slog.New(slog.NewJSONHandler(w, nil))
}

// openPolicyApp opens the app with the stored (or seed) policy current, for
// the commands whose services consult the policy (purposes, rights,
// retention rules, audiences).
func (m *Main) openPolicyApp(cmd *cobra.Command, cfg Config) (*App, error) {
	app, err := openApp(cmd.Context(), cfg, m.Stderr)
	if err != nil {
		return nil, err
	}
	if _, err := app.Policy.Load(cmd.Context(), policy.Seed()); err != nil {
		app.Close()
		return nil, err
	}
	return app, nil
}

// countBar returns a progress bar on stderr that counts items towards a
// total the work reports as it goes (-1 until then), throttled to ten
// redraws a second and cleared when finished.
func (m *Main) countBar(desc string, opts ...progressbar.Option) *progressbar.ProgressBar {
	return progressbar.NewOptions(-1, append([]progressbar.Option{
		// The spinner advances as progress is reported: its own ticking
		// goroutine reads the bar without its lock (a data race).
		progressbar.OptionSetSpinnerChangeInterval(0),
		progressbar.OptionSetWriter(m.Stderr),
		progressbar.OptionSetDescription(desc),
		progressbar.OptionShowCount(),
		progressbar.OptionThrottle(100 * time.Millisecond),
		progressbar.OptionClearOnFinish(),
	}, opts...)...)
}
