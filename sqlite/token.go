package sqlite

import (
	"context"
	"fmt"
	"strings"

	"github.com/vernhq/vern"
)

// CreateToken inserts t.
func (s *store) CreateToken(ctx context.Context, t *vern.Token) error {
	_, err := s.exec(ctx, `INSERT INTO api_tokens (id, name, hash, scopes, created_at) VALUES (?, ?, ?, ?, ?)`,
		t.ID, t.Name, t.Hash, strings.Join(t.Scopes, " "), formatTime(t.CreatedAt))
	if err != nil {
		return fmt.Errorf("insert token: %w", translateErr(err))
	}
	return nil
}

// FindTokenByHash returns the token whose secret hashes to hash.
func (s *store) FindTokenByHash(ctx context.Context, hash []byte) (*vern.Token, error) {
	var t vern.Token
	var scopes, created string
	err := s.readRow(ctx, `SELECT id, name, hash, scopes, created_at FROM api_tokens WHERE hash = ?`, hash).
		Scan(&t.ID, &t.Name, &t.Hash, &scopes, &created)
	if err != nil {
		return nil, fmt.Errorf("find token: %w", translateErr(err))
	}
	t.Scopes = strings.Fields(scopes)
	if t.CreatedAt, err = parseTime(created); err != nil {
		return nil, err
	}
	return &t, nil
}

// CountTokens returns the number of tokens.
func (s *store) CountTokens(ctx context.Context) (int, error) {
	var n int
	if err := s.readRow(ctx, `SELECT count(*) FROM api_tokens`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count tokens: %w", translateErr(err))
	}
	return n, nil
}
