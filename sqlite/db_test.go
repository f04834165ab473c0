package sqlite_test

import (
	"testing"

	"github.com/vernhq/vern"
	"github.com/vernhq/vern/internal/testdb"
	"github.com/vernhq/vern/storetest"
)

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) vern.Store { return testdb.SQLite(t) })
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
