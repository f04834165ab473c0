package request

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/vernhq/vern"
)

var (
	errWrongCode    = vern.Invalid(vern.FieldError{Field: "code", Code: "wrong_code", Message: "The code is wrong or has expired."})
	errTooManyTries = vern.Errorf(vern.ERATELIMIT, "Too many wrong codes; please open the request again.")
)

// Verify checks the code mailed for a public request. A right code moves
// the request to verified, links it to the person with that email if
// there is one, acknowledges it by email and schedules its fulfilment.
// Wrong, expired and used codes all get the same answer; after
// MaxCodeAttempts wrong codes the request is rejected.
//
// Returns EINVALID (field "code"), ERATELIMIT, and ENOTFOUND for an
// unknown request.
func (s *Service) Verify(ctx context.Context, id, code string) (*vern.Request, error) {
	code = strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' {
			return -1
		}
		return r
	}, code)
	var out *vern.Request
	var fail error
	err := s.store.InTx(ctx, func(tx vern.Store) error {
		out, fail = nil, nil
		sr, err := tx.FindRequestForUpdate(ctx, id)
		if err != nil {
			return err
		}
		now := s.clock.Now()
		switch {
		case sr.Status != vern.StatusReceived || sr.CodeHash == nil:
			fail = errWrongCode
			return nil
		case sr.CodeAttempts >= MaxCodeAttempts:
			fail = errTooManyTries
			return nil
		case len(code) != codeDigits || sr.CodeExpiresAt == nil || !now.Before(*sr.CodeExpiresAt) ||
			!s.keys.Verify("request-code", []byte(id+"\x00"+code), sr.CodeHash):
			// The failed attempt is counted and committed.
			sr.CodeAttempts++
			fail = errWrongCode
			r, err := s.open(sr)
			if err != nil {
				return err
			}
			if sr.CodeAttempts >= MaxCodeAttempts {
				fail = errTooManyTries
				sr.CodeHash = nil
				return s.move(ctx, tx, r, sr, vern.StatusRejected, "system:verification",
					"too many wrong verification codes", "The request was not verified.")
			}
			return s.update(ctx, tx, r, sr)
		}
		r, err := s.open(sr)
		if err != nil {
			return err
		}
		// The code is used up.
		sr.CodeHash, sr.CodeExpiresAt = nil, nil
		at := now.UTC().Truncate(time.Microsecond)
		r.Verification, r.VerifiedAt = "email", &at
		if r.PersonID == "" {
			switch pid, err := s.people.PersonIDByEmail(ctx, r.Email); vern.ErrorCode(err) {
			case "":
				r.PersonID = pid
			case vern.ENOTFOUND:
			default:
				return err
			}
		}
		if err := s.move(ctx, tx, r, sr, vern.StatusVerified, "public:email", "email verified", ""); err != nil {
			return err
		}
		if err := s.linkVisitor(ctx, tx, r, at); err != nil {
			return err
		}
		if err := s.acknowledge(ctx, tx, r); err != nil {
			return err
		}
		out = r
		return nil
	})
	if err != nil {
		if vern.ErrorCode(err) == vern.ENOTFOUND {
			return nil, vern.Errorf(vern.ENOTFOUND, "Request not found.")
		}
		return nil, fmt.Errorf("verify request: %w", err)
	}
	if fail != nil {
		return nil, fail
	}
	s.trailRecord(out.PersonID, "public:email", vern.AccessUpdate, "request "+out.Kind+" verified", nil)
	s.schedule(ctx, out.ID)
	return out, nil
}

// acknowledge mails the person that their request is registered, with
// its deadline.
func (s *Service) acknowledge(ctx context.Context, tx vern.Store, r *vern.Request) error {
	return s.enqueueMail(ctx, tx, r.ID, vern.Mail{To: r.Email, Template: vern.MailAcknowledgment, Language: r.Language,
		Vars: map[string]string{"request_id": r.ID, "request_kind": r.Kind, "due_on": r.DueOn}})
}

// move changes r's status to to, records the transition in the request's
// history, and stores r. The caller records the transition in the
// person's audit trail once the transaction commits. note must not
// hold personal data; resolution, which may, is stored sealed.
func (s *Service) move(ctx context.Context, tx vern.Store, r *vern.Request, sr *vern.SealedRequest, to, actor, note, resolution string) error {
	from := r.Status
	if !vern.CanMoveRequest(from, to) {
		return vern.Errorf(vern.ECONFLICT, "A request that is %s cannot become %s.", from, to)
	}
	r.Status = to
	if resolution != "" {
		r.Resolution = resolution
	}
	if !vern.RequestOpen(to) {
		at := s.clock.Now().UTC().Truncate(time.Microsecond)
		r.ClosedAt = &at
	}
	if err := s.update(ctx, tx, r, sr); err != nil {
		return err
	}
	return s.event(ctx, tx, r.ID, from, to, actor, note)
}

// linkVisitor links the browser a verified request came from to the
// person, so the visitor's cookie choices become part of their record. A
// visitor already linked to someone else stays as it is.
func (s *Service) linkVisitor(ctx context.Context, tx vern.Store, r *vern.Request, at time.Time) error {
	if r.Details.VisitorID == "" || r.PersonID == "" {
		return nil
	}
	switch _, err := tx.FindVisitorLink(ctx, r.Details.VisitorID); vern.ErrorCode(err) {
	case "":
		return nil
	case vern.ENOTFOUND:
		return tx.LinkVisitor(ctx, &vern.VisitorLink{VisitorID: r.Details.VisitorID, PersonID: r.PersonID, Source: "request", At: at})
	default:
		return err
	}
}
