package loadgen

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Report holds a run's figures: one OpStats per operation of the mix, in
// mix order, and their total.
type Report struct {
	// Elapsed is the measured time, from the end of the warmup until the
	// last client stopped.
	Elapsed time.Duration `json:"elapsed_ns"`
	// Clients is the number of concurrent clients.
	Clients int `json:"clients"`
	// Ops holds one entry per operation of the mix, in mix order.
	Ops []OpStats `json:"ops"`
	// Total sums every operation; its percentiles are over all requests.
	Total OpStats `json:"total"`
}

// OpStats holds the figures of one operation. Latencies are those of every
// counted request, failed ones included: a slow error is latency the caller
// saw.
type OpStats struct {
	Name      string  `json:"name"`       // the operation's Name, or "total"
	Count     int64   `json:"count"`      // requests, failed ones included
	Errors    int64   `json:"errors"`     // requests whose Do returned an error
	PerSecond float64 `json:"per_second"` // Count / Report.Elapsed

	// Latency percentiles, to within 0.4% (log-linear buckets), and the
	// exact maximum.
	P50 time.Duration `json:"p50_ns"`
	P90 time.Duration `json:"p90_ns"`
	P99 time.Duration `json:"p99_ns"`
	Max time.Duration `json:"max_ns"`

	// ErrorsByStatus counts errors by HTTP status code; 0 counts errors
	// without one (connection refused, timeout, undecodable body).
	ErrorsByStatus map[int]int64 `json:"errors_by_status,omitempty"`
}

// opCounters is one client's figures for one operation. Only its client
// goroutine writes it, so it needs no synchronisation; Run reads it after
// the goroutines have exited.
type opCounters struct {
	hist     histogram
	errors   int64
	byStatus map[int]int64
}

// record counts one request; the histogram's total is the request count.
func (s *opCounters) record(d time.Duration, err error) {
	s.hist.record(d)
	if err == nil {
		return
	}
	s.errors++
	if s.byStatus == nil {
		s.byStatus = make(map[int]int64)
	}
	s.byStatus[statusOf(err)]++
}

// statusOf returns the status code err carries, or 0.
func statusOf(err error) int {
	if se, ok := errors.AsType[*StatusError](err); ok {
		return se.Code
	}
	return 0
}

// newReport merges the clients' counters, stats[client][op], into a Report.
func newReport(mix []Weighted, stats [][]opCounters, elapsed time.Duration, clients int) *Report {
	rep := &Report{Elapsed: max(elapsed, 0), Clients: clients}
	var all opCounters
	for i, w := range mix {
		var op opCounters
		for _, s := range stats {
			merge(&op, &s[i])
		}
		merge(&all, &op)
		rep.Ops = append(rep.Ops, op.stats(w.Op.Name(), rep.Elapsed))
	}
	rep.Total = all.stats("total", rep.Elapsed)
	return rep
}

// merge adds src's figures to dst.
func merge(dst, src *opCounters) {
	dst.hist.merge(&src.hist)
	dst.errors += src.errors
	for code, n := range src.byStatus {
		if dst.byStatus == nil {
			dst.byStatus = make(map[int]int64)
		}
		dst.byStatus[code] += n
	}
}

// stats turns the counters into the figures of a report row.
func (s *opCounters) stats(name string, elapsed time.Duration) OpStats {
	st := OpStats{
		Name:           name,
		Count:          int64(s.hist.total),
		Errors:         s.errors,
		P50:            s.hist.quantile(0.50),
		P90:            s.hist.quantile(0.90),
		P99:            s.hist.quantile(0.99),
		Max:            time.Duration(s.hist.max),
		ErrorsByStatus: s.byStatus,
	}
	if elapsed > 0 {
		st.PerSecond = float64(st.Count) / elapsed.Seconds()
	}
	return st
}

// WriteText writes the report as an aligned table, one row per operation
// and a total row, followed by the errors by status. Latencies are in
// milliseconds, so that columns compare at a glance.
func (r *Report) WriteText(w io.Writer) {
	fmt.Fprintf(w, "%d clients, %.2fs measured\n\n", r.Clients, r.Elapsed.Seconds())
	rows := [][]string{{"op", "requests", "errors", "req/s", "p50 ms", "p90 ms", "p99 ms", "max ms"}}
	for _, s := range append(slices.Clone(r.Ops), r.Total) {
		rows = append(rows, []string{s.Name, fmt.Sprint(s.Count), fmt.Sprint(s.Errors),
			fmt.Sprintf("%.1f", s.PerSecond), ms(s.P50), ms(s.P90), ms(s.P99), ms(s.Max)})
	}
	writeTable(w, rows)
	if r.Total.Errors == 0 {
		return
	}
	fmt.Fprintln(w, "\nerrors by status:")
	for _, s := range r.Ops {
		if s.Errors == 0 {
			continue
		}
		var parts []string
		for _, code := range slices.Sorted(maps.Keys(s.ErrorsByStatus)) {
			label := fmt.Sprint(code)
			if code == 0 {
				label = "no status"
			}
			parts = append(parts, fmt.Sprintf("%s: %d", label, s.ErrorsByStatus[code]))
		}
		fmt.Fprintf(w, "  %s  %s\n", s.Name, strings.Join(parts, ", "))
	}
}

// writeTable writes rows with the first column aligned left, for names, and
// the others right, for numbers; text/tabwriter aligns every column alike.
func writeTable(w io.Writer, rows [][]string) {
	widths := make([]int, len(rows[0]))
	for _, row := range rows {
		for i, cell := range row {
			widths[i] = max(widths[i], utf8.RuneCountInString(cell))
		}
	}
	for _, row := range rows {
		var b strings.Builder
		for i, cell := range row {
			if i == 0 {
				fmt.Fprintf(&b, "%-*s", widths[i], cell)
			} else {
				fmt.Fprintf(&b, "  %*s", widths[i], cell)
			}
		}
		fmt.Fprintln(w, b.String())
	}
}

// ms formats d in milliseconds, to the microsecond.
func ms(d time.Duration) string {
	return fmt.Sprintf("%.3f", float64(d)/float64(time.Millisecond))
}

// WriteJSON writes the report as one indented JSON object; durations are
// integer nanoseconds, in fields ending in _ns.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}
