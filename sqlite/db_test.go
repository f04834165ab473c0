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
