package retention

import (
	"context"
	"slices"
	"time"

	"github.com/vernhq/vern"
	"github.com/vernhq/vern/calendar"
)

// Rules that act on records rather than on people: accounting documents
// whose hold has ended, ledger evidence of long-withdrawn consents and old
// survey answers. Each batch is one transaction that also writes an audit
// record per person and stores the run's report; the records it removes
// are no longer found, so a resumed sweep cannot count them twice.

// documents deletes, rule by rule, the accounting documents whose hold
// has ended, whether the person they name is living or erased.
func (w *sweeper) documents(ctx context.Context) error {
	for _, dr := range w.pl.documents {
		due := dr.due
		due.Limit = w.batch
		key := dr.rule.Key
		if w.dry {
			people := map[string]bool{}
			for {
				ds, err := w.store.FindDocumentsDue(ctx, due)
				if err != nil {
					return err
				}
				if len(ds) == 0 {
					break
				}
				x := w.rep.rule(key)
				for _, d := range ds {
					x.Records++
					w.rep.Documents++
					if !people[d.PersonID] {
						people[d.PersonID] = true
						x.People++
					}
					if len(x.IDs) < w.list {
						x.IDs = append(x.IDs, d.ID)
					}
				}
				due.After = ds[len(ds)-1].ID
			}
			continue
		}
		for done := false; !done; {
			ds, err := w.store.FindDocumentsDue(ctx, due)
			if err != nil {
				return err
			}
			if len(ds) == 0 {
				break // none left: no transaction
			}
			err = w.commit(ctx, func(tx vern.Store, next *Report) error {
				done = false
				ds, err := tx.FindDocumentsDue(ctx, due) // the deleted ones are gone: always from the start
				if err != nil || len(ds) == 0 {
					done = true
					return err
				}
				ids := make([]string, len(ds))
				var people []string
				for i, d := range ds {
					ids[i] = d.ID
					if !slices.Contains(people, d.PersonID) {
						people = append(people, d.PersonID)
					}
				}
				slices.Sort(people)
				n, err := tx.DeleteDocuments(ctx, ids)
				if err != nil {
					return err
				}
				if err := appendTrail(ctx, tx, people, []string{"documents"}, "retention "+key, w.run.ID, w.now()); err != nil {
					return err
				}
				x := next.rule(key)
				x.Records += n
				x.People += len(people)
				next.Documents += n
				return nil
			})
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// ledgerEvents returns the ids of the events of f's person that the
// ledger rules make due, by the key of the rule: the grant and withdrawal
// events, not yet redacted, of each purpose ledgerDue names.
func (w *sweeper) ledgerEvents(ctx context.Context, st vern.Store, f *vern.RetentionFacts) (map[string][]string, error) {
	purposes := w.pl.ledgerDue(f)
	if len(purposes) == 0 {
		return nil, nil
	}
	evs, err := st.FindConsentEvents(ctx, f.PersonID)
	if err != nil {
		return nil, err
	}
	out := map[string][]string{}
	for _, e := range evs {
		if e.Redacted || e.Kind != vern.EventConsentGranted && e.Kind != vern.EventConsentWithdrawn || !slices.Contains(purposes, e.Purpose) {
			continue
		}
		key := w.pl.ledger[e.Purpose].Key
		out[key] = append(out[key], e.ID)
	}
	return out, nil
}

// ledgerSkip says why a kept person's due ledger evidence is left alone.
func ledgerSkip(f *vern.RetentionFacts) string {
	switch {
	case f.Restricted:
		return SkipRestricted
	case f.OpenRequests > 0:
		return SkipOpenRequest
	}
	return ""
}

// ledgerDry counts the events redactLedgers would redact.
func (w *sweeper) ledgerDry(ctx context.Context, fs []*vern.RetentionFacts) error {
	for _, f := range fs {
		if reason := ledgerSkip(f); reason != "" {
			w.rep.skip(w.pl.ledger[w.pl.ledgerDue(f)[0]].Key, reason)
			continue
		}
		byRule, err := w.ledgerEvents(ctx, w.store, f)
		if err != nil {
			return err
		}
		for key, ids := range byRule {
			x := w.rep.rule(key)
			x.Records += len(ids)
			x.People++
			w.rep.Events += len(ids)
		}
	}
	return nil
}

// redactLedgers redacts, for people who are kept, the evidence that the
// ledger rules make due, a batch per transaction with the people's rows
// locked, so a consent granted again meanwhile keeps its evidence.
func (w *sweeper) redactLedgers(ctx context.Context, fs []*vern.RetentionFacts) error {
	for len(fs) > 0 {
		chunk := fs[:min(len(fs), w.batch)]
		fs = fs[len(chunk):]
		ids := make([]string, len(chunk))
		for i, f := range chunk {
			ids[i] = f.PersonID
		}
		err := w.commit(ctx, func(tx vern.Store, next *Report) error {
			fresh, err := tx.FindRetentionFactsOf(ctx, ids)
			if err != nil {
				return err
			}
			var events []string
			people := map[string][]string{} // by rule key
			for _, f := range fresh {
				if len(w.pl.ledgerDue(f)) == 0 {
					continue
				}
				if d := w.pl.decide(f); d != nil && !d.hold {
					continue // due now: the erasure redacts everything
				}
				if reason := ledgerSkip(f); reason != "" {
					next.skip(w.pl.ledger[w.pl.ledgerDue(f)[0]].Key, reason)
					continue
				}
				byRule, err := w.ledgerEvents(ctx, tx, f)
				if err != nil {
					return err
				}
				for key, evs := range byRule {
					events = append(events, evs...)
					people[key] = append(people[key], f.PersonID)
					next.rule(key).Records += len(evs)
					next.rule(key).People++
				}
			}
			if len(events) == 0 {
				return nil
			}
			n, err := tx.RedactConsentEventsByID(ctx, events)
			if err != nil {
				return err
			}
			next.Events += n
			for _, key := range sortedKeys(people) {
				if err := appendTrail(ctx, tx, people[key], []string{"consent_events"}, "retention "+key, w.run.ID, w.now()); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// feedback folds survey answers older than their rule's period into the
// statistics and deletes them. It runs after the people stage, so the
// answers left are those of people who are kept.
func (w *sweeper) feedback(ctx context.Context) error {
	for _, fr := range w.pl.feedback {
		due := vern.InteractionDue{Kind: fr.kind, Before: fr.cutoff, Limit: w.batch}
		key := fr.rule.Key
		purposes := fr.rule.Purposes
		seen := map[string]bool{}
		for {
			if peek, err := w.store.FindInteractionsDue(ctx, due); err != nil || len(peek) == 0 {
				if err != nil {
					return err
				}
				break // none left: no transaction
			}
			var ins []*vern.SealedInteraction
			err := w.commitOrRead(ctx, func(st vern.Store, next *Report) error {
				var err error
				ins, err = st.FindInteractionsDue(ctx, due)
				if err != nil || len(ins) == 0 {
					return err
				}
				var ids []string
				for _, in := range ins {
					if !slices.Contains(ids, in.PersonID) && !w.gone[in.PersonID] {
						ids = append(ids, in.PersonID)
					}
				}
				slices.Sort(ids)
				fresh, err := st.FindRetentionFactsOf(ctx, ids)
				if err != nil {
					return err
				}
				facts := make(map[string]*vern.RetentionFacts, len(fresh))
				for _, f := range fresh {
					facts[f.PersonID] = f
				}
				x := next.rule(key)
				var del, people []string
				cells := newCells()
				for _, in := range ins {
					f := facts[in.PersonID]
					if f == nil {
						continue // erased, or a dry run's erasure would take it
					}
					if reason := ledgerSkip(f); reason != "" {
						if !seen[f.PersonID] {
							seen[f.PersonID] = true
							next.skip(key, reason)
						}
						continue
					}
					del = append(del, in.ID)
					if !slices.Contains(people, f.PersonID) {
						people = append(people, f.PersonID)
					}
					cell := vern.StatCell{Metric: vern.StatInteractions, Month: calendar.DateOf(in.CreatedAt).String()[:7],
						Channel: f.SourceChannel, OrgBand: vern.OrgBand(f.OrganizationPeople)}
					for _, p := range purposes {
						cell.Purpose = p
						cells[cell]++
					}
				}
				if len(del) == 0 {
					return nil
				}
				x.People += len(people)
				if w.dry {
					x.Records += len(del)
					next.Interactions += len(del)
					return nil
				}
				if err := st.AddStats(ctx, cells.list()); err != nil {
					return err
				}
				n, err := st.DeleteInteractionsByID(ctx, del)
				if err != nil {
					return err
				}
				x.Records += n
				next.Interactions += n
				slices.Sort(people)
				return appendTrail(ctx, st, people, []string{"interactions"}, "retention "+key, w.run.ID, w.now())
			})
			if err != nil {
				return err
			}
			if len(ins) == 0 {
				break
			}
			// Answers kept (restricted people) stay behind the key.
			due.After = ins[len(ins)-1].ID
		}
	}
	return nil
}

// commitOrRead runs fn in a committed batch, or for a dry run straight on
// the store and the report.
func (w *sweeper) commitOrRead(ctx context.Context, fn func(st vern.Store, next *Report) error) error {
	if w.dry {
		return fn(w.store, w.rep)
	}
	return w.commit(ctx, fn)
}

func (w *sweeper) now() time.Time { return w.clock.Now().UTC().Truncate(time.Microsecond) }
