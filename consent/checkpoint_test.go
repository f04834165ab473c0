package consent_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/vernhq/vern"
	"github.com/vernhq/vern/consent"
	"github.com/vernhq/vern/internal/testdb"
	"github.com/vernhq/vern/mock"
)

// TestCheckpointCatchesDeletedChains seals a checkpoint, then deletes a
// whole chain and, separately, the tail of another, directly in the
// database: the chains alone still verify, the checkpoint does not.
func TestCheckpointCatchesDeletedChains(t *testing.T) {
	type rawDB interface{ SQL() *sql.DB }
	for _, backend := range []struct {
		name   string
		open   func(t *testing.T) vern.Store
		delete string
	}{
		{"sqlite", func(t *testing.T) vern.Store { return testdb.SQLite(t) }, `DELETE FROM consent_events WHERE id = ?`},
		{"postgres", func(t *testing.T) vern.Store { return testdb.Postgres(t) }, `DELETE FROM consent_events WHERE id = $1`},
	} {
		for _, cut := range []string{"whole chain", "tail"} {
			t.Run(backend.name+"/"+cut, func(t *testing.T) {
				s := backend.open(t)
				clock := mock.NewClock(time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC))
				f := newFixtureClock(t, s, clock)
				ctx := context.Background()
				var victim []string
				for i, email := range []string{"x@example.test", "y@example.test"} {
					f.person(t, email)
					for _, action := range []string{"grant", "withdraw"} {
						e, err := f.svc.Record(ctx, "token:t", consent.RecordInput{Email: email, Purpose: "newsletter", Action: action, Evidence: webForm})
						if err != nil {
							t.Fatal(err)
						}
						if i == 1 {
							victim = append(victim, e.ID)
						}
					}
				}
				clock.Advance(time.Minute)
				cp, err := f.svc.SealCheckpoint(ctx)
				if err != nil || cp.Chains != 2 || cp.Events != 4 {
					t.Fatalf("checkpoint = %+v, %v", cp, err)
				}
				if again, _ := f.svc.SealCheckpoint(ctx); again.Seq != cp.Seq {
					t.Fatal("a second seal at the same time made a new checkpoint")
				}
				if rep, _ := f.svc.Verify(ctx); !rep.OK {
					t.Fatalf("verify before tampering = %+v", rep)
				}
				toDelete := victim[1:] // the tail
				if cut == "whole chain" {
					toDelete = victim
				}
				for i := len(toDelete) - 1; i >= 0; i-- {
					if _, err := s.(rawDB).SQL().Exec(backend.delete, toDelete[i]); err != nil {
						t.Fatal(err)
					}
				}
				rep, err := f.svc.Verify(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if rep.OK || rep.FirstBad == nil || *rep.FirstBad != "checkpoint:1" {
					t.Fatalf("verify after deleting the %s = %+v, want checkpoint:1 named", cut, rep)
				}
			})
		}
	}
}
