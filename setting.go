package vern

import "context"

// SettingStore persists installation-wide settings that every node must
// agree on, such as the fingerprint of the master key.
type SettingStore interface {
	// EnsureSetting stores value under name unless a value is already
	// stored, and returns the stored value either way.
	EnsureSetting(ctx context.Context, name, value string) (string, error)
}
