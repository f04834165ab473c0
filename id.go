package vern

import (
	"crypto/rand"
	"encoding/binary"
	"time"
)

// crockford is Crockford's base32 alphabet: no I, L, O or U, so IDs read
// aloud or copied by hand are not misread.
const crockford = "0123456789abcdefghjkmnpqrstvwxyz"

// NewID returns a new identifier such as "per_01hx3k9m2f8v7d6c5b4a3z2y1x":
// the prefix names the kind of record, then 48 bits of millisecond time and
// 80 random bits in base32. Time first keeps B-tree inserts at the right-hand
// edge of the index, which matters when importing a million people.
func NewID(prefix string, t time.Time) string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(t.UnixMilli())<<16)
	_, _ = rand.Read(b[6:]) // crypto/rand.Read never fails on supported platforms
	out := make([]byte, len(prefix)+1+26)
	n := copy(out, prefix)
	out[n] = '_'
	encodeBase32(out[n+1:], b)
	return string(out)
}

// encodeBase32 writes the 128 bits of b as 26 base32 characters, most
// significant first (the first character carries only 3 bits).
func encodeBase32(dst []byte, b [16]byte) {
	hi := binary.BigEndian.Uint64(b[:8])
	lo := binary.BigEndian.Uint64(b[8:])
	for i := 25; i >= 0; i-- {
		dst[i] = crockford[lo&31]
		lo = lo>>5 | hi<<59
		hi >>= 5
	}
}
