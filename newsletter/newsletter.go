// Package newsletter is the mailing use case (S3, S12, S13): newsletters
// to people who consented, updates to existing customers under legitimate
// interest (markedsføringsloven § 15 third paragraph), and notices of
// significant policy changes. Recipients are decided through the consent
// ledger and checked against the suppression list; each mail goes into the
// mail outbox with a signed one-click unsubscribe link (RFC 8058), and a
// per-recipient record makes an interrupted send resumable without mailing
// anyone twice.
package newsletter

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/vernhq/vern"
	"github.com/vernhq/vern/consent"
	"github.com/vernhq/vern/keyring"
	"github.com/vernhq/vern/policy"
)

// Ledger decides and records choices; consent.Service implements it.
type Ledger interface {
	DecideLoaded(purpose string, ids []string, events map[string][]*vern.ConsentEvent, contracts map[string][]*vern.Contract) ([]consent.Decision, []consent.Facts, error)
	Record(ctx context.Context, actor string, in consent.RecordInput, also ...func(tx vern.Store) error) (*vern.ConsentEvent, error)
	Object(ctx context.Context, actor string, in consent.ObjectionInput, also ...func(tx vern.Store) error) (*vern.ConsentEvent, error)
}

// Opener decrypts a stored person's personal fields; person.Service
// implements it.
type Opener interface {
	OpenPersonal(sp *vern.SealedPerson) (vern.PersonalData, error)
}

// PolicySource gives the policy in force and the consent purposes its
// version changed; publish.Service implements it.
type PolicySource interface {
	Current() (*policy.Policy, *vern.PolicyVersion)
	Version(ctx context.Context, label string) (*policy.Policy, *vern.PolicyVersion, error)
	Renewed() []string
}

// Config holds the service's dependencies.
type Config struct {
	Store  vern.Store
	Keys   *keyring.Keyring
	People Opener
	Ledger Ledger
	Policy PolicySource
	Clock  vern.Clock
	// BaseURL is where people reach Vern, for unsubscribe and notice
	// links; it must be https for mailbox providers to offer one-click
	// unsubscribe (RFC 8058).
	BaseURL string
	Log     *slog.Logger
}

// Service sends mailings.
type Service struct {
	store   vern.Store
	keys    *keyring.Keyring
	people  Opener
	ledger  Ledger
	policy  PolicySource
	clock   vern.Clock
	baseURL string
	log     *slog.Logger
}

// New returns the mailing service.
func New(c Config) *Service {
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	return &Service{store: c.Store, keys: c.Keys, people: c.People, ledger: c.Ledger, policy: c.Policy, clock: c.Clock,
		baseURL: strings.TrimRight(c.BaseURL, "/"), log: c.Log}
}

// SendInput is a mailing to a list.
type SendInput struct {
	List string `json:"-"`
	// Subject and Body are the content in each language of the policy
	// ("nb", "en"); the body is plain text, paragraphs on their own lines.
	Subject map[string]string `json:"subject" doc:"The subject per language, e.g. {\"nb\": \"...\", \"en\": \"...\"}."`
	Body    map[string]string `json:"body" doc:"The plain-text body per language; every policy language is required."`
}

// Send queues a mailing to every person on the list: for newsletter those
// the ledger allows the newsletter purpose (consent), for customer_updates
// those it allows customer_updates (existing customers, not objected).
// Restricted, objected, withdrawn and suppressed people and people without
// an email get nothing. Returns EINVALID for an unknown list or missing
// content.
func (s *Service) Send(ctx context.Context, actor string, in SendInput) (*vern.Send, error) {
	p, _ := s.policy.Current()
	var fs vern.Fields
	if in.List != vern.ListNewsletter && in.List != vern.ListCustomerUpdates {
		fs.Add("list", "unknown_list", "The list must be newsletter or customer_updates.")
	} else if _, ok := p.Purpose(in.List); !ok {
		fs.Add("list", "unknown_purpose", "The policy declares no purpose for this list.")
	}
	for _, lang := range p.Languages {
		if strings.TrimSpace(in.Subject[lang]) == "" || strings.ContainsAny(in.Subject[lang], "\r\n") || len(in.Subject[lang]) > 200 {
			fs.Add("subject."+lang, "required", "A one-line subject of at most 200 characters is required in every language of the policy.")
		}
		if strings.TrimSpace(in.Body[lang]) == "" || len(in.Body[lang]) > 100_000 {
			fs.Add("body."+lang, "required", "A body of at most 100,000 characters is required in every language of the policy.")
		}
	}
	for lang := range in.Subject {
		if !slices.Contains(p.Languages, lang) {
			fs.Add("subject."+lang, "unknown_language", "The policy is not written in this language.")
		}
	}
	if err := fs.Err(); err != nil {
		return nil, err
	}
	now := s.clock.Now().UTC().Truncate(time.Microsecond)
	sd := &vern.Send{ID: vern.NewID("snd", now), List: in.List, Subject: in.Subject, Body: in.Body, Actor: actor,
		Status: vern.SendQueueing, CreatedAt: now}
	if err := s.store.CreateSend(ctx, sd); err != nil {
		return nil, fmt.Errorf("create send: %w", err)
	}
	return sd, s.queue(ctx, p, sd)
}

// Notify queues the notice of a significant policy change (S13) to every
// person with an email, in their language, with the change summary, a
// link to the new notice and the consents to give again; a version
// without a significant change sends nothing. Notifying twice for one
// version resumes the first notice rather than sending another.
func (s *Service) Notify(ctx context.Context, p *policy.Policy, v *vern.PolicyVersion) (*vern.Send, error) {
	if p.Change == nil || !p.Change.Significant {
		return nil, nil
	}
	now := s.clock.Now().UTC().Truncate(time.Microsecond)
	sd := &vern.Send{ID: "notice:" + v.Version, List: vern.ListPolicyNotice, PolicyVersion: v.Version, Actor: "policy",
		Status: vern.SendQueueing, CreatedAt: now}
	err := s.store.CreateSend(ctx, sd)
	if vern.ErrorCode(err) == vern.ECONFLICT {
		if sd, err = s.store.FindSend(ctx, sd.ID); err != nil {
			return nil, fmt.Errorf("find notice: %w", err)
		}
		if sd.Status == vern.SendQueued {
			return sd, nil
		}
	} else if err != nil {
		return nil, fmt.Errorf("create notice: %w", err)
	}
	return sd, s.queue(ctx, p, sd)
}

// Resume finishes every send an interruption left queueing.
func (s *Service) Resume(ctx context.Context) error {
	sends, err := s.store.FindSends(ctx)
	if err != nil {
		return fmt.Errorf("find sends: %w", err)
	}
	for _, sd := range sends {
		if sd.Status != vern.SendQueueing {
			continue
		}
		p, _ := s.policy.Current()
		if sd.List == vern.ListPolicyNotice {
			// The notice tells of its own version, whatever is current now.
			if p, _, err = s.policy.Version(ctx, sd.PolicyVersion); err != nil {
				return fmt.Errorf("load policy of notice %s: %w", sd.ID, err)
			}
		}
		if err := s.queue(ctx, p, sd); err != nil {
			return err
		}
		s.log.Info("send resumed", "send_id", sd.ID, "queued", sd.Queued)
	}
	return nil
}

// Sends lists every send, newest first.
func (s *Service) Sends(ctx context.Context) ([]*vern.Send, error) { return s.store.FindSends(ctx) }

// Find returns one send. Returns ENOTFOUND.
func (s *Service) Find(ctx context.Context, id string) (*vern.Send, error) {
	return s.store.FindSend(ctx, id)
}
