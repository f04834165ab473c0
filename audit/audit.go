// Package audit keeps the trail of access to personal data: every read and
// write through the API or the CLI is recorded (who, what, when, which
// person) without copying the data itself into the trail (issue 3, item 5).
//
// Records are buffered in memory and written in batches, hash-chained per
// person. A record is durable within about flushEvery (100 ms) of the
// access, NOT before the response that served it: writing one audit row per
// read, synchronously, would halve read throughput. Flush forces the
// pending records out, for tests and shutdown.
package audit

import (
	"cmp"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vernhq/vern"
)

const (
	// flushEvery is how long a record may wait in memory.
	flushEvery = 100 * time.Millisecond
	// flushAt is how many pending records start a flush before flushEvery.
	flushAt = 1000
	// maxBatch bounds the records of one transaction; a backlog left by a
	// database outage is written as several.
	maxBatch = 5000
	// maxPending bounds the memory held while the database is unavailable;
	// beyond it the oldest records are dropped and counted.
	maxPending = 100_000
	// maxAppendTries bounds retries when another node appends to one of
	// the batch's chains at the same moment (ECONFLICT).
	maxAppendTries = 8
	// shutdownTimeout bounds the final flush once Run's context ends.
	shutdownTimeout = 5 * time.Second
)

// Store is what the recorder needs from a vern.Store. Inside InTx the
// transaction's Store is asserted to vern.AuditStore (see auditStore), so
// that this works whether or not vern.Store embeds vern.AuditStore.
type Store interface {
	vern.AuditStore
	InTx(ctx context.Context, fn func(vern.Store) error) error
}

// Access is one access to a person's data, as the caller reports it.
type Access struct {
	PersonID string
	// Actor is "token:<id>", "public:<channel>" or "system:<job>".
	Actor string
	// Action is one of the vern.Access* constants.
	Action string
	// Operation is the API operation id ("get-person") or CLI command.
	Operation string
	RequestID string
	// Fields names the fields read or changed: names, never values.
	Fields []string
}

// Recorder buffers accesses and writes them to the trail in batches. Its
// methods are safe for concurrent use; several nodes may each run one
// against the same database.
type Recorder struct {
	store Store
	clock vern.Clock
	log   *slog.Logger

	mu      sync.Mutex
	pending []*vern.AccessRecord // oldest first

	flushMu sync.Mutex    // one flush at a time, so a chain is sealed by one writer per node
	kick    chan struct{} // buffered 1: flushAt reached
	dropped atomic.Int64

	// heads remembers the last record this node wrote per person (guarded
	// by flushMu), so a flush reads from the store only the chains it has
	// not written before. If another node wrote since, the append clashes
	// on (person_id, seq) and those heads are read again. Only what the
	// next record links to is kept, and without pointers, so that a million
	// remembered chains cost the garbage collector little.
	heads map[string]head

	compact  time.Duration // 0: every read is recorded
	recentMu sync.Mutex
	recent   map[readKey]int64 // when each read was last recorded (Unix ns)
}

// CompactReads stops recording a read identical to one recorded for the
// same person, by the same actor, through the same operation and fields,
// less than window ago. Such a record adds nothing a reader of the trail
// needs (it shows who saw what, to within window), while a client polling
// one person, or a send loop asking about the same people again and again,
// would otherwise double the database's write load. Writes (create,
// update, erase, export) are always recorded. Call before recording starts.
func (r *Recorder) CompactReads(window time.Duration) { r.compact = window }

// head is what the next record of a chain links to.
type head struct {
	seq  int64
	hash [sha256.Size]byte
}

// record returns the head as the record Seal links to.
func (h head) record() *vern.AccessRecord {
	return &vern.AccessRecord{Seq: h.seq, Hash: h.hash[:]}
}

// maxHeads bounds the remembered chain heads; past it they start over.
const maxHeads = 1 << 20

// maxRecent bounds the reads remembered for compaction.
const maxRecent = 1 << 20

// readKey is what makes two reads the same for compaction.
type readKey struct{ person, actor, operation, fields string }

// fieldList returns fields as recorded (a value that is not a field name
// becomes "invalid_field") and joined, and whether any was invalid.
func fieldList(fields []string) (list []string, joined string, invalid bool) {
	if len(fields) == 0 {
		return nil, "", false
	}
	list = make([]string, len(fields))
	for i, f := range fields {
		list[i] = f
		if !vern.ValidAccessField(f) {
			list[i] = "invalid_field"
			invalid = true
		}
	}
	return list, strings.Join(list, ","), invalid
}

// RecordMany notes one access to many people at once (a bulk decision),
// taking each lock once for the whole list; with CompactReads, people read
// the same way within the window are skipped.
func (r *Recorder) RecordMany(a Access, personIDs []string) {
	at := r.clock.Now().Truncate(time.Microsecond)
	fields, fieldKey, _ := fieldList(a.Fields)
	if a.Actor == "" || a.Operation == "" || !vern.ValidAccessAction(a.Action) {
		r.dropped.Add(int64(len(personIDs)))
		r.log.Error("audit: bulk access not recorded", "operation", a.Operation, "people", len(personIDs))
		return
	}
	recs := make([]*vern.AccessRecord, 0, len(personIDs))
	r.recentMu.Lock()
	for _, id := range personIDs {
		if id == "" {
			continue
		}
		if a.Action == vern.AccessRead && r.compact > 0 && r.seenLocked(readKey{id, a.Actor, a.Operation, fieldKey}, at) {
			continue
		}
		recs = append(recs, &vern.AccessRecord{
			ID: vern.NewID("acc", at), PersonID: id, Actor: a.Actor, Action: a.Action,
			Operation: a.Operation, RequestID: a.RequestID, Fields: fields, At: at,
		})
	}
	r.recentMu.Unlock()
	if len(recs) == 0 {
		return
	}
	r.mu.Lock()
	r.pending = append(r.pending, recs...)
	r.trimLocked()
	n := len(r.pending)
	r.mu.Unlock()
	if n >= flushAt {
		select {
		case r.kick <- struct{}{}:
		default:
		}
	}
}

// seenLocked reports whether the same read was recorded less than the
// compaction window before at, and remembers this one otherwise. The
// caller holds recentMu.
func (r *Recorder) seenLocked(key readKey, at time.Time) bool {
	now := at.UnixNano()
	if last, ok := r.recent[key]; ok && now-last < int64(r.compact) {
		return true
	}
	if r.recent == nil || len(r.recent) >= maxRecent {
		r.recent = make(map[readKey]int64)
	}
	r.recent[key] = now
	return false
}

// New returns a recorder on store. Call Run to write in the background.
func New(store Store, clock vern.Clock, log *slog.Logger) *Recorder {
	return &Recorder{store: store, clock: clock, log: log, kick: make(chan struct{}, 1)}
}

// Record notes an access without waiting for the database: it stamps the
// time now and queues the record, to be written by Run (within ~100 ms) or
// Flush. An access that cannot be recorded (no person, unknown action) is
// logged and counted in Dropped; a field that is not a field name (say, an
// email address passed by mistake) is recorded as "invalid_field", so the
// access still shows and the value never reaches the trail.
func (r *Recorder) Record(a Access) {
	at := r.clock.Now().Truncate(time.Microsecond) // PostgreSQL keeps microseconds; the hash covers the time
	fields, fieldKey, badField := fieldList(a.Fields)
	if a.Action == vern.AccessRead && r.compact > 0 {
		r.recentMu.Lock()
		seen := r.seenLocked(readKey{a.PersonID, a.Actor, a.Operation, fieldKey}, at)
		r.recentMu.Unlock()
		if seen {
			return
		}
	}
	rec := &vern.AccessRecord{
		ID: vern.NewID("acc", at), PersonID: a.PersonID, Actor: a.Actor, Action: a.Action,
		Operation: a.Operation, RequestID: a.RequestID, Fields: fields, At: at,
	}
	if badField {
		r.log.Warn("audit: a field that is not a field name was not recorded", "operation", a.Operation, "access_id", rec.ID)
	}
	if err := rec.Validate(); err != nil {
		r.dropped.Add(1)
		// The codes name what is missing; no value the caller sent is logged.
		r.log.Error("audit: access not recorded", "operation", a.Operation, "access_id", rec.ID, "problems", problemFields(err))
		return
	}
	r.mu.Lock()
	r.pending = append(r.pending, rec)
	r.trimLocked()
	n := len(r.pending)
	r.mu.Unlock()
	if n >= flushAt {
		select {
		case r.kick <- struct{}{}:
		default:
		}
	}
}

// trimLocked drops the oldest pending records beyond maxPending.
func (r *Recorder) trimLocked() {
	if excess := len(r.pending) - maxPending; excess > 0 {
		clear(r.pending[:excess]) // let the dropped records be collected
		r.pending = r.pending[excess:]
		r.dropped.Add(int64(excess))
	}
}

// Dropped returns how many accesses were never recorded: refused as
// invalid, or dropped because more than 100,000 were waiting while the
// database was unavailable.
func (r *Recorder) Dropped() int64 { return r.dropped.Load() }

// Pending returns how many records wait to be written.
func (r *Recorder) Pending() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.pending)
}

// Run writes pending records every 100 ms, or as soon as 1,000 wait, until
// ctx ends; then it flushes once more (for at most five seconds) and
// returns. Write errors are logged with counts only, and the records are
// kept for the next attempt.
func (r *Recorder) Run(ctx context.Context) {
	t := time.NewTicker(flushEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownTimeout)
			defer cancel()
			if err := r.Flush(fctx); err != nil {
				r.log.Error("audit: final flush", "pending", r.Pending(), "err", err)
			}
			return
		case <-t.C:
		case <-r.kick:
		}
		if err := r.Flush(ctx); err != nil && ctx.Err() == nil {
			r.log.Error("audit: flush", "pending", r.Pending(), "err", err)
		}
	}
}

// Flush writes every record pending when it is called, and returns once
// they are durable. On failure the unwritten records stay pending, oldest
// first, for the next flush.
func (r *Recorder) Flush(ctx context.Context) error {
	r.flushMu.Lock()
	defer r.flushMu.Unlock()
	r.mu.Lock()
	batch := r.pending
	r.pending = nil
	r.mu.Unlock()
	for len(batch) > 0 {
		chunk := batch[:min(len(batch), maxBatch)]
		if err := r.write(ctx, chunk); err != nil {
			r.putBack(batch)
			return fmt.Errorf("write %d access records: %w", len(chunk), err)
		}
		batch = batch[len(chunk):]
	}
	return nil
}

// putBack returns unwritten records to the front of the queue, ahead of
// those recorded during the failed flush.
func (r *Recorder) putBack(batch []*vern.AccessRecord) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.pending = append(slices.Clip(batch), r.pending...)
	r.trimLocked()
}

// write appends recs, in order per person, in one transaction: it reads
// every person's last record, seals the new ones after it and appends the
// lot. Another node appending to one of the chains first makes the append
// fail with ECONFLICT, and the whole batch is sealed again on top of it.
func (r *Recorder) write(ctx context.Context, recs []*vern.AccessRecord) error {
	// Stable sort by person keeps each person's records in recorded order,
	// and makes concurrent batches on PostgreSQL take the (person_id, seq)
	// index entries in one order, so they conflict instead of deadlocking.
	sorted := slices.SortedStableFunc(slices.Values(recs), func(a, b *vern.AccessRecord) int {
		return cmp.Compare(a.PersonID, b.PersonID)
	})
	var people []string
	for i, a := range sorted {
		if i == 0 || a.PersonID != sorted[i-1].PersonID {
			people = append(people, a.PersonID)
		}
	}
	var err error
	for try := range maxAppendTries {
		if try > 0 {
			// A random pause, doubling per try, lets the winning node's
			// next batch commit instead of clashing with it again.
			if err := sleep(ctx, time.Duration(rand.Int64N(int64(time.Millisecond)<<try))); err != nil {
				return err
			}
		}
		err = r.store.InTx(ctx, func(tx vern.Store) error {
			as, err := auditStore(tx)
			if err != nil {
				return err
			}
			last := make(map[string]*vern.AccessRecord, len(people))
			var unknown []string
			for _, p := range people {
				if h, ok := r.heads[p]; ok && try == 0 {
					last[p] = h.record()
				} else {
					unknown = append(unknown, p)
				}
			}
			if len(unknown) > 0 {
				stored, err := as.FindLastAccessRecords(ctx, unknown)
				if err != nil {
					return err
				}
				for p, h := range stored {
					last[p] = h
				}
			}
			// Sealing afresh on every run: fn may run twice.
			for _, a := range sorted {
				prev := last[a.PersonID] // nil for a person's first record
				a.Seal(prev)
				last[a.PersonID] = a
			}
			return as.AppendAccessRecords(ctx, sorted)
		})
		if vern.ErrorCode(err) != vern.ECONFLICT {
			break
		}
	}
	if err == nil {
		if r.heads == nil || len(r.heads) >= maxHeads {
			r.heads = make(map[string]head)
		}
		for _, a := range sorted { // in order, so each person's newest wins
			h := head{seq: a.Seq}
			copy(h.hash[:], a.Hash)
			r.heads[a.PersonID] = h
		}
	} else {
		for _, p := range people {
			delete(r.heads, p)
		}
	}
	return err
}

// sleep waits for d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// auditStore returns the audit side of a transaction's Store.
func auditStore(s vern.Store) (vern.AuditStore, error) {
	as, ok := any(s).(vern.AuditStore)
	if !ok {
		return nil, fmt.Errorf("store %T keeps no access trail", s)
	}
	return as, nil
}

// Trail returns a person's access records, oldest first. Records of the
// last ~100 ms may still be pending and are not included.
func (r *Recorder) Trail(ctx context.Context, personID string) ([]*vern.AccessRecord, error) {
	recs, err := r.store.FindAccessRecords(ctx, personID)
	if err != nil {
		return nil, fmt.Errorf("find access trail: %w", err)
	}
	return recs, nil
}

// Verify walks every person's trail and returns how many records it
// checked and the id of the first record that does not follow from the one
// before it (an edited, removed or reordered record), or "" when every
// trail is intact.
func (r *Recorder) Verify(ctx context.Context) (checked int, firstBad string, err error) {
	err = r.store.EachAccessChain(ctx, func(personID string, recs []*vern.AccessRecord) error {
		if i := vern.VerifyAccessChain(recs); i >= 0 {
			checked += i + 1
			firstBad = recs[i].ID
			return errStop
		}
		checked += len(recs)
		return nil
	})
	if err != nil && !errors.Is(err, errStop) {
		return checked, "", fmt.Errorf("verify access trail: %w", err)
	}
	return checked, firstBad, nil
}

var errStop = errors.New("stop")

// problemFields lists the invalid inputs' names and codes, never values.
func problemFields(err error) []string {
	var out []string
	for _, f := range vern.ErrorFields(err) {
		out = append(out, f.Field+":"+f.Code)
	}
	return out
}
