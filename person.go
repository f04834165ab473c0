package vern

import (
	"context"
	"strings"
	"time"
)

// Source channels: how a record entered Vern (S2).
const (
	ChannelWebForm = "web_form"
	ChannelEmail   = "email"
	ChannelPhone   = "phone"
	ChannelChat    = "chat"
	ChannelSocial  = "social"
	ChannelMeeting = "meeting"
	ChannelImport  = "import"
	ChannelAPI     = "api"
)

// Channels lists every valid source channel.
var Channels = []string{ChannelWebForm, ChannelEmail, ChannelPhone, ChannelChat, ChannelSocial, ChannelMeeting, ChannelImport, ChannelAPI}

// ValidChannel reports whether c is a known source channel.
func ValidChannel(c string) bool {
	for _, v := range Channels {
		if v == c {
			return true
		}
	}
	return false
}

// Person is someone Vern holds personal data about: a visitor, lead,
// customer or a company's representative (S2, S4).
type Person struct {
	ID           string        `json:"id"`
	FirstName    string        `json:"first_name,omitempty"`
	LastName     string        `json:"last_name,omitempty"`
	Email        string        `json:"email,omitempty"`
	Phone        string        `json:"phone,omitempty"`
	Language     string        `json:"language,omitempty"`
	Organization *Organization `json:"organization,omitempty"`
	Source       Source        `json:"source"`
	// Purposes are the keys of the policy purposes the person's data was
	// collected for (S3), sorted; empty when none was recorded.
	Purposes []string `json:"purposes,omitempty"`
	// HeldUntil is the last day data of an erased person must still be
	// kept for a legal hold; the person is restricted until then.
	HeldUntil string    `json:"held_until,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Source records where a record came from (S2): the channel, and optionally
// a free-text reference such as the form name or the meeting.
type Source struct {
	Channel   string `json:"channel"`
	Reference string `json:"reference,omitempty"`
}

// PersonInput is what a caller supplies to create (or match) a person.
type PersonInput struct {
	FirstName    string             `json:"first_name,omitempty"`
	LastName     string             `json:"last_name,omitempty"`
	Email        string             `json:"email,omitempty"`
	Phone        string             `json:"phone,omitempty"`
	Language     string             `json:"language,omitempty"`
	Organization *OrganizationInput `json:"organization,omitempty"`
	Source       Source             `json:"source"`
	// Purposes are the policy purposes the data is collected for (S3).
	// When an existing person is matched, they are added to theirs.
	Purposes []string `json:"purposes,omitempty"`
}

// PersonUpdate is a rectification (GDPR Art. 16): only the fields that are
// set change. An empty string clears an optional field.
type PersonUpdate struct {
	FirstName    *string            `json:"first_name,omitempty"`
	LastName     *string            `json:"last_name,omitempty"`
	Email        *string            `json:"email,omitempty"`
	Phone        *string            `json:"phone,omitempty"`
	Language     *string            `json:"language,omitempty"`
	Organization *OrganizationInput `json:"organization,omitempty"`
	// Purposes, when set, replaces the recorded purposes; an empty list
	// clears them.
	Purposes *[]string `json:"purposes,omitempty"`
}

// PersonalData is the part of a person that is personal data and therefore
// stored encrypted with the person's own data key.
type PersonalData struct {
	FirstName string `json:"f,omitempty"`
	LastName  string `json:"l,omitempty"`
	Email     string `json:"e,omitempty"`
	Phone     string `json:"p,omitempty"`
}

// SealedPerson is a person as stored: the personal fields are sealed with
// the person's data key, which is itself stored wrapped by the master key.
// Destroying WrappedKey makes Sealed unreadable everywhere, backups included.
type SealedPerson struct {
	ID             string
	EmailIndex     []byte // keyed hash of the normalised email; nil when there is no email
	WrappedKey     []byte
	Sealed         []byte
	Language       string
	OrganizationID string // "" when the person belongs to no organisation
	SourceChannel  string
	SourceRef      string
	// HeldUntil is set when an erasure found data the law requires to be
	// kept (accounting documents): the person is restricted and erased
	// after this day, YYYY-MM-DD. "" when not held.
	HeldUntil string
	// Purposes are the sorted purpose keys the data was collected for,
	// stored in the clear: purpose keys are not personal data.
	Purposes  []string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// JoinPurposes returns the stored form of sorted purpose keys: the keys
// separated by commas, "" for none.
func JoinPurposes(keys []string) string { return strings.Join(keys, ",") }

// SplitPurposes parses the stored form of JoinPurposes; nil for "".
func SplitPurposes(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

// PersonStore persists people. It never decides: matching, validation and
// encryption happen in the person service.
type PersonStore interface {
	// CreatePerson inserts p and its wrapped key.
	// Returns ECONFLICT when a person with the same EmailIndex exists.
	CreatePerson(ctx context.Context, p *SealedPerson) error
	// CreatePeople inserts many people in one statement batch. People whose
	// EmailIndex already exists are skipped; it returns how many were inserted.
	CreatePeople(ctx context.Context, ps []*SealedPerson) (int, error)
	// FindPersonByID returns ENOTFOUND when there is no such person.
	FindPersonByID(ctx context.Context, id string) (*SealedPerson, error)
	// FindPersonByIDForUpdate is FindPersonByID that, inside InTx, also
	// keeps other transactions from changing the person until commit, so
	// that a read-modify-write loses no concurrent change.
	FindPersonByIDForUpdate(ctx context.Context, id string) (*SealedPerson, error)
	// FindPersonByEmailIndex returns ENOTFOUND when no person has that index.
	FindPersonByEmailIndex(ctx context.Context, index []byte) (*SealedPerson, error)
	// FindPersonIDsByEmailIndex returns the ids of the people with the
	// given indexes, keyed by string(index); unknown indexes are absent.
	FindPersonIDsByEmailIndex(ctx context.Context, indexes [][]byte) (map[string]string, error)
	// UpdatePerson replaces the stored fields of p (not its key).
	// Returns ENOTFOUND or, when the new EmailIndex is taken, ECONFLICT.
	UpdatePerson(ctx context.Context, p *SealedPerson) error
	// CountPeople returns how many people are stored.
	CountPeople(ctx context.Context) (int, error)
	// ErasePerson crypto-shreds a person: it destroys the wrapped key, the
	// sealed fields and the email index, unlinks the organisation, and keeps
	// only the id and the time of erasure as a tombstone, so the ledger and
	// the access trail that name the id still verify. An erased person is
	// not found by any Find method and not counted. Returns ENOTFOUND.
	ErasePerson(ctx context.Context, id string, at time.Time) error
	// SetPersonHold sets a person's HeldUntil ("" to clear). Returns ENOTFOUND.
	SetPersonHold(ctx context.Context, id string, heldUntil string) error
}
