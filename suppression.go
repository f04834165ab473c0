package vern

import (
	"context"
	"time"
)

// Suppression reasons.
const (
	SuppressErasure     = "erasure"
	SuppressObjection   = "objection"
	SuppressUnsubscribe = "unsubscribe"
)

// Suppression keeps someone out of marketing for good: an entry holds the
// keyed hash of a normalised email (the same keyed hash as a person's email
// index), never the email, so it survives the person's erasure and reveals
// no one (GDPR Art. 21(3), S10).
type Suppression struct {
	Hash   []byte
	Reason string
	At     time.Time
}

// SuppressionStore persists the suppression list.
type SuppressionStore interface {
	// AddSuppression stores s; adding a hash that is already listed keeps
	// the first entry and is not an error.
	AddSuppression(ctx context.Context, s *Suppression) error
	// FindSuppressed returns which of hashes are listed, keyed by
	// string(hash).
	FindSuppressed(ctx context.Context, hashes [][]byte) (map[string]bool, error)
	// CountSuppressions returns how many hashes are listed.
	CountSuppressions(ctx context.Context) (int, error)
}
