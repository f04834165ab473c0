package postgres_test

import (
	"io/fs"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vernhq/vern"
	"github.com/vernhq/vern/internal/testdb"
	"github.com/vernhq/vern/postgres"
	"github.com/vernhq/vern/sqlite"
	"github.com/vernhq/vern/storetest"
)

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) vern.Store { return testdb.Postgres(t) })
}

// TestMigrationNames keeps the two backends' schemas in step: every
// migration exists under the same name for both.
func TestMigrationNames(t *testing.T) {
	names := func(fsys fs.FS) []string {
		m, err := fs.Glob(fsys, "*.sql")
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	if diff := cmp.Diff(names(sqlite.Migrations()), names(postgres.Migrations())); diff != "" {
		t.Fatalf("migration names differ (-sqlite +postgres):\n%s", diff)
	}
}
