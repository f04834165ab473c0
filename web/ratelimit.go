package web

import (
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/vernhq/vern"
)

// rateLimiter is a token bucket per client address for the public
// endpoints. Buckets live in memory: each node limits on its own, which is
// enough to stop one client hammering one node.
type rateLimiter struct {
	rate  float64 // tokens per second
	burst float64

	mu      sync.Mutex
	buckets map[string]*bucket
	swept   time.Time
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newRateLimiter(rate float64, burst int) *rateLimiter {
	return &rateLimiter{rate: rate, burst: float64(burst), buckets: map[string]*bucket{}}
}

// allow takes a token for key and reports whether there was one, and if not
// how long until there is.
func (l *rateLimiter) allow(key string, now time.Time) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.swept) > time.Minute {
		for k, b := range l.buckets { // forget idle clients so the map stays small
			if now.Sub(b.last) > time.Minute {
				delete(l.buckets, k)
			}
		}
		l.swept = now
	}
	b, ok := l.buckets[key]
	if !ok {
		b = &bucket{tokens: l.burst, last: now}
		l.buckets[key] = b
	}
	b.tokens = min(l.burst, b.tokens+now.Sub(b.last).Seconds()*l.rate)
	b.last = now
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	return false, time.Duration((1 - b.tokens) / l.rate * float64(time.Second))
}

// limitPublic wraps a public handler with the per-address limit; over it,
// clients get 429 with Retry-After.
func (s *Server) limitPublic(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if ok, wait := s.public.allow(clientAddr(r.RemoteAddr), time.Now()); !ok {
			w.Header().Set("Retry-After", strconv.Itoa(int(wait/time.Second)+1))
			writeProblem(w, r, vern.Errorf(vern.ERATELIMIT, "Too many requests; try again shortly."))
			return
		}
		next(w, r)
	}
}

// clientAddr is the host part of a remote address, the key of the limit.
// Behind a reverse proxy every client shares the proxy's address; trusting
// a forwarded-for header is a deployment choice not made here.
func clientAddr(remote string) string {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		return remote
	}
	return host
}
