// Package testdb opens real, empty databases for tests: a SQLite file in a
// temporary folder, or a fresh schema on the PostgreSQL server named by
// VERN_TEST_POSTGRES_URL.
package testdb

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // registers "pgx"

	"github.com/vernhq/vern"
	"github.com/vernhq/vern/postgres"
	"github.com/vernhq/vern/sqlite"
)

// DefaultPostgresURL is the server tried when VERN_TEST_POSTGRES_URL is unset.
const DefaultPostgresURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// SQLite opens a new SQLite file in a temporary folder, closed at cleanup.
func SQLite(tb testing.TB) *sqlite.DB {
	tb.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(tb.TempDir(), "vern.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

// PostgresURL returns the URL of the test server, or skips the test when no
// server answers, unless VERN_TEST_POSTGRES_REQUIRED=1 (CI), which makes a
// missing server a failure rather than a skip.
func PostgresURL(tb testing.TB) string {
	tb.Helper()
	u := os.Getenv("VERN_TEST_POSTGRES_URL")
	if u == "" {
		u = DefaultPostgresURL
	}
	db, err := sql.Open("pgx", u)
	if err == nil {
		err = db.PingContext(context.Background())
		db.Close()
	}
	if err != nil {
		if os.Getenv("VERN_TEST_POSTGRES_REQUIRED") == "1" {
			tb.Fatalf("PostgreSQL is required (VERN_TEST_POSTGRES_REQUIRED=1) but unreachable: %v", err)
		}
		tb.Skipf("PostgreSQL unreachable, skipping (set VERN_TEST_POSTGRES_REQUIRED=1 to fail instead): %v", err)
	}
	return u
}

// PostgresSchemaURL creates a fresh schema, dropped at cleanup, and returns
// a URL whose connections use it.
func PostgresSchemaURL(tb testing.TB) string {
	tb.Helper()
	base := PostgresURL(tb)
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "vern_test_" + hex.EncodeToString(b[:])
	admin, err := sql.Open("pgx", base)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := admin.Exec(`CREATE SCHEMA ` + schema); err != nil {
		admin.Close()
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		_, _ = admin.Exec(`DROP SCHEMA ` + schema + ` CASCADE`)
		admin.Close()
	})
	pu, err := url.Parse(base)
	if err != nil {
		tb.Fatal(err)
	}
	q := pu.Query()
	q.Set("search_path", schema)
	pu.RawQuery = q.Encode()
	return pu.String()
}

// SQLiteNodes opens two handles on one new SQLite file, as two processes
// sharing it would (a server and a CLI command), closed at cleanup.
func SQLiteNodes(tb testing.TB) (*sqlite.DB, *sqlite.DB) {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "vern.db")
	return twice(tb, func() (*sqlite.DB, error) { return sqlite.Open(context.Background(), path) })
}

// PostgresNodes opens two stores on one fresh schema, as two nodes sharing
// a database would, closed (and the schema dropped) at cleanup.
func PostgresNodes(tb testing.TB) (*postgres.DB, *postgres.DB) {
	tb.Helper()
	u := PostgresSchemaURL(tb)
	return twice(tb, func() (*postgres.DB, error) { return postgres.Open(context.Background(), u) })
}

// twice opens two stores with open, each closed at cleanup.
func twice[S interface{ Close() error }](tb testing.TB, open func() (S, error)) (S, S) {
	tb.Helper()
	var s [2]S
	for i := range s {
		db, err := open()
		if err != nil {
			tb.Fatal(err)
		}
		tb.Cleanup(func() { db.Close() })
		s[i] = db
	}
	return s[0], s[1]
}

// Postgres opens a store on a fresh schema, closed and dropped at cleanup.
func Postgres(tb testing.TB) *postgres.DB {
	tb.Helper()
	db, err := postgres.Open(context.Background(), PostgresSchemaURL(tb))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

// Each runs f once per backend, as subtests "sqlite" and "postgres".
func Each(t *testing.T, f func(t *testing.T, s vern.Store)) {
	t.Run("sqlite", func(t *testing.T) { f(t, SQLite(t)) })
	t.Run("postgres", func(t *testing.T) { f(t, Postgres(t)) })
}

// EachNodes runs f once per backend, as subtests "sqlite" and "postgres",
// with two stores on one database: two nodes, or on SQLite two processes.
func EachNodes(t *testing.T, f func(t *testing.T, a, b vern.Store)) {
	t.Run("sqlite", func(t *testing.T) { a, b := SQLiteNodes(t); f(t, a, b) })
	t.Run("postgres", func(t *testing.T) { a, b := PostgresNodes(t); f(t, a, b) })
}

// IsPostgres reports whether s is a PostgreSQL store.
func IsPostgres(s vern.Store) bool {
	_, ok := s.(*postgres.DB)
	return ok
}
