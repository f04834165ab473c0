package jobs

import (
	"context"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// EnqueueOption changes how Enqueue stores a job.
type EnqueueOption func(*enqueueOptions)

type enqueueOptions struct {
	at          time.Time
	maxAttempts int
}

// At schedules the job to run at t rather than now. It does not run
// earlier, and usually runs within PollInterval after t, but up to 5 s
// later: River's leader moves due jobs to the ready list every 5 s (with 5 s
// of look-ahead), and a job scheduled between two passes waits for the next.
func At(t time.Time) EnqueueOption {
	// The SQLite driver keeps times to the millisecond; rounding up keeps
	// the job from becoming due a fraction of one early.
	if r := t.Truncate(time.Millisecond); r.Before(t) {
		t = r.Add(time.Millisecond)
	}
	return func(o *enqueueOptions) { o.at = t }
}

// MaxAttempts overrides Config.MaxAttempts for one job.
func MaxAttempts(n int) EnqueueOption {
	return func(o *enqueueOptions) { o.maxAttempts = n }
}

// pendingStates are the states in which a job blocks another with the same
// kind and key. A finished job (completed, cancelled or discarded) does not,
// so work can be asked for again once the last run is over. A running job
// does (River requires it), until River records its completion a few
// milliseconds after the handler returns: a change made meanwhile must be
// picked up by the handler itself or by a periodic reconciliation.
func pendingStates() []rivertype.JobState {
	return []rivertype.JobState{
		rivertype.JobStateAvailable,
		rivertype.JobStatePending,
		rivertype.JobStateRetryable,
		rivertype.JobStateRunning,
		rivertype.JobStateScheduled,
	}
}

// Enqueue stores a job for kind's handler with key, to run once a worker
// on any node is free, or at the time given with At. It returns nil
// without storing anything when a job with the same kind and key has not
// finished yet, so enqueueing twice runs the work once.
//
// The job is durable once Enqueue returns. It is not part of any
// transaction of Vern's store, so a caller that changes state and then
// enqueues should also have a periodic job that finds work left behind by
// a crash between the two.
func (q *Queue) Enqueue(ctx context.Context, kind, key string, opts ...EnqueueOption) error {
	if q.handler(kind) == nil {
		return fmt.Errorf("enqueue %s: no handler registered for kind", kind)
	}
	var o enqueueOptions
	for _, opt := range opts {
		opt(&o)
	}
	if _, err := q.client.Insert(ctx, args{JobKind: kind, Key: key}, insertOpts(o)); err != nil {
		return fmt.Errorf("enqueue %s: %w", kind, err)
	}
	return nil
}

func insertOpts(o enqueueOptions) *river.InsertOpts {
	return &river.InsertOpts{
		MaxAttempts: o.maxAttempts,
		ScheduledAt: o.at,
		UniqueOpts:  river.UniqueOpts{ByArgs: true, ByState: pendingStates()},
	}
}

// Every enqueues (kind, key) every interval, for reminders and
// reconciliation. Only one node, River's elected leader, enqueues, and
// the usual uniqueness applies, so a slow run is not stacked up.
//
// The schedule lives in memory: the leader enqueues once when it starts or
// is elected, then every interval, so a frequently restarted node still
// runs daily work. Call Every before Start; it panics on an interval under
// a second, an unregistered kind, or the same (kind, key) twice.
func (q *Queue) Every(kind string, interval time.Duration, key string) {
	if interval < time.Second {
		panic(fmt.Sprintf("jobs: Every %s with interval %s under 1s", kind, interval))
	}
	if q.handler(kind) == nil {
		panic("jobs: Every " + kind + " before Handle")
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	id := kind + "\x00" + key
	if q.periodic[id] {
		panic("jobs: Every " + kind + " registered twice for one key")
	}
	q.periodic[id] = true
	q.client.PeriodicJobs().Add(river.NewPeriodicJob(
		river.PeriodicInterval(interval),
		func() (river.JobArgs, *river.InsertOpts) {
			return args{JobKind: kind, Key: key}, insertOpts(enqueueOptions{})
		},
		&river.PeriodicJobOpts{RunOnStart: true},
	))
}
