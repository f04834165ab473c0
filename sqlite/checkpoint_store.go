package sqlite

import (
	"context"
	"fmt"

	"github.com/vernhq/vern"
)

// CreateLedgerCheckpoint stores c.
func (s *store) CreateLedgerCheckpoint(ctx context.Context, c *vern.LedgerCheckpoint) error {
	_, err := s.exec(ctx, `INSERT INTO ledger_checkpoints (seq, at, chains, events, root, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		c.Seq, formatTime(c.At), c.Chains, c.Events, c.Root, nullBytes(c.PrevHash), c.Hash)
	if err != nil {
		return fmt.Errorf("insert ledger checkpoint: %w", translateErr(err))
	}
	return nil
}

// FindLedgerCheckpoints returns every checkpoint, oldest first.
func (s *store) FindLedgerCheckpoints(ctx context.Context) ([]*vern.LedgerCheckpoint, error) {
	rows, err := s.readRows(ctx, `SELECT seq, at, chains, events, root, prev_hash, hash FROM ledger_checkpoints ORDER BY seq`)
	if err != nil {
		return nil, fmt.Errorf("find ledger checkpoints: %w", translateErr(err))
	}
	defer rows.Close()
	var out []*vern.LedgerCheckpoint
	for rows.Next() {
		var c vern.LedgerCheckpoint
		var at string
		if err := rows.Scan(&c.Seq, &at, &c.Chains, &c.Events, &c.Root, &c.PrevHash, &c.Hash); err != nil {
			return nil, fmt.Errorf("scan ledger checkpoint: %w", err)
		}
		if c.At, err = parseTime(at); err != nil {
			return nil, err
		}
		out = append(out, &c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find ledger checkpoints: %w", translateErr(err))
	}
	return out, nil
}

// LockLedger does nothing: SQLite transactions here run one at a time on
// the single writer, which already orders appends against checkpoints.
func (s *store) LockLedger(ctx context.Context, exclusive bool) error { return nil }
