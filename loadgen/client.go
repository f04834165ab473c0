package loadgen

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"
)

// Client is one load-generating client: it sends requests to Vern's API
// with the admin token over an *http.Client shared by all clients of a run.
// Run gives each client goroutine its own Client, so ID and Next identify
// the client and its requests; all methods are safe for concurrent use, which
// lets a prepare function fan out over the one Client it is given.
type Client struct {
	hc      *http.Client
	base    string
	token   string
	id      int
	clients int
	seed    int64
	seq     atomic.Int64
}

// StatusError reports a response with an unexpected status code. It carries
// only the code: a response body may contain personal data, and so may a
// request URL (GET /v1/people?email=...), so neither is kept.
type StatusError struct {
	Code int
}

// Error implements error.
func (e *StatusError) Error() string {
	return fmt.Sprintf("unexpected status %d %s", e.Code, http.StatusText(e.Code))
}

// newHTTPClient returns the *http.Client shared by a run's clients: over
// plain http the lean transport (transport.go), over https net/http's.
// Neither uses a proxy: a proxy would add its own latency to every figure,
// and one configured in the environment could carry the load elsewhere.
func newHTTPClient(base *url.URL, clients int, timeout time.Duration) *http.Client {
	if base.Scheme == "http" {
		// The transport bounds each request by timeout itself; the
		// Client's own Timeout would add a timer per request.
		return &http.Client{Transport: newTransport(base.Host, timeout)}
	}
	t := &http.Transport{
		Proxy:       nil,
		DialContext: (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		// Every client keeps its connection alive between requests; the
		// default of 2 idle connections per host would make all but two
		// clients dial (and the OS pile up TIME_WAIT sockets) per request.
		MaxIdleConns:        0,
		MaxIdleConnsPerHost: clients,
		IdleConnTimeout:     90 * time.Second,
		TLSHandshakeTimeout: 10 * time.Second,
	}
	return &http.Client{Transport: t, Timeout: timeout}
}

// ID returns the client's number, 0 to Clients-1, or -1 for the Client given
// to a prepare function.
func (c *Client) ID() int { return c.id }

// Clients returns the number of concurrent clients in the run, which a
// prepare function uses as its own concurrency.
func (c *Client) Clients() int { return c.clients }

// Seed returns Config.Seed, from which operations derive synthetic data.
func (c *Client) Seed() int64 { return c.seed }

// Next returns the client's next sequence number, starting at 0. Together
// with Seed and ID it makes a value unique within a run without any
// coordination between clients.
func (c *Client) Next() int64 { return c.seq.Add(1) - 1 }

// PostJSON sends in as a JSON body to path and decodes a 2xx response into
// out (unless out is nil). It returns the status code, and a *StatusError
// for any status outside 2xx.
func (c *Client) PostJSON(ctx context.Context, path string, in, out any) (int, error) {
	return c.Do(ctx, http.MethodPost, path, in, out)
}

// GetJSON fetches path and decodes a 2xx response into out (unless out is
// nil). It returns the status code, and a *StatusError for any status
// outside 2xx.
func (c *Client) GetJSON(ctx context.Context, path string, out any) (int, error) {
	return c.Do(ctx, http.MethodGet, path, nil, out)
}

// Do sends a request with method to path (relative to Config.BaseURL, query
// included), with in as its JSON body unless in is nil, and decodes a 2xx
// response into out unless out is nil. It returns the status code, and a
// *StatusError for any status outside 2xx. Errors never contain the URL's
// query or the bodies, which may hold personal data.
func (c *Client) Do(ctx context.Context, method, path string, in, out any) (int, error) {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return 0, fmt.Errorf("%s %s: encode body: %w", method, redact(path), err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return 0, fmt.Errorf("%s %s: %w", method, redact(path), unwrapURL(err))
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return 0, fmt.Errorf("%s %s: %w", method, redact(path), unwrapURL(err))
	}
	defer resp.Body.Close()
	// Reading the body to the end is what lets the Transport reuse the
	// connection; a bound keeps a runaway response from stalling the client.
	defer io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, &StatusError{Code: resp.StatusCode}
	}
	if out != nil {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			return resp.StatusCode, fmt.Errorf("%s %s: decode response: %w", method, redact(path), err)
		}
	}
	return resp.StatusCode, nil
}

// redact drops the query from path for error messages: it is where lookups
// put email addresses.
func redact(path string) string {
	if i := strings.IndexByte(path, '?'); i >= 0 {
		return path[:i] + "?…"
	}
	return path
}

// unwrapURL strips the *url.Error wrapper, whose message repeats the whole
// URL, query and all.
func unwrapURL(err error) error {
	if ue, ok := errors.AsType[*url.Error](err); ok {
		return ue.Err
	}
	return err
}
