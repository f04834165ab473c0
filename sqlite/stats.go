package sqlite

import (
	"context"
	"fmt"

	"github.com/vernhq/vern"
)

// AddStats adds each cell's count to its stored cell.
func (s *store) AddStats(ctx context.Context, cells []*vern.StatCell) error {
	for _, c := range cells {
		_, err := s.exec(ctx, `INSERT INTO stats (metric, month, purpose, channel, org_band, count) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (metric, month, purpose, channel, org_band) DO UPDATE SET count = count + excluded.count`,
			c.Metric, c.Month, c.Purpose, c.Channel, c.OrgBand, c.Count)
		if err != nil {
			return fmt.Errorf("add stats: %w", translateErr(err))
		}
	}
	return nil
}

// FindStats returns the stored cells of metric, or all of them.
func (s *store) FindStats(ctx context.Context, metric string) ([]*vern.StatCell, error) {
	rows, err := s.readRows(ctx, `SELECT metric, month, purpose, channel, org_band, count FROM stats
		WHERE ? = '' OR metric = ? ORDER BY metric, month, purpose, channel, org_band`, metric, metric)
	if err != nil {
		return nil, fmt.Errorf("find stats: %w", translateErr(err))
	}
	out, err := scanRows(rows, func(row scanner) (*vern.StatCell, error) {
		var c vern.StatCell
		if err := row.Scan(&c.Metric, &c.Month, &c.Purpose, &c.Channel, &c.OrgBand, &c.Count); err != nil {
			return nil, translateErr(err)
		}
		return &c, nil
	})
	if err != nil {
		return nil, fmt.Errorf("find stats: %w", err)
	}
	return out, nil
}
