package postgres

import (
	"context"
	"fmt"
)

// EnsureSetting stores value under name unless one is stored, and returns the stored value.
func (s *store) EnsureSetting(ctx context.Context, name, value string) (string, error) {
	if _, err := s.q.ExecContext(ctx, `INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`, name, value); err != nil {
		return "", fmt.Errorf("insert setting: %w", translateErr(err))
	}
	var stored string
	if err := s.q.QueryRowContext(ctx, `SELECT value FROM settings WHERE name = $1`, name).Scan(&stored); err != nil {
		return "", fmt.Errorf("find setting: %w", translateErr(err))
	}
	return stored, nil
}
