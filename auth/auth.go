// Package auth issues and checks API tokens. Only a SHA-256 hash of each
// token is stored: tokens are 256-bit random secrets, so a plain hash is
// enough and lets every check be one indexed lookup.
package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/vernhq/vern"
)

// tokenPrefix makes Vern tokens recognisable to secret scanners.
const tokenPrefix = "vern_"

// cacheTTL bounds how long a checked token is trusted without asking the
// store again; it keeps the hot path free of a query per request.
const cacheTTL = 30 * time.Second

// Service issues and authenticates tokens.
type Service struct {
	store vern.Store
	clock vern.Clock

	mu    sync.RWMutex
	cache map[[32]byte]cached
}

type cached struct {
	token   *vern.Token
	expires time.Time
}

// New returns a token service.
func New(store vern.Store, clock vern.Clock) *Service {
	return &Service{store: store, clock: clock, cache: map[[32]byte]cached{}}
}

// Create issues a token with the given scopes and returns its secret, which
// is shown once and never stored.
func (s *Service) Create(ctx context.Context, name string, scopes []string) (string, *vern.Token, error) {
	secret, t, err := s.newToken(name, scopes)
	if err != nil {
		return "", nil, err
	}
	if err := s.store.CreateToken(ctx, t); err != nil {
		return "", nil, fmt.Errorf("create token: %w", err)
	}
	return secret, t, nil
}

func (s *Service) newToken(name string, scopes []string) (string, *vern.Token, error) {
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", nil, fmt.Errorf("generate token: %w", err)
	}
	secret := tokenPrefix + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(raw[:]))
	sum := sha256.Sum256([]byte(secret))
	now := s.clock.Now()
	return secret, &vern.Token{ID: vern.NewID("tok", now), Name: name, Hash: sum[:], Scopes: scopes, CreatedAt: now}, nil
}

// Authenticate returns the token whose secret is given.
// Returns EUNAUTHORIZED for an empty, malformed or unknown secret.
func (s *Service) Authenticate(ctx context.Context, secret string) (*vern.Token, error) {
	if !strings.HasPrefix(secret, tokenPrefix) || len(secret) > 200 {
		return nil, vern.Errorf(vern.EUNAUTHORIZED, "A valid API token is required.")
	}
	sum := sha256.Sum256([]byte(secret))
	now := s.clock.Now()
	s.mu.RLock()
	c, ok := s.cache[sum]
	s.mu.RUnlock()
	if ok && now.Before(c.expires) {
		return c.token, nil
	}
	t, err := s.store.FindTokenByHash(ctx, sum[:])
	if vern.ErrorCode(err) == vern.ENOTFOUND {
		return nil, vern.Errorf(vern.EUNAUTHORIZED, "A valid API token is required.")
	} else if err != nil {
		return nil, fmt.Errorf("authenticate: %w", err)
	}
	s.mu.Lock()
	if len(s.cache) > 10000 { // bounded: unknown secrets are never cached, known ones are few
		clear(s.cache)
	}
	s.cache[sum] = cached{token: t, expires: now.Add(cacheTTL)}
	s.mu.Unlock()
	return t, nil
}

// EnsureAdminToken creates the first admin token when no token exists yet,
// writes its secret to path (mode 0600) and reports whether it did. Several
// nodes starting at once on one database may each create one; each writes
// its own file, and all of them work.
func (s *Service) EnsureAdminToken(ctx context.Context, path string) (bool, error) {
	n, err := s.store.CountTokens(ctx)
	if err != nil {
		return false, fmt.Errorf("count tokens: %w", err)
	}
	if n > 0 {
		return false, nil
	}
	// The file is written before the token is stored: a start that cannot
	// write it stores nothing, and the next start tries again instead of
	// finding a token whose secret no one has.
	secret, t, err := s.newToken("admin", []string{vern.ScopeAdmin})
	if err != nil {
		return false, err
	}
	if err := writeSecret(path, secret+"\n"); err != nil {
		return false, err
	}
	if err := s.store.CreateToken(ctx, t); err != nil {
		_ = os.Remove(path)
		return false, fmt.Errorf("create admin token: %w", err)
	}
	return true, nil
}

// writeSecret writes data to path readable by the owner only, atomically.
func writeSecret(path, data string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("create folder for %s: %w", path, err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".token-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if _, err := tmp.WriteString(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
