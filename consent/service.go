package consent

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/vernhq/vern"
	"github.com/vernhq/vern/pii"
	"github.com/vernhq/vern/policy"
)

// Resolver finds people for the ledger; the registry implements it.
type Resolver interface {
	// PersonIDByEmail returns the id of the person with that email.
	// Returns EINVALID for a malformed email and ENOTFOUND.
	PersonIDByEmail(ctx context.Context, email string) (string, error)
	// PersonExists returns ENOTFOUND when there is no person with id.
	PersonExists(ctx context.Context, id string) error
	// PersonIDsByEmails returns, per email in order, the person's id or ""
	// when there is none or the email is malformed.
	PersonIDsByEmails(ctx context.Context, emails []string) ([]string, error)
}

// Signer makes and checks the MACs of links sent to people (withdrawal
// links); the keyring implements it.
type Signer interface {
	Sign(domain string, msg []byte) []byte
	Verify(domain string, msg, mac []byte) bool
}

// Announcer adds outbox messages inside the caller's transaction, so that
// other systems learn of a ledger change exactly when it commits (the
// webhook worker implements it).
type Announcer interface {
	Enqueue(ctx context.Context, tx vern.OutboxStore, topic, key string, payload any) error
}

// PolicySource gives the policy in force.
type PolicySource interface {
	Current() (*policy.Policy, *vern.PolicyVersion)
}

// Service records consents, withdrawals, objections and restrictions, and
// answers decisions from them.
type Service struct {
	store    vern.Store
	people   Resolver
	policy   PolicySource
	signer   Signer
	clock    vern.Clock
	log      *slog.Logger
	announce Announcer
	trails   TrailVerifier
	cache    *vern.Cache[State]
}

// New returns the ledger service. Call Run to enable the decision cache.
func New(store vern.Store, people Resolver, pol PolicySource, signer Signer, clock vern.Clock) *Service {
	return &Service{store: store, people: people, policy: pol, signer: signer, clock: clock, cache: vern.NewCache[State](maxCached)}
}

// SetLogger sets where Run reports a failing change feed.
func (s *Service) SetLogger(log *slog.Logger) { s.log = log }

// SetAnnouncer makes every ledger change also go out through a, in the
// same transaction.
func (s *Service) SetAnnouncer(a Announcer) { s.announce = a }

// Actions of RecordInput.
const (
	ActionGrant    = "grant"
	ActionWithdraw = "withdraw"
)

// Evidence is what a caller knows about how a choice was made (Art. 7(1)).
type Evidence struct {
	// Source is the channel the choice came through, such as web_form.
	Source string `json:"source"`
	// NoticeHash is the hex SHA-256 of the notice text the person saw.
	NoticeHash string `json:"notice_hash,omitempty" maxLength:"64"`
	PageURL    string `json:"page_url,omitempty" maxLength:"2048"`
	UserAgent  string `json:"user_agent,omitempty" maxLength:"512"`
	// IP is truncated to its network (/24, /48) before it is stored.
	IP string `json:"ip,omitempty" maxLength:"64"`
}

// RecordInput grants or withdraws a consent.
type RecordInput struct {
	Email    string `json:"email,omitempty" maxLength:"320" doc:"The person's email; or give person_id."`
	PersonID string `json:"person_id,omitempty" maxLength:"64"`
	Purpose  string `json:"purpose" maxLength:"64"`
	Action   string `json:"action" enum:"grant,withdraw"`
	Evidence
}

// ObjectionInput records an objection to a purpose or a scope.
type ObjectionInput struct {
	Email    string `json:"email,omitempty" maxLength:"320"`
	PersonID string `json:"person_id,omitempty" maxLength:"64"`
	// Scope is a purpose key or an objection scope such as direct_marketing.
	Scope string `json:"scope" maxLength:"64"`
	Evidence
}

// Record appends a consent grant or withdrawal for actor ("token:<id>" or
// "public:<channel>").
//
// Returns EINVALID for an unknown purpose, a grant for a purpose whose basis
// is not consent, or bad evidence; ENOTFOUND for an unknown person; and
// ECONFLICT for withdrawing a consent that is not in force.
//
// Each also function runs inside the transaction that appends the event,
// after it, so that a caller's own write (a request step marked done)
// commits with the event or not at all.
func (s *Service) Record(ctx context.Context, actor string, in RecordInput, also ...func(tx vern.Store) error) (*vern.ConsentEvent, error) {
	p, v := s.policy.Current()
	var fs vern.Fields
	pu, ok := p.Purpose(in.Purpose)
	switch {
	case in.Purpose == "":
		fs.Add("purpose", "required", "The purpose is required.")
	case !ok:
		fs.Add("purpose", "unknown_purpose", "The policy declares no such purpose.")
	case !pu.HasBasis(policy.BasisConsent):
		fs.Add("purpose", "not_consent_purpose", "This purpose does not rely on consent, so consent cannot be given or withdrawn for it; object to it instead.")
	}
	kind := ""
	switch in.Action {
	case ActionGrant:
		kind = vern.EventConsentGranted
	case ActionWithdraw:
		kind = vern.EventConsentWithdrawn
	default:
		fs.Add("action", "unknown", "The action must be grant or withdraw.")
	}
	ev := checkEvidence(&fs, in.Evidence)
	if err := fs.Err(); err != nil {
		return nil, err
	}
	personID, err := s.resolve(ctx, in.Email, in.PersonID)
	if err != nil {
		return nil, err
	}
	e := &vern.ConsentEvent{Kind: kind, Purpose: in.Purpose, PolicyVersion: v.Version, Actor: actor}
	ev.apply(e)
	var check func(State) error
	if kind == vern.EventConsentWithdrawn {
		check = func(st State) error {
			if st.Grants[in.Purpose] == nil {
				return errNothingToWithdraw
			}
			return nil
		}
	}
	return s.append(ctx, personID, e, check, also)
}

// errNothingToWithdraw refuses a withdrawal of a consent not in force.
var errNothingToWithdraw = vern.Errorf(vern.ECONFLICT, "There is no consent for this purpose to withdraw.")

// Object records an objection (Art. 21) to a purpose or to a scope such as
// direct_marketing. Returns EINVALID for an unknown scope and ENOTFOUND.
// also runs in the append's transaction, as for Record.
func (s *Service) Object(ctx context.Context, actor string, in ObjectionInput, also ...func(tx vern.Store) error) (*vern.ConsentEvent, error) {
	p, v := s.policy.Current()
	var fs vern.Fields
	if in.Scope == "" {
		fs.Add("scope", "required", "The scope is required: a purpose key or direct_marketing.")
	} else if _, ok := p.ObjectionScope(in.Scope); !ok {
		fs.Add("scope", "unknown_scope", "The policy declares no such purpose or objection scope.")
	}
	ev := checkEvidence(&fs, in.Evidence)
	if err := fs.Err(); err != nil {
		return nil, err
	}
	personID, err := s.resolve(ctx, in.Email, in.PersonID)
	if err != nil {
		return nil, err
	}
	e := &vern.ConsentEvent{Kind: vern.EventObjection, Purpose: in.Scope, PolicyVersion: v.Version, Actor: actor}
	ev.apply(e)
	return s.append(ctx, personID, e, nil, also)
}

// maxAppendTries bounds retries when concurrent writers append to one
// person's chain at once (PostgreSQL reports the clash as a conflict).
const maxAppendTries = 8

// append links e after the person's newest event and stores it, checking
// check against the state in force first, all in one transaction.
func (s *Service) append(ctx context.Context, personID string, e *vern.ConsentEvent, check func(State) error, also []func(vern.Store) error) (*vern.ConsentEvent, error) {
	e.PersonID = personID
	var err error
	for range maxAppendTries {
		e.ID = vern.NewID("evt", s.clock.Now())
		err = s.store.InTx(ctx, func(tx vern.Store) error {
			// Shared with other appends, exclusive to a checkpoint: see
			// SealCheckpoint for why the time is stamped only after it.
			if err := tx.LockLedger(ctx, false); err != nil {
				return err
			}
			// Locking the person serialises appends to one chain across
			// nodes (they queue instead of clashing on the next seq), and
			// refuses an unknown or erased person.
			if _, err := tx.FindPersonByIDForUpdate(ctx, personID); err != nil {
				return err
			}
			// Microseconds: PostgreSQL keeps no more, and the hash covers the time.
			e.At = s.clock.Now().Truncate(time.Microsecond)
			last, err := s.lastEvent(ctx, tx, personID, check)
			if err != nil {
				return err
			}
			e.Seal(last)
			if err := tx.AppendConsentEvent(ctx, e); err != nil {
				return err
			}
			if topic := vern.OutboxTopic(e.Kind); topic != "" && s.announce != nil {
				if err := s.announce.Enqueue(ctx, tx, topic, personID, vern.NewConsentChange(e)); err != nil {
					return err
				}
			}
			for _, fn := range also {
				if err := fn(tx); err != nil {
					return err
				}
			}
			return tx.NotifyChange(ctx, vern.TopicLedger, personID)
		})
		// Retry only a clash with a concurrent append to the same chain.
		if vern.ErrorCode(err) != vern.ECONFLICT || errors.Is(err, errNothingToWithdraw) || errors.Is(err, errNotRestricted) {
			break
		}
	}
	if err != nil {
		if vern.ErrorCode(err) == vern.ENOTFOUND || vern.ErrorCode(err) == vern.ECONFLICT {
			return nil, err
		}
		return nil, fmt.Errorf("append consent event: %w", err)
	}
	// This node reads its own write at once, whatever the feed's delay.
	s.cache.Drop(personID)
	return e, nil
}

// lastEvent returns the person's newest event (nil for none). With a check,
// it reads the whole chain to fold the state the check needs; without one a
// single row suffices, which keeps appends cheap on long chains.
func (s *Service) lastEvent(ctx context.Context, tx vern.Store, personID string, check func(State) error) (*vern.ConsentEvent, error) {
	if check == nil {
		seq, hash, err := tx.FindConsentHead(ctx, personID)
		if vern.ErrorCode(err) == vern.ENOTFOUND {
			return nil, nil
		} else if err != nil {
			return nil, err
		}
		return &vern.ConsentEvent{Seq: seq, Hash: hash}, nil // Seal needs no more
	}
	events, err := tx.FindConsentEvents(ctx, personID)
	if err != nil {
		return nil, err
	}
	if err := check(Fold(events)); err != nil {
		return nil, err
	}
	if len(events) == 0 {
		return nil, nil
	}
	return events[len(events)-1], nil
}

func (s *Service) resolve(ctx context.Context, email, personID string) (string, error) {
	switch {
	case personID != "" && email != "":
		return "", vern.Invalid(vern.FieldError{Field: "email", Code: "ambiguous", Message: "Give email or person_id, not both."})
	case personID != "":
		if err := s.people.PersonExists(ctx, personID); err != nil {
			return "", err
		}
		return personID, nil
	case email != "":
		return s.people.PersonIDByEmail(ctx, email)
	default:
		return "", vern.Invalid(vern.FieldError{Field: "email", Code: "required", Message: "Give the person's email or person_id."})
	}
}

// evidence is validated evidence, ready for an event.
type evidence struct{ source, notice, page, agent, ip string }

func (ev evidence) apply(e *vern.ConsentEvent) {
	e.Channel, e.NoticeHash, e.PageURL, e.UserAgent, e.IPPrefix = ev.source, ev.notice, ev.page, ev.agent, ev.ip
}

// checkEvidence validates the evidence fields: every text is scanned for
// identifiers Vern never stores (S5), and the IP address is truncated.
func checkEvidence(fs *vern.Fields, in Evidence) evidence {
	out := evidence{source: in.Source, notice: strings.ToLower(in.NoticeHash)}
	if !vern.ValidChannel(in.Source) {
		fs.Add("source", "unknown", "Unknown source channel; use one of "+strings.Join(vern.Channels, ", ")+".")
	}
	if out.notice != "" && !isHex64(out.notice) {
		fs.Add("notice_hash", "invalid", "Must be the hex SHA-256 of the notice text (64 hex digits).")
	}
	for _, f := range []struct {
		name string
		val  string
		dst  *string
	}{{"page_url", in.PageURL, &out.page}, {"user_agent", in.UserAgent, &out.agent}} {
		if fnd, found := pii.Find(f.val); found {
			fs.Add(f.name, string(fnd.Kind), "Contains "+fnd.Kind.Description("en")+", which Vern never stores (privacy policy S5).")
			continue
		}
		if !utf8.ValidString(f.val) {
			fs.Add(f.name, "encoding", "Must be valid UTF-8 text.")
			continue
		}
		*f.dst = f.val
	}
	if in.IP != "" {
		if out.ip = vern.TruncateIP(in.IP); out.ip == "" {
			fs.Add("ip", "invalid", "Not an IP address.")
		}
	}
	return out
}

func isHex64(s string) bool {
	if len(s) != 64 {
		return false
	}
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}
