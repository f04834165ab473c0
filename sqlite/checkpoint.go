package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// checkpointEvery is how often the WAL is folded into the database file.
// Left to itself SQLite checkpoints inside whichever commit crosses 1,000
// pages, so one unlucky request pays for copying and syncing them all. A
// PASSIVE checkpoint from a connection of its own runs beside the writer
// instead, and a page rewritten many times within the interval is copied once.
const checkpointEvery = 500 * time.Millisecond

func (db *DB) startCheckpointer() error {
	ck, err := sql.Open("sqlite3", dsn(db.path, false))
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
	t := time.NewTicker(checkpointEvery)
	defer t.Stop()
	for {
		select {
		case <-db.stopCkpt:
			return
		case <-t.C:
			// A failed passive checkpoint (for instance while another
			// process holds a lock) is simply tried again next time.
			_, _ = db.checkpointer.ExecContext(context.Background(), `PRAGMA wal_checkpoint(PASSIVE)`)
		}
	}
}

// stopCheckpointer stops the loop and folds the whole WAL into the file, so
// that a closed database is one complete file.
func (db *DB) stopCheckpointer() {
	close(db.stopCkpt)
	<-db.ckptDone
	_, _ = db.checkpointer.ExecContext(context.Background(), `PRAGMA wal_checkpoint(TRUNCATE)`)
}
