// Package request runs data-subject requests (GDPR Art. 12-21, S12, S14):
// intake, verification by an email round-trip, the legal deadlines,
// fulfilment inside Vern, and the emails that keep the person informed.
//
// A request's state lives in the store; background work only moves it on.
// Every step of fulfilment is marked done in the same transaction as its
// effect, so a crash at any point resumes without doing a step twice.
package request

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/big"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/vernhq/vern"
	"github.com/vernhq/vern/calendar"
	"github.com/vernhq/vern/consent"
	"github.com/vernhq/vern/keyring"
	"github.com/vernhq/vern/person"
	"github.com/vernhq/vern/pii"
	"github.com/vernhq/vern/policy"
)

// Limits of intake and verification.
const (
	// CodeTTL is how long a verification code works.
	CodeTTL = 30 * time.Minute
	// MaxCodeAttempts is how many wrong codes a request survives; after
	// that it must be opened again.
	MaxCodeAttempts = 5
	// MaxPerAddress is how many requests one email address may open in
	// AddressWindow.
	MaxPerAddress = 5
	AddressWindow = 24 * time.Hour
	// PackageTTL is how long a download link to an access package works.
	PackageTTL = 14 * 24 * time.Hour
	// MaxMessage bounds the free text of a request, in bytes.
	MaxMessage = 8 << 10
	codeDigits = 8
)

// Notifier sends Art. 19 notices to the recipients of a person's data and
// announces changes; the webhook worker implements it.
type Notifier interface {
	EnqueueTo(ctx context.Context, tx vern.OutboxStore, sink, topic, key string, payload any) error
	HasSink(name string) bool
}

// Trail records access to a person's data in the audit trail.
type Trail interface {
	Record(personID, actor, action, operation string, fields []string)
}

// Service runs data-subject requests.
type Service struct {
	store  vern.Store
	keys   *keyring.Keyring
	people *person.Service
	ledger *consent.Service
	policy consent.PolicySource
	clock  vern.Clock
	log    *slog.Logger

	dispatch func(ctx context.Context, requestID string) error
	notify   Notifier
	trail    Trail
	client   *http.Client
	baseURL  string
	staff    string
}

// Config holds the service's collaborators.
type Config struct {
	Store  vern.Store
	Keys   *keyring.Keyring
	People *person.Service
	Ledger *consent.Service
	Policy consent.PolicySource
	Clock  vern.Clock
	Log    *slog.Logger
	// Dispatch schedules Process for a request in the background (a job
	// queue); nil runs nothing in the background, and the caller calls
	// Process itself.
	Dispatch func(ctx context.Context, requestID string) error
	// Notify delivers Art. 19 notices; nil notifies no one but still
	// lists the recipients in the answer.
	Notify Notifier
	// Trail records access to personal data; nil records nothing.
	Trail Trail
	// Client sends direct transfers (Art. 20(2)); nil uses a client with
	// a 30-second timeout that follows no redirects and dials only public
	// addresses.
	Client *http.Client
	// BaseURL is the public address of this Vern, for links in emails.
	BaseURL string
	// StaffEmail receives deadline reminders; "" uses the policy's
	// rights contact.
	StaffEmail string
}

// New returns the request service.
func New(c Config) *Service {
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	if c.Client == nil {
		c.Client = transferClient()
	}
	return &Service{store: c.Store, keys: c.Keys, people: c.People, ledger: c.Ledger, policy: c.Policy,
		clock: c.Clock, log: c.Log, dispatch: c.Dispatch, notify: c.Notify, trail: c.Trail,
		client: c.Client, baseURL: strings.TrimRight(c.BaseURL, "/"), staff: c.StaffEmail}
}

// SetDispatch sets how Process is scheduled in the background; the job
// queue is built after the service, so serve sets it once both exist.
func (s *Service) SetDispatch(fn func(ctx context.Context, requestID string) error) { s.dispatch = fn }

// Input opens a request.
type Input struct {
	Kind     string              `json:"kind" maxLength:"20" doc:"access, rectification, erasure, restriction, objection, portability, withdrawal or complaint"`
	Email    string              `json:"email,omitempty" maxLength:"320" doc:"The requester's email; answers and codes go there."`
	PersonID string              `json:"person_id,omitempty" maxLength:"64" doc:"Staff only: the person the request is about."`
	Language string              `json:"language,omitempty" maxLength:"5" doc:"nb or en; the policy's default when absent."`
	Details  vern.RequestDetails `json:"details,omitempty" doc:"What the request needs, by kind."`
}

// StaffInput is Input for staff, who may skip verification for a person
// they know, with the reason recorded.
type StaffInput struct {
	Input
	SkipVerification bool   `json:"skip_verification,omitempty"`
	SkipReason       string `json:"skip_reason,omitempty"`
}

// Submission answers a public request. It is the same whether or not Vern
// knows the address, so the endpoint reveals no one.
type Submission struct {
	ID         string `json:"id"`
	Status     string `json:"status"`
	FirstDueOn string `json:"due_on"`
}

// Submit opens a request from the privacy centre. It starts unverified:
// a code goes to the email given, and nothing happens until it comes back.
//
// Returns EINVALID naming the field, and ERATELIMIT when the address has
// opened too many requests lately.
func (s *Service) Submit(ctx context.Context, in Input) (*Submission, error) {
	in.PersonID = "" // the public may not name a person
	r, code, err := s.intake(ctx, in)
	if err != nil {
		return nil, err
	}
	r.Channel = "public"
	now := r.ReceivedAt
	var limited bool
	err = s.store.InTx(ctx, func(tx vern.Store) error {
		n, err := tx.CountRequestsByEmailSince(ctx, r.index, now.Add(-AddressWindow))
		if err != nil {
			return err
		}
		if limited = n >= MaxPerAddress; limited {
			return nil
		}
		if err := s.create(ctx, tx, r, "public", "received from the privacy centre"); err != nil {
			return err
		}
		return s.enqueueMail(ctx, tx, r.ID, vern.Mail{To: r.Email, Template: vern.MailVerification, Language: r.Language,
			Vars: map[string]string{"code": formatCode(code), "link": s.link("/privacy/requests/" + r.ID + "/verify"),
				"expires_at": formatTime(now.Add(CodeTTL), r.Language), "request_kind": r.Kind}})
	})
	if err != nil {
		return nil, fmt.Errorf("submit request: %w", err)
	}
	if limited {
		return nil, vern.Errorf(vern.ERATELIMIT, "Too many requests from this email address today; please try again tomorrow.")
	}
	return &Submission{ID: r.ID, Status: r.Status, FirstDueOn: r.FirstDueOn}, nil
}

// Open opens a request on behalf of a person, for staff. With
// SkipVerification (and a reason) a request for a known person starts
// verified; otherwise a code is mailed as for Submit.
//
// Returns EINVALID naming the field and ENOTFOUND for an unknown person.
func (s *Service) Open(ctx context.Context, actor string, in StaffInput) (*vern.Request, error) {
	if in.PersonID != "" {
		p, err := s.people.FindByID(ctx, in.PersonID)
		if err != nil {
			return nil, err
		}
		if in.Email == "" {
			in.Email = p.Email
		}
		if in.Language == "" {
			in.Language = p.Language
		}
	}
	var fs vern.Fields
	if in.SkipVerification {
		in.SkipReason = strings.TrimSpace(in.SkipReason)
		switch {
		case in.SkipReason == "":
			fs.Add("skip_reason", "required", "Say why verification is skipped.")
		case len(in.SkipReason) > 500:
			fs.Add("skip_reason", "too_long", "The reason is at most 500 bytes.")
		default:
			guard(&fs, "skip_reason", in.SkipReason)
		}
	}
	if err := fs.Err(); err != nil {
		return nil, err
	}
	r, code, err := s.intake(ctx, in.Input)
	if err != nil {
		return nil, err
	}
	r.Channel = "staff"
	if in.SkipVerification {
		if r.PersonID == "" {
			id, err := s.people.PersonIDByEmail(ctx, r.Email)
			if err != nil {
				return nil, vern.Invalid(vern.FieldError{Field: "skip_verification", Code: "unknown_person",
					Message: "Verification can be skipped only for a person Vern knows."})
			}
			r.PersonID = id
		}
		now := r.ReceivedAt
		r.Status, r.Verification, r.VerifiedAt, r.SkipReason = vern.StatusVerified, "staff", &now, in.SkipReason
		r.codeHash, r.codeExpires = nil, nil
	}
	err = s.store.InTx(ctx, func(tx vern.Store) error {
		if err := s.create(ctx, tx, r, actor, "opened by staff"); err != nil {
			return err
		}
		if in.SkipVerification {
			if err := s.event(ctx, tx, r.ID, vern.StatusReceived, vern.StatusVerified, actor, "verification skipped by staff"); err != nil {
				return err
			}
			return s.acknowledge(ctx, tx, &r.Request)
		}
		return s.enqueueMail(ctx, tx, r.ID, vern.Mail{To: r.Email, Template: vern.MailVerification, Language: r.Language,
			Vars: map[string]string{"code": formatCode(code), "link": s.link("/privacy/requests/" + r.ID + "/verify"),
				"expires_at": formatTime(r.ReceivedAt.Add(CodeTTL), r.Language), "request_kind": r.Kind}})
	})
	if err != nil {
		return nil, fmt.Errorf("open request: %w", err)
	}
	if in.SkipVerification {
		s.trailRecord(r.PersonID, actor, vern.AccessCreate, "request "+r.Kind, nil)
		s.schedule(ctx, r.ID)
	}
	return &r.Request, nil
}

// draft is a request being opened, with what is kept outside the Request.
type draft struct {
	vern.Request
	index       []byte
	codeHash    []byte
	codeExpires *time.Time
}

// intake validates in and returns a new request and its verification code.
func (s *Service) intake(ctx context.Context, in Input) (*draft, string, error) {
	pol, _ := s.policy.Current()
	var fs vern.Fields
	switch {
	case in.Kind == "":
		fs.Add("kind", "required", "The request kind is required.")
	case !vern.ValidRequestKind(in.Kind):
		fs.Add("kind", "unknown", "The kind must be one of access, rectification, erasure, restriction, objection, portability, withdrawal or complaint.")
	}
	email := strings.TrimSpace(in.Email)
	if email == "" {
		fs.Add("email", "required", "The email address is required.")
	} else if n, err := pii.NormalizeEmail(email); err != nil {
		fs.Add("email", "invalid", "The email address is not valid.")
	} else {
		email = n
	}
	lang := in.Language
	switch lang {
	case "":
		lang = pol.DefaultLanguage
	case "nb", "en":
	default:
		fs.Add("language", "unknown", "The language must be nb or en.")
	}
	d := in.Details
	text := func(field string, v *string, max int) {
		*v = strings.TrimSpace(*v)
		if len(*v) > max {
			fs.Add(field, "too_long", fmt.Sprintf("The text is at most %d bytes.", max))
		} else {
			guard(&fs, field, *v)
		}
	}
	if d.VisitorID != "" && !vern.ValidVisitorID(d.VisitorID) {
		fs.Add("details.visitor_id", "invalid", "Must be 16 to 64 base64url characters.")
	}
	text("details.message", &d.Message, MaxMessage)
	text("details.ground", &d.Ground, 200)
	switch in.Kind {
	case vern.RequestRectification:
		if d.Changes == nil || (d.Changes.FirstName == nil && d.Changes.LastName == nil && d.Changes.Email == nil &&
			d.Changes.Phone == nil && d.Changes.Language == nil && d.Changes.Organization == nil) {
			fs.Add("details.changes", "required", "Say which fields to correct.")
		}
	case vern.RequestObjection:
		if d.Scope == "" {
			d.Scope = vern.ScopeDirectMarketing
		}
		if _, ok := pol.ObjectionScope(d.Scope); !ok {
			fs.Add("details.scope", "unknown_scope", "The policy declares no such purpose or objection scope.")
		}
	case vern.RequestWithdrawal:
		if d.Purpose != "" {
			if pu, ok := pol.Purpose(d.Purpose); !ok || !pu.HasBasis(policy.BasisConsent) {
				fs.Add("details.purpose", "not_consent_purpose", "The policy declares no consent purpose of that name.")
			}
		}
	case vern.RequestComplaint:
		if d.Message == "" {
			fs.Add("details.message", "required", "Describe the complaint.")
		}
	case vern.RequestPortability:
		if d.TransferURL != "" {
			if u, err := url.Parse(d.TransferURL); err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil || len(d.TransferURL) > 2000 {
				fs.Add("details.transfer_url", "not_https", "A direct transfer goes only to an https:// address of the other controller.")
			}
		}
	}
	if in.Kind != vern.RequestRectification {
		d.Changes = nil
	}
	if in.Kind != vern.RequestObjection {
		d.Scope = ""
	}
	if in.Kind != vern.RequestWithdrawal {
		d.Purpose = ""
	}
	if in.Kind != vern.RequestPortability {
		d.TransferURL = ""
	}
	if err := fs.Err(); err != nil {
		return nil, "", err
	}
	now := s.clock.Now().UTC().Truncate(time.Microsecond)
	code, err := newCode()
	if err != nil {
		return nil, "", err
	}
	r := &draft{Request: vern.Request{
		ID: vern.NewID("req", now), Kind: in.Kind, Status: vern.StatusReceived, PersonID: in.PersonID,
		Email: email, Language: lang, Details: d, ReceivedAt: now,
		FirstDueOn: calendar.RequestDue(now).String(), CreatedAt: now, UpdatedAt: now,
	}}
	r.DueOn = r.FirstDueOn
	r.index = s.people.EmailIndex(email)
	r.codeHash = s.codeHash(r.ID, code)
	exp := now.Add(CodeTTL)
	r.codeExpires = &exp
	return r, code, nil
}

// create stores a new request and its first history entry.
func (s *Service) create(ctx context.Context, tx vern.Store, d *draft, actor, note string) error {
	sr, err := s.seal(&d.Request, nil)
	if err != nil {
		return err
	}
	sr.CodeHash, sr.CodeExpiresAt = d.codeHash, d.codeExpires
	if err := tx.CreateRequest(ctx, sr); err != nil {
		return err
	}
	return s.event(ctx, tx, d.ID, "", vern.StatusReceived, actor, note)
}

// guard refuses a text holding a national identity number or another
// identifier Vern never stores (S5), without repeating it.
func guard(fs *vern.Fields, field, s string) {
	if f, found := pii.Find(s); found {
		fs.Add(field, string(f.Kind), "Contains "+f.Kind.Description("en")+", which Vern never stores (privacy policy S5). Remove it and try again.")
	}
}

// newCode returns a random code of codeDigits digits.
func newCode() (string, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(1e8))
	if err != nil {
		return "", fmt.Errorf("verification code: %w", err)
	}
	return fmt.Sprintf("%0*d", codeDigits, n.Int64()), nil
}

// formatCode groups a code for reading: "1234 5678".
func formatCode(c string) string { return c[:4] + " " + c[4:] }

func (s *Service) codeHash(requestID, code string) []byte {
	return s.keys.Sign("request-code", []byte(requestID+"\x00"+code))
}

func (s *Service) link(path string) string { return s.baseURL + path }

func (s *Service) schedule(ctx context.Context, id string) {
	if s.dispatch == nil {
		return
	}
	if err := s.dispatch(ctx, id); err != nil {
		// The reconciler picks the request up again (Resume).
		s.log.Warn("scheduling request failed", "request_id", id, "error", err)
	}
}

func (s *Service) trailRecord(personID, actor, action, op string, fields []string) {
	if s.trail != nil && personID != "" {
		s.trail.Record(personID, actor, action, op, fields)
	}
}

// event appends a history entry. note must not hold personal data.
func (s *Service) event(ctx context.Context, tx vern.Store, id, from, to, actor, note string) error {
	now := s.clock.Now().UTC().Truncate(time.Microsecond)
	return tx.AppendRequestEvent(ctx, &vern.RequestEvent{ID: vern.NewID("rqe", now), RequestID: id, From: from, To: to,
		Actor: actor, Note: note, At: now})
}

func requestAAD(id string) []byte { return []byte("request:" + id) }

// seal returns the stored form of r; wrapped is r's existing wrapped key,
// or nil for a new request.
func (s *Service) seal(r *vern.Request, wrapped []byte) (*vern.SealedRequest, error) {
	var dk *keyring.DataKey
	var err error
	if wrapped == nil {
		dk, wrapped, err = s.keys.NewDataKey(r.ID)
	} else {
		dk, err = s.keys.Unwrap(wrapped, r.ID)
	}
	if err != nil {
		return nil, fmt.Errorf("key of request %s: %w", r.ID, err)
	}
	b, err := json.Marshal(vern.RequestPersonal{Email: r.Email, Details: r.Details, SkipReason: r.SkipReason,
		Resolution: r.Resolution, Extension: r.ExtensionReason, Result: r.Result})
	if err != nil {
		return nil, err
	}
	return &vern.SealedRequest{
		ID: r.ID, Kind: r.Kind, Status: r.Status, PersonID: r.PersonID, EmailIndex: s.people.EmailIndex(r.Email),
		WrappedKey: wrapped, Sealed: dk.Seal(b, requestAAD(r.ID)), Language: r.Language, Channel: r.Channel,
		Verification: r.Verification, VerifiedAt: r.VerifiedAt, ReceivedAt: r.ReceivedAt, FirstDueOn: r.FirstDueOn,
		DueOn: r.DueOn, ExtendedAt: r.ExtendedAt, ClosedAt: r.ClosedAt, RemindedOn: r.RemindedOn,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
	}, nil
}

// open returns the request stored as sr.
func (s *Service) open(sr *vern.SealedRequest) (*vern.Request, error) {
	if sr.WrappedKey == nil {
		// Shredded with its person: the record of the request stays.
		return &vern.Request{ID: sr.ID, Kind: sr.Kind, Status: sr.Status, PersonID: sr.PersonID, Language: sr.Language,
			Channel: sr.Channel, Verification: sr.Verification, VerifiedAt: sr.VerifiedAt, ReceivedAt: sr.ReceivedAt,
			FirstDueOn: sr.FirstDueOn, DueOn: sr.DueOn, ExtendedAt: sr.ExtendedAt, ClosedAt: sr.ClosedAt,
			RemindedOn: sr.RemindedOn, CreatedAt: sr.CreatedAt, UpdatedAt: sr.UpdatedAt, Shredded: true}, nil
	}
	dk, err := s.keys.Unwrap(sr.WrappedKey, sr.ID)
	if err != nil {
		return nil, fmt.Errorf("key of request %s: %w", sr.ID, err)
	}
	b, err := dk.Open(sr.Sealed, requestAAD(sr.ID))
	if err != nil {
		return nil, fmt.Errorf("open request %s: %w", sr.ID, err)
	}
	var p vern.RequestPersonal
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, fmt.Errorf("decode request %s: %w", sr.ID, err)
	}
	return &vern.Request{
		ID: sr.ID, Kind: sr.Kind, Status: sr.Status, PersonID: sr.PersonID, Email: p.Email, Language: sr.Language,
		Channel: sr.Channel, Details: p.Details, Verification: sr.Verification, SkipReason: p.SkipReason,
		VerifiedAt: sr.VerifiedAt, ReceivedAt: sr.ReceivedAt, FirstDueOn: sr.FirstDueOn, DueOn: sr.DueOn,
		ExtendedAt: sr.ExtendedAt, ExtensionReason: p.Extension, ClosedAt: sr.ClosedAt, Resolution: p.Resolution,
		Result: p.Result, RemindedOn: sr.RemindedOn, CreatedAt: sr.CreatedAt, UpdatedAt: sr.UpdatedAt,
	}, nil
}

// update stores r over sr, keeping the verification state of sr.
func (s *Service) update(ctx context.Context, tx vern.Store, r *vern.Request, sr *vern.SealedRequest) error {
	r.UpdatedAt = s.clock.Now().UTC().Truncate(time.Microsecond)
	nr, err := s.seal(r, sr.WrappedKey)
	if err != nil {
		return err
	}
	nr.CodeHash, nr.CodeExpiresAt, nr.CodeAttempts = sr.CodeHash, sr.CodeExpiresAt, sr.CodeAttempts
	if err := tx.UpdateRequest(ctx, nr); err != nil {
		return err
	}
	*sr = *nr
	return nil
}

// formatTime writes an instant as Norwegian time for an email.
func formatTime(t time.Time, lang string) string {
	t = t.In(calendar.Oslo())
	if lang == "nb" {
		return t.Format("02.01.2006 kl. 15.04")
	}
	return t.Format("2 Jan 2006, 15:04") + " (Norwegian time)"
}
