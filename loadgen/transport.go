package loadgen

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// transport is a lean HTTP/1.1 client for plain http: each request borrows
// an idle keep-alive connection (or dials one), writes the request, and
// reads the response on the same goroutine. net/http's Transport hands
// every request to two goroutines of the connection and back, which on a
// two-core machine costs the load generator about as much CPU as the
// server spends answering; since both share the machine, a heavier client
// measures a slower server. The server sees ordinary HTTP/1.1 requests
// either way, one at a time per connection (no pipelining).
type transport struct {
	addr    string // host:port
	host    string // the Host header
	timeout time.Duration
	maxIdle time.Duration // defaultMaxIdle except in tests

	mu   sync.Mutex
	idle []*conn
}

type conn struct {
	nc        net.Conn
	br        *bufio.Reader
	bw        *bufio.Writer
	idleSince time.Time
}

// defaultMaxIdle is how long a connection may wait in the pool. Servers close
// idle connections (Vern after two minutes, net/http's client gives up
// after 90 s); one closed under a request that is not safe to repeat would
// count as the server's error, so connections are dropped well before.
const defaultMaxIdle = 30 * time.Second

func newTransport(host string, timeout time.Duration) *transport {
	addr := host
	if _, _, err := net.SplitHostPort(host); err != nil {
		addr = net.JoinHostPort(host, "80")
	}
	return &transport{addr: addr, host: host, timeout: timeout, maxIdle: defaultMaxIdle}
}

// errWrite marks a failure to send the request, which then cannot have
// been answered.
type errWrite struct{ err error }

func (e errWrite) Error() string { return e.err.Error() }
func (e errWrite) Unwrap() error { return e.err }

// RoundTrip implements http.RoundTripper.
func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := sendable(req); err != nil {
		closeBody(req)
		return nil, err
	}
	ctx := req.Context()
	c, reused, err := t.get(ctx)
	if err != nil {
		closeBody(req)
		return nil, err
	}
	resp, stop, err := t.try(ctx, c, req)
	if err != nil && reused && ctx.Err() == nil && retryable(req, err) {
		// The server had closed the kept connection: the request goes
		// again, once, on a new one.
		if req, err = rewind(req); err != nil {
			return nil, err
		}
		if c, err = t.dial(ctx); err != nil {
			closeBody(req)
			return nil, err
		}
		resp, stop, err = t.try(ctx, c, req)
	}
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, err
	}
	resp.Body = &body{ReadCloser: resp.Body, t: t, c: c, stop: stop, keep: !resp.Close}
	return resp, nil
}

// sendable refuses what this transport cannot send faithfully.
func sendable(req *http.Request) error {
	if req.Body != nil && req.Body != http.NoBody && req.ContentLength <= 0 {
		return errors.New("request body of unknown length")
	}
	for k, vs := range req.Header {
		for _, v := range vs {
			if strings.ContainsAny(k, "\r\n: ") || strings.ContainsAny(v, "\r\n") {
				return fmt.Errorf("header %q: line breaks or a malformed name", k)
			}
		}
	}
	return nil
}

// retryable reports whether req may go again after err on a kept
// connection the server had closed: when it could not even be sent, or
// when it is safe to repeat (RFC 9110, 9.2.2) and the connection broke
// before a complete answer.
func retryable(req *http.Request, err error) bool {
	if req.Body != nil && req.Body != http.NoBody && req.GetBody == nil {
		return false
	}
	if _, ok := errors.AsType[errWrite](err); ok {
		return true
	}
	switch req.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace, http.MethodPut, http.MethodDelete:
		return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
			errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
	}
	return false
}

// rewind returns a copy of req with its body from the start, leaving the
// caller's request as it was.
func rewind(req *http.Request) (*http.Request, error) {
	r := req.Clone(req.Context())
	if req.GetBody != nil {
		b, err := req.GetBody()
		if err != nil {
			return nil, err
		}
		r.Body = b
	}
	return r, nil
}

func closeBody(req *http.Request) {
	if req.Body != nil {
		req.Body.Close()
	}
}

// try sends req on c and reads the response head; on failure c is closed.
// stop detaches the request's context from the connection.
func (t *transport) try(ctx context.Context, c *conn, req *http.Request) (*http.Response, func() bool, error) {
	if err := c.nc.SetDeadline(time.Now().Add(t.timeout)); err != nil {
		c.nc.Close()
		closeBody(req)
		return nil, nil, err
	}
	// The request's context ends the exchange, once it is done, by
	// expiring the connection's deadline: no goroutine per request, and a
	// caller that sees the error sees the context's error too. Registered
	// after the timeout's deadline, so that it cannot be overwritten.
	stop := context.AfterFunc(ctx, func() { c.nc.SetDeadline(time.Unix(1, 0)) })
	resp, err := t.exchange(c, req)
	if err != nil {
		stop()
		c.nc.Close()
		return nil, nil, err
	}
	return resp, stop, nil
}

// exchange writes req on c and reads the response head.
func (t *transport) exchange(c *conn, req *http.Request) (*http.Response, error) {
	// Errors go out as they are (a write failure marked): the caller's
	// *url.Error names the request, and a timeout must still say Timeout().
	if err := t.write(c.bw, req); err != nil {
		return nil, errWrite{err}
	}
	return http.ReadResponse(c.br, req)
}

// write sends the request line, the headers and the body, and closes the
// body.
func (t *transport) write(w *bufio.Writer, req *http.Request) error {
	defer closeBody(req)
	w.WriteString(req.Method)
	w.WriteByte(' ')
	w.WriteString(req.URL.RequestURI())
	w.WriteString(" HTTP/1.1\r\nHost: ")
	w.WriteString(t.host)
	w.WriteString("\r\n")
	for k, vs := range req.Header {
		for _, v := range vs {
			w.WriteString(k)
			w.WriteString(": ")
			w.WriteString(v)
			w.WriteString("\r\n")
		}
	}
	if req.Body != nil && req.Body != http.NoBody {
		w.WriteString("Content-Length: ")
		w.WriteString(strconv.FormatInt(req.ContentLength, 10))
		w.WriteString("\r\n\r\n")
		if n, err := io.Copy(w, req.Body); err != nil {
			return err
		} else if n != req.ContentLength {
			return fmt.Errorf("request body of %d bytes, not the %d announced", n, req.ContentLength)
		}
	} else {
		w.WriteString("\r\n")
	}
	return w.Flush()
}

// get returns an idle connection (reused), or dials a new one.
func (t *transport) get(ctx context.Context) (c *conn, reused bool, err error) {
	t.mu.Lock()
	for n := len(t.idle); n > 0; n = len(t.idle) {
		c := t.idle[n-1]
		t.idle = t.idle[:n-1]
		if time.Since(c.idleSince) < t.maxIdle {
			t.mu.Unlock()
			return c, true, nil
		}
		c.nc.Close()
	}
	t.mu.Unlock()
	c, err = t.dial(ctx)
	return c, false, err
}

func (t *transport) dial(ctx context.Context) (*conn, error) {
	d := net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}
	nc, err := d.DialContext(ctx, "tcp", t.addr)
	if err != nil {
		return nil, err
	}
	return &conn{nc: nc, br: bufio.NewReaderSize(nc, 16<<10), bw: bufio.NewWriterSize(nc, 4<<10)}, nil
}

// put returns a connection whose last response was read to the end.
func (t *transport) put(c *conn) {
	c.idleSince = time.Now()
	t.mu.Lock()
	t.idle = append(t.idle, c)
	t.mu.Unlock()
}

// CloseIdleConnections closes every idle connection.
func (t *transport) CloseIdleConnections() {
	t.mu.Lock()
	idle := t.idle
	t.idle = nil
	t.mu.Unlock()
	for _, c := range idle {
		c.nc.Close()
	}
}

// body hands the connection back once the response is closed. Closing a
// response body that net/http read reads it to its end first, so a
// connection whose body closed cleanly is ready for the next request.
type body struct {
	io.ReadCloser
	t    *transport
	c    *conn
	stop func() bool
	keep bool
	done bool
}

func (b *body) Close() error {
	if b.done {
		return nil
	}
	b.done = true
	err := b.ReadCloser.Close()
	// stop fails if the context has already cut the connection.
	if b.stop() && b.keep && err == nil {
		b.t.put(b.c)
		return nil
	}
	b.c.nc.Close()
	return err
}
