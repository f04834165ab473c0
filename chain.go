package vern

import (
	"crypto/sha256"
	"encoding/binary"
)

// chainHash is the hash of one link of a hash chain: SHA-256 over a domain
// naming the kind of record, the previous link's hash and every field, each
// length-prefixed so that no two different records encode alike. Editing
// any field, or removing or reordering links, breaks the chain from there.
func chainHash(domain string, prev []byte, fields ...string) []byte {
	h := sha256.New()
	var n [8]byte
	put := func(b []byte) {
		binary.BigEndian.PutUint64(n[:], uint64(len(b)))
		h.Write(n[:])
		h.Write(b)
	}
	put([]byte(domain))
	put(prev)
	for _, f := range fields {
		put([]byte(f))
	}
	return h.Sum(nil)
}

// chainLink is a record of a per-person hash chain.
type chainLink interface {
	links() (seq int64, prev, hash []byte)
	ComputeHash() []byte
}

// verifyChain returns the index of the first record, oldest first, that
// does not follow from the one before it, or -1 when the chain is intact.
func verifyChain[T chainLink](recs []T) int {
	var prevSeq int64
	var prevHash []byte
	for i, r := range recs {
		seq, prev, hash := r.links()
		if seq != prevSeq+1 || string(prev) != string(prevHash) || !redacted(r) && string(hash) != string(r.ComputeHash()) {
			return i
		}
		prevSeq, prevHash = seq, hash
	}
	return -1
}

// redactable is a chain link whose fields may have been cleared on
// erasure: its hash is then taken as stored, and only its links are checked.
type redactable interface{ redacted() bool }

func redacted(r any) bool {
	x, ok := r.(redactable)
	return ok && x.redacted()
}
