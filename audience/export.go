package audience

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"runtime"
	"sync"
	"time"

	"github.com/vernhq/vern"
	"github.com/vernhq/vern/hashexport"
	"github.com/vernhq/vern/policy"
)

// ExportOptions say where and how an audience goes.
type ExportOptions struct {
	// Format is google, linkedin or csv.
	Format string
	// Recipient is the policy recipient the file is for; google and
	// linkedin by default for their formats, required for csv.
	Recipient string
	// Actor is who asked: "token:<id>" or "cli".
	Actor string
	// GmailDots removes the dots of gmail local parts before hashing
	// (REFERENCE.md §8.1; off for Customer Match).
	GmailDots bool
	// Progress, if set, is called after each page with the people looked
	// at so far and the total.
	Progress func(scanned, total int)
}

// Exclusion reasons reported besides the decision reasons.
const (
	ExcludedByRules    = "rules"
	ExcludedSuppressed = "suppressed"
	ExcludedNoContact  = "no_identifier"
)

// GoogleConsent carries the EEA consent signals Google requires with
// every Customer Match upload (REFERENCE.md §8.1): set GRANTED only
// because every exported person gave consent to the purpose.
type GoogleConsent struct {
	AdUserData        string `json:"ad_user_data"`
	AdPersonalization string `json:"ad_personalization"`
}

// Report says what an export did: how many people went out and why each
// other one did not. It holds no personal data.
type Report struct {
	ID        string `json:"id"`
	Audience  string `json:"audience"`
	Purpose   string `json:"purpose"`
	Recipient string `json:"recipient"`
	Format    string `json:"format"`
	// People is how many rows the file holds.
	People int `json:"people"`
	// Scanned is how many people were looked at.
	Scanned int `json:"scanned"`
	// Excluded counts the people left out, by reason: a decision reason
	// (restricted, objected, no_consent, consent_withdrawn, ...) or
	// rules, suppressed, no_identifier.
	Excluded map[string]int `json:"excluded"`
	// Consent is set for Google exports.
	Consent *GoogleConsent `json:"consent,omitempty"`
	At      time.Time      `json:"at"`
}

// exportPage is how many people are read, decided and hashed together.
const exportPage = 4096

// Export writes the members of the audience named name to w in
// opts.Format and records the export: one disclosure per member, written
// before that member's row leaves, and one summary. LinkedIn files are
// built whole first, since LinkedIn takes only 300 to 300,000 rows of at
// most 20 MB: a file outside those limits is refused and nothing is
// written or recorded.
//
// People are streamed from the store in id order, decided in bulk and
// hashed on every core; memory stays bounded by a few pages. A failure
// part way leaves the disclosures of the rows already written.
//
// Returns ENOTFOUND for an unknown audience; EINVALID for an unknown
// format, a recipient the policy does not share the purpose's data with,
// a Google export of a purpose that does not rest on consent (Google needs
// the EEA consent signals), or LinkedIn's limits.
func (s *Service) Export(ctx context.Context, name string, w io.Writer, opts ExportOptions) (*Report, error) {
	a, err := s.store.FindAudience(ctx, name)
	if err != nil {
		return nil, err
	}
	p, _ := s.policy.Current()
	enc, rep, err := s.prepare(p, a, opts)
	if err != nil {
		return nil, err
	}
	total, err := s.store.CountPeople(ctx)
	if err != nil {
		return nil, fmt.Errorf("count people: %w", err)
	}
	stream := &streamSink{w: w, s: s, rep: rep, export: &vern.AudienceExport{ID: rep.ID, Audience: a.Name, Purpose: a.Purpose,
		Recipient: rep.Recipient, Format: rep.Format, Actor: opts.Actor, At: rep.At}}
	var out sink = stream
	if opts.Format == hashexport.LinkedIn {
		out = &bufferSink{stream: stream}
	}
	if err := out.header(ctx, enc.Header()); err != nil {
		return nil, err
	}
	// The list is a few keyed hashes per opted-out person: held in
	// memory, it is checked for everyone without a query per page.
	hashes, err := s.store.FindSuppressionHashes(ctx)
	if err != nil {
		return nil, fmt.Errorf("read suppression list: %w", err)
	}
	suppressed := make(map[string]bool, len(hashes))
	for _, h := range hashes {
		suppressed[string(h)] = true
	}
	err = s.run(ctx, a, enc, rep, out, total, suppressed, opts.Progress)
	if err == nil {
		err = out.finish(ctx)
	}
	if err != nil {
		return nil, err
	}
	return rep, nil
}

func (s *Service) prepare(p *policy.Policy, a *vern.Audience, opts ExportOptions) (*hashexport.Encoder, *Report, error) {
	enc, err := hashexport.New(opts.Format, hashexport.Options{GmailDots: opts.GmailDots})
	if err != nil {
		return nil, nil, vern.Invalid(vern.FieldError{Field: "format", Code: "unknown_format", Message: "The format must be google, linkedin or csv."})
	}
	recipient := opts.Recipient
	if recipient == "" && opts.Format != hashexport.CSV {
		recipient = opts.Format
	}
	if recipient == "" {
		return nil, nil, vern.Invalid(vern.FieldError{Field: "recipient", Code: "required", Message: "Name the policy recipient a CSV export is for."})
	}
	if err := recipientFor(p, a.Purpose, recipient); err != nil {
		return nil, nil, err
	}
	pu, ok := p.Purpose(a.Purpose)
	if !ok {
		return nil, nil, vern.Invalid(vern.FieldError{Field: "purpose", Code: "unknown_purpose", Message: "The audience's purpose is no longer in the policy."})
	}
	now := s.clock.Now().UTC().Truncate(time.Microsecond)
	rep := &Report{ID: vern.NewID("aex", now), Audience: a.Name, Purpose: a.Purpose, Recipient: recipient, Format: opts.Format,
		Excluded: map[string]int{}, At: now}
	if opts.Format == hashexport.Google {
		if len(pu.LegalBasis) != 1 || pu.LegalBasis[0] != policy.BasisConsent {
			return nil, nil, vern.Invalid(vern.FieldError{Field: "format", Code: "consent_required",
				Message: "Google needs EEA consent (ad_user_data, ad_personalization) for every person uploaded; the audience's purpose does not rest on consent alone."})
		}
		rep.Consent = &GoogleConsent{AdUserData: "GRANTED", AdPersonalization: "GRANTED"}
	}
	return enc, rep, nil
}

// page is one page of members on its way to the file, in order.
type page struct {
	seq     int
	members []*vern.AudienceCandidate
	rows    []byte
	ids     []string
	noID    int
	err     error
}

// run streams every person through rules, decisions and suppression on
// this goroutine's reader, hashes pages on every core, and hands them to
// out in order.
func (s *Service) run(ctx context.Context, a *vern.Audience, enc *hashexport.Encoder, rep *Report, out sink, total int, suppressed map[string]bool, progress func(int, int)) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	workers := max(1, runtime.GOMAXPROCS(0))
	todo := make(chan *page, workers)
	done := make(chan *page, workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for pg := range todo {
				s.encode(enc, pg)
				done <- pg
			}
		}()
	}
	readErr := make(chan error, 1)
	go func() {
		readErr <- s.read(ctx, a, rep, todo, total, suppressed, progress)
		close(todo)
		wg.Wait()
		close(done)
	}()
	// Pages come back out of order; write them in order.
	pending := map[int]*page{}
	next := 0
	var err error
	for pg := range done {
		pending[pg.seq] = pg
		for pending[next] != nil && err == nil {
			pg := pending[next]
			delete(pending, next)
			next++
			if pg.err != nil {
				err = pg.err
				break
			}
			if pg.noID > 0 {
				rep.Excluded[ExcludedNoContact] += pg.noID
			}
			if len(pg.ids) == 0 {
				continue
			}
			rep.People += len(pg.ids)
			err = out.page(ctx, pg.rows, pg.ids)
		}
		if err != nil {
			cancel()
		}
	}
	// A read stopped by the cancel above reports context.Canceled; the
	// first error is the one to return.
	if rerr := <-readErr; err == nil {
		err = rerr
	}
	return err
}

// read pages through the registry and sends each page's members, after
// rules, decisions and suppression, to todo. Reading the next page of
// people overlaps with deciding the current one.
func (s *Service) read(ctx context.Context, a *vern.Audience, rep *Report, todo chan<- *page, total int, suppressed map[string]bool, progress func(int, int)) error {
	type candPage struct {
		after string
		cands []*vern.AudienceCandidate
	}
	pages := make(chan candPage, 2)
	readErr := make(chan error, 1)
	go func() {
		defer close(pages)
		after := ""
		for {
			cands, err := s.store.FindAudienceCandidates(ctx, after, exportPage)
			if err != nil {
				readErr <- fmt.Errorf("read people: %w", err)
				return
			}
			if len(cands) == 0 {
				readErr <- nil
				return
			}
			select {
			case pages <- candPage{after: after, cands: cands}:
			case <-ctx.Done():
				readErr <- ctx.Err()
				return
			}
			after = cands[len(cands)-1].Person.ID
		}
	}()
	seq := 0
	for pg := range pages {
		members, err := s.members(ctx, a, pg.after, pg.cands, suppressed, rep.Excluded)
		if err != nil {
			return err
		}
		rep.Scanned += len(pg.cands)
		select {
		case todo <- &page{seq: seq, members: members}:
		case <-ctx.Done():
			return ctx.Err()
		}
		seq++
		if progress != nil {
			progress(rep.Scanned, max(total, rep.Scanned))
		}
	}
	return <-readErr
}

// members keeps the candidates the audience's rules match, the decision
// engine allows and the suppression list does not hold, counting the rest
// by reason in excluded.
func (s *Service) members(ctx context.Context, a *vern.Audience, after string, cands []*vern.AudienceCandidate, suppressed map[string]bool, excluded map[string]int) ([]*vern.AudienceCandidate, error) {
	ids := make([]string, len(cands))
	for i, c := range cands {
		ids[i] = c.Person.ID
	}
	// One range read for the page's ledgers: the candidates are every
	// living person in (after, last id], in order.
	events, contracts, err := s.store.FindAudienceLedger(ctx, after, ids[len(ids)-1])
	if err != nil {
		return nil, fmt.Errorf("read ledgers: %w", err)
	}
	decisions, facts, err := s.decider.DecideLoaded(a.Purpose, ids, events, contracts)
	if err != nil {
		return nil, fmt.Errorf("decide %s: %w", a.Purpose, err)
	}
	kept := make([]*vern.AudienceCandidate, 0, len(cands))
	for i, c := range cands {
		sp := c.Person
		switch {
		case !a.Matches(vern.AudienceFacts{OrgCountry: c.OrgCountry, HasContract: facts[i].Customer, SourceChannel: sp.SourceChannel,
			Language: sp.Language, CreatedAt: sp.CreatedAt}):
			excluded[ExcludedByRules]++
		case !decisions[i].Allowed:
			excluded[decisions[i].Reason]++
		case sp.EmailIndex != nil && suppressed[string(sp.EmailIndex)]:
			excluded[ExcludedSuppressed]++
		default:
			kept = append(kept, c)
		}
	}
	return kept, nil
}

// encode decrypts and hashes a page's members into CSV rows.
func (s *Service) encode(enc *hashexport.Encoder, pg *page) {
	var b bytes.Buffer
	b.Grow(len(pg.members) * 72)
	row := make([]byte, 0, 512)
	for _, c := range pg.members {
		pd, err := s.people.OpenPersonal(c.Person)
		if err != nil {
			pg.err = fmt.Errorf("open person: %w", err)
			return
		}
		var ok bool
		row, ok = enc.AppendRow(row[:0], hashexport.Contact{Email: pd.Email, Phone: pd.Phone,
			FirstName: pd.FirstName, LastName: pd.LastName, Country: c.OrgCountry})
		if !ok {
			pg.noID++
			continue
		}
		b.Write(row)
		pg.ids = append(pg.ids, c.Person.ID)
	}
	pg.rows, pg.members = b.Bytes(), nil
}

// sink receives the file in order.
type sink interface {
	header(ctx context.Context, b []byte) error
	page(ctx context.Context, rows []byte, ids []string) error
	finish(ctx context.Context) error
}

// streamSink records the export before the header goes out, and each
// page's members before the page does.
type streamSink struct {
	w      io.Writer
	s      *Service
	rep    *Report
	export *vern.AudienceExport
}

func (o *streamSink) header(ctx context.Context, b []byte) error {
	if err := o.s.store.CreateAudienceExport(ctx, o.export); err != nil {
		return fmt.Errorf("record audience export: %w", err)
	}
	if _, err := o.w.Write(b); err != nil {
		return fmt.Errorf("write export: %w", err)
	}
	return nil
}

func (o *streamSink) page(ctx context.Context, rows []byte, ids []string) error {
	if err := o.record(ctx, ids); err != nil {
		return err
	}
	if _, err := o.w.Write(rows); err != nil {
		return fmt.Errorf("write export: %w", err)
	}
	return nil
}

func (o *streamSink) finish(context.Context) error { return nil }

// record notes the disclosure of each member's hashed contact data to
// the recipient, for the purpose, in this export (Art. 15(1)(c), 19).
func (o *streamSink) record(ctx context.Context, ids []string) error {
	if err := o.s.store.AddAudienceExportMembers(ctx, o.export.Seq, ids); err != nil {
		return fmt.Errorf("record disclosures: %w", err)
	}
	return nil
}

// bufferSink holds a LinkedIn file until its limits are checked.
type bufferSink struct {
	stream *streamSink
	head   []byte
	buf    bytes.Buffer
	ids    []string
}

func (o *bufferSink) header(_ context.Context, b []byte) error {
	o.head = b
	return nil
}

func (o *bufferSink) page(_ context.Context, rows []byte, ids []string) error {
	o.ids = append(o.ids, ids...)
	o.buf.Write(rows)
	if len(o.ids) > hashexport.LinkedInMaxRows || o.buf.Len()+len(o.head) > hashexport.LinkedInMaxBytes {
		return vern.Invalid(vern.FieldError{Field: "format", Code: "too_many",
			Message: fmt.Sprintf("LinkedIn takes at most %d records or 20 MB per list; narrow the audience.", hashexport.LinkedInMaxRows)})
	}
	return nil
}

func (o *bufferSink) finish(ctx context.Context) error {
	if len(o.ids) < hashexport.LinkedInMinRows {
		return vern.Invalid(vern.FieldError{Field: "format", Code: "too_few",
			Message: fmt.Sprintf("LinkedIn needs at least %d rows per list; the audience has %d.", hashexport.LinkedInMinRows, len(o.ids))})
	}
	if err := o.stream.header(ctx, o.head); err != nil {
		return err
	}
	for lo := 0; lo < len(o.ids); lo += exportPage {
		if err := o.stream.record(ctx, o.ids[lo:min(lo+exportPage, len(o.ids))]); err != nil {
			return err
		}
	}
	if _, err := o.stream.w.Write(o.buf.Bytes()); err != nil {
		return fmt.Errorf("write export: %w", err)
	}
	return nil
}
