package loadgen

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
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

	mu   sync.Mutex
	idle []*conn
}

type conn struct {
	nc net.Conn
	br *bufio.Reader
	bw *bufio.Writer
}

func newTransport(host string, timeout time.Duration) *transport {
	addr := host
	if _, _, err := net.SplitHostPort(host); err != nil {
		addr = net.JoinHostPort(host, "80")
	}
	return &transport{addr: addr, host: host, timeout: timeout}
}

// RoundTrip implements http.RoundTripper.
func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	c, reused, err := t.get(ctx)
	if err != nil {
		return nil, err
	}
	resp, stop, err := t.try(ctx, c, req)
	if err != nil && reused && ctx.Err() == nil && replayable(req) && stale(err) {
		// The server closed the idle connection just before we used it;
		// nothing reached it, so the request goes again on a new one.
		if req.GetBody != nil {
			if req.Body, err = req.GetBody(); err != nil {
				return nil, err
			}
		}
		if c, err = t.dial(ctx); err != nil {
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

// try sends req on c and reads the response head; on failure c is closed.
// stop detaches the request's context from the connection.
func (t *transport) try(ctx context.Context, c *conn, req *http.Request) (*http.Response, func() bool, error) {
	// The request's context ends the exchange, once it is done, by
	// expiring the connection's deadline: no goroutine per request, and a
	// caller that sees the error sees the context's error too.
	stop := context.AfterFunc(ctx, func() { c.nc.SetDeadline(time.Unix(1, 0)) })
	err := c.nc.SetDeadline(time.Now().Add(t.timeout))
	var resp *http.Response
	if err == nil {
		resp, err = t.exchange(c, req)
	}
	if err != nil {
		stop()
		c.nc.Close()
		return nil, nil, err
	}
	return resp, stop, nil
}

// replayable reports whether req's body can be sent again.
func replayable(req *http.Request) bool {
	return req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
}

// stale reports whether err is what a connection the server had already
// closed gives.
func stale(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

// exchange writes req on c and reads the response head.
func (t *transport) exchange(c *conn, req *http.Request) (*http.Response, error) {
	// Errors go out as they are: the caller's *url.Error names the
	// request, and a timeout must still say Timeout().
	if err := t.write(c.bw, req); err != nil {
		return nil, err
	}
	return http.ReadResponse(c.br, req)
}

// write sends the request line, the headers and the body.
func (t *transport) write(w *bufio.Writer, req *http.Request) error {
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
	if req.Body != nil {
		if req.ContentLength < 0 {
			return errors.New("request body of unknown length")
		}
		w.WriteString("Content-Length: ")
		w.WriteString(strconv.FormatInt(req.ContentLength, 10))
		w.WriteString("\r\n\r\n")
		if _, err := io.Copy(w, req.Body); err != nil {
			return err
		}
		req.Body.Close()
	} else {
		w.WriteString("\r\n")
	}
	return w.Flush()
}

// get returns an idle connection (reused), or dials a new one.
func (t *transport) get(ctx context.Context) (c *conn, reused bool, err error) {
	t.mu.Lock()
	if n := len(t.idle); n > 0 {
		c := t.idle[n-1]
		t.idle = t.idle[:n-1]
		t.mu.Unlock()
		return c, true, nil
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
