package keyring

import (
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
)

// ErrDecrypt is returned, wrapped, by Unwrap and Open when data cannot be
// authenticated: it was sealed under another key or another associated data,
// it was altered, or it is not in a format this version understands. The
// error never carries key material or plaintext.
var ErrDecrypt = errors.New("keyring: message authentication failed")

const (
	// formatV1 is the first byte of every wrapped key and sealed value. It
	// lets a later release switch algorithms or keys (master key rotation)
	// while still reading what earlier releases stored.
	formatV1 = 1

	dataKeySize = 32
	nonceSize   = 12
	tagSize     = 16

	// wrappedSize is version || nonce || encrypted data key || tag.
	wrappedSize = 1 + nonceSize + dataKeySize + tagSize

	// wrapAADPrefix precedes the subject ID in the associated data of a
	// wrapped key. The prefix has a fixed length, so the subject ID needs no
	// delimiter.
	wrapAADPrefix = "vern/datakey/v1:"
)

// DataKey is a person's unwrapped data key. It is safe for concurrent use.
// A DataKey is never stored: keep the wrapped form returned by NewDataKey and
// call Unwrap when the key is needed.
type DataKey struct {
	// aead is built once per unwrap so that sealing or opening several
	// fields of one record reuses the AES key schedule. The raw key is not
	// kept.
	aead cipher.AEAD
}

// NewDataKey returns a fresh random data key for subjectID together with its
// wrapped form, which is what the caller stores. The wrapped form is a format
// version byte, a 12-byte nonce and the encrypted key with its GCM tag.
//
// The subject ID is bound to the wrapped key as associated data, so a wrapped
// key unwraps only for the person it was made for. A key copied into another
// person's record, by a bug or by someone with write access to the database,
// fails to unwrap instead of quietly decrypting the first person's data in
// the second person's reads and exports. Likewise an erased person's key,
// recovered from an old backup, cannot be planted under another subject to
// bring their data back.
func (k *Keyring) NewDataKey(subjectID string) (*DataKey, []byte, error) {
	if subjectID == "" {
		return nil, nil, errors.New("new data key: subject id is empty")
	}
	key := make([]byte, dataKeySize)
	defer clear(key)
	if _, err := rand.Read(key); err != nil {
		return nil, nil, fmt.Errorf("new data key: %w", err)
	}
	aead, err := newAEAD(key)
	if err != nil {
		return nil, nil, fmt.Errorf("new data key: %w", err)
	}
	wrapped := make([]byte, 1, wrappedSize)
	wrapped[0] = formatV1
	wrapped = k.wrap.Seal(wrapped, nil, key, wrapAAD(subjectID))
	return &DataKey{aead: aead}, wrapped, nil
}

// Unwrap decrypts a wrapped data key that NewDataKey created for subjectID.
// It returns an error wrapping ErrDecrypt if wrapped was altered, was made
// for another subject, or was made under another master key.
func (k *Keyring) Unwrap(wrapped []byte, subjectID string) (*DataKey, error) {
	if subjectID == "" {
		return nil, errors.New("unwrap data key: subject id is empty")
	}
	if len(wrapped) != wrappedSize {
		return nil, fmt.Errorf("unwrap data key: got %d bytes, want %d: %w", len(wrapped), wrappedSize, ErrDecrypt)
	}
	if wrapped[0] != formatV1 {
		return nil, fmt.Errorf("unwrap data key: unknown format version %d: %w", wrapped[0], ErrDecrypt)
	}
	key, err := k.wrap.Open(make([]byte, 0, dataKeySize), nil, wrapped[1:], wrapAAD(subjectID))
	if err != nil {
		// The cipher's own error says only "message authentication failed";
		// the sentinel is what callers test for.
		return nil, fmt.Errorf("unwrap data key: %w", ErrDecrypt)
	}
	defer clear(key)
	aead, err := newAEAD(key)
	if err != nil {
		return nil, fmt.Errorf("unwrap data key: %w", err)
	}
	return &DataKey{aead: aead}, nil
}

// Seal encrypts plaintext and returns a format version byte, a 12-byte random
// nonce and the ciphertext with its GCM tag. The aad (associated data) is
// authenticated but not stored; Open must be given the same aad. Pass what
// identifies the field and record, such as "person:<id>:email", so that a
// ciphertext moved to another field or record fails to open instead of
// showing up as that field's value.
func (d *DataKey) Seal(plaintext, aad []byte) []byte {
	out := make([]byte, 1, 1+nonceSize+len(plaintext)+tagSize)
	out[0] = formatV1
	return d.aead.Seal(out, nil, plaintext, aad)
}

// Open decrypts a value produced by Seal with the same aad. It returns an
// error wrapping ErrDecrypt if sealed was altered, was sealed with another
// key, or was sealed with another aad.
func (d *DataKey) Open(sealed, aad []byte) ([]byte, error) {
	if len(sealed) < 1+nonceSize+tagSize {
		return nil, fmt.Errorf("open sealed value: got %d bytes, too short: %w", len(sealed), ErrDecrypt)
	}
	if sealed[0] != formatV1 {
		return nil, fmt.Errorf("open sealed value: unknown format version %d: %w", sealed[0], ErrDecrypt)
	}
	plaintext, err := d.aead.Open(nil, nil, sealed[1:], aad)
	if err != nil {
		return nil, fmt.Errorf("open sealed value: %w", ErrDecrypt)
	}
	return plaintext, nil
}

// String returns a fixed placeholder so that printing or logging a DataKey
// never reveals the expanded key it holds.
func (d *DataKey) String() string { return "keyring.DataKey{redacted}" }

// GoString is like String, for the %#v verb.
func (d *DataKey) GoString() string { return d.String() }

// wrapAAD returns the associated data that binds a wrapped key to its subject.
func wrapAAD(subjectID string) []byte {
	aad := make([]byte, 0, len(wrapAADPrefix)+len(subjectID))
	aad = append(aad, wrapAADPrefix...)
	return append(aad, subjectID...)
}
