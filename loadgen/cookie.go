package loadgen

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"regexp"
	"sync"
)

// RecordCookieChoice is the operation cookies.record: what a cookie banner
// on a busy site posts when a visitor chooses (POST
// /v1/public/cookie-consents), as Vern's own origin, without a token. Each
// call is a new visitor and a fresh nonce, and about one in three sends
// Sec-GPC: 1. It expects 201, which Vern answers only once the choice is
// durable. Run the server with a high --cookie-rate: all clients share one
// address, and the per-address limit would otherwise answer 429.
type RecordCookieChoice struct{ banner *bannerInfo }

// NewRecordCookieChoice returns the operation; the cookie hash it posts is
// read once from /consent.js, as the banner does.
func NewRecordCookieChoice() RecordCookieChoice { return RecordCookieChoice{banner: &bannerInfo{}} }

// Name implements Op.
func (RecordCookieChoice) Name() string { return "cookies.record" }

type bannerInfo struct {
	once sync.Once
	hash string
	run  string // random per run, so a second run on the same server replays no nonce
	err  error
}

var cookieHashRe = regexp.MustCompile(`"cookie_hash":"([0-9a-f]{64})"`)

func (b *bannerInfo) load(ctx context.Context, c *Client) (string, error) {
	b.once.Do(func() {
		b.run = fmt.Sprintf("%08x", rand.Uint32())
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+"/consent.js", nil)
		if err != nil {
			b.err = err
			return
		}
		resp, err := c.hc.Do(req)
		if err != nil {
			b.err = fmt.Errorf("GET /consent.js: %w", unwrapURL(err))
			return
		}
		defer resp.Body.Close()
		js, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		if err != nil {
			b.err = fmt.Errorf("GET /consent.js: %w", err)
			return
		}
		m := cookieHashRe.FindSubmatch(js)
		if resp.StatusCode != http.StatusOK || m == nil {
			b.err = errors.New("GET /consent.js: no cookie hash in the script")
			return
		}
		b.hash = string(m[1])
	})
	return b.hash, b.err
}

var cookieChoices = [][]string{{}, {"statistics"}, {"statistics", "remarketing"}}

// Do implements Op.
func (o RecordCookieChoice) Do(ctx context.Context, c *Client, rng *rand.Rand) error {
	hash, err := o.banner.load(ctx, c)
	run := o.banner.run
	if err != nil {
		return err
	}
	n := c.Next()
	body, err := json.Marshal(map[string]any{
		"visitor_id":  fmt.Sprintf("lg%s%08x%04x%012x", run, uint32(c.Seed()), c.ID()&0xffff, n),
		"nonce":       fmt.Sprintf("ln%s%08x%04x%012x", run, uint32(c.Seed()), c.ID()&0xffff, n),
		"cookie_hash": hash,
		"granted":     cookieChoices[rng.IntN(len(cookieChoices))],
		"language":    "nb",
		"page_url":    c.base + "/",
	})
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/v1/public/cookie-consents", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", c.base)
	req.Header.Set("User-Agent", "vern-bench")
	if rng.IntN(3) == 0 {
		req.Header.Set("Sec-GPC", "1")
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return fmt.Errorf("POST /v1/public/cookie-consents: %w", unwrapURL(err))
	}
	defer resp.Body.Close()
	var out struct {
		ID string `json:"id"`
	}
	if resp.StatusCode == http.StatusCreated {
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
			return fmt.Errorf("POST /v1/public/cookie-consents: decode response: %w", err)
		}
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	return check(resp.StatusCode, nil, personOutput{ID: out.ID}, http.StatusCreated)
}
