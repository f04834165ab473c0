package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/vernhq/vern"
)

// CreateLedgerCheckpoint stores c.
func (s *store) CreateLedgerCheckpoint(ctx context.Context, c *vern.LedgerCheckpoint) error {
	_, err := s.q.ExecContext(ctx, `INSERT INTO ledger_checkpoints (seq, at, chains, events, root, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		c.Seq, c.At.UTC(), c.Chains, c.Events, c.Root, nullBytes(c.PrevHash), c.Hash)
	if err != nil {
		return fmt.Errorf("insert ledger checkpoint: %w", translateErr(err))
	}
	return nil
}

// FindLedgerCheckpoints returns every checkpoint, oldest first.
func (s *store) FindLedgerCheckpoints(ctx context.Context) ([]*vern.LedgerCheckpoint, error) {
	rows, err := s.q.QueryContext(ctx, `SELECT seq, at, chains, events, root, prev_hash, hash FROM ledger_checkpoints ORDER BY seq`)
	if err != nil {
		return nil, fmt.Errorf("find ledger checkpoints: %w", translateErr(err))
	}
	defer rows.Close()
	var out []*vern.LedgerCheckpoint
	for rows.Next() {
		var c vern.LedgerCheckpoint
		var at time.Time
		if err := rows.Scan(&c.Seq, &at, &c.Chains, &c.Events, &c.Root, &c.PrevHash, &c.Hash); err != nil {
			return nil, fmt.Errorf("scan ledger checkpoint: %w", err)
		}
		c.At = at.UTC()
		out = append(out, &c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find ledger checkpoints: %w", translateErr(err))
	}
	return out, nil
}

// ledgerLockKey is the advisory lock that orders appends and checkpoints.
const ledgerLockKey = 0x7665726e_6c656467 // "vernledg"

// LockLedger takes the ledger's advisory lock until the transaction ends.
func (s *store) LockLedger(ctx context.Context, exclusive bool) error {
	q := `SELECT pg_advisory_xact_lock_shared($1)`
	if exclusive {
		q = `SELECT pg_advisory_xact_lock($1)`
	}
	if _, err := s.q.ExecContext(ctx, q, int64(ledgerLockKey)); err != nil {
		return fmt.Errorf("lock ledger: %w", translateErr(err))
	}
	return nil
}
