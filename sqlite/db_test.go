package sqlite_test

import (
	"testing"
	"time"

	"github.com/vernhq/vern"
	"github.com/vernhq/vern/internal/testdb"
	"github.com/vernhq/vern/storetest"
)

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) vern.Store { return testdb.SQLite(t) })
	storetest.RunNodes(t, func(t *testing.T) (vern.Store, vern.Store) { return testdb.SQLiteNodes(t) })
}

func TestCloseTwice(t *testing.T) {
	db := testdb.SQLite(t)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil { // and once more at cleanup
		t.Fatal(err)
	}
	if err := db.InTx(t.Context(), func(vern.Store) error { return nil }); err == nil {
		t.Fatal("InTx after Close succeeded")
	}
}

// TestErasePersonLeavesTombstone checks what storetest cannot see through
// the Store: the erased row keeps nothing but its id and times.
func TestErasePersonLeavesTombstone(t *testing.T) {
	db := testdb.SQLite(t)
	p := storetest.NewSealedPerson(1)
	p.HeldUntil = "2031-12-31"
	if err := db.CreatePerson(t.Context(), p); err != nil {
		t.Fatal(err)
	}
	at := p.CreatedAt.Add(time.Hour)
	if err := db.ErasePerson(t.Context(), p.ID, at); err != nil {
		t.Fatal(err)
	}
	var key, sealed []byte
	var index any
	var language, sourceRef, heldUntil, erasedAt string
	err := db.SQL().QueryRow(`SELECT wrapped_key, sealed, email_index, language, source_ref, held_until, erased_at
		FROM people WHERE id = ?`, p.ID).Scan(&key, &sealed, &index, &language, &sourceRef, &heldUntil, &erasedAt)
	if err != nil {
		t.Fatal(err)
	}
	if len(key) != 0 || len(sealed) != 0 || index != nil || language != "" || sourceRef != "" || heldUntil != "" {
		t.Fatalf("tombstone keeps data: key %q sealed %q index %v language %q source_ref %q held_until %q",
			key, sealed, index, language, sourceRef, heldUntil)
	}
	if got, err := time.Parse(time.RFC3339Nano, erasedAt); err != nil || !got.Equal(at) {
		t.Fatalf("erased_at = %q, want %s", erasedAt, at)
	}
}
