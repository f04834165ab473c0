package request

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/vernhq/vern"
	"github.com/vernhq/vern/calendar"
)

// Get returns a request. Returns ENOTFOUND.
func (s *Service) Get(ctx context.Context, id string) (*vern.Request, error) {
	sr, err := s.store.FindRequest(ctx, id)
	if err != nil {
		if vern.ErrorCode(err) == vern.ENOTFOUND {
			return nil, vern.Errorf(vern.ENOTFOUND, "Request not found.")
		}
		return nil, fmt.Errorf("find request: %w", err)
	}
	return s.open(sr)
}

// History returns a request's transitions and steps, oldest first.
func (s *Service) History(ctx context.Context, id string) ([]*vern.RequestEvent, error) {
	if _, err := s.store.FindRequest(ctx, id); err != nil {
		if vern.ErrorCode(err) == vern.ENOTFOUND {
			return nil, vern.Errorf(vern.ENOTFOUND, "Request not found.")
		}
		return nil, err
	}
	return s.store.FindRequestEvents(ctx, id)
}

// ListInput selects requests to list.
type ListInput struct {
	// Status is one status, "open" for every status still needing an
	// answer, "overdue" for open requests past their deadline, or "" for
	// all.
	Status   string
	Kind     string
	PersonID string
	// After continues a listing after the request with this id.
	After string
	Limit int
}

// List returns requests by deadline, overdue first.
//
// Returns EINVALID for an unknown status or kind.
func (s *Service) List(ctx context.Context, in ListInput) ([]*vern.Request, error) {
	var fs vern.Fields
	f := vern.RequestFilter{Kind: in.Kind, PersonID: in.PersonID, Limit: in.Limit}
	switch {
	case in.Status == "":
	case in.Status == "open" || in.Status == "overdue":
		f.Statuses = []string{vern.StatusReceived, vern.StatusVerified, vern.StatusInProgress, vern.StatusWaiting}
		if in.Status == "overdue" {
			f.DueBefore = calendar.DateOf(s.clock.Now()).String()
		}
	case vern.ValidRequestStatus(in.Status):
		f.Statuses = []string{in.Status}
	default:
		fs.Add("status", "unknown", "The status must be open, overdue or one of "+strings.Join(vern.RequestStatuses, ", ")+".")
	}
	if in.Kind != "" && !vern.ValidRequestKind(in.Kind) {
		fs.Add("kind", "unknown", "Unknown request kind.")
	}
	if in.Limit < 0 || in.Limit > 1000 {
		fs.Add("limit", "out_of_range", "The limit is between 1 and 1000.")
	}
	if err := fs.Err(); err != nil {
		return nil, err
	}
	if in.After != "" {
		sr, err := s.store.FindRequest(ctx, in.After)
		if err != nil {
			return nil, vern.Invalid(vern.FieldError{Field: "after", Code: "unknown", Message: "No request has that id."})
		}
		f.AfterDueOn, f.AfterID = sr.DueOn, sr.ID
	}
	srs, err := s.store.ListRequests(ctx, f)
	if err != nil {
		return nil, fmt.Errorf("list requests: %w", err)
	}
	out := make([]*vern.Request, 0, len(srs))
	for _, sr := range srs {
		r, err := s.open(sr)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// Extend extends a request's deadline by up to two months (Art. 12(3)):
// it needs a reason, must happen before the first deadline, and mails the
// person the new deadline and the reason at once.
//
// Returns EINVALID, ENOTFOUND, and ECONFLICT for a closed request, one
// already extended, or one past its first deadline.
func (s *Service) Extend(ctx context.Context, actor, id, reason string) (*vern.Request, error) {
	reason, err := requiredText("reason", reason, 1000, "An extension needs a reason, which the person is told.")
	if err != nil {
		return nil, err
	}
	var out *vern.Request
	err = s.store.InTx(ctx, func(tx vern.Store) error {
		sr, err := tx.FindRequestForUpdate(ctx, id)
		if err != nil {
			return err
		}
		r, err := s.open(sr)
		if err != nil {
			return err
		}
		today := calendar.DateOf(s.clock.Now()).String()
		switch {
		case !vern.RequestOpen(r.Status):
			return vern.Errorf(vern.ECONFLICT, "The request is closed.")
		case r.ExtendedAt != nil:
			return vern.Errorf(vern.ECONFLICT, "The request was already extended; the law allows one extension of two months.")
		case today > r.FirstDueOn:
			return vern.Errorf(vern.ECONFLICT, "The first deadline has passed; an extension must be announced before it.")
		}
		now := s.clock.Now().UTC().Truncate(time.Microsecond)
		r.ExtendedAt, r.ExtensionReason = &now, reason
		r.DueOn = calendar.ExtendedDue(r.ReceivedAt).String()
		if err := s.update(ctx, tx, r, sr); err != nil {
			return err
		}
		if err := s.event(ctx, tx, r.ID, r.Status, r.Status, actor, "deadline extended to "+r.DueOn); err != nil {
			return err
		}
		out = r
		return s.enqueueMail(ctx, tx, r.ID, vern.Mail{To: r.Email, Template: vern.MailExtension, Language: r.Language,
			Vars: map[string]string{"request_id": r.ID, "due_on": r.DueOn, "reason": reason}})
	})
	if err != nil {
		return nil, s.wrap("extend request", err)
	}
	s.trailRecord(out.PersonID, actor, vern.AccessUpdate, "request "+out.Kind+" extended", nil)
	return out, nil
}

// Complete closes a request that staff handled themselves (a complaint,
// or a request waiting on a connected system), with the answer the person
// gets by email.
//
// Returns EINVALID, ENOTFOUND and ECONFLICT for a request not yet
// verified or already closed.
func (s *Service) Complete(ctx context.Context, actor, id, resolution string) (*vern.Request, error) {
	resolution, err := requiredText("resolution", resolution, MaxMessage, "Write the answer the person gets.")
	if err != nil {
		return nil, err
	}
	return s.close(ctx, actor, id, vern.StatusCompleted, resolution)
}

// Reject refuses a request (Art. 12(4)) with the reason the person is told,
// together with their right to complain to the authority.
//
// Returns EINVALID, ENOTFOUND and ECONFLICT for a closed request.
func (s *Service) Reject(ctx context.Context, actor, id, reason string) (*vern.Request, error) {
	reason, err := requiredText("reason", reason, MaxMessage, "A rejection needs a reason, which the person is told.")
	if err != nil {
		return nil, err
	}
	return s.close(ctx, actor, id, vern.StatusRejected, reason)
}

func (s *Service) close(ctx context.Context, actor, id, to, text string) (*vern.Request, error) {
	var out *vern.Request
	err := s.store.InTx(ctx, func(tx vern.Store) error {
		sr, err := tx.FindRequestForUpdate(ctx, id)
		if err != nil {
			return err
		}
		r, err := s.open(sr)
		if err != nil {
			return err
		}
		if to == vern.StatusCompleted && r.Status == vern.StatusReceived {
			return vern.Errorf(vern.ECONFLICT, "The request is not verified yet.")
		}
		if !vern.RequestOpen(r.Status) {
			return vern.Errorf(vern.ECONFLICT, "The request is closed.")
		}
		if r.Status == vern.StatusVerified && to == vern.StatusCompleted {
			if err := s.move(ctx, tx, r, sr, vern.StatusInProgress, actor, "handled by staff", ""); err != nil {
				return err
			}
		}
		if err := s.move(ctx, tx, r, sr, to, actor, "closed by staff", text); err != nil {
			return err
		}
		out = r
		return s.closingMail(ctx, tx, r)
	})
	if err != nil {
		return nil, s.wrap("close request", err)
	}
	s.trailRecord(out.PersonID, actor, vern.AccessUpdate, "request "+out.Kind+" "+to, nil)
	return out, nil
}

// closingMail tells the person how their request ended.
func (s *Service) closingMail(ctx context.Context, tx vern.Store, r *vern.Request) error {
	pol, _ := s.policy.Current()
	if r.Status == vern.StatusRejected {
		return s.enqueueMail(ctx, tx, r.ID, vern.Mail{To: r.Email, Template: vern.MailRejection, Language: r.Language,
			Vars: map[string]string{"request_id": r.ID, "reason": r.Resolution,
				"authority": pol.Authority.Name.Get(r.Language), "authority_url": pol.Authority.Website}})
	}
	vars := map[string]string{"request_id": r.ID, "request_kind": r.Kind, "resolution": r.Resolution}
	if r.Result != nil {
		if r.Result.PackageExpiresAt != nil {
			tok := s.PackageToken(r.ID, *r.Result.PackageExpiresAt)
			vars["package_link"] = s.link("/privacy/packages/" + tok)
		}
		var kept []string
		for _, k := range r.Result.Kept {
			kept = append(kept, fmt.Sprintf("%s: %s (%s), %s", k.What, k.Reason, k.Law, k.Until))
		}
		if len(kept) > 0 {
			vars["kept"] = strings.Join(kept, "\n")
		}
	}
	return s.enqueueMail(ctx, tx, r.ID, vern.Mail{To: r.Email, Template: vern.MailCompletion, Language: r.Language, Vars: vars})
}

// Await marks a request as waiting on the person, for example for more
// information; note says what for and must not hold personal data. The
// deadline does not stop.
//
// Returns EINVALID, ENOTFOUND and ECONFLICT for a request that is not
// verified, or is closed.
func (s *Service) Await(ctx context.Context, actor, id, note string) (*vern.Request, error) {
	return s.transition(ctx, actor, id, vern.StatusWaiting, note)
}

// Continue takes a waiting request up again.
//
// Returns EINVALID, ENOTFOUND and ECONFLICT for a request that is not
// waiting.
func (s *Service) Continue(ctx context.Context, actor, id, note string) (*vern.Request, error) {
	r, err := s.transition(ctx, actor, id, vern.StatusInProgress, note)
	if err == nil {
		s.schedule(ctx, r.ID)
	}
	return r, err
}

func (s *Service) transition(ctx context.Context, actor, id, to, note string) (*vern.Request, error) {
	note, err := requiredText("note", note, 500, "Say why, for the request's history.")
	if err != nil {
		return nil, err
	}
	var out *vern.Request
	err = s.store.InTx(ctx, func(tx vern.Store) error {
		sr, err := tx.FindRequestForUpdate(ctx, id)
		if err != nil {
			return err
		}
		r, err := s.open(sr)
		if err != nil {
			return err
		}
		if to == vern.StatusInProgress && r.Status != vern.StatusWaiting {
			return vern.Errorf(vern.ECONFLICT, "Only a waiting request can be continued.")
		}
		if err := s.move(ctx, tx, r, sr, to, actor, note, ""); err != nil {
			return err
		}
		out = r
		return nil
	})
	if err != nil {
		return nil, s.wrap("move request", err)
	}
	s.trailRecord(out.PersonID, actor, vern.AccessUpdate, "request "+out.Kind+" "+to, nil)
	return out, nil
}

// wrap passes application errors through and wraps the rest.
func (s *Service) wrap(op string, err error) error {
	switch vern.ErrorCode(err) {
	case vern.ENOTFOUND:
		return vern.Errorf(vern.ENOTFOUND, "Request not found.")
	case vern.EINTERNAL:
		return fmt.Errorf("%s: %w", op, err)
	default:
		return err
	}
}

// ReminderWindow is how long before its deadline a request is brought to
// staff's attention, daily, until it is closed.
const ReminderWindow = 7 * 24 * time.Hour

// Remind mails staff once a day about each open request due within
// ReminderWindow or overdue, and returns how many reminders it queued.
func (s *Service) Remind(ctx context.Context) (int, error) {
	now := s.clock.Now()
	today := calendar.DateOf(now).String()
	horizon := calendar.DateOf(now.Add(ReminderWindow)).AddDays(1).String()
	to := s.staff
	if to == "" {
		pol, _ := s.policy.Current()
		to = pol.RightsEmail()
	}
	n := 0
	f := vern.RequestFilter{Statuses: []string{vern.StatusReceived, vern.StatusVerified, vern.StatusInProgress, vern.StatusWaiting},
		DueBefore: horizon, Limit: 500}
	for {
		srs, err := s.store.ListRequests(ctx, f)
		if err != nil {
			return n, fmt.Errorf("list requests due: %w", err)
		}
		for _, sr := range srs {
			if sr.RemindedOn == today || sr.Status == vern.StatusReceived {
				continue // unverified requests are not yet staff's to answer
			}
			err := s.store.InTx(ctx, func(tx vern.Store) error {
				cur, err := tx.FindRequestForUpdate(ctx, sr.ID)
				if err != nil || cur.RemindedOn == today {
					return err
				}
				r, err := s.open(cur)
				if err != nil {
					return err
				}
				r.RemindedOn = today
				if err := s.update(ctx, tx, r, cur); err != nil {
					return err
				}
				return s.enqueueMail(ctx, tx, r.ID, vern.Mail{To: to, Template: vern.MailReminder, Language: "en",
					Vars: map[string]string{"request_id": r.ID, "request_kind": r.Kind, "due_on": r.DueOn}})
			})
			if err != nil {
				return n, fmt.Errorf("remind of request %s: %w", sr.ID, err)
			}
			n++
		}
		if len(srs) < f.Limit {
			return n, nil
		}
		last := srs[len(srs)-1]
		f.AfterDueOn, f.AfterID = last.DueOn, last.ID
	}
}

// Resume schedules every verified or in-progress request again: after a
// crash between a commit and its scheduling, or after a queue was lost.
// Steps already done are skipped when the request runs.
func (s *Service) Resume(ctx context.Context) (int, error) {
	f := vern.RequestFilter{Statuses: []string{vern.StatusVerified, vern.StatusInProgress}, Limit: 500}
	n := 0
	for {
		srs, err := s.store.ListRequests(ctx, f)
		if err != nil {
			return n, fmt.Errorf("list requests to resume: %w", err)
		}
		for _, sr := range srs {
			s.schedule(ctx, sr.ID)
			n++
		}
		if len(srs) < f.Limit {
			return n, nil
		}
		last := srs[len(srs)-1]
		f.AfterDueOn, f.AfterID = last.DueOn, last.ID
	}
}

// requiredText trims s and refuses it, naming field, when it is empty,
// longer than max bytes, or holds an identifier Vern never stores.
func requiredText(field, s string, max int, missing string) (string, error) {
	s = strings.TrimSpace(s)
	var fs vern.Fields
	switch {
	case s == "":
		fs.Add(field, "required", missing)
	case len(s) > max:
		fs.Add(field, "too_long", fmt.Sprintf("At most %d bytes.", max))
	default:
		guard(&fs, field, s)
	}
	return s, fs.Err()
}
