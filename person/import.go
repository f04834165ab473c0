package person

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"runtime"
	"slices"
	"strings"
	"sync"
	"unicode"

	"github.com/vernhq/vern"
)

// ImportOptions tunes an import.
type ImportOptions struct {
	// SkipInvalid writes the valid rows and reports the others. Without it
	// a file with any invalid row is refused whole and nothing is written.
	SkipInvalid bool
	// BatchSize is the number of rows written per transaction (default
	// 50,000: the blind index is random, so each commit rewrites many index
	// pages whatever its size, and larger batches amortise that).
	BatchSize int
	// Progress, when set, is called after each batch with the number of
	// bytes of the file handled so far (validated, or written).
	Progress func(read int64)
	// Reference is stored as each person's source reference, e.g. the file name.
	Reference string
}

// ImportReport says what an import did. It holds no personal data.
type ImportReport struct {
	Rows       int         `json:"rows"`
	Created    int         `json:"created"`
	Matched    int         `json:"matched"`
	Rejected   int         `json:"rejected"`
	Written    bool        `json:"written"`
	Rejections []Rejection `json:"rejections,omitempty"`
}

// Rejection is one refused row: where and why, never the value.
type Rejection struct {
	Line int `json:"line"`
	vern.FieldError
}

// maxReportedRejections bounds the report; Rejected still counts them all.
const maxReportedRejections = 1000

// importColumns are the CSV columns, matched by header name in any order.
var importColumns = map[string]func(*vern.PersonInput, string){
	"first_name": func(p *vern.PersonInput, v string) { p.FirstName = v },
	"last_name":  func(p *vern.PersonInput, v string) { p.LastName = v },
	"email":      func(p *vern.PersonInput, v string) { p.Email = v },
	"phone":      func(p *vern.PersonInput, v string) { p.Phone = v },
	"language":   func(p *vern.PersonInput, v string) { p.Language = v },
	"organization_name": func(p *vern.PersonInput, v string) {
		if v != "" {
			org(p).Name = v
		}
	},
	"org_number": func(p *vern.PersonInput, v string) {
		if v != "" {
			org(p).OrgNumber = v
		}
	},
	"source_reference": func(p *vern.PersonInput, v string) { p.Source.Reference = v },
	// purposes holds purpose keys separated by ';' or white space.
	"purposes": func(p *vern.PersonInput, v string) {
		p.Purposes = strings.FieldsFunc(v, func(r rune) bool { return r == ';' || unicode.IsSpace(r) })
	},
}

func org(p *vern.PersonInput) *vern.OrganizationInput {
	if p.Organization == nil {
		p.Organization = &vern.OrganizationInput{}
	}
	return p.Organization
}

// Import reads people from CSV (a header row naming the columns first_name,
// last_name, email, phone, language, organization_name, org_number,
// source_reference, purposes, in any order; purposes separated by ';' or
// spaces). Each row is validated and guarded like an API create; people
// whose email exists are matched, not duplicated, and given the row's
// purposes in addition to theirs.
//
// Without SkipInvalid the file is read twice: once to validate every row and,
// only when all are valid, once to write. Each batch is written in one
// transaction, so an interrupted import leaves whole batches, and running it
// again completes it without duplicates.
func (s *Service) Import(ctx context.Context, src io.ReadSeeker, opts ImportOptions) (*ImportReport, error) {
	if opts.BatchSize <= 0 {
		opts.BatchSize = 50000
	}
	if !opts.SkipInvalid {
		rep, err := s.importPass(ctx, src, opts, false)
		if err != nil || rep.Rejected > 0 {
			return rep, err
		}
		if _, err := src.Seek(0, io.SeekStart); err != nil {
			return nil, fmt.Errorf("rewind import file: %w", err)
		}
	}
	return s.importPass(ctx, src, opts, true)
}

// importRow is one parsed row on its way through the pipeline.
type importRow struct {
	line  int
	input vern.PersonInput
}

type importBatch struct {
	seq     int   // position in the file: batches are written in file order
	end     int64 // bytes of the file read when the batch was complete
	rows    []importRow
	count   int // rows read, kept after rows is released
	people  []*vern.SealedPerson
	orgs    []*vern.OrganizationInput // parallel to people; nil where none
	rejects []Rejection
}

// importPass runs the pipeline once: one reader parsing CSV, a worker per
// core validating and sealing (the CPU-heavy part), and one writer.
func (s *Service) importPass(ctx context.Context, src io.Reader, opts ImportOptions, write bool) (*ImportReport, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)

	// Small buffers: a batch is large, and progress is reported as batches
	// are written, so read-ahead would only cost memory.
	parsed := make(chan *importBatch, 1)
	sealed := make(chan *importBatch, 1)
	var readErr error
	readDone := make(chan struct{})
	go func() {
		defer close(readDone)
		defer close(parsed)
		readErr = readCSV(ctx, src, opts, parsed)
		if readErr != nil {
			cancel(readErr)
		}
	}()
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range parsed {
				if err := s.prepareBatch(b, opts.Reference, write); err != nil {
					cancel(err)
					return
				}
				select {
				case sealed <- b:
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	go func() { wg.Wait(); close(sealed) }()

	rep := &ImportReport{Written: write}
	orgIDs := map[string]string{} // match key → id, so each organisation is ensured once
	// Workers finish out of order; writing in file order makes the first
	// row of a repeated email the one that is kept, as it would be in a
	// sequential import.
	next, waiting := 0, map[int]*importBatch{}
	for b := range sealed {
		waiting[b.seq] = b
		for ; waiting[next] != nil && context.Cause(ctx) == nil; next++ {
			b := waiting[next]
			delete(waiting, next)
			if err := s.collect(ctx, rep, b, write, orgIDs); err != nil {
				cancel(err)
			} else if opts.Progress != nil {
				opts.Progress(b.end)
			}
		}
	}
	for range sealed { // drain after a failure so the workers can exit
	}
	<-readDone // on failure the context is cancelled, so the reader stops at its next batch
	if err := context.Cause(ctx); err != nil {
		return rep, err
	}
	slices.SortFunc(rep.Rejections, func(a, b Rejection) int { return a.Line - b.Line })
	return rep, nil
}

// collect adds a prepared batch to the report and writes it.
func (s *Service) collect(ctx context.Context, rep *ImportReport, b *importBatch, write bool, orgIDs map[string]string) error {
	rep.Rows += b.count
	rep.Rejected += len(b.rejects)
	for _, r := range b.rejects {
		if len(rep.Rejections) < maxReportedRejections {
			rep.Rejections = append(rep.Rejections, r)
		}
	}
	if !write || len(b.people) == 0 {
		return nil
	}
	n, err := s.writeBatch(ctx, b, orgIDs)
	if err != nil {
		return err
	}
	rep.Created += n
	rep.Matched += len(b.people) - n
	return nil
}

// readCSV parses CSV into numbered batches.
func readCSV(ctx context.Context, src io.Reader, opts ImportOptions, out chan<- *importBatch) error {
	cr := &countingReader{r: src}
	r := csv.NewReader(cr)
	r.ReuseRecord = true
	r.FieldsPerRecord = 0
	header, err := r.Read()
	if err != nil {
		return vern.Errorf(vern.EINVALID, "The CSV file has no header row.")
	}
	setters := make([]func(*vern.PersonInput, string), len(header))
	seen := map[string]bool{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		f, ok := importColumns[h]
		if !ok {
			return vern.Errorf(vern.EINVALID, "Unknown CSV column %q (column %d); known columns: first_name, last_name, email, phone, language, organization_name, org_number, source_reference, purposes.", safeHeader(h), i+1)
		}
		if seen[h] {
			return vern.Errorf(vern.EINVALID, "CSV column %q appears twice.", h)
		}
		seen[h] = true
		setters[i] = f
	}
	b := &importBatch{}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) && pe.Err == csv.ErrFieldCount {
			b.rejects = append(b.rejects, Rejection{Line: pe.StartLine, FieldError: vern.FieldError{Field: "row", Code: "field_count", Message: "The row has a different number of fields than the header."}})
			continue
		} else if errors.As(err, &pe) {
			return vern.Errorf(vern.EINVALID, "The CSV file is malformed at line %d: %s.", pe.Line, pe.Err.Error())
		} else if err != nil {
			return fmt.Errorf("read CSV: %w", err)
		}
		line, _ := r.FieldPos(0)
		row := importRow{line: line}
		row.input.Source.Channel = vern.ChannelImport
		for i, v := range rec {
			setters[i](&row.input, v)
		}
		b.rows = append(b.rows, row)
		if len(b.rows) >= opts.BatchSize {
			b.end = cr.n
			select {
			case out <- b:
			case <-ctx.Done():
				return nil
			}
			b = &importBatch{seq: b.seq + 1}
		}
	}
	if len(b.rows) > 0 || len(b.rejects) > 0 {
		b.end = cr.n
		select {
		case out <- b:
		case <-ctx.Done():
		}
	}
	return nil
}

// safeHeader repeats a refused header name only when it looks like a
// column name: a file without a header row would otherwise put its first
// record (an email, say) into the error message.
func safeHeader(h string) string {
	if len(h) > 40 {
		return "…"
	}
	for _, r := range h {
		if !(r >= 'a' && r <= 'z' || r == '_' || r == ' ') {
			return "…"
		}
	}
	return h
}

// prepareBatch validates every row and, when writing, seals the valid ones.
func (s *Service) prepareBatch(b *importBatch, reference string, write bool) error {
	b.count = len(b.rows) + len(b.rejects) // rejects so far are rows the CSV reader could not split
	for _, row := range b.rows {
		if row.input.Source.Reference == "" {
			row.input.Source.Reference = reference
		}
		n, err := normalizeInput(row.input, s.validPurpose)
		if err != nil {
			fields := vern.ErrorFields(err)
			if len(fields) == 0 {
				return err
			}
			for _, f := range fields {
				b.rejects = append(b.rejects, Rejection{Line: row.line, FieldError: f})
			}
			continue
		}
		if n.Email == "" {
			// Without an email there is nothing to match on, so a re-run
			// would duplicate the row: imports need an email per person.
			b.rejects = append(b.rejects, Rejection{Line: row.line, FieldError: vern.FieldError{Field: "email", Code: "required", Message: "Imported people need an email address."}})
			continue
		}
		if !write {
			continue
		}
		now := s.clock.Now()
		sp, err := s.seal(n, s.EmailIndex(n.Email), now)
		if err != nil {
			return err
		}
		b.people = append(b.people, sp)
		b.orgs = append(b.orgs, n.Organization)
	}
	b.rows = b.rows[:0:0]
	return nil
}

// writeBatch stores one batch in one transaction and returns how many
// people were new.
func (s *Service) writeBatch(ctx context.Context, b *importBatch, orgIDs map[string]string) (int, error) {
	var created int
	var pending map[string]string
	err := s.store.InTx(ctx, func(tx vern.Store) error {
		pending = map[string]string{} // fn may run again: start clean
		for i, oi := range b.orgs {
			if oi == nil {
				continue
			}
			o := newOrganization(oi, b.people[i].CreatedAt)
			if id, ok := orgIDs[o.MatchKey]; ok {
				b.people[i].OrganizationID = id
				continue
			}
			if id, ok := pending[o.MatchKey]; ok {
				b.people[i].OrganizationID = id
				continue
			}
			if err := tx.EnsureOrganization(ctx, o); err != nil {
				return err
			}
			pending[o.MatchKey] = o.ID
			b.people[i].OrganizationID = o.ID
		}
		n, err := tx.CreatePeople(ctx, b.people)
		created = n
		if err != nil {
			return err
		}
		return s.mergeImportPurposes(ctx, tx, b.people)
	})
	if err != nil {
		return 0, fmt.Errorf("write import batch: %w", err)
	}
	for k, v := range pending { // only committed organisations are remembered
		orgIDs[k] = v
	}
	return created, nil
}

// mergeImportPurposes adds the purposes of the rows CreatePeople matched
// (skipped as an existing email) to the stored person: one lookup for the
// rows that carry purposes, and a read and write per matched person whose
// purposes change.
func (s *Service) mergeImportPurposes(ctx context.Context, tx vern.Store, people []*vern.SealedPerson) error {
	var indexes [][]byte
	for _, p := range people {
		if len(p.Purposes) > 0 {
			indexes = append(indexes, p.EmailIndex)
		}
	}
	if len(indexes) == 0 {
		return nil
	}
	ids, err := tx.FindPersonIDsByEmailIndex(ctx, indexes)
	if err != nil {
		return err
	}
	add := map[string][]string{} // stored person id → purposes to add
	var order []string
	for _, p := range people {
		id, ok := ids[string(p.EmailIndex)]
		if len(p.Purposes) == 0 || !ok || id == p.ID {
			continue // no purposes, or the row was inserted
		}
		if _, seen := add[id]; !seen {
			order = append(order, id)
		}
		add[id], _ = mergePurposes(add[id], p.Purposes)
	}
	for _, id := range order {
		sp, err := tx.FindPersonByIDForUpdate(ctx, id)
		if err != nil {
			return err
		}
		if _, err := s.addPurposes(ctx, tx, sp, add[id], s.clock.Now()); err != nil {
			return err
		}
	}
	return nil
}

// countingReader counts the bytes read, for progress reports.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
