package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/vernhq/vern"
)

// CreateToken inserts t.
func (s *store) CreateToken(ctx context.Context, t *vern.Token) error {
	_, err := s.q.ExecContext(ctx, `INSERT INTO api_tokens (id, name, hash, scopes, created_at) VALUES ($1, $2, $3, $4, $5)`,
		t.ID, t.Name, t.Hash, strings.Join(t.Scopes, " "), t.CreatedAt.UTC())
	if err != nil {
		return fmt.Errorf("insert token: %w", translateErr(err))
	}
	return nil
}

// FindTokenByHash returns the token whose secret hashes to hash.
func (s *store) FindTokenByHash(ctx context.Context, hash []byte) (*vern.Token, error) {
	var t vern.Token
	var scopes string
	var created time.Time
	err := s.q.QueryRowContext(ctx, `SELECT id, name, hash, scopes, created_at FROM api_tokens WHERE hash = $1`, hash).
		Scan(&t.ID, &t.Name, &t.Hash, &scopes, &created)
	if err != nil {
		return nil, fmt.Errorf("find token: %w", translateErr(err))
	}
	t.Scopes = strings.Fields(scopes)
	t.CreatedAt = created.UTC()
	return &t, nil
}

// CountTokens returns the number of tokens.
func (s *store) CountTokens(ctx context.Context) (int, error) {
	var n int
	if err := s.q.QueryRowContext(ctx, `SELECT count(*) FROM api_tokens`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count tokens: %w", translateErr(err))
	}
	return n, nil
}
