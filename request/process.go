package request

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/vernhq/vern"
	"github.com/vernhq/vern/calendar"
	"github.com/vernhq/vern/consent"
	"github.com/vernhq/vern/person"
)

// Actor of the steps the service takes on its own.
const systemActor = "system:requests"

// errStepDone stops a step whose mark already exists: it was done before a
// crash, and its transaction is rolled back untouched.
var errStepDone = errors.New("request step already done")

// MaxTransferAttempts is how many times a direct transfer is tried before
// the request completes with a download link instead.
const MaxTransferAttempts = 5

// Process carries a verified request forward as far as Vern can take it
// alone: every kind but complaints is fulfilled and completed. It is safe to
// run again at any point, concurrently too: steps already done are skipped.
// A returned error means "try again later".
func (s *Service) Process(ctx context.Context, id string) error {
	sr, err := s.store.FindRequest(ctx, id)
	if err != nil {
		return fmt.Errorf("process request %s: %w", id, err)
	}
	if sr.Status != vern.StatusVerified && sr.Status != vern.StatusInProgress {
		return nil
	}
	r, err := s.open(sr)
	if err != nil {
		return err
	}
	if err := s.step(ctx, r, "start", func(tx vern.Store, r *vern.Request, sr *vern.SealedRequest) ([]byte, error) {
		if r.Status != vern.StatusVerified {
			return nil, nil
		}
		return nil, s.move(ctx, tx, r, sr, vern.StatusInProgress, systemActor, "fulfilment started", "")
	}); err != nil {
		return err
	}
	steps, err := s.store.FindRequestSteps(ctx, id)
	if err != nil {
		return err
	}
	switch r.Kind {
	case vern.RequestAccess, vern.RequestPortability:
		err = s.processPackage(ctx, r, steps)
	case vern.RequestRectification:
		err = s.processRectification(ctx, r, steps)
	case vern.RequestErasure:
		err = s.processErasure(ctx, r, steps)
	case vern.RequestRestriction:
		err = s.processRestriction(ctx, r, steps)
	case vern.RequestObjection:
		err = s.processObjection(ctx, r, steps)
	case vern.RequestWithdrawal:
		err = s.processWithdrawal(ctx, r, steps)
	case vern.RequestComplaint:
		return nil // answered by staff (Complete)
	}
	if err != nil {
		return fmt.Errorf("process request %s: %w", id, err)
	}
	return s.finish(ctx, r.ID)
}

// step runs fn at most once per request: fn and the step's mark commit
// together. fn gets the request locked and may change it.
func (s *Service) step(ctx context.Context, r *vern.Request, name string, fn func(tx vern.Store, r *vern.Request, sr *vern.SealedRequest) ([]byte, error)) error {
	err := s.store.InTx(ctx, func(tx vern.Store) error {
		sr, err := tx.FindRequestForUpdate(ctx, r.ID)
		if err != nil {
			return err
		}
		cur, err := s.open(sr)
		if err != nil {
			return err
		}
		result, err := fn(tx, cur, sr)
		if err != nil {
			return err
		}
		if err := s.mark(ctx, tx, r.ID, name, result); err != nil {
			return err
		}
		*r = *cur
		return nil
	})
	if errors.Is(err, errStepDone) {
		return nil
	}
	return err
}

// mark records a step as done; errStepDone when it already was.
func (s *Service) mark(ctx context.Context, tx vern.Store, id, name string, result []byte) error {
	err := tx.MarkRequestStep(ctx, id, name, s.clock.Now().UTC().Truncate(time.Microsecond), result)
	if vern.ErrorCode(err) == vern.ECONFLICT {
		return errStepDone
	}
	return err
}

// evidence is the ledger evidence of a change a request makes.
func (s *Service) evidence(r *vern.Request) consent.Evidence {
	src := vern.ChannelAPI
	if r.Channel == "public" {
		src = vern.ChannelWebForm
	}
	return consent.Evidence{Source: src}
}

func (s *Service) processRectification(ctx context.Context, r *vern.Request, steps map[string][]byte) error {
	if r.PersonID == "" || steps["rectify"] != nil {
		return s.notifyRecipients(ctx, r, steps, vern.TopicPersonRectified)
	}
	_, err := s.people.Update(ctx, r.PersonID, *r.Details.Changes, func(tx vern.Store, before, after *vern.Person) error {
		changes := fieldChanges(before, after)
		b, err := json.Marshal(changes)
		if err != nil {
			return err
		}
		return s.mark(ctx, tx, r.ID, "rectify", b)
	})
	switch {
	case err == nil, errors.Is(err, errStepDone):
	case vern.ErrorCode(err) == vern.EINVALID, vern.ErrorCode(err) == vern.ENOTFOUND:
		// The correction cannot be applied as asked: staff decide, and the
		// person hears why.
		return s.reject(ctx, r.ID, "The correction could not be applied: "+vern.ErrorMessage(err))
	default:
		return err
	}
	if steps, err = s.store.FindRequestSteps(ctx, r.ID); err != nil {
		return err
	}
	return s.notifyRecipients(ctx, r, steps, vern.TopicPersonRectified)
}

// FieldChange is one corrected field; it is kept sealed in the request.
type FieldChange struct {
	Field string `json:"field"`
	Old   string `json:"old"`
	New   string `json:"new"`
}

func fieldChanges(before, after *vern.Person) []FieldChange {
	var out []FieldChange
	add := func(f, o, n string) {
		if o != n {
			out = append(out, FieldChange{f, o, n})
		}
	}
	add("first_name", before.FirstName, after.FirstName)
	add("last_name", before.LastName, after.LastName)
	add("email", before.Email, after.Email)
	add("phone", before.Phone, after.Phone)
	add("language", before.Language, after.Language)
	org := func(p *vern.Person) string {
		if p.Organization == nil {
			return ""
		}
		return p.Organization.Name
	}
	add("organization", org(before), org(after))
	return out
}

func (s *Service) processErasure(ctx context.Context, r *vern.Request, steps map[string][]byte) error {
	if steps["erase"] == nil && steps["hold"] == nil {
		if err := s.erase(ctx, r); err != nil {
			return err
		}
		var err error
		if steps, err = s.store.FindRequestSteps(ctx, r.ID); err != nil {
			return err
		}
	}
	if steps["hold"] != nil && steps["restrict"] == nil && r.PersonID != "" {
		_, err := s.ledger.Restrict(ctx, systemActor, consent.RestrictionInput{PersonID: r.PersonID, Action: consent.ActionPlace,
			Evidence: s.evidence(r)}, func(tx vern.Store) error { return s.mark(ctx, tx, r.ID, "restrict", nil) })
		if err != nil && !errors.Is(err, errStepDone) {
			return err
		}
	}
	return s.notifyRecipients(ctx, r, steps, vern.TopicPersonErased)
}

// erase erases the person, or what the law lets go of when accounting
// documents hold them, and lists the person in the suppression list.
func (s *Service) erase(ctx context.Context, r *vern.Request) error {
	suppress := func(tx vern.Store, index []byte) error {
		if len(index) == 0 {
			return nil
		}
		return tx.AddSuppression(ctx, &vern.Suppression{Hash: index, Reason: vern.SuppressErasure, At: s.clock.Now().UTC().Truncate(time.Microsecond)})
	}
	if r.PersonID == "" {
		return s.step(ctx, r, "erase", func(tx vern.Store, _ *vern.Request, _ *vern.SealedRequest) ([]byte, error) {
			return json.Marshal(vern.RequestResult{NoData: true})
		})
	}
	docs, err := s.store.FindDocuments(ctx, r.PersonID)
	if err != nil {
		return err
	}
	today := calendar.DateOf(s.clock.Now()).String()
	var kept []vern.KeptData
	until := ""
	pol, _ := s.policy.Current()
	for _, d := range docs {
		if d.HoldUntil < today {
			continue
		}
		kept = append(kept, keptDocument(d, r.Language, pol.Controller.Name))
		until = max(until, d.HoldUntil)
	}
	if len(kept) == 0 {
		_, err := s.people.Erase(ctx, r.PersonID, func(tx vern.Store, e *person.Erasure) error {
			if err := suppress(tx, e.EmailIndex); err != nil {
				return err
			}
			// The statistics survive the person (S6), as for the sweep.
			if err := tx.AddStats(ctx, statCells(e)); err != nil {
				return err
			}
			// Their earlier requests keep only the record that they were
			// answered; this one is answered by email first.
			if _, err := tx.ShredRequestsOfPeople(ctx, []string{r.PersonID}, r.ID); err != nil {
				return err
			}
			res := vern.RequestResult{Erased: erasedList(e.Interactions, e.Events)}
			b, err := json.Marshal(res)
			if err != nil {
				return err
			}
			return s.mark(ctx, tx, r.ID, "erase", b)
		})
		if vern.ErrorCode(err) == vern.ENOTFOUND {
			// Erased meanwhile (by another request or the retention sweep).
			return s.step(ctx, r, "erase", func(vern.Store, *vern.Request, *vern.SealedRequest) ([]byte, error) {
				return json.Marshal(vern.RequestResult{Erased: []string{"everything (already erased)"}})
			})
		}
		if errors.Is(err, errStepDone) {
			return nil
		}
		return err
	}
	_, err = s.people.Hold(ctx, r.PersonID, until, func(tx vern.Store, e *person.Erasure) error {
		if err := suppress(tx, e.EmailIndex); err != nil {
			return err
		}
		res := vern.RequestResult{Erased: []string{"interactions", "phone"}, Kept: kept}
		b, err := json.Marshal(res)
		if err != nil {
			return err
		}
		return s.mark(ctx, tx, r.ID, "hold", b)
	})
	if errors.Is(err, errStepDone) {
		return nil
	}
	return err
}

// statCells counts an erased person in the anonymised statistics: by the
// month they were collected and their source channel, nothing more.
func statCells(e *person.Erasure) []*vern.StatCell {
	month := calendar.DateOf(e.Person.CreatedAt).String()[:7]
	cells := []*vern.StatCell{{Metric: vern.StatPeople, Month: month, Channel: e.Person.Source.Channel, OrgBand: vern.OrgBandOther, Count: 1}}
	if e.Interactions > 0 {
		cells = append(cells, &vern.StatCell{Metric: vern.StatInteractions, Month: month, Channel: e.Person.Source.Channel,
			OrgBand: vern.OrgBandOther, Count: int64(e.Interactions)})
	}
	return cells
}

func erasedList(interactions, events int) []string {
	return []string{"profile (name, email, phone, language, source)", "organisation link",
		fmt.Sprintf("%d interactions", interactions), fmt.Sprintf("evidence details of %d consent events", events)}
}

func keptDocument(d *vern.Document, lang, controller string) vern.KeptData {
	what, law := "Accounting document "+d.Reference, "bokføringsloven § 13"
	reason := "The Bookkeeping Act requires the controller to keep it (GDPR Art. 17(3)(b))."
	if d.Kind == vern.DocumentSecondary {
		what = "Secondary accounting document " + d.Reference
	}
	if lang == "nb" {
		what = "Regnskapsbilag " + d.Reference
		if d.Kind == vern.DocumentSecondary {
			what = "Sekundær regnskapsdokumentasjon " + d.Reference
		}
		reason = "Bokføringsloven pålegger " + controller + " å oppbevare det (personvernforordningen art. 17 nr. 3 bokstav b)."
	}
	return vern.KeptData{What: what, Reason: reason, Law: law, Until: d.HoldUntil}
}

func (s *Service) processRestriction(ctx context.Context, r *vern.Request, steps map[string][]byte) error {
	if r.PersonID != "" && steps["restrict"] == nil {
		_, err := s.ledger.Restrict(ctx, systemActor, consent.RestrictionInput{PersonID: r.PersonID, Action: consent.ActionPlace,
			Evidence: s.evidence(r)}, func(tx vern.Store) error { return s.mark(ctx, tx, r.ID, "restrict", nil) })
		if err != nil && !errors.Is(err, errStepDone) {
			return err
		}
		if steps, err = s.store.FindRequestSteps(ctx, r.ID); err != nil {
			return err
		}
	}
	return s.notifyRecipients(ctx, r, steps, vern.TopicPersonRestricted)
}

func (s *Service) processObjection(ctx context.Context, r *vern.Request, steps map[string][]byte) error {
	if steps["object"] != nil {
		return nil
	}
	pol, _ := s.policy.Current()
	purposes, _ := pol.ObjectionScope(r.Details.Scope)
	marketing := r.Details.Scope == vern.ScopeDirectMarketing
	for _, p := range purposes {
		if pu, ok := pol.Purpose(p); ok && pu.DirectMarketing {
			marketing = true
		}
	}
	suppress := func(tx vern.Store) error {
		if !marketing {
			return nil
		}
		// Art. 21(3): never again marketing, even after a re-import.
		return tx.AddSuppression(ctx, &vern.Suppression{Hash: s.people.EmailIndex(r.Email), Reason: vern.SuppressObjection,
			At: s.clock.Now().UTC().Truncate(time.Microsecond)})
	}
	if r.PersonID == "" {
		return s.step(ctx, r, "object", func(tx vern.Store, _ *vern.Request, _ *vern.SealedRequest) ([]byte, error) {
			return nil, suppress(tx)
		})
	}
	_, err := s.ledger.Object(ctx, systemActor, consent.ObjectionInput{PersonID: r.PersonID, Scope: r.Details.Scope, Evidence: s.evidence(r)},
		func(tx vern.Store) error {
			if err := suppress(tx); err != nil {
				return err
			}
			return s.mark(ctx, tx, r.ID, "object", nil)
		})
	if errors.Is(err, errStepDone) {
		return nil
	}
	return err
}

func (s *Service) processWithdrawal(ctx context.Context, r *vern.Request, steps map[string][]byte) error {
	if r.PersonID == "" {
		return nil
	}
	purposes := []string{r.Details.Purpose}
	if r.Details.Purpose == "" {
		events, err := s.store.FindConsentEvents(ctx, r.PersonID)
		if err != nil {
			return err
		}
		purposes = purposes[:0]
		for p := range consent.Fold(events).Grants {
			purposes = append(purposes, p)
		}
		slices.Sort(purposes)
	}
	for _, p := range purposes {
		name := "withdraw:" + p
		if steps[name] != nil {
			continue
		}
		_, err := s.ledger.Record(ctx, systemActor, consent.RecordInput{PersonID: r.PersonID, Purpose: p, Action: consent.ActionWithdraw,
			Evidence: s.evidence(r)}, func(tx vern.Store) error { return s.mark(ctx, tx, r.ID, name, nil) })
		switch {
		case err == nil, errors.Is(err, errStepDone):
		case vern.ErrorCode(err) == vern.ECONFLICT:
			// Nothing in force to withdraw: done all the same.
			if err := s.step(ctx, r, name, func(vern.Store, *vern.Request, *vern.SealedRequest) ([]byte, error) {
				return []byte(`"none"`), nil
			}); err != nil {
				return err
			}
		default:
			return err
		}
	}
	return nil
}

// notifyRecipients tells every recipient the person's data was disclosed
// to about the change (Art. 19), through its webhook where one is
// configured, and lists them all in the answer.
func (s *Service) notifyRecipients(ctx context.Context, r *vern.Request, steps map[string][]byte, topic string) error {
	if r.PersonID == "" || steps["notify"] != nil {
		return nil
	}
	ds, err := s.store.FindDisclosures(ctx, r.PersonID)
	if err != nil {
		return err
	}
	var fields []string
	if b := steps["rectify"]; b != nil {
		var changes []FieldChange
		if err := json.Unmarshal(b, &changes); err != nil {
			return err
		}
		for _, c := range changes {
			fields = append(fields, c.Field)
		}
	}
	seen := map[string]bool{}
	var recipients []string
	for _, d := range ds {
		if !seen[d.Recipient] {
			seen[d.Recipient] = true
			recipients = append(recipients, d.Recipient)
		}
	}
	return s.step(ctx, r, "notify", func(tx vern.Store, cur *vern.Request, _ *vern.SealedRequest) ([]byte, error) {
		var notified []string
		for _, rc := range recipients {
			sink, isHook := strings.CutPrefix(rc, "webhook:")
			if !isHook || s.notify == nil || !s.notify.HasSink(sink) {
				notified = append(notified, rc+": no channel configured, to be told by staff")
				continue
			}
			n := vern.PersonNotice{PersonID: r.PersonID, RequestID: r.ID, Kind: r.Kind, Fields: fields,
				At: s.clock.Now().UTC().Truncate(time.Microsecond)}
			if err := s.notify.EnqueueTo(ctx, tx, sink, topic, r.PersonID, n); err != nil {
				return nil, err
			}
			notified = append(notified, rc+": notice sent")
		}
		if err := s.event(ctx, tx, r.ID, cur.Status, cur.Status, systemActor, fmt.Sprintf("%d recipients notified (Art. 19)", len(recipients))); err != nil {
			return nil, err
		}
		return json.Marshal(notified)
	})
}

// finish completes a request whose steps are all done: it gathers their
// results into the answer and mails it.
func (s *Service) finish(ctx context.Context, id string) error {
	var closed *vern.Request
	err := s.store.InTx(ctx, func(tx vern.Store) error {
		closed = nil
		sr, err := tx.FindRequestForUpdate(ctx, id)
		if err != nil {
			return err
		}
		if sr.Status != vern.StatusInProgress {
			return nil
		}
		r, err := s.open(sr)
		if err != nil {
			return err
		}
		steps, err := tx.FindRequestSteps(ctx, id)
		if err != nil {
			return err
		}
		res := &vern.RequestResult{NoData: r.PersonID == ""}
		for _, name := range []string{"erase", "hold"} {
			if b := steps[name]; b != nil {
				if err := json.Unmarshal(b, res); err != nil {
					return err
				}
			}
		}
		if b := steps["notify"]; b != nil {
			if err := json.Unmarshal(b, &res.Notified); err != nil {
				return err
			}
		}
		if b := steps["transfer"]; b != nil {
			if err := json.Unmarshal(b, &res.Transfer); err != nil {
				return err
			}
		}
		resolution := ""
		switch r.Kind {
		case vern.RequestAccess, vern.RequestPortability:
			exp := s.clock.Now().UTC().Add(PackageTTL).Truncate(time.Second)
			res.PackageExpiresAt = &exp
			resolution = "package ready"
		case vern.RequestRectification:
			var changes []FieldChange
			if b := steps["rectify"]; b != nil {
				if err := json.Unmarshal(b, &changes); err != nil {
					return err
				}
			}
			for _, c := range changes {
				res.Rectified = append(res.Rectified, vern.Rectified{Field: c.Field, Old: c.Old, New: c.New})
			}
			resolution = fmt.Sprintf("%d fields corrected", len(changes))
		case vern.RequestErasure:
			resolution = "erased"
			if len(res.Kept) > 0 {
				resolution = "erased, except what the law requires us to keep"
			}
		case vern.RequestRestriction:
			resolution = "processing restricted"
		case vern.RequestObjection:
			resolution = "objection recorded"
		case vern.RequestWithdrawal:
			resolution = "consent withdrawn"
		}
		if res.NoData {
			resolution = "no personal data held"
		}
		r.Result = res
		if err := s.move(ctx, tx, r, sr, vern.StatusCompleted, systemActor, "fulfilled", resolution); err != nil {
			return err
		}
		closed = r
		return s.closingMail(ctx, tx, r)
	})
	if err != nil {
		return err
	}
	if closed != nil {
		s.trailRecord(closed.PersonID, systemActor, vern.AccessUpdate, "request "+closed.Kind+" completed", nil)
	}
	return nil
}

// reject closes a request the service cannot fulfil, with the reason.
func (s *Service) reject(ctx context.Context, id, reason string) error {
	_, err := s.close(ctx, systemActor, id, vern.StatusRejected, reason)
	return err
}
