package vern

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"hash"
	"strconv"
	"time"
)

// LedgerCheckpoint seals the state of every consent chain at one moment:
// Root is a hash over each person's newest event as of At. The per-person
// chains catch an edited or reordered event; a checkpoint also catches a
// chain that was deleted whole or cut short, which a chain alone cannot
// show. Checkpoints are chained to each other like events.
type LedgerCheckpoint struct {
	Seq      int64     `json:"seq"`
	At       time.Time `json:"at"`
	Chains   int       `json:"chains"`
	Events   int64     `json:"events"`
	Root     []byte    `json:"root"`
	PrevHash []byte    `json:"prev_hash"`
	Hash     []byte    `json:"hash"`
}

// ComputeHash returns the checkpoint's own hash over all its fields and
// the previous checkpoint's hash.
func (c *LedgerCheckpoint) ComputeHash() []byte {
	return chainHash("vern-ledger-checkpoint-v1", c.PrevHash, strconv.FormatInt(c.Seq, 10), c.At.UTC().Format(time.RFC3339Nano),
		strconv.Itoa(c.Chains), strconv.FormatInt(c.Events, 10), string(c.Root))
}

func (c *LedgerCheckpoint) links() (int64, []byte, []byte) { return c.Seq, c.PrevHash, c.Hash }

// VerifyCheckpoints checks the chain of checkpoints, oldest first, and
// returns the index of the first broken one, or -1.
func VerifyCheckpoints(cps []*LedgerCheckpoint) int { return verifyChain(cps) }

// RootHasher accumulates chain heads, in person-id order, into a root.
type RootHasher struct {
	h      hash.Hash
	Chains int
	Events int64
}

// NewRootHasher returns an empty root.
func NewRootHasher() *RootHasher { return &RootHasher{h: sha256.New()} }

// AddChain adds a person's chain as it stood at the moment at: its newest
// event (by Seq) whose time is not after at. A chain with no event by then
// is left out. Seal and verification use this one rule.
func (r *RootHasher) AddChain(events []*ConsentEvent, at time.Time) {
	var head *ConsentEvent
	n := 0
	for _, e := range events {
		if !e.At.After(at) {
			head = e
			n++
		}
	}
	if head != nil {
		r.Add(head, n)
	}
}

// Add records one person's chain: its newest event as of the checkpoint
// and how many events it had then.
func (r *RootHasher) Add(head *ConsentEvent, events int) {
	var n [8]byte
	for _, b := range [][]byte{[]byte(head.PersonID), []byte(strconv.FormatInt(head.Seq, 10)), head.Hash} {
		binary.BigEndian.PutUint64(n[:], uint64(len(b)))
		r.h.Write(n[:])
		r.h.Write(b)
	}
	r.Chains++
	r.Events += int64(events)
}

// Sum returns the root.
func (r *RootHasher) Sum() []byte { return r.h.Sum(nil) }

// CheckpointStore persists ledger checkpoints.
type CheckpointStore interface {
	// CreateLedgerCheckpoint stores c. Returns ECONFLICT when c.Seq exists.
	CreateLedgerCheckpoint(ctx context.Context, c *LedgerCheckpoint) error
	// FindLedgerCheckpoints returns every checkpoint, oldest first.
	FindLedgerCheckpoints(ctx context.Context) ([]*LedgerCheckpoint, error)
	// LockLedger, inside InTx, orders appends against checkpoints: every
	// append holds the lock shared until it commits, and a checkpoint takes
	// it exclusively, which waits for the appends in flight. A backend
	// whose transactions are already serialised may do nothing.
	LockLedger(ctx context.Context, exclusive bool) error
}
