package sqlite_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/vernhq/vern"
	"github.com/vernhq/vern/sqlite"
	"github.com/vernhq/vern/storetest"
)

// TestErasedBytesLeaveTheFile checks secure_delete: once a batch erasure
// is checkpointed into the database file, neither the file nor its WAL
// holds the erased person's sealed bytes or wrapped key, while a person
// kept is still there (so the search itself works).
func TestErasedBytesLeaveTheFile(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "vern.db")
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	marker := func(s string) []byte { return bytes.Repeat([]byte(s), 64) }
	gone, kept := storetest.NewSealedPerson(1), storetest.NewSealedPerson(2)
	gone.Sealed, gone.WrappedKey = marker("SEALED-GONE-"), marker("KEY-GONE-")
	kept.Sealed = marker("SEALED-KEPT-")
	for _, p := range []*vern.SealedPerson{gone, kept} {
		if err := db.CreatePerson(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.CreateInteraction(ctx, &vern.SealedInteraction{ID: "int_1", PersonID: gone.ID, Channel: vern.ChannelEmail,
		Kind: vern.KindNote, SealedText: marker("TEXT-GONE-"), CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if err := db.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	contains := func(b []byte) bool {
		t.Helper()
		var all []byte
		for _, f := range []string{path, path + "-wal"} {
			data, err := os.ReadFile(f)
			if err != nil && !os.IsNotExist(err) {
				t.Fatal(err)
			}
			all = append(all, data...)
		}
		return bytes.Contains(all, b)
	}
	if !contains(gone.Sealed) || !contains(kept.Sealed) {
		t.Fatal("the sealed bytes are not in the file before erasure; the test cannot see them")
	}
	err = db.InTx(ctx, func(tx vern.Store) error {
		_, _, _, err := tx.ErasePeople(ctx, []string{gone.ID}, time.Now())
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	for name, b := range map[string][]byte{"sealed fields": gone.Sealed, "wrapped key": gone.WrappedKey, "interaction": marker("TEXT-GONE-")} {
		if contains(b) {
			t.Errorf("the erased person's %s are still in the database file", name)
		}
	}
	if !contains(kept.Sealed) {
		t.Error("the kept person's sealed bytes are gone")
	}
}
