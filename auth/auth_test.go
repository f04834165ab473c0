package auth_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vernhq/vern"
	"github.com/vernhq/vern/auth"
	"github.com/vernhq/vern/internal/testdb"
	"github.com/vernhq/vern/mock"
)

func TestTokens(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s vern.Store) {
		ctx := context.Background()
		svc := auth.New(s, mock.NewClock(time.Now()))
		secret, tok, err := svc.Create(ctx, "ci", []string{vern.ScopeAdmin})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(secret, "vern_") || len(secret) < 40 {
			t.Fatalf("secret %q does not look like a Vern token", secret)
		}
		got, err := svc.Authenticate(ctx, secret)
		if err != nil || got.ID != tok.ID {
			t.Fatalf("Authenticate = %+v, %v", got, err)
		}
		if _, err := svc.Authenticate(ctx, secret); err != nil { // from the cache
			t.Fatal(err)
		}
		for _, bad := range []string{"", "vern_", secret + "x", "Bearer " + secret, strings.Repeat("vern_", 100)} {
			if _, err := svc.Authenticate(ctx, bad); vern.ErrorCode(err) != vern.EUNAUTHORIZED {
				t.Errorf("Authenticate(%.12q) = %v, want EUNAUTHORIZED", bad, err)
			}
		}
	})
}

func TestEnsureAdminToken(t *testing.T) {
	ctx := context.Background()
	s := testdb.SQLite(t)
	svc := auth.New(s, mock.NewClock(time.Now()))
	path := filepath.Join(t.TempDir(), "data", "admin-token")
	created, err := svc.EnsureAdminToken(ctx, path)
	if err != nil || !created {
		t.Fatalf("first EnsureAdminToken = %v, %v", created, err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("token file mode = %v, want 0600", st.Mode().Perm())
	}
	b, _ := os.ReadFile(path)
	tok, err := svc.Authenticate(ctx, strings.TrimSpace(string(b)))
	if err != nil || !tok.HasScope(vern.ScopeAdmin) {
		t.Fatalf("written token does not authenticate as admin: %v", err)
	}
	created, err = svc.EnsureAdminToken(ctx, path)
	if err != nil || created {
		t.Fatalf("second EnsureAdminToken = %v, %v, want no new token", created, err)
	}
	if n, _ := s.CountTokens(ctx); n != 1 {
		t.Fatalf("CountTokens = %d, want 1", n)
	}
	// Only the hash is stored.
	if _, err := s.FindTokenByHash(ctx, []byte(strings.TrimSpace(string(b)))); vern.ErrorCode(err) != vern.ENOTFOUND {
		t.Fatal("the token secret itself is stored")
	}
}

func TestEnsureAdminTokenStoresNothingWhenTheFileCannotBeWritten(t *testing.T) {
	ctx := context.Background()
	s := testdb.SQLite(t)
	svc := auth.New(s, mock.NewClock(time.Now()))
	blocker := filepath.Join(t.TempDir(), "a-file")
	if err := os.WriteFile(blocker, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.EnsureAdminToken(ctx, filepath.Join(blocker, "admin-token")); err == nil {
		t.Fatal("writing under a file succeeded")
	}
	if n, _ := s.CountTokens(ctx); n != 0 {
		t.Fatalf("a token was stored although its secret was never written (%d tokens)", n)
	}
	path := filepath.Join(t.TempDir(), "admin-token")
	if created, err := svc.EnsureAdminToken(ctx, path); err != nil || !created {
		t.Fatalf("next start: created=%v err=%v", created, err)
	}
}
