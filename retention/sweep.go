package retention

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/vernhq/vern"
	"github.com/vernhq/vern/person"
)

// DryRun reports exactly what Run would do now, changing nothing.
func (s *Service) DryRun(ctx context.Context, opt Options) (*Report, error) {
	return s.sweep(ctx, opt, true)
}

// Run sweeps: it erases every person a rule makes due, restricts those
// that accounting documents under a legal hold name, and returns the
// report. An unfinished sweep (the process died) is resumed, with its
// original cut-off time, after the last batch it committed.
func (s *Service) Run(ctx context.Context, opt Options) (*Report, error) {
	return s.sweep(ctx, opt, false)
}

type page struct {
	facts []*vern.RetentionFacts
	err   error
}

// leaseFor is how long a sweep's claim on its run lasts without a
// committed batch renewing it; a sweep whose process died is taken over
// once it has lapsed.
const leaseFor = 5 * time.Minute

// Stages of a sweep, in order; Report.Stage counts those completed.
const (
	stageDocuments = 1
	stagePeople    = 2
	stageFeedback  = 3
	stageVisitors  = 4
)

func (s *Service) sweep(ctx context.Context, opt Options, dry bool) (_ *Report, err error) {
	pol, _ := s.policy.Current()
	if pol == nil {
		return nil, vern.Errorf(vern.EINTERNAL, "No policy is published.")
	}
	now := s.clock.Now().UTC().Truncate(time.Microsecond)
	var run *vern.RetentionRun
	resumed := false
	if !dry {
		if run, resumed, err = s.startRun(ctx, now); err != nil {
			return nil, err
		}
		defer func() {
			if err != nil { // let the next sweep resume at once
				r := &vern.RetentionRun{ID: run.ID, LeaseOwner: run.LeaseOwner}
				_ = s.store.TakeRetentionRun(context.WithoutCancel(ctx), r, s.clock.Now())
			}
		}()
	}
	asOf := now
	if run != nil {
		asOf = run.AsOf
	}
	pl := newPlanner(pol, asOf)
	rep := newReport(pol, pl, asOf, dry)
	if run != nil {
		rep.RunID = run.ID
		if resumed && len(run.Report) > 0 {
			if err := json.Unmarshal(run.Report, rep); err != nil {
				return nil, fmt.Errorf("resume retention run %s: %w", run.ID, err)
			}
		}
		rep.Resumed = resumed
	}
	w := &sweeper{Service: s, run: run, rep: rep, pl: pl, dry: dry, list: opt.ListIDs}
	if rep.Stage < stageDocuments {
		if err := w.documents(ctx); err != nil {
			return nil, err
		}
		if err := w.stage(ctx, stageDocuments); err != nil {
			return nil, err
		}
	}
	if rep.Stage < stagePeople {
		if err := w.people(ctx, opt); err != nil {
			return nil, err
		}
		if err := w.stage(ctx, stagePeople); err != nil {
			return nil, err
		}
	}
	if rep.Stage < stageFeedback {
		if err := w.feedback(ctx); err != nil {
			return nil, err
		}
		if err := w.stage(ctx, stageFeedback); err != nil {
			return nil, err
		}
	}
	if rep.Stage < stageVisitors {
		if err := w.visitors(ctx); err != nil {
			return nil, err
		}
		if err := w.stage(ctx, stageVisitors); err != nil {
			return nil, err
		}
	}
	rep = w.rep
	rep.Finished = true
	if run != nil {
		fin := s.clock.Now().UTC().Truncate(time.Microsecond)
		run.FinishedAt = &fin
		b, err := rep.marshal()
		if err != nil {
			return nil, err
		}
		run.Report, run.LeaseUntil = b, time.Time{}
		if err := s.store.UpdateRetentionRun(ctx, run); err != nil {
			return nil, fmt.Errorf("finish retention run: %w", err)
		}
		s.log.Info("retention sweep finished", "run_id", run.ID, "scanned", rep.Scanned, "erased", rep.Erased, "held", rep.Held,
			"documents", rep.Documents, "duration_ms", fin.Sub(now).Milliseconds())
	}
	return rep, nil
}

// sweeper is one sweep in progress.
type sweeper struct {
	*Service
	run  *vern.RetentionRun // nil for a dry run
	rep  *Report
	pl   *planner
	dry  bool
	list int
	// gone holds the people a dry run would erase or hold, whose
	// interactions would go with them.
	gone map[string]bool
}

// stage records that a stage is complete. A real sweep stores it with
// the run's next batch, so that a resumed sweep skips the stage; a stage
// redone after a crash finds only what it had not yet done.
func (w *sweeper) stage(_ context.Context, n int) error {
	w.rep.Stage = n
	return nil
}

// commit runs fn, which changes a copy of the report inside tx, in one
// transaction that also stores the run's progress, tried again when
// another writer makes it conflict; the sweep keeps the copy once it
// committed.
func (w *sweeper) commit(ctx context.Context, fn func(tx vern.Store, next *Report) error) error {
	var err error
	for try := 0; ; try++ {
		var next *Report
		err = w.store.InTx(ctx, func(tx vern.Store) error {
			next = w.rep.clone()
			if err := fn(tx, next); err != nil {
				return err
			}
			return w.saveRun(ctx, tx, w.run, next, w.run.Cursor)
		})
		if err == nil {
			w.rep = next
			return nil
		}
		if vern.ErrorCode(err) != vern.ECONFLICT || try == 4 || isLeaseLost(err) {
			return fmt.Errorf("retention sweep batch: %w", err)
		}
	}
}

// isLeaseLost reports whether err says another sweep took the run over:
// trying again cannot help.
func isLeaseLost(err error) bool {
	var e *vern.Error
	return errors.As(err, &e) && e.Code == vern.ECONFLICT && strings.HasPrefix(e.Message, "Another retention sweep")
}

// people examines every living person, a page at a time, and erases,
// holds or keeps each; for those kept it redacts ledger evidence that a
// ledger rule makes due.
func (w *sweeper) people(ctx context.Context, opt Options) error {
	total, err := w.store.CountPeople(ctx)
	if err != nil {
		return err
	}
	if w.dry {
		w.gone = map[string]bool{}
	}
	// Reading runs one page ahead of erasing: on SQLite the readers work
	// beside the single writer, on PostgreSQL on another connection.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	pages := make(chan page, 2)
	after := ""
	if w.run != nil {
		after = w.run.Cursor
	}
	go func() {
		defer close(pages)
		for {
			fs, err := w.store.FindRetentionFacts(ctx, after, w.page)
			if err != nil || len(fs) == 0 {
				if err != nil {
					pages <- page{err: err}
				}
				return
			}
			select {
			case pages <- page{facts: fs}:
			case <-ctx.Done():
				return
			}
			after = fs[len(fs)-1].PersonID
		}
	}()

	scanned := 0
	for pg := range pages {
		if pg.err != nil {
			return fmt.Errorf("retention sweep: %w", pg.err)
		}
		var erase, holds, ledger []*vern.RetentionFacts
		var decisions []*decision
		for _, f := range pg.facts {
			d := w.pl.decide(f)
			switch {
			case d == nil:
			case d.skip != "":
				w.rep.skip(d.rule, d.skip)
			case d.hold:
				holds = append(holds, f)
				decisions = append(decisions, d)
			default:
				erase = append(erase, f)
			}
			if (d == nil || d.hold) && len(w.pl.ledger) > 0 && len(w.pl.ledgerDue(f)) > 0 {
				ledger = append(ledger, f)
			}
		}
		scanned += len(pg.facts)
		w.rep.Scanned += len(pg.facts)
		if w.dry {
			w.countDry(w.rep, w.pl, erase, holds, w.list)
			for _, group := range [][]*vern.RetentionFacts{erase, holds} {
				for _, f := range group {
					w.gone[f.PersonID] = true
				}
			}
			if err := w.ledgerDry(ctx, ledger); err != nil {
				return err
			}
		} else {
			for i, f := range holds {
				if err := w.hold(ctx, w.run, w.rep, f, decisions[i]); err != nil {
					return err
				}
			}
			if err := w.redactLedgers(ctx, ledger); err != nil {
				return err
			}
			last := pg.facts[len(pg.facts)-1].PersonID
			if err := w.eraseAll(ctx, w.run, &w.rep, w.pl, erase, last); err != nil {
				return err
			}
		}
		if opt.Progress != nil {
			opt.Progress(scanned, total)
		}
	}
	return ctx.Err()
}

// startRun resumes the unfinished run, or starts a new one, and leases it
// to this sweep. Returns ECONFLICT while another sweep works on the
// unfinished run.
func (s *Service) startRun(ctx context.Context, now time.Time) (*vern.RetentionRun, bool, error) {
	owner := vern.NewID("swp", now)
	for range 3 {
		run, err := s.store.FindUnfinishedRetentionRun(ctx)
		if err == nil {
			run.LeaseOwner, run.LeaseUntil = owner, now.Add(leaseFor)
			err = s.store.TakeRetentionRun(ctx, run, now)
			switch vern.ErrorCode(err) {
			case "":
				s.log.Info("retention sweep resumed", "run_id", run.ID, "cursor_set", run.Cursor != "")
				return run, true, nil
			case vern.ENOTFOUND:
				continue // finished meanwhile
			case vern.ECONFLICT:
				return nil, false, vern.Errorf(vern.ECONFLICT, "Another retention sweep is running (run %s); try again once it has finished.", run.ID)
			}
			return nil, false, err
		} else if vern.ErrorCode(err) != vern.ENOTFOUND {
			return nil, false, err
		}
		run = &vern.RetentionRun{ID: vern.NewID("ret", now), AsOf: now, StartedAt: now, LeaseOwner: owner, LeaseUntil: now.Add(leaseFor)}
		err = s.store.CreateRetentionRun(ctx, run)
		if err == nil {
			return run, false, nil
		} else if vern.ErrorCode(err) != vern.ECONFLICT {
			return nil, false, err
		}
		// Another sweep started at the same moment: it holds the run.
	}
	return nil, false, errors.New("start retention run: runs keep conflicting")
}

func (s *Service) countDry(rep *Report, pl *planner, erase, holds []*vern.RetentionFacts, list int) {
	for _, group := range []struct {
		fs   []*vern.RetentionFacts
		hold bool
	}{{erase, false}, {holds, true}} {
		for _, f := range group.fs {
			d := pl.decide(f)
			x := rep.rule(d.rule)
			if group.hold {
				rep.Held++
				x.Held++
			} else {
				rep.Erased++
				x.Erased++
				rep.Interactions += f.Interactions
			}
			if len(x.IDs) < list {
				x.IDs = append(x.IDs, f.PersonID)
			}
		}
	}
}

// eraseAll erases fs in batches; the last batch (or, with nothing to
// erase, an update of its own) moves the run's cursor to last.
func (s *Service) eraseAll(ctx context.Context, run *vern.RetentionRun, rep **Report, pl *planner, fs []*vern.RetentionFacts, last string) error {
	if len(fs) == 0 {
		next := (*rep).clone()
		return s.store.InTx(ctx, func(tx vern.Store) error { return s.saveRun(ctx, tx, run, next, last) })
	}
	for len(fs) > 0 {
		chunk := fs[:min(len(fs), s.batch)]
		fs = fs[len(chunk):]
		cursor := run.Cursor
		if len(fs) == 0 {
			cursor = last
		}
		var next *Report
		var err error
		// Another node's audit recorder appending to one of these
		// people's trails at the same moment makes the batch conflict; it
		// is rolled back whole and tried again.
		for try := 0; ; try++ {
			next, err = s.eraseBatch(ctx, run, *rep, pl, chunk, cursor)
			if vern.ErrorCode(err) != vern.ECONFLICT || try == 4 {
				break
			}
		}
		if err != nil {
			return err
		}
		*rep = next
	}
	return nil
}

// eraseBatch erases, in one transaction, those of fs whom the rules still
// make due once their rows are locked: it folds them into the statistics,
// lists withdrawn and objecting subscribers in the suppression list,
// writes an erase record per person to the audit trail, crypto-shreds
// them and stores the run's progress.
func (s *Service) eraseBatch(ctx context.Context, run *vern.RetentionRun, rep *Report, pl *planner, fs []*vern.RetentionFacts, cursor string) (*Report, error) {
	ids := make([]string, len(fs))
	for i, f := range fs {
		ids[i] = f.PersonID
	}
	var out *Report
	var erased []string
	var erasedIndexes [][]byte
	err := s.store.InTx(ctx, func(tx vern.Store) error {
		erased, erasedIndexes = nil, nil // fn may run again
		next := rep.clone()
		fresh, err := tx.FindRetentionFactsOf(ctx, ids)
		if err != nil {
			return err
		}
		now := s.clock.Now().UTC().Truncate(time.Microsecond)
		var erase []string
		var indexes [][]byte
		var sups []*vern.Suppression
		cells := newCells()
		for _, f := range fresh {
			d := pl.decide(f)
			if d == nil || d.skip != "" || d.hold {
				continue // changed since it was read: a later sweep decides again
			}
			erase = append(erase, f.PersonID)
			indexes = append(indexes, f.EmailIndex)
			cells.fold(f, d)
			if reason := suppressReason(pl, f); reason != "" && len(f.EmailIndex) > 0 {
				sups = append(sups, &vern.Suppression{Hash: f.EmailIndex, Reason: reason, At: now})
			}
			next.rule(d.rule).Erased++
		}
		if len(erase) > 0 {
			if err := tx.AddStats(ctx, cells.list()); err != nil {
				return err
			}
			if err := tx.AddSuppressions(ctx, sups); err != nil {
				return err
			}
			if err := appendTrail(ctx, tx, erase, []string{"everything"}, Operation, run.ID, now); err != nil {
				return err
			}
			be, err := s.people.EraseMany(ctx, tx, erase, indexes)
			if err != nil {
				return err
			}
			if be.People != len(erase) {
				return fmt.Errorf("erase people: %d of %d erased; the batch is rolled back", be.People, len(erase))
			}
			erased, erasedIndexes = erase, indexes
			next.Erased += be.People
			next.Interactions += be.Interactions
			next.Events += be.Events
			next.Suppressed += len(sups)
		}
		if err := s.saveRun(ctx, tx, run, next, cursor); err != nil {
			return err
		}
		out = next
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("retention sweep batch: %w", err)
	}
	s.people.Forget(erased, erasedIndexes)
	run.Cursor = cursor
	return out, nil
}

// hold restricts a due person whom accounting documents under a legal
// hold name: what the law lets go of is removed now (person.Service.Hold)
// and the rest once the hold ends.
func (s *Service) hold(ctx context.Context, run *vern.RetentionRun, rep *Report, f *vern.RetentionFacts, d *decision) error {
	var next *Report
	_, err := s.people.Hold(ctx, f.PersonID, d.holdUntil, func(tx vern.Store, e *person.Erasure) error {
		next = rep.clone()
		next.Held++
		next.rule(d.rule).Held++
		next.Interactions += e.Interactions
		now := s.clock.Now().UTC().Truncate(time.Microsecond)
		if err := appendTrail(ctx, tx, []string{f.PersonID}, []string{"interactions", "phone"}, Operation, run.ID, now); err != nil {
			return err
		}
		return s.saveRun(ctx, tx, run, next, run.Cursor)
	})
	if vern.ErrorCode(err) == vern.ENOTFOUND {
		return nil // erased meanwhile
	} else if err != nil {
		return err
	}
	*rep = *next
	return nil
}

func (s *Service) saveRun(ctx context.Context, tx vern.Store, run *vern.RetentionRun, rep *Report, cursor string) error {
	b, err := rep.marshal()
	if err != nil {
		return err
	}
	r := *run
	r.Cursor, r.Report, r.LeaseUntil = cursor, b, s.clock.Now().Add(leaseFor)
	return tx.UpdateRetentionRun(ctx, &r)
}

// suppressReason says why an erased person's email hash must stay on the
// suppression list: they objected, or withdrew consent to direct
// marketing. A lead who merely went quiet is not listed, so they may sign
// up again.
func suppressReason(pl *planner, f *vern.RetentionFacts) string {
	if f.Objected {
		return vern.SuppressObjection
	}
	for k, c := range f.Consents {
		if pu, ok := pl.pol.Purpose(k); ok && pu.DirectMarketing && c.Kind == vern.EventConsentWithdrawn {
			return vern.SuppressUnsubscribe
		}
	}
	return ""
}

// appendTrail writes one record per person to the access trail in tx,
// sealed after each person's last record: in the same transaction as the
// erasure, so the trail shows every erasure that happened and no other.
func appendTrail(ctx context.Context, tx vern.Store, ids, fields []string, operation, runID string, at time.Time) error {
	last, err := tx.FindLastAccessRecords(ctx, ids)
	if err != nil {
		return err
	}
	recs := make([]*vern.AccessRecord, len(ids))
	for i, id := range ids { // ids are in id order, as AppendAccessRecords asks
		a := &vern.AccessRecord{ID: vern.NewID("acc", at), PersonID: id, Actor: Actor, Action: vern.AccessErase,
			Operation: operation, Fields: fields, RequestID: runID, At: at}
		a.Seal(last[id])
		recs[i] = a
	}
	return tx.AppendAccessRecords(ctx, recs)
}
