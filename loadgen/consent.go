package loadgen

import (
	"context"
	"math/rand/v2"
	"net/http"
	"net/url"
)

// The consent ledger's operations, against POST /v1/consents and the
// decision endpoints (API.md), over the people of a Pool.

// GrantConsent is the operation consents.grant: it records a newsletter
// consent for a pooled person, expecting 201. Every call appends an event:
// this measures durable ledger writes.
type GrantConsent struct{ Pool *Pool }

// Name implements Op.
func (GrantConsent) Name() string { return "consents.grant" }

// Ready implements the optional readiness check.
func (o GrantConsent) Ready() error { return o.Pool.Ready() }

// Do implements Op.
func (o GrantConsent) Do(ctx context.Context, c *Client, rng *rand.Rand) error {
	email, ok := o.Pool.Pick(rng)
	if !ok {
		return ErrEmptyPool
	}
	in := map[string]string{"email": email, "purpose": "newsletter", "action": "grant", "source": "web_form", "ip": "192.0.2.1"}
	var out struct {
		ID string `json:"id"`
	}
	status, err := c.PostJSON(ctx, "/v1/consents", in, &out)
	return check(status, err, personOutput{ID: out.ID}, http.StatusCreated)
}

// Decide is the operation decisions.get: one decision for a pooled person.
type Decide struct{ Pool *Pool }

// Name implements Op.
func (Decide) Name() string { return "decisions.get" }

// Ready implements the optional readiness check.
func (o Decide) Ready() error { return o.Pool.Ready() }

// Do implements Op.
func (o Decide) Do(ctx context.Context, c *Client, rng *rand.Rand) error {
	email, ok := o.Pool.Pick(rng)
	if !ok {
		return ErrEmptyPool
	}
	var out struct {
		Reason string `json:"reason"`
	}
	status, err := c.GetJSON(ctx, "/v1/decisions?purpose=newsletter&email="+url.QueryEscape(email), &out)
	return check(status, err, personOutput{ID: out.Reason}, http.StatusOK)
}

// bulkSize is the number of emails in one decisions.bulk request, the
// issue's figure for a mail-send loop.
const bulkSize = 10000

// DecideBulk is the operation decisions.bulk: one POST /v1/decisions with
// 10,000 emails drawn from the pool.
type DecideBulk struct{ Pool *Pool }

// Name implements Op.
func (DecideBulk) Name() string { return "decisions.bulk" }

// Ready implements the optional readiness check.
func (o DecideBulk) Ready() error { return o.Pool.Ready() }

// Do implements Op.
func (o DecideBulk) Do(ctx context.Context, c *Client, rng *rand.Rand) error {
	in := struct {
		Purpose string   `json:"purpose"`
		Emails  []string `json:"emails"`
	}{Purpose: "newsletter", Emails: make([]string, bulkSize)}
	for i := range in.Emails {
		e, ok := o.Pool.Pick(rng)
		if !ok {
			return ErrEmptyPool
		}
		in.Emails[i] = e
	}
	var out struct {
		Results []struct {
			Reason string `json:"reason"`
		} `json:"results"`
	}
	status, err := c.PostJSON(ctx, "/v1/decisions", in, &out)
	ok := ""
	if len(out.Results) == bulkSize {
		ok = "ok"
	}
	return check(status, err, personOutput{ID: ok}, http.StatusOK)
}
