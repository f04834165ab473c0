package vern

import (
	"context"
	"time"
)

// Mailing lists: who a send goes to (S3, S13).
const (
	// ListNewsletter goes to people who consented to the newsletter.
	ListNewsletter = "newsletter"
	// ListCustomerUpdates goes to existing customers under legitimate
	// interest, as markedsføringsloven § 15 third paragraph allows.
	ListCustomerUpdates = "customer_updates"
	// ListPolicyNotice carries the notice of a significant policy change.
	ListPolicyNotice = "policy_notice"
)

// Mail templates of mailings.
const (
	MailNewsletter   = "newsletter"
	MailPolicyNotice = "policy_notice"
)

// Send statuses.
const (
	SendQueueing = "queueing"
	SendQueued   = "queued"
)

// Send is one mailing to a list: its content and how far queueing got.
// It holds no personal data; each recipient is recorded by person id.
type Send struct {
	ID   string `json:"id"`
	List string `json:"list"`
	// Subject and Body are the content per language ("nb", "en"); a
	// policy notice has none, its text comes from the policy.
	Subject map[string]string `json:"subject,omitempty"`
	Body    map[string]string `json:"body,omitempty"`
	// PolicyVersion is the version a policy notice announces.
	PolicyVersion string `json:"policy_version,omitempty"`
	Actor         string `json:"actor"`
	Status        string `json:"status"`
	// Queued counts the mails queued so far; Skipped the people passed
	// over (no email, not allowed, suppressed).
	Queued    int        `json:"queued"`
	Skipped   int        `json:"skipped"`
	CreatedAt time.Time  `json:"created_at"`
	QueuedAt  *time.Time `json:"queued_at,omitempty"`
}

// SendRecipient records that a send's mail to a person was queued.
type SendRecipient struct {
	PersonID string
	MailID   string
}

// NewsletterStore persists mailing sends and their recipients.
type NewsletterStore interface {
	// CreateSend stores s. Returns ECONFLICT when the id is taken.
	CreateSend(ctx context.Context, s *Send) error
	// FindSend returns one send. Returns ENOTFOUND.
	FindSend(ctx context.Context, id string) (*Send, error)
	// FindSends returns every send, newest first.
	FindSends(ctx context.Context) ([]*Send, error)
	// UpdateSendProgress sets a send's counts, status and QueuedAt.
	// Returns ENOTFOUND.
	UpdateSendProgress(ctx context.Context, s *Send) error
	// AddSendRecipients records rs under the send. Returns ECONFLICT when
	// a person is already recorded for it, so that a resumed send can
	// never queue a second mail to anyone.
	AddSendRecipients(ctx context.Context, sendID string, rs []SendRecipient, at time.Time) error
	// FindSendRecipients returns which of personIDs the send already has.
	FindSendRecipients(ctx context.Context, sendID string, personIDs []string) (map[string]bool, error)
}
