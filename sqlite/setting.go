package sqlite

import (
	"context"
	"fmt"
)

// EnsureSetting stores value under name unless one is stored, and returns the stored value.
func (s *store) EnsureSetting(ctx context.Context, name, value string) (string, error) {
	if _, err := s.exec(ctx, `INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING`, name, value); err != nil {
		return "", fmt.Errorf("insert setting: %w", translateErr(err))
	}
	var stored string
	if err := s.writeRow(ctx, `SELECT value FROM settings WHERE name = ?`, name).Scan(&stored); err != nil {
		return "", fmt.Errorf("find setting: %w", translateErr(err))
	}
	return stored, nil
}
