package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/spf13/cobra"

	"github.com/vernhq/vern/policy"
	"github.com/vernhq/vern/web"
)

// shutdownGrace is how long in-flight requests may take to finish after
// SIGTERM or Ctrl-C.
const shutdownGrace = 30 * time.Second

func (m *Main) serveCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the HTTP server (API, privacy notice, metrics)",
		Args:  cobra.NoArgs,
	}
	cfg := m.configFlags(cmd)
	cmd.RunE = func(cmd *cobra.Command, args []string) error { return m.serve(cmd.Context(), *cfg) }
	return cmd
}

func (m *Main) serve(ctx context.Context, cfg Config) error {
	app, err := openApp(ctx, cfg, m.Stderr)
	if err != nil {
		return err
	}
	defer app.Close()

	if cfg.PolicyFile != "" {
		src, err := os.ReadFile(cfg.PolicyFile)
		if err != nil {
			return fmt.Errorf("read policy: %w", err)
		}
		v, published, err := app.Policy.Publish(ctx, src)
		if err != nil {
			return err
		}
		if published {
			app.Log.Info("policy version published", "version", v.Version, "seq", v.Seq)
		}
	} else if _, err := app.Policy.Load(ctx, policy.Seed()); err != nil {
		return err
	}

	tokenPath := cfg.adminTokenPath()
	created, err := app.Auth.EnsureAdminToken(ctx, tokenPath)
	if err != nil {
		return err
	}
	if created {
		fmt.Fprintf(m.Stdout, "Admin API token written to %s\n", tokenPath)
	}

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	srv := web.New(web.Services{People: app.People, Policy: app.Policy, Auth: app.Auth, Consent: app.Consent, Audit: app.Audit, Requests: app.Requests, Cookies: app.Cookies, Audiences: app.Audiences, Newsletters: app.Newsletters,
		Retention: app.Retention},
		app.Log, web.Config{Registerer: reg, Gatherer: reg, CookieRate: cfg.CookieRate})

	if cfg.DebugAddr != "" {
		if err := serveDebug(cfg.DebugAddr, app); err != nil {
			return err
		}
	}

	// Background work starts before the server announces itself, so a
	// server that is listening has its job queue migrated and running.
	bg, stopBG := context.WithCancel(context.Background())
	defer stopBG()
	queue, err := startJobs(ctx, bg, cfg, app)
	if err != nil {
		return err
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
		defer cancel()
		if err := queue.Stop(sctx); err != nil {
			app.Log.Error("stop jobs", "error", err.Error())
		}
		queue.Close()
	}()
	if err := startMailer(bg, cfg, app); err != nil {
		return err
	}
	startCaches(ctx, bg, app)
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	hs := &http.Server{
		Handler:           srv.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      120 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}
	addr := ln.Addr().String()
	fmt.Fprintf(m.Stdout, "Vern is listening on http://%s (privacy notice at /privacy, API description at /openapi.json)\n", addr)
	app.Log.Info("listening", "addr", addr)
	if m.Ready != nil {
		m.Ready <- addr
	}

	go refreshPolicy(bg, app)
	go app.Webhooks.Run(bg) // delivers the outbox to the configured webhooks
	go app.Consent.RunCheckpoints(bg, time.Hour)
	go func() { // finish mailings and notices a stop cut short
		if err := app.Newsletters.Resume(bg); err != nil && bg.Err() == nil {
			app.Log.Error("resume mailings", "error", err.Error())
		}
	}()
	app.Audit.CompactReads(time.Minute)
	auditDone := make(chan struct{})
	go func() { app.Audit.Run(bg); close(auditDone) }() // writes the access trail
	defer func() { stopBG(); <-auditDone }()            // the last records are written before the store closes

	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	app.Log.Info("shutting down; finishing in-flight requests")
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}

// cacheStartWait bounds how long a starting server waits for its caches to
// follow the change feed before it takes requests regardless.
const cacheStartWait = 10 * time.Second

// startCaches starts the decision and registry caches and waits, up to
// cacheStartWait, until they follow the store's change feed, so that the
// first requests are already served from them. Caches that are not yet
// following send lookups to the store, which is slower but as correct.
func startCaches(ctx, bg context.Context, app *App) {
	app.Consent.SetLogger(app.Log)
	go app.Consent.Run(bg)         // the decision cache, kept coherent by the store's change feed
	go app.People.Run(bg, app.Log) // the registry's lookup caches, likewise
	wctx, cancel := context.WithTimeout(ctx, cacheStartWait)
	defer cancel()
	err := app.Consent.WaitFollowing(wctx)
	if err == nil {
		err = app.People.WaitFollowing(wctx)
	}
	if err != nil && ctx.Err() == nil {
		app.Log.Warn("caches are not following the change feed yet; lookups read the store until they are", "error", err.Error())
	}
}

// refreshPolicy picks up policy versions that other nodes publish.
func refreshPolicy(ctx context.Context, app *App) {
	t := time.NewTicker(30 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := app.Policy.Refresh(ctx); err != nil {
				app.Log.Error("refresh policy", "error", err.Error())
			}
		}
	}
}

// serveDebug serves the Go profiler on a loopback address only: profiles
// show code paths and timings, never request data, but they are no one
// else's business.
func serveDebug(addr string, app *App) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("debug address: %w", err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("debug address must be on loopback (127.0.0.1 or ::1), got host %q", host)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("debug listen: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	app.Log.Info("profiling enabled", "addr", ln.Addr().String())
	go func() { _ = http.Serve(ln, mux) }()
	return nil
}
