package main

import (
	"context"
	"database/sql"
	"fmt"
	netmail "net/mail"
	"path/filepath"
	"strings"
	"time"

	"github.com/vernhq/vern/jobs"
	"github.com/vernhq/vern/mail"
	"github.com/vernhq/vern/request"
	"github.com/vernhq/vern/retention"
)

// Job kinds.
const (
	jobProcessRequest = "request.process"
	jobRemind         = "request.remind"
	jobResume         = "request.resume"
	jobRetention      = "retention.sweep"
)

// sqlDB is a store that exposes its database handle.
type sqlDB interface{ SQL() *sql.DB }

// startJobs opens the job queue (River) beside the store, registers the
// request jobs and starts working them. On SQLite the queue has a file of
// its own in the data folder; on PostgreSQL it shares the database, so
// every node works every node's jobs.
func startJobs(ctx, bg context.Context, cfg Config, app *App) (*jobs.Queue, error) {
	kind, _, err := cfg.backend()
	if err != nil {
		return nil, err
	}
	var db *sql.DB
	engine := jobs.SQLite
	if kind == "postgres" {
		engine = jobs.Postgres
		sd, ok := app.Store.(sqlDB)
		if !ok {
			return nil, fmt.Errorf("jobs: the store exposes no database handle")
		}
		db = sd.SQL()
	} else {
		if db, err = jobs.OpenSQLiteDB(filepath.Join(cfg.Data, "jobs.db")); err != nil {
			return nil, err
		}
		prev := app.close
		app.close = func() error { db.Close(); return prev() }
	}
	q, err := jobs.Open(ctx, jobs.Config{Engine: engine, DB: db, Logger: app.Log.With("component", "jobs")})
	if err != nil {
		return nil, err
	}
	q.Handle(jobProcessRequest, app.Requests.Process)
	q.Handle(jobRemind, func(ctx context.Context, _ string) error {
		_, err := app.Requests.Remind(ctx)
		return err
	})
	q.Handle(jobResume, func(ctx context.Context, _ string) error {
		_, err := app.Requests.Resume(ctx)
		return err
	})
	q.Handle(jobRetention, func(ctx context.Context, _ string) error {
		_, err := app.Retention.Run(ctx, retention.Options{})
		return err
	})
	q.Every(jobRemind, time.Hour, "staff")
	q.Every(jobRetention, 24*time.Hour, "daily")
	q.Every(jobResume, 15*time.Minute, "all")
	app.Requests.SetDispatch(func(ctx context.Context, id string) error { return q.Enqueue(ctx, jobProcessRequest, id) })
	if err := q.Start(bg); err != nil {
		q.Close()
		return nil, err
	}
	// Requests verified while no node ran, or whose job was lost, go on now.
	if _, err := app.Requests.Resume(ctx); err != nil {
		app.Log.Error("resume requests", "error", err.Error())
	}
	return q, nil
}

// startMailer delivers the mail outbox over SMTP when a server is
// configured; without one, mail waits in the outbox. A DKIM configuration
// is checked and its key loaded even then, so a mistake shows at startup.
func startMailer(bg context.Context, cfg Config, app *App) error {
	dkim, err := cfg.loadDKIM()
	if err != nil {
		return err
	}
	if cfg.SMTPURL == "" {
		app.Log.Warn("no SMTP server configured (VERN_SMTP_URL): emails wait in the outbox until one is")
		return nil
	}
	from := cfg.MailFrom
	if from == "" {
		pol, _ := app.Policy.Current()
		from = pol.Controller.Name + " <" + pol.PrivacyEmail() + ">"
	}
	sender, err := mail.NewSMTP(cfg.SMTPURL, from)
	if err != nil {
		return fmt.Errorf("smtp: %w", err)
	}
	if dkim != nil {
		sender.DKIM = dkim
		fromDomain := senderDomain(from)
		app.Log.Info("mail is DKIM-signed", "dkim_domain", dkim.Domain())
		if !aligned(fromDomain, dkim.Domain()) {
			app.Log.Warn("DKIM domain does not align with the sender's domain, so DMARC will not count the signature",
				"dkim_domain", dkim.Domain(), "sender_domain", fromDomain)
		}
	}
	m := request.NewMailer(app.Store, app.Keys, sender, app.Clock, app.Log.With("component", "mail"))
	m.SetSuppressionIndex(app.People.EmailIndex)
	m.SetBatch(cfg.MailBatch)
	m.SetRate(cfg.MailRate)
	go m.Run(bg)
	return nil
}

// senderDomain returns the domain of the address in from, in lower case.
func senderDomain(from string) string {
	a, err := netmail.ParseAddress(from)
	if err != nil {
		return ""
	}
	return strings.ToLower(a.Address[strings.LastIndex(a.Address, "@")+1:])
}

// aligned approximates DMARC's relaxed alignment (RFC 7489 section 3.1.1)
// without the public suffix list: the DKIM domain is the sender's domain,
// or one is a subdomain of the other.
func aligned(fromDomain, dkimDomain string) bool {
	return fromDomain == dkimDomain || strings.HasSuffix(fromDomain, "."+dkimDomain) ||
		strings.HasSuffix(dkimDomain, "."+fromDomain)
}
