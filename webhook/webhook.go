// Package webhook delivers outbox messages to the webhooks an operator
// configured, so that other systems (a newsletter tool, a CRM) learn of a
// consent withdrawal within seconds.
//
// Services enqueue a message in the same transaction as the change it
// announces (Worker.Enqueue); the Worker claims due messages, POSTs each as
// JSON signed with HMAC-SHA256 (Sign, Verify), and retries failures with
// exponential backoff. Delivery is at least once and in order per person
// and webhook; receivers drop duplicates by the Vern-Delivery id.
package webhook

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/vernhq/vern"
)

// Tuning. The lease outlasts a whole batch at the request timeout, so a
// slow webhook does not get its messages claimed twice by another node.
const (
	batchSize      = 32
	parallel       = 8
	lease          = 2 * time.Minute
	requestTimeout = 10 * time.Second
	interval       = 500 * time.Millisecond
	firstBackoff   = 2 * time.Second
	maxBackoff     = 10 * time.Minute
	// MaxAttempts is how many failed attempts a message gets, about two
	// hours of retries, before it is no longer retried. It then stays
	// pending (CountPendingOutbox) and holds back later messages for the
	// same person and webhook, so that they are never delivered out of order.
	MaxAttempts = 20
)

// never is the NextAttemptAt of a message no longer retried.
var never = time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)

// emailLike finds an email address in a payload: a safety net for the
// rule that payloads carry ids only.
var emailLike = regexp.MustCompile(`[^\s"'<>@,;:]+@[^\s"'<>@,;:]+\.[A-Za-z]{2,}`)

// Sink is one configured webhook.
type Sink struct {
	// Name identifies the sink in the outbox and in logs; the URL, which
	// may carry a token, is never logged.
	Name string
	// URL is where deliveries are POSTed: http or https.
	URL string
	// Secret keys the HMAC signature; the receiver holds the same secret.
	Secret []byte
	// Topics lists the topics sent to this sink; empty means all.
	Topics []string
}

func (s *Sink) wants(topic string) bool {
	return len(s.Topics) == 0 || slices.Contains(s.Topics, topic)
}

// Store is what the worker persists: the outbox, and the disclosure log
// that each delivery about a person enters (Art. 19 needs to know who got
// a person's data).
type Store interface {
	vern.OutboxStore
	vern.DisclosureStore
}

// Worker enqueues and delivers webhook messages.
type Worker struct {
	store  Store
	sinks  map[string]*Sink
	order  []*Sink
	clock  vern.Clock
	client *http.Client
	log    *slog.Logger
}

// New returns a worker delivering the outbox of store to sinks. A nil
// client gets one that does not follow redirects (a redirected POST would
// lose its body), so a 3xx answer counts as a failure. It returns an
// error for a sink without a name, with a duplicate name, without a secret,
// or with a URL that is not http or https.
func New(store Store, sinks []Sink, clock vern.Clock, client *http.Client, log *slog.Logger) (*Worker, error) {
	if client == nil {
		client = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	w := &Worker{store: store, sinks: map[string]*Sink{}, clock: clock, client: client, log: log}
	for i := range sinks {
		s := sinks[i]
		if s.Name == "" {
			return nil, fmt.Errorf("webhook %d: no name", i+1)
		}
		if _, dup := w.sinks[s.Name]; dup {
			return nil, fmt.Errorf("webhook %q: name used twice", s.Name)
		}
		if len(s.Secret) == 0 {
			return nil, fmt.Errorf("webhook %q: no secret", s.Name)
		}
		u, err := url.Parse(s.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("webhook %q: URL must be http or https", s.Name) // the URL itself may hold a token
		}
		s.Topics = slices.Clone(s.Topics)
		s.Secret = slices.Clone(s.Secret)
		w.sinks[s.Name] = &s
		w.order = append(w.order, &s)
	}
	return w, nil
}

// Enqueue adds one message per sink that wants topic to tx, the store of
// the transaction that makes the change announced, so the message is kept
// exactly when the change is. key is the person's id; payload is encoded
// with encoding/json (pass a json.RawMessage for JSON already encoded) and
// must hold ids, purpose keys and times only: a payload that looks as if it
// holds an email address is refused. With no sink wanting topic it does
// nothing. It may run more than once for one transaction, as InTx's fn may.
func (w *Worker) Enqueue(ctx context.Context, tx vern.OutboxStore, topic, key string, payload any) error {
	if topic == "" || key == "" {
		return errors.New("enqueue webhook message: topic and key are required")
	}
	return w.enqueue(ctx, tx, topic, key, payload, func(s *Sink) bool { return s.wants(topic) })
}

// EnqueueTo is Enqueue addressed to the one sink named sink, whatever the
// topics it subscribed to: a notice it must get, such as an erasure of a
// person whose data it received (Art. 19). Returns ENOTFOUND for a sink
// that is not configured.
func (w *Worker) EnqueueTo(ctx context.Context, tx vern.OutboxStore, sink, topic, key string, payload any) error {
	if w.sinks[sink] == nil {
		return vern.Errorf(vern.ENOTFOUND, "No webhook of that name is configured.")
	}
	return w.enqueue(ctx, tx, topic, key, payload, func(s *Sink) bool { return s.Name == sink })
}

// HasSink reports whether a webhook named name is configured.
func (w *Worker) HasSink(name string) bool { return w.sinks[name] != nil }

func (w *Worker) enqueue(ctx context.Context, tx vern.OutboxStore, topic, key string, payload any, to func(*Sink) bool) error {
	if topic == "" || key == "" {
		return errors.New("enqueue webhook message: topic and key are required")
	}
	var msgs []*vern.OutboxMessage
	var body []byte
	for _, s := range w.order {
		if !to(s) {
			continue
		}
		if body == nil {
			var err error
			if body, err = json.Marshal(payload); err != nil {
				return fmt.Errorf("encode webhook payload: %w", err)
			}
			if emailLike.Match(body) {
				return fmt.Errorf("enqueue webhook message %s: payload holds an email address", topic)
			}
		}
		now := w.clock.Now().UTC().Truncate(time.Microsecond) // PostgreSQL keeps microseconds
		msgs = append(msgs, &vern.OutboxMessage{
			ID: vern.NewID("whk", now), Topic: topic, Key: key, Payload: body,
			CreatedAt: now, NextAttemptAt: now, Sink: s.Name,
		})
	}
	if len(msgs) == 0 {
		return nil
	}
	if err := tx.EnqueueOutbox(ctx, msgs...); err != nil {
		return fmt.Errorf("enqueue webhook message: %w", err)
	}
	return nil
}

// Run delivers due messages every half second until ctx ends, and at once
// again while full batches keep coming.
func (w *Worker) Run(ctx context.Context) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for ctx.Err() == nil {
		delivered, failed, err := w.RunOnce(ctx)
		if err != nil && ctx.Err() == nil {
			w.log.Error("deliver webhooks", "err", err)
		}
		if err == nil && delivered+failed == batchSize {
			continue
		}
		select {
		case <-ctx.Done():
		case <-t.C:
		}
	}
}

// RunOnce claims up to one batch of due messages and tries each once,
// several at a time. It returns how many were delivered and how many
// failed; err reports a store failure, not a failed delivery. An attempt
// cut short by ctx is not counted: the message is retried once its lease
// ends.
func (w *Worker) RunOnce(ctx context.Context) (delivered, failed int, err error) {
	msgs, err := w.store.ClaimOutbox(ctx, w.clock.Now(), batchSize, lease)
	if err != nil {
		return 0, 0, fmt.Errorf("claim webhook messages: %w", err)
	}
	var mu sync.Mutex
	var errs []error
	var wg sync.WaitGroup
	sem := make(chan struct{}, parallel)
	for _, m := range msgs {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			ok, err := w.attempt(ctx, m)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err != nil:
				errs = append(errs, err)
			case ok:
				delivered++
			case ctx.Err() == nil:
				failed++
			}
		})
	}
	wg.Wait()
	return delivered, failed, errors.Join(errs...)
}

// attempt delivers m once and records the outcome.
func (w *Worker) attempt(ctx context.Context, m *vern.OutboxMessage) (bool, error) {
	problem := "sink not configured"
	if s := w.sinks[m.Sink]; s != nil {
		problem = w.post(ctx, s, m)
	}
	if ctx.Err() != nil {
		return false, nil
	}
	if problem == "" {
		now := w.clock.Now()
		if err := w.store.MarkOutboxDelivered(ctx, m.ID, now); err != nil {
			return false, fmt.Errorf("mark webhook message %s delivered: %w", m.ID, err)
		}
		// The key is the person's id, which the recipient now holds with
		// the topic: a disclosure. A delivery made again after a lost
		// acknowledgement is logged again, which is what happened.
		d := &vern.Disclosure{ID: vern.NewID("dsc", now), PersonID: m.Key, Recipient: "webhook:" + m.Sink,
			Categories: []string{"person_id"}, Reason: "webhook " + m.Topic, At: now.UTC().Truncate(time.Microsecond)}
		if err := w.store.RecordDisclosures(ctx, d); err != nil {
			return true, fmt.Errorf("log disclosure of webhook message %s: %w", m.ID, err)
		}
		return true, nil
	}
	attempts := m.Attempts + 1
	next := w.clock.Now().Add(Backoff(attempts))
	if attempts >= MaxAttempts {
		next = never
		w.log.Error("webhook message abandoned", "message_id", m.ID, "sink", m.Sink, "topic", m.Topic,
			"attempts", attempts, "last_error", problem)
	} else {
		w.log.Warn("webhook delivery failed", "message_id", m.ID, "sink", m.Sink, "topic", m.Topic,
			"attempts", attempts, "last_error", problem)
	}
	if err := w.store.MarkOutboxFailed(ctx, m.ID, attempts, next, problem); err != nil {
		return false, fmt.Errorf("mark webhook message %s failed: %w", m.ID, err)
	}
	return false, nil
}

// delivery is the JSON body POSTed to a sink.
type delivery struct {
	ID        string          `json:"id"`
	Topic     string          `json:"topic"`
	Key       string          `json:"key"`
	CreatedAt time.Time       `json:"created_at"`
	Payload   json.RawMessage `json:"payload"`
}

// post sends m to s and returns "" on a 2xx answer, or a short reason:
// the status code or the kind of network error, never the response body
// (which the receiver controls) nor the URL (which may hold a token).
func (w *Worker) post(ctx context.Context, s *Sink, m *vern.OutboxMessage) string {
	payload := json.RawMessage(m.Payload)
	if len(payload) == 0 {
		payload = json.RawMessage("null")
	}
	body, err := json.Marshal(delivery{ID: m.ID, Topic: m.Topic, Key: m.Key, CreatedAt: m.CreatedAt.UTC(), Payload: payload})
	if err != nil {
		return "bad payload"
	}
	ctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.URL, bytes.NewReader(body))
	if err != nil {
		return "bad request"
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Vern-Webhook/1")
	req.Header.Set("Vern-Delivery", m.ID)
	req.Header.Set("Vern-Signature", Sign(s.Secret, w.clock.Now(), m.ID, body))
	resp, err := w.client.Do(req)
	if err != nil {
		return errorKind(err)
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // lets the connection be reused
	resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return "http " + strconv.Itoa(resp.StatusCode)
	}
	return ""
}

// errorKind names a failed request's cause without its text, which
// carries the URL.
func errorKind(err error) string {
	var ne net.Error
	var dns *net.DNSError
	var cert *tls.CertificateVerificationError
	var unknownCA x509.UnknownAuthorityError
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	case errors.Is(err, context.Canceled):
		return "canceled"
	case errors.As(err, &dns):
		return "dns lookup failed"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "connection reset"
	case errors.As(err, &cert), errors.As(err, &unknownCA):
		return "tls certificate error"
	}
	return "network error"
}

// Backoff returns how long to wait after the given number of failed
// attempts: 2 s, 4 s, 8 s … capped at 10 minutes, plus up to a fifth more
// at random, so that messages failing together do not retry in lockstep.
func Backoff(attempts int) time.Duration {
	d := maxBackoff
	if attempts < 20 {
		d = min(firstBackoff<<max(attempts-1, 0), maxBackoff)
	}
	return d + rand.N(d/5+1)
}
