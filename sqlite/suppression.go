package sqlite

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/vernhq/vern"
)

// suppressionChunk bounds the hashes looked up per query.
const suppressionChunk = 500

// AddSuppression lists s.Hash, keeping the first entry of a listed hash.
func (s *store) AddSuppression(ctx context.Context, sup *vern.Suppression) error {
	_, err := s.exec(ctx, `INSERT INTO suppressions (hash, reason, at) VALUES (?, ?, ?) ON CONFLICT (hash) DO NOTHING`,
		sup.Hash, sup.Reason, formatTime(sup.At))
	if err != nil {
		return fmt.Errorf("insert suppression: %w", translateErr(err))
	}
	return nil
}

// FindSuppressed returns which of hashes are listed, a chunk per query.
func (s *store) FindSuppressed(ctx context.Context, hashes [][]byte) (map[string]bool, error) {
	out := make(map[string]bool)
	for len(hashes) > 0 {
		chunk := hashes[:min(len(hashes), suppressionChunk)]
		hashes = hashes[len(chunk):]
		args := make([]any, len(chunk))
		for i, h := range chunk {
			args[i] = h
		}
		qctx := ctx
		if s.tx != nil {
			qctx = context.WithoutCancel(ctx) // see stmt.go: never interrupt the shared writer
		}
		rows, err := s.r.QueryContext(qctx, `SELECT hash FROM suppressions WHERE hash IN (?`+strings.Repeat(",?", len(chunk)-1)+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("find suppressed: %w", translateErr(err))
		}
		for rows.Next() {
			var h []byte
			if err := rows.Scan(&h); err != nil {
				rows.Close()
				return nil, fmt.Errorf("scan suppression: %w", err)
			}
			out[string(h)] = true
		}
		if err := errors.Join(rows.Err(), rows.Close()); err != nil {
			return nil, fmt.Errorf("find suppressed: %w", translateErr(err))
		}
	}
	return out, nil
}

// CountSuppressions returns how many hashes are listed.
func (s *store) CountSuppressions(ctx context.Context) (int, error) {
	var n int
	if err := s.readRow(ctx, `SELECT count(*) FROM suppressions`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count suppressions: %w", translateErr(err))
	}
	return n, nil
}
