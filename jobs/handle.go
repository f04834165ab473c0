package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"runtime/debug"
	"time"

	"github.com/riverqueue/river"
)

// riverKind is the only job kind River sees; Vern's kind is in the args.
const riverKind = "vern"

// args are a job's arguments as stored by River. Uniqueness covers both
// fields, so it is per (kind, key).
type args struct {
	JobKind string `json:"kind"`
	Key     string `json:"key"`
}

// Kind implements river.JobArgs.
func (args) Kind() string { return riverKind }

// Handle registers fn as the handler of kind. Register every kind before
// Start: a job fetched before its kind is registered fails and is retried.
// Handle panics on an empty kind, a nil fn, or a kind registered twice.
func (q *Queue) Handle(kind string, fn func(ctx context.Context, key string) error) {
	if kind == "" {
		panic("jobs: Handle with empty kind")
	}
	if fn == nil {
		panic("jobs: Handle " + kind + " with nil handler")
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if _, ok := q.handlers[kind]; ok {
		panic("jobs: Handle " + kind + " registered twice")
	}
	q.handlers[kind] = fn
}

func (q *Queue) handler(kind string) func(context.Context, string) error {
	q.mu.RLock()
	defer q.mu.RUnlock()
	return q.handlers[kind]
}

// Permanent marks err as not worth retrying: the job is cancelled at once
// instead of being attempted again (say, its request no longer exists).
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &permanentError{err}
}

type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// worker is the one River worker; it dispatches to the handler of the
// job's kind.
type worker struct {
	river.WorkerDefaults[args]
	q *Queue
}

// NextRetry applies Config.Backoff; the zero time means River's default.
func (w *worker) NextRetry(job *river.Job[args]) time.Time {
	if w.q.backoff == nil {
		return time.Time{}
	}
	return time.Now().Add(w.q.backoff(job.Attempt))
}

// Work runs the handler. The error River stores and logs is rewritten to
// name only the kind and the Go type of the handler's error: the original
// text may contain personal data.
func (w *worker) Work(ctx context.Context, job *river.Job[args]) error {
	log := w.q.logger.With(
		slog.String("kind", job.Args.JobKind),
		slog.String("key", job.Args.Key),
		slog.Int("attempt", job.Attempt),
		slog.Int("max_attempts", job.MaxAttempts),
		slog.Int64("job_id", job.ID),
	)
	fn := w.q.handler(job.Args.JobKind)
	if fn == nil {
		log.ErrorContext(ctx, "job has no handler")
		return fmt.Errorf("no handler for kind %q", job.Args.JobKind)
	}
	err := run(ctx, log, fn, job.Args.Key)
	if err == nil {
		return nil
	}
	kind := errorType(err)
	var perm *permanentError
	switch {
	case errors.As(err, &perm):
		log.WarnContext(ctx, "job failed permanently", slog.String("error_type", kind))
		return river.JobCancel(fmt.Errorf("%s handler failed permanently (%s)", job.Args.JobKind, kind))
	case job.Attempt >= job.MaxAttempts:
		log.ErrorContext(ctx, "job failed, giving up", slog.String("error_type", kind))
	default:
		log.WarnContext(ctx, "job failed, will retry", slog.String("error_type", kind))
	}
	return fmt.Errorf("%s handler failed (%s)", job.Args.JobKind, kind)
}

// run calls fn, turning a panic into an error before River could log its
// value. The stack is logged: it holds code locations and machine words,
// not strings.
func run(ctx context.Context, log *slog.Logger, fn func(context.Context, string) error, key string) (err error) {
	defer func() {
		r := recover()
		if r == nil {
			return
		}
		attrs := []any{slog.String("panic_type", fmt.Sprintf("%T", r)), slog.String("stack", string(debug.Stack()))}
		if re, ok := r.(runtime.Error); ok { // the runtime's own text, e.g. an index out of range
			attrs = append(attrs, slog.String("panic", re.Error()))
		}
		log.ErrorContext(ctx, "job panicked", attrs...)
		err = errPanicked
	}()
	return fn(ctx, key)
}

var errPanicked = errors.New("panic")

// errorType names the Go type of the innermost error in err's chain, which
// says more than a wrapper's type and, unlike its text, no personal data.
func errorType(err error) string {
	if errors.Is(err, errPanicked) {
		return "panic"
	}
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return fmt.Sprintf("%T", err)
		}
		err = next
	}
}

// minLevel drops River's records below a level: River logs every failed
// attempt at Info, which Work already does without the error text.
type minLevel struct {
	level slog.Level
	h     slog.Handler
}

func (m minLevel) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= m.level && m.h.Enabled(ctx, l)
}
func (m minLevel) Handle(ctx context.Context, r slog.Record) error { return m.h.Handle(ctx, r) }
func (m minLevel) WithAttrs(as []slog.Attr) slog.Handler {
	return minLevel{m.level, m.h.WithAttrs(as)}
}
func (m minLevel) WithGroup(name string) slog.Handler { return minLevel{m.level, m.h.WithGroup(name)} }
