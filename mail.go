package vern

import (
	"context"
	"time"
)

// Mail templates: the emails Vern sends about requests.
const (
	MailVerification   = "verification"
	MailAcknowledgment = "acknowledgment"
	MailExtension      = "extension"
	MailCompletion     = "completion"
	MailRejection      = "rejection"
	MailReminder       = "reminder"
)

// Mail is one email to send: a template, its language and the values it
// fills in. To and Vars are personal data.
type Mail struct {
	To       string            `json:"to"`
	Template string            `json:"template"`
	Language string            `json:"language"`
	Vars     map[string]string `json:"vars,omitempty"`
	// Headers are extra headers, such as List-Unsubscribe (RFC 2369,
	// RFC 8058) on mailings.
	Headers map[string]string `json:"headers,omitempty"`
}

// SealedMail is an email waiting in the mail outbox. Services insert it in
// the same transaction as the change it announces, so a committed change
// is always announced and a rolled-back one never is. Its content is sealed
// with its own data key, and erased once sent.
type SealedMail struct {
	ID string
	// RequestID is the request the mail is about, or "".
	RequestID     string
	Template      string
	WrappedKey    []byte // nil once sent
	Sealed        []byte // nil once sent
	CreatedAt     time.Time
	NextAttemptAt time.Time
	Attempts      int
	// LastError says briefly why the last attempt failed, such as "smtp
	// 451"; never an address.
	LastError string
	SentAt    *time.Time
}

// MailStore persists the mail outbox.
type MailStore interface {
	// EnqueueMail stores msgs. Returns ECONFLICT when an id is taken.
	EnqueueMail(ctx context.Context, msgs ...*SealedMail) error
	// ClaimMail returns up to limit unsent messages due at now, oldest
	// first, and leases them by moving NextAttemptAt to now+lease.
	ClaimMail(ctx context.Context, now time.Time, limit int, lease time.Duration) ([]*SealedMail, error)
	// MarkMailSent records a delivery and erases the sealed content.
	// Marking a sent message again keeps the first time. Returns ENOTFOUND.
	MarkMailSent(ctx context.Context, id string, at time.Time) error
	// MarkMailFailed records a failed attempt. Returns ENOTFOUND.
	MarkMailFailed(ctx context.Context, id string, attempts int, next time.Time, lastError string) error
	// FindMailOfRequest returns the mail about a request, oldest first.
	FindMailOfRequest(ctx context.Context, requestID string) ([]*SealedMail, error)
	// CountPendingMail returns how many messages are unsent.
	CountPendingMail(ctx context.Context) (int, error)
}
