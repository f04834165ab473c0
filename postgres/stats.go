package postgres

import (
	"context"
	"fmt"

	"github.com/vernhq/vern"
)

// AddStats adds every cell's count to its stored cell in one statement.
// Cells are merged first, since one statement may not update a row twice.
func (s *store) AddStats(ctx context.Context, cells []*vern.StatCell) error {
	if len(cells) == 0 {
		return nil
	}
	type key struct{ m, mo, p, c, b string }
	idx := map[key]int{}
	var metric, month, purpose, channel, band []string
	var count []int64
	for _, c := range cells {
		k := key{c.Metric, c.Month, c.Purpose, c.Channel, c.OrgBand}
		if i, ok := idx[k]; ok {
			count[i] += c.Count
			continue
		}
		idx[k] = len(count)
		metric, month, purpose, channel, band = append(metric, c.Metric), append(month, c.Month), append(purpose, c.Purpose),
			append(channel, c.Channel), append(band, c.OrgBand)
		count = append(count, c.Count)
	}
	_, err := s.q.ExecContext(ctx, `INSERT INTO stats (metric, month, purpose, channel, org_band, count)
		SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[])
		ON CONFLICT (metric, month, purpose, channel, org_band) DO UPDATE SET count = stats.count + excluded.count`,
		metric, month, purpose, channel, band, count)
	if err != nil {
		return fmt.Errorf("add stats: %w", translateErr(err))
	}
	return nil
}

// FindStats returns the stored cells of metric, or all of them. The sort
// is bytewise (COLLATE "C") so that both backends list cells alike.
func (s *store) FindStats(ctx context.Context, metric string) ([]*vern.StatCell, error) {
	rows, err := s.q.QueryContext(ctx, `SELECT metric, month, purpose, channel, org_band, count FROM stats
		WHERE $1 = '' OR metric = $1
		ORDER BY metric COLLATE "C", month COLLATE "C", purpose COLLATE "C", channel COLLATE "C", org_band COLLATE "C"`, metric)
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
