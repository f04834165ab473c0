// Package keyring holds Vern's master key and the per-person data keys it wraps.
//
// Every person's personal fields are encrypted with their own data key, and
// every data key is stored only in wrapped (encrypted) form under the master
// key. Erasing a person destroys their wrapped key, which makes every copy of
// their encrypted data, backups included, unreadable ("crypto-shredding").
//
// The master key is never used directly. Three independent subkeys are
// derived from it with HKDF-SHA-256: one wraps data keys, one computes blind
// indexes for lookups, and one signs links and tokens. Separating them means
// a weakness or leak in one use (for example, a blind index revealed to an
// attacker) says nothing about the keys of the others.
package keyring

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/ed25519"
	"crypto/hkdf"
	"crypto/sha256"
	"fmt"
)

// MasterKeySize is the length in bytes of a master key.
const MasterKeySize = 32

// HKDF info labels. They are part of the on-disk contract: changing one
// changes the derived subkey and makes existing data unreadable.
const (
	infoWrap  = "vern/keyring/v1/wrap"
	infoIndex = "vern/keyring/v1/blind-index"
	infoSign  = "vern/keyring/v1/sign"
	// infoTransfer seeds the Ed25519 key that signs direct transfers of
	// access packages to other controllers (GDPR Art. 20(2)).
	infoTransfer = "vern/keyring/v1/transfer-ed25519"
)

// Keyring holds the subkeys derived from a master key. It is safe for
// concurrent use; the zero value is not usable, so build one with New, Load or
// LoadOrCreate.
type Keyring struct {
	// wrap seals and opens data keys. It is built once because every API
	// read unwraps a key, and re-expanding the AES key schedule each time
	// would be wasted work. cipher.AEAD is safe for concurrent use.
	wrap     cipher.AEAD
	index    *macer
	sign     *macer
	transfer ed25519.PrivateKey
}

// New returns a Keyring for a MasterKeySize-byte master key. The Keyring keeps
// only derived subkeys, so the caller may clear master after New returns.
func New(master []byte) (*Keyring, error) {
	if len(master) != MasterKeySize {
		return nil, fmt.Errorf("new keyring: master key must be %d bytes, got %d", MasterKeySize, len(master))
	}
	// No salt: the master key is already uniformly random, and the info
	// labels alone provide the domain separation (RFC 5869, section 3.1).
	wrapKey, err := hkdf.Key(sha256.New, master, nil, infoWrap, 32)
	if err != nil {
		return nil, fmt.Errorf("new keyring: derive wrap key: %w", err)
	}
	defer clear(wrapKey)
	indexKey, err := hkdf.Key(sha256.New, master, nil, infoIndex, 32)
	if err != nil {
		return nil, fmt.Errorf("new keyring: derive index key: %w", err)
	}
	signKey, err := hkdf.Key(sha256.New, master, nil, infoSign, 32)
	if err != nil {
		return nil, fmt.Errorf("new keyring: derive sign key: %w", err)
	}
	seed, err := hkdf.Key(sha256.New, master, nil, infoTransfer, ed25519.SeedSize)
	if err != nil {
		return nil, fmt.Errorf("new keyring: derive transfer key: %w", err)
	}
	defer clear(seed)
	wrap, err := newAEAD(wrapKey)
	if err != nil {
		return nil, fmt.Errorf("new keyring: %w", err)
	}
	return &Keyring{wrap: wrap, index: newMacer(indexKey), sign: newMacer(signKey), transfer: ed25519.NewKeyFromSeed(seed)}, nil
}

// SignTransfer signs msg with the installation's Ed25519 transfer key.
func (k *Keyring) SignTransfer(msg []byte) []byte { return ed25519.Sign(k.transfer, msg) }

// TransferPublicKey is the public half of the transfer key, which a
// receiving controller uses to check a transfer's signature.
func (k *Keyring) TransferPublicKey() ed25519.PublicKey {
	return k.transfer.Public().(ed25519.PublicKey)
}

// String returns a fixed placeholder so that logging or printing a Keyring
// (for example with %v, which would otherwise walk the struct) never reveals
// key material.
func (k *Keyring) String() string { return "keyring.Keyring{redacted}" }

// GoString is like String, for the %#v verb.
func (k *Keyring) GoString() string { return k.String() }

// newAEAD returns AES-256-GCM that draws a fresh random 96-bit nonce for every
// Seal and prepends it to the ciphertext. Letting the standard library own
// the nonce rules out nonce reuse by a caller mistake. Random nonces are safe
// for about 2^32 messages per key; a data key seals one person's fields and
// the wrap key seals one data key per person, both far below that bound.
func newAEAD(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("create aes cipher: %w", err)
	}
	aead, err := cipher.NewGCMWithRandomNonce(block)
	if err != nil {
		return nil, fmt.Errorf("create gcm: %w", err)
	}
	return aead, nil
}
