package retention

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/vernhq/vern"
	"github.com/vernhq/vern/calendar"
)

// DefaultMinCell is the smallest count shown in statistics: smaller
// cells could single people out, so they are suppressed.
const DefaultMinCell = 5

// Dimensions a statistic can be broken down by.
var Dimensions = []string{"month", "purpose", "channel", "org_band"}

// cells accumulates statistic cells of one batch.
type cells map[vern.StatCell]int64

func newCells() cells { return cells{} }

// fold counts one person about to be erased: once under each purpose they
// were processed for, by the month they were collected, their source
// channel and their organisation's size band, and their interactions
// likewise. Nothing that identifies them is kept.
func (c cells) fold(f *vern.RetentionFacts, d *decision) {
	key := vern.StatCell{Month: calendar.DateOf(f.CreatedAt).String()[:7], Channel: f.SourceChannel, OrgBand: vern.OrgBand(f.OrganizationPeople)}
	purposes := d.purposes
	if len(purposes) == 0 {
		purposes = []string{""}
	}
	for _, p := range purposes {
		key.Purpose = p
		key.Metric = vern.StatPeople
		c[key]++
		if f.Interactions > 0 {
			key.Metric = vern.StatInteractions
			c[key] += int64(f.Interactions)
		}
	}
}

func (c cells) list() []*vern.StatCell {
	out := make([]*vern.StatCell, 0, len(c))
	for k, n := range c {
		cell := k
		cell.Count = n
		out = append(out, &cell)
	}
	// A fixed order takes PostgreSQL's row locks in one order, so two
	// sweeps' batches cannot deadlock on the same cells.
	slices.SortFunc(out, func(a, b *vern.StatCell) int {
		return strings.Compare(a.Metric+"\x00"+a.Month+"\x00"+a.Purpose+"\x00"+a.Channel+"\x00"+a.OrgBand,
			b.Metric+"\x00"+b.Month+"\x00"+b.Purpose+"\x00"+b.Channel+"\x00"+b.OrgBand)
	})
	return out
}

// StatsQuery selects and groups statistics.
type StatsQuery struct {
	// Metric is vern.StatPeople or vern.StatInteractions; "" for both.
	Metric string
	// By lists the Dimensions to break counts down by; the others are
	// summed over. Empty means all four.
	By []string
	// MinCell suppresses cells counting fewer (but more than zero); 0
	// means DefaultMinCell. 1 shows every cell.
	MinCell int
}

// StatRow is one cell of a statistics answer. Count is nil when the cell
// is suppressed.
type StatRow struct {
	Metric     string `json:"metric"`
	Month      string `json:"month,omitempty"`
	Purpose    string `json:"purpose,omitempty"`
	Channel    string `json:"channel,omitempty"`
	OrgBand    string `json:"org_band,omitempty"`
	Count      *int64 `json:"count"`
	Suppressed bool   `json:"suppressed,omitempty"`
}

// Stats is the answer to a StatsQuery.
type Stats struct {
	MinCell int        `json:"min_cell"`
	By      []string   `json:"by"`
	Rows    []*StatRow `json:"rows"`
	// Suppressed counts the cells shown without a count.
	Suppressed int `json:"suppressed"`
}

// Stats returns the anonymised statistics folded from erased people,
// grouped by q.By, with cells below q.MinCell suppressed (S6, S9).
// Returns EINVALID for an unknown metric or dimension.
func (s *Service) Stats(ctx context.Context, q StatsQuery) (*Stats, error) {
	var fs vern.Fields
	if q.Metric != "" && q.Metric != vern.StatPeople && q.Metric != vern.StatInteractions {
		fs.Add("metric", "unknown", "Unknown metric; use people or interactions.")
	}
	if len(q.By) == 0 {
		q.By = Dimensions
	}
	for i, d := range q.By {
		if !slices.Contains(Dimensions, d) {
			fs.Add(fmt.Sprintf("by[%d]", i), "unknown", "Unknown dimension; use month, purpose, channel or org_band.")
		}
	}
	if q.MinCell < 0 {
		fs.Add("min_cell", "invalid", "The threshold cannot be negative.")
	}
	if err := fs.Err(); err != nil {
		return nil, err
	}
	if q.MinCell == 0 {
		q.MinCell = DefaultMinCell
	}
	stored, err := s.store.FindStats(ctx, q.Metric)
	if err != nil {
		return nil, err
	}
	sums := map[vern.StatCell]int64{}
	var order []vern.StatCell
	for _, c := range stored {
		k := vern.StatCell{Metric: c.Metric}
		if slices.Contains(q.By, "month") {
			k.Month = c.Month
		}
		if slices.Contains(q.By, "purpose") {
			k.Purpose = c.Purpose
		}
		if slices.Contains(q.By, "channel") {
			k.Channel = c.Channel
		}
		if slices.Contains(q.By, "org_band") {
			k.OrgBand = c.OrgBand
		}
		if _, ok := sums[k]; !ok {
			order = append(order, k)
		}
		sums[k] += c.Count
	}
	out := &Stats{MinCell: q.MinCell, By: q.By, Rows: []*StatRow{}}
	for _, k := range order {
		n := sums[k]
		row := &StatRow{Metric: k.Metric, Month: k.Month, Purpose: k.Purpose, Channel: k.Channel, OrgBand: k.OrgBand}
		if n < int64(q.MinCell) {
			row.Suppressed = true
			out.Suppressed++
		} else {
			row.Count = &n
		}
		out.Rows = append(out.Rows, row)
	}
	slices.SortStableFunc(out.Rows, func(a, b *StatRow) int {
		return strings.Compare(a.Metric+"\x00"+a.Month+"\x00"+a.Purpose+"\x00"+a.Channel+"\x00"+a.OrgBand,
			b.Metric+"\x00"+b.Month+"\x00"+b.Purpose+"\x00"+b.Channel+"\x00"+b.OrgBand)
	})
	return out, nil
}

// Runs returns the latest sweeps, newest first, with their reports.
func (s *Service) Runs(ctx context.Context, limit int) ([]*Report, error) {
	runs, err := s.store.FindRetentionRuns(ctx, limit)
	if err != nil {
		return nil, err
	}
	out := make([]*Report, 0, len(runs))
	for _, r := range runs {
		rep := &Report{RunID: r.ID, AsOf: r.AsOf}
		if len(r.Report) > 0 {
			if err := jsonUnmarshal(r.Report, rep); err != nil {
				return nil, fmt.Errorf("read retention run %s: %w", r.ID, err)
			}
		}
		out = append(out, rep)
	}
	return out, nil
}
