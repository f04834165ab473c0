package postgres_test

import (
	"io/fs"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vernhq/vern"
	"github.com/vernhq/vern/internal/testdb"
	"github.com/vernhq/vern/postgres"
	"github.com/vernhq/vern/sqlite"
	"github.com/vernhq/vern/storetest"
)

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) vern.Store { return testdb.Postgres(t) })
	storetest.RunNodes(t, func(t *testing.T) (vern.Store, vern.Store) { return testdb.PostgresNodes(t) })
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

// TestErasePersonLeavesTombstone checks what storetest cannot see through
// the Store: the erased row keeps nothing but its id and times.
func TestErasePersonLeavesTombstone(t *testing.T) {
	db := testdb.Postgres(t)
	p := storetest.NewSealedPerson(1)
	p.HeldUntil = "2031-12-31"
	if err := db.CreatePerson(t.Context(), p); err != nil {
		t.Fatal(err)
	}
	at := p.CreatedAt.Add(time.Hour)
	if err := db.ErasePerson(t.Context(), p.ID, at); err != nil {
		t.Fatal(err)
	}
	var key, sealed, index []byte
	var language, sourceRef, heldUntil string
	var erasedAt time.Time
	err := db.SQL().QueryRow(`SELECT wrapped_key, sealed, email_index, language, source_ref, held_until, erased_at
		FROM people WHERE id = $1`, p.ID).Scan(&key, &sealed, &index, &language, &sourceRef, &heldUntil, &erasedAt)
	if err != nil {
		t.Fatal(err)
	}
	if len(key) != 0 || len(sealed) != 0 || index != nil || language != "" || sourceRef != "" || heldUntil != "" {
		t.Fatalf("tombstone keeps data: key %q sealed %q index %q language %q source_ref %q held_until %q",
			key, sealed, index, language, sourceRef, heldUntil)
	}
	if !erasedAt.Equal(at) {
		t.Fatalf("erased_at = %s, want %s", erasedAt, at)
	}
}
