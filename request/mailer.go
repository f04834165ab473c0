package request

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/vernhq/vern"
	"github.com/vernhq/vern/keyring"
	"github.com/vernhq/vern/mail"
	"github.com/vernhq/vern/pii"
)

// Sender sends emails; mail.SMTP implements it.
type Sender interface {
	// Send sends msgs and returns one error per message, nil when sent.
	Send(ctx context.Context, msgs ...*mail.Message) []error
}

// MailerStore is what the mailer reads and writes: the outbox, and the
// suppression list a newsletter is checked against once more just before
// it goes out.
type MailerStore interface {
	vern.MailStore
	vern.SuppressionStore
}

// Mail delivery limits.
const (
	mailBatch       = 100
	mailLease       = 2 * time.Minute
	MaxMailAttempts = 10
	mailInterval    = 500 * time.Millisecond
)

// mailNever parks a message that will not be tried again.
var mailNever = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)

// Mailer delivers the mail outbox over SMTP: claimed in batches, sent over
// one connection per batch, each outcome recorded. A message is sent at
// least once; one the server accepted is marked at once, so a connection
// lost mid-batch resends only what was not accepted.
type Mailer struct {
	store  MailerStore
	keys   *keyring.Keyring
	sender Sender
	clock  vern.Clock
	log    *slog.Logger
	batch  int
	rate   float64 // messages per second; 0 is unlimited
	// index gives the suppression hash of a normalised email; nil checks
	// nothing at delivery.
	index func(normalizedEmail string) []byte
}

// SetSuppressionIndex makes the mailer drop a newsletter whose recipient
// was suppressed after it was queued (an unsubscribe, objection or erasure
// in the meantime), so that an unsubscribe takes effect at once.
func (m *Mailer) SetSuppressionIndex(index func(normalizedEmail string) []byte) { m.index = index }

// SetBatch sets how many messages are claimed and sent over one
// connection at a time (default 100): mailings go faster in larger
// batches, since each batch costs a connection and a claim.
func (m *Mailer) SetBatch(n int) {
	if n > 0 {
		m.batch = n
	}
}

// SetRate limits delivery to perSecond messages a second on average (0,
// the default, for no limit), for SMTP relays and mailbox providers that
// throttle bulk senders.
func (m *Mailer) SetRate(perSecond float64) { m.rate = max(perSecond, 0) }

// NewMailer returns a mailer.
func NewMailer(store MailerStore, keys *keyring.Keyring, sender Sender, clock vern.Clock, log *slog.Logger) *Mailer {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Mailer{store: store, keys: keys, sender: sender, clock: clock, log: log, batch: mailBatch}
}

// Run delivers due mail every half second until ctx ends, and at once
// again while full batches keep coming.
func (m *Mailer) Run(ctx context.Context) {
	for {
		start := time.Now()
		sent, failed, err := m.RunOnce(ctx)
		if err != nil && ctx.Err() == nil {
			m.log.Error("mail delivery", "error", err.Error())
		}
		if m.rate > 0 && sent > 0 {
			// Spread batches so that the average stays at the rate.
			wait := time.Duration(float64(sent)/m.rate*float64(time.Second)) - time.Since(start)
			select {
			case <-ctx.Done():
				return
			case <-time.After(wait):
			}
		}
		if sent+failed == m.batch {
			continue
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(mailInterval):
		}
	}
}

// RunOnce delivers one batch of due mail.
func (m *Mailer) RunOnce(ctx context.Context) (sent, failed int, err error) {
	claimed, err := m.store.ClaimMail(ctx, m.clock.Now(), m.batch, mailLease)
	if err != nil {
		return 0, 0, fmt.Errorf("claim mail: %w", err)
	}
	if len(claimed) == 0 {
		return 0, 0, nil
	}
	var msgs []*mail.Message
	var ready []*vern.SealedMail
	var errs []error
	var marketing []int // indexes into msgs of newsletters
	var hashes [][]byte
	for _, sm := range claimed {
		v, msg, err := m.render(sm)
		if err != nil {
			// A message that cannot be opened or rendered never will be.
			failed++
			errs = append(errs, m.fail(ctx, sm, "render: "+err.Error(), true))
			continue
		}
		if v.Template == vern.MailNewsletter && m.index != nil {
			if norm, err := pii.NormalizeEmail(v.To); err == nil {
				marketing, hashes = append(marketing, len(msgs)), append(hashes, m.index(norm))
			}
		}
		msgs, ready = append(msgs, msg), append(ready, sm)
	}
	if len(hashes) > 0 {
		suppressed, err := m.store.FindSuppressed(ctx, hashes)
		if err != nil {
			return 0, failed, fmt.Errorf("check suppression: %w", err)
		}
		drop := map[int]bool{}
		for k, i := range marketing {
			if suppressed[string(hashes[k])] {
				drop[i] = true
			}
		}
		if len(drop) > 0 {
			var keepMsgs []*mail.Message
			var keepReady []*vern.SealedMail
			for i := range msgs {
				if drop[i] {
					failed++
					errs = append(errs, m.fail(ctx, ready[i], "suppressed since queued: not sent", true))
					continue
				}
				keepMsgs, keepReady = append(keepMsgs, msgs[i]), append(keepReady, ready[i])
			}
			msgs, ready = keepMsgs, keepReady
		}
	}
	if len(msgs) == 0 {
		return 0, failed, errors.Join(errs...)
	}
	results := m.sender.Send(ctx, msgs...)
	var delivered []string
	for i, sm := range ready {
		if results[i] == nil {
			delivered = append(delivered, sm.ID)
			sent++
			continue
		}
		failed++
		var se *mail.SendError
		permanent := errors.As(results[i], &se) && !se.Temporary
		errs = append(errs, m.fail(ctx, sm, results[i].Error(), permanent))
	}
	errs = append(errs, m.markSent(ctx, delivered))
	return sent, failed, errors.Join(errs...)
}

// markSent records the deliveries, in one transaction when the store has
// them (a thousand single commits would cost more than the sending).
func (m *Mailer) markSent(ctx context.Context, ids []string) error {
	mark := func(st vern.MailStore) error {
		now := m.clock.Now()
		for _, id := range ids {
			if err := st.MarkMailSent(ctx, id, now); err != nil {
				return fmt.Errorf("mark mail %s sent: %w", id, err)
			}
		}
		return nil
	}
	if tx, ok := m.store.(interface {
		InTx(context.Context, func(vern.Store) error) error
	}); ok && len(ids) > 1 {
		return tx.InTx(ctx, func(s vern.Store) error { return mark(s) })
	}
	return mark(m.store)
}

func (m *Mailer) render(sm *vern.SealedMail) (*vern.Mail, *mail.Message, error) {
	if sm.Sealed == nil {
		return nil, nil, errors.New("content erased")
	}
	v, err := mail.Open(m.keys, sm)
	if err != nil {
		return nil, nil, err
	}
	msg, err := mail.Render(*v)
	return v, msg, err
}

// fail records a failed attempt; permanent failures and the last attempt
// park the message. problem never holds an address.
func (m *Mailer) fail(ctx context.Context, sm *vern.SealedMail, problem string, permanent bool) error {
	attempts := sm.Attempts + 1
	next := m.clock.Now().Add(mailBackoff(attempts))
	if permanent || attempts >= MaxMailAttempts {
		next = mailNever
		m.log.Error("mail abandoned", "mail_id", sm.ID, "template", sm.Template, "attempts", attempts, "last_error", problem)
	} else {
		m.log.Warn("mail delivery failed", "mail_id", sm.ID, "template", sm.Template, "attempts", attempts, "last_error", problem)
	}
	if err := m.store.MarkMailFailed(ctx, sm.ID, attempts, next, problem); err != nil {
		return fmt.Errorf("mark mail %s failed: %w", sm.ID, err)
	}
	return nil
}

// mailBackoff doubles from 30 seconds up to an hour.
func mailBackoff(attempts int) time.Duration {
	d := 30 * time.Second << min(attempts-1, 7)
	return min(d, time.Hour)
}
