package sqlite

import (
	"context"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vernhq/vern"
	"github.com/vernhq/vern/storetest"
)

// TestWALStaysBoundedUnderSteadyReads writes and reads without pause, as a
// busy server does, and checks that the checkpointer keeps resetting the
// write-ahead log instead of letting it grow with every commit.
func TestWALStaysBoundedUnderSteadyReads(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "vern.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.restartFrames.Store(50)
	db.ckptEvery.Store(int64(50 * time.Millisecond))

	first := storetest.NewSealedPerson(0)
	if err := db.CreatePerson(ctx, first); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 { // readers that always have a read open somewhere
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := db.FindPersonByID(ctx, first.ID); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	var written atomic.Int64
	for w := range 4 {
		wg.Go(func() {
			for i := 1; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				p := storetest.NewSealedPerson(w*1_000_000 + i)
				if err := db.InTx(ctx, func(tx vern.Store) error { return tx.CreatePerson(ctx, p) }); err != nil {
					t.Error(err)
					return
				}
				written.Add(1)
			}
		})
	}
	// Enough commits that an unreset log would be far past restartFrames,
	// however slow the machine is today.
	deadline := time.Now().Add(20 * time.Second)
	for written.Load() < 2000 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	close(stop)
	wg.Wait()

	// Each commit appends at least one frame to the log. Without resets
	// the log keeps them all; with them it starts afresh about every
	// checkpoint interval, and holds a small fraction of them.
	_, frames, err := checkpoint(db.checkpointer, "PASSIVE")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d people written; the log holds %d frames after %d resets", written.Load(), frames, db.walRestarts.Load())
	if written.Load() < 2000 {
		t.Skipf("only %d writes in 20 s: too few to tell", written.Load())
	}
	if frames > written.Load()/4 {
		t.Fatalf("the log holds %d frames after %d commits: it is not being reset", frames, written.Load())
	}
}
