// Package jobs runs Vern's background work on River, with the same code on
// SQLite and PostgreSQL.
//
// Work is named by a kind ("dsr.export") and a key (a request ID). Handlers
// are registered per kind with Handle; Enqueue stores a job durably, at most
// once per (kind, key) among the jobs not yet finished; Every enqueues one on
// a fixed interval. Jobs survive restarts and are shared between all Queues
// (nodes) on the same database, each job being worked by one of them.
//
// River sees a single job kind, "vern", whose arguments carry Vern's own kind
// and key; one River worker dispatches them to the registered handlers. River
// needs a Go type per kind, and this keeps the kinds a runtime registry.
//
// What a handler returns or panics with never reaches a log or the jobs
// table: it could name a person. Only the kind, key, attempt and job ID are
// logged, with the Go type of the error.
package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
)

// Engines accepted in Config.Engine.
const (
	SQLite   = "sqlite"
	Postgres = "postgres"
)

// Defaults applied by Open to zero Config fields.
const (
	DefaultWorkers      = 4
	DefaultPollInterval = 100 * time.Millisecond
	DefaultMaxAttempts  = 10
	DefaultJobTimeout   = 5 * time.Minute
)

// fetchCooldown is the shortest gap between two fetches of one Queue. With
// a backlog, a Queue fetches again as soon as a worker is free but not
// sooner than this, so it bounds throughput at Workers/fetchCooldown jobs a
// second (River's 100 ms default allows only 40 jobs/s with 4 workers).
const fetchCooldown = 2 * time.Millisecond

// Runner is the part of a Queue that services depend on, so that they can
// be tested with a real Queue on a temporary SQLite file.
type Runner interface {
	// Handle registers fn as the handler of kind. It panics on an empty or
	// already registered kind, as http.ServeMux does for patterns.
	Handle(kind string, fn func(ctx context.Context, key string) error)
	// Enqueue stores a job that calls kind's handler with key. It does
	// nothing when the same kind and key are already waiting, scheduled,
	// retrying or running. It fails when kind has no handler or the jobs
	// database does.
	Enqueue(ctx context.Context, kind, key string, opts ...EnqueueOption) error
}

var _ Runner = (*Queue)(nil)

// Config configures a Queue.
type Config struct {
	// Engine is SQLite or Postgres.
	Engine string
	// DB is the database River's tables live in. For SQLite it is a jobs
	// file of its own, opened with OpenSQLiteDB: River writes often, and in
	// the main file it would contend with Vern's single writer. For
	// PostgreSQL it is the shared pgx stdlib pool; River's tables go into
	// the connection's current schema, and River uses a few of the pool's
	// connections at once (Migrate needs two). The caller closes DB after
	// Close.
	DB *sql.DB
	// Logger receives the Queue's logs and River's warnings and errors.
	// Nil discards them.
	Logger *slog.Logger
	// Workers is how many handlers may run at once on this Queue.
	Workers int
	// PollInterval is how often the Queue looks for jobs without being told
	// of one. Inserts notify at once on PostgreSQL (LISTEN/NOTIFY when DB
	// is a pgx pool) and within 50 ms on SQLite (River polls a notification
	// table), so this is the fallback for scheduled jobs, retries and
	// missed notifications.
	PollInterval time.Duration
	// MaxAttempts is the default number of attempts before a failing job
	// is given up (discarded).
	MaxAttempts int
	// JobTimeout cancels a handler's context after this long. A job running
	// when its node dies is retried after an hour (River's stuck-job
	// rescue), or after JobTimeout plus an hour if that is longer.
	JobTimeout time.Duration
	// Backoff returns the delay before attempt+1 after attempt failed. Nil
	// uses River's attempt⁴ seconds ±10 % (1 s, 16 s, 81 s, ...: about
	// 4.3 h from the first to the tenth attempt).
	Backoff func(attempt int) time.Duration
}

// Queue runs registered handlers for jobs stored in the database.
type Queue struct {
	client   *river.Client[*sql.Tx]
	logger   *slog.Logger
	backoff  func(attempt int) time.Duration
	listener *pgxpool.Pool // nil unless PostgreSQL notifications are used

	mu       sync.RWMutex // guards handlers and periodic
	handlers map[string]func(ctx context.Context, key string) error
	periodic map[string]bool // kind+"\x00"+key of each Every

	runMu     sync.Mutex // serialises Start and Stop
	started   bool
	closeOnce sync.Once
}

// Open migrates River's tables in cfg.DB and returns a Queue that can
// Enqueue at once and works jobs after Start.
func Open(ctx context.Context, cfg Config) (*Queue, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if err := Migrate(ctx, cfg.Engine, cfg.DB, cfg.Logger); err != nil {
		return nil, err
	}
	q := &Queue{
		logger:   cfg.Logger,
		backoff:  cfg.Backoff,
		handlers: make(map[string]func(context.Context, string) error),
		periodic: make(map[string]bool),
	}
	var driver riverdriver.Driver[*sql.Tx]
	switch cfg.Engine {
	case SQLite:
		driver = riversqlite.New(cfg.DB)
	case Postgres:
		pool, ok, err := listenerPool(ctx, cfg.DB)
		if err != nil {
			return nil, err
		}
		if ok {
			q.listener = pool
			driver = riverdatabasesql.NewWithPgxListener(cfg.DB, q.listener)
		} else {
			driver = riverdatabasesql.New(cfg.DB)
		}
	}

	workers := river.NewWorkers()
	if err := river.AddWorkerSafely(workers, &worker{q: q}); err != nil {
		q.closeListener()
		return nil, fmt.Errorf("register jobs worker: %w", err)
	}
	q.client, err = river.NewClient(driver, &river.Config{
		FetchCooldown:     min(fetchCooldown, cfg.PollInterval),
		FetchPollInterval: cfg.PollInterval,
		JobTimeout:        cfg.JobTimeout,
		Logger:            slog.New(minLevel{slog.LevelWarn, cfg.Logger.Handler()}),
		MaxAttempts:       cfg.MaxAttempts,
		Queues:            map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: cfg.Workers}},
		Workers:           workers,
	})
	if err != nil {
		q.closeListener()
		return nil, fmt.Errorf("create river client: %w", err)
	}
	return q, nil
}

func (cfg Config) withDefaults() (Config, error) {
	if cfg.Engine != SQLite && cfg.Engine != Postgres {
		return cfg, fmt.Errorf("jobs engine %q: want %q or %q", cfg.Engine, SQLite, Postgres)
	}
	if cfg.DB == nil {
		return cfg, errors.New("jobs: no database")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Workers <= 0 {
		cfg.Workers = DefaultWorkers
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = DefaultPollInterval
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = DefaultMaxAttempts
	}
	if cfg.JobTimeout <= 0 {
		cfg.JobTimeout = DefaultJobTimeout
	}
	return cfg, nil
}

// Start starts working jobs in the background and returns. ctx only
// carries values: the Queue runs until Stop or Close, so that a cancelled
// ctx cannot begin a shutdown without a deadline.
func (q *Queue) Start(ctx context.Context) error {
	q.runMu.Lock()
	defer q.runMu.Unlock()
	if q.started {
		return errors.New("jobs: queue already started")
	}
	if err := q.client.Start(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("start jobs: %w", err)
	}
	q.started = true
	return nil
}

// hardStopTimeout bounds how long Stop waits for handlers to return once
// their contexts are cancelled.
const hardStopTimeout = 10 * time.Second

// Stop stops fetching jobs and waits for running handlers until ctx is
// done. It then cancels the handlers' contexts and waits up to 10 s more;
// jobs cut short this way are retried later, by this node or another. It
// returns ctx's error if handlers were still running at its deadline.
func (q *Queue) Stop(ctx context.Context) error {
	q.runMu.Lock()
	defer q.runMu.Unlock()
	if !q.started {
		return nil
	}
	q.started = false
	err := q.client.Stop(ctx)
	if err == nil {
		return nil
	}
	hardCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), hardStopTimeout)
	defer cancel()
	if herr := q.client.StopAndCancel(hardCtx); herr != nil {
		return fmt.Errorf("stop jobs: handlers still running: %w", errors.Join(err, herr))
	}
	return fmt.Errorf("stop jobs: handlers cancelled: %w", err)
}

// Close stops the Queue, cancelling running handlers at once, and releases
// its PostgreSQL listener. It does not close Config.DB.
func (q *Queue) Close() error {
	var err error
	q.closeOnce.Do(func() {
		ctx, cancel := context.WithCancel(context.Background())
		cancel() // no grace period: go straight to cancelling handlers
		if serr := q.Stop(ctx); serr != nil && !errors.Is(serr, context.Canceled) {
			err = serr
		}
		q.closeListener()
	})
	return err
}

func (q *Queue) closeListener() {
	if q.listener != nil {
		q.listener.Close()
	}
}
