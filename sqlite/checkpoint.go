package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"time"
)

// checkpointEvery is how often the WAL is folded into the database file.
// Left to itself SQLite checkpoints inside whichever commit crosses 1,000
// pages, so one unlucky request pays for copying and syncing them all. A
// PASSIVE checkpoint from a connection of its own runs beside the writer
// instead, and a page rewritten many times within the interval is copied once.
const checkpointEvery = 500 * time.Millisecond

// A passive checkpoint copies the log into the file but never resets the
// log: only a writer can, at the moment the whole log has been copied and
// no reader is reading from it. Under steady reads beside steady writes
// that moment does not come, and the log grows without bound (gigabytes
// after a few hundred thousand writes), slowing every read, which must
// search the log's index first. So once the log holds walRestartFrames
// frames (256 MiB of 4 KiB pages), the checkpointer asks the committer,
// between two groups, to run a RESTART checkpoint on the writer: with no
// write in progress it copies what is left and waits for the readers
// still on the old log, so the next commit starts the log afresh. It waits
// at most restartWait; a reader that takes longer (an export, a sweep)
// postpones the reset until the log has grown by as much again, and
// writers are never held up longer than that at a time. Each reset holds
// writers back for tens of milliseconds (it syncs the log and the file),
// so it is kept rare: under the heaviest sustained writes measured
// (consent grants, about 100 MB of log a second) one every few seconds,
// costing about 5 % of their throughput; the log file then stays under
// about 300 MB where it grew by gigabytes a minute. Light load never gets
// there: the log resets itself whenever readers pause.
const (
	walRestartFrames = 65536
	restartWait      = 200 * time.Millisecond
)

func (db *DB) startCheckpointer() error {
	ck, err := sql.Open("sqlite3", dsn(db.path, false, busyTimeout))
	if err != nil {
		return fmt.Errorf("open sqlite checkpointer: %w", err)
	}
	ck.SetMaxOpenConns(1)
	ck.SetMaxIdleConns(1)
	ck.SetConnMaxIdleTime(0)
	db.checkpointer = ck
	db.stopCkpt = make(chan struct{})
	db.ckptDone = make(chan struct{})
	go db.checkpointLoop()
	return nil
}

func (db *DB) checkpointLoop() {
	defer close(db.ckptDone)
	t := time.NewTimer(checkpointEvery)
	defer t.Stop()
	for {
		select {
		case <-db.stopCkpt:
			return
		case <-t.C:
			t.Reset(time.Duration(db.ckptEvery.Load()))
			// A failed checkpoint (for instance while another process
			// holds a lock) is simply tried again next time.
			_, frames, _ := checkpoint(db.checkpointer, "PASSIVE")
			// After a reset that found a long reader in the way, the next
			// waits until the log has grown by as much again, so that a
			// reader of many seconds costs writers one wait, not one a tick.
			if limit := db.restartFrames.Load(); frames > limit && frames > db.restartBusyAt.Load()+limit {
				db.walLong.Store(true)
			}
		}
	}
}

// checkpoint runs a checkpoint of mode on q and reports whether readers
// or another writer kept it from finishing, and the frames in the log.
func checkpoint(q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, mode string) (busy bool, frames int64, err error) {
	var blocked, copied int64
	err = q.QueryRowContext(context.Background(), `PRAGMA wal_checkpoint(`+mode+`)`).Scan(&blocked, &frames, &copied)
	return blocked != 0, frames, err
}

// restartWAL runs a RESTART checkpoint on the writer, waiting at most
// restartWait for readers; the committer calls it between groups.
func (db *DB) restartWAL() {
	db.walLong.Store(false)
	ctx := context.Background()
	conn, err := db.writer.Conn(ctx)
	if err != nil {
		return // tried again when the log is found long next time
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, fmt.Sprintf(`PRAGMA busy_timeout = %d`, restartWait.Milliseconds())); err != nil {
		return
	}
	switch busy, frames, err := checkpoint(conn, "RESTART"); {
	case err != nil:
	case !busy:
		db.restartBusyAt.Store(0)
		db.walRestarts.Add(1)
	default:
		db.restartBusyAt.Store(frames)
	}
	// Without its long wait the writer would give up on another
	// process's lock at once; if this fails the connection is unusable.
	if _, err := conn.ExecContext(ctx, fmt.Sprintf(`PRAGMA busy_timeout = %d`, busyTimeout.Milliseconds())); err != nil {
		_ = conn.Raw(func(any) error { return driver.ErrBadConn })
	}
}

// stopCheckpointer stops the loop and folds the whole WAL into the file, so
// that a closed database is one complete file.
func (db *DB) stopCheckpointer() {
	close(db.stopCkpt)
	<-db.ckptDone
	_, _ = db.checkpointer.ExecContext(context.Background(), `PRAGMA wal_checkpoint(TRUNCATE)`)
}
