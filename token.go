package vern

import (
	"context"
	"time"
)

// Token scopes.
const (
	ScopeAdmin = "admin"
)

// Token is an API token. Only a hash of the secret is ever stored.
type Token struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Hash      []byte    `json:"-"`
	Scopes    []string  `json:"scopes"`
	CreatedAt time.Time `json:"created_at"`
}

// HasScope reports whether t grants scope; admin grants everything.
func (t *Token) HasScope(scope string) bool {
	for _, s := range t.Scopes {
		if s == scope || s == ScopeAdmin {
			return true
		}
	}
	return false
}

// TokenStore persists API tokens.
type TokenStore interface {
	// CreateToken inserts t. Returns ECONFLICT when the hash exists.
	CreateToken(ctx context.Context, t *Token) error
	// FindTokenByHash returns ENOTFOUND when no token has that hash.
	FindTokenByHash(ctx context.Context, hash []byte) (*Token, error)
	// CountTokens returns how many tokens exist.
	CountTokens(ctx context.Context) (int, error)
}
