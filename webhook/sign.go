package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"time"
)

// Verification errors. Each names one reason, so a receiver can answer
// precisely; none of them means the delivery was applied.
var (
	// ErrBadSignature means the header is missing or malformed, or no
	// signature in it matches: the body, id or time was changed, or the
	// secret is wrong.
	ErrBadSignature = errors.New("webhook: bad signature")
	// ErrStale means the signed time is outside the tolerance: an old
	// delivery replayed, or a clock far off.
	ErrStale = errors.New("webhook: signature time outside tolerance")
	// ErrReplayed means a delivery with this id was already processed.
	ErrReplayed = errors.New("webhook: delivery already processed")
)

// Sign returns the Vern-Signature header value for a delivery with the given
// id and body sent at t: "t=<unix seconds>,v1=<hex HMAC-SHA256>", the HMAC
// taken with secret over "<t>.<id>.<body>". The id and time are inside the
// signed content, so neither can be changed to pass a replay off as new.
func Sign(secret []byte, t time.Time, id string, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac(secret, ts, id, body))
}

func mac(secret []byte, ts, id string, body []byte) []byte {
	h := hmac.New(sha256.New, secret)
	h.Write([]byte(ts))
	h.Write([]byte{'.'})
	h.Write([]byte(id))
	h.Write([]byte{'.'})
	h.Write(body)
	return h.Sum(nil)
}

// Verify checks a delivery as its receiver: header is the Vern-Signature
// header, id the Vern-Delivery header, body the request body as received.
// It returns ErrBadSignature unless a v1 signature in header matches,
// ErrStale when the signed time is more than tolerance away from now, and
// ErrReplayed when seen(id) reports the id as already processed; it checks
// in that order, so seen only ever sees authentic, fresh ids.
//
// Vern retries a failed delivery with the same id (and a fresh time), so a
// receiver records an id once it has processed the delivery, not on
// receipt, and must remember ids for at least the tolerance window: an
// older delivery already fails as stale. A duplicate can also arrive
// legitimately (delivery is at least once), so answering ErrReplayed with
// a 2xx status and changing nothing stops Vern retrying it; processing
// should also be idempotent by id if deliveries may arrive concurrently.
func Verify(secret []byte, header, id string, body []byte, now time.Time, tolerance time.Duration, seen func(id string) bool) error {
	var ts string
	var sigs [][]byte
	for part := range strings.SplitSeq(header, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return ErrBadSignature
		}
		switch k {
		case "t":
			ts = v
		case "v1":
			if sig, err := hex.DecodeString(v); err == nil {
				sigs = append(sigs, sig)
			}
		}
	}
	unix, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || len(sigs) == 0 {
		return ErrBadSignature
	}
	want := mac(secret, ts, id, body)
	ok := false
	for _, sig := range sigs {
		ok = hmac.Equal(sig, want) || ok
	}
	if !ok {
		return ErrBadSignature
	}
	if d := now.Sub(time.Unix(unix, 0)); d > tolerance || d < -tolerance {
		return ErrStale
	}
	if seen != nil && seen(id) {
		return ErrReplayed
	}
	return nil
}
