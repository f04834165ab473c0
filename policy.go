package vern

import (
	"context"
	"time"
)

// PolicyVersion is one published version of the policy file (S13). Versions
// are never changed or deleted, so any earlier notice can be shown again.
type PolicyVersion struct {
	Seq         int       `json:"seq"`
	Version     string    `json:"version"`
	Hash        string    `json:"hash"`
	PublishedAt time.Time `json:"published_at"`
	RecordedAt  time.Time `json:"recorded_at"`
	Source      []byte    `json:"-"`
}

// PolicyStore persists policy versions.
type PolicyStore interface {
	// CreatePolicyVersion stores v and assigns its Seq.
	// Returns ECONFLICT when the version label already exists.
	CreatePolicyVersion(ctx context.Context, v *PolicyVersion) error
	// FindPolicyVersions lists every version, newest first, without Source.
	FindPolicyVersions(ctx context.Context) ([]*PolicyVersion, error)
	// FindPolicyVersion returns one version with its Source, ENOTFOUND if absent.
	FindPolicyVersion(ctx context.Context, version string) (*PolicyVersion, error)
	// FindLatestPolicyVersion returns the newest version, ENOTFOUND if none.
	FindLatestPolicyVersion(ctx context.Context) (*PolicyVersion, error)
}
