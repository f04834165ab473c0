package keyring_test

import (
	"bytes"
	"errors"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/vernhq/vern/keyring"
)

func TestSealOpen(t *testing.T) {
	k := MustNew(t)
	tests := []struct {
		name      string
		plaintext []byte
		aad       []byte
	}{
		{name: "empty", plaintext: nil, aad: []byte("person:1:note")},
		{name: "email", plaintext: []byte("ada@example.org"), aad: []byte("person:1:email")},
		{name: "no aad", plaintext: []byte("+44 20 7946 0000"), aad: nil},
		{name: "200 bytes", plaintext: bytes.Repeat([]byte("x"), 200), aad: []byte("interaction:42:text")},
		{name: "64 KiB", plaintext: bytes.Repeat([]byte{0xA5}, 64<<10), aad: []byte("interaction:43:text")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, wrapped := MustNewDataKey(t, k, "subject-1")
			sealed := d.Seal(tt.plaintext, tt.aad)
			if want := 1 + 12 + len(tt.plaintext) + 16; len(sealed) != want {
				t.Errorf("len(Seal) = %d, want %d", len(sealed), want)
			}
			if len(tt.plaintext) > 0 && bytes.Contains(sealed, tt.plaintext) {
				t.Errorf("Seal output contains the plaintext")
			}
			// Open with the key as created and as unwrapped from storage.
			d2, err := k.Unwrap(wrapped, "subject-1")
			if err != nil {
				t.Fatalf("Unwrap: %v", err)
			}
			for _, key := range []*keyring.DataKey{d, d2} {
				got, err := key.Open(sealed, tt.aad)
				if err != nil {
					t.Fatalf("Open: %v", err)
				}
				if diff := cmp.Diff(tt.plaintext, got, cmpopts.EquateEmpty()); diff != "" {
					t.Errorf("Open(Seal(x)) mismatch (-want +got):\n%s", diff)
				}
			}
		})
	}
}

func TestSealNonceIsRandom(t *testing.T) {
	d, _ := MustNewDataKey(t, MustNew(t), "subject-1")
	a := d.Seal([]byte("same"), nil)
	b := d.Seal([]byte("same"), nil)
	if bytes.Equal(a, b) {
		t.Errorf("Seal of the same plaintext twice gave equal ciphertexts")
	}
}

func TestOpenTampered(t *testing.T) {
	d, _ := MustNewDataKey(t, MustNew(t), "subject-1")
	aad := []byte("person:1:email")
	sealed := d.Seal([]byte("ada@example.org"), aad)

	type test struct {
		name   string
		sealed []byte
	}
	var tests []test
	for i := range sealed {
		for _, mask := range []byte{0x01, 0x80} {
			b := bytes.Clone(sealed)
			b[i] ^= mask
			tests = append(tests, test{name: fmt.Sprintf("flip byte %d mask %#02x", i, mask), sealed: b})
		}
	}
	tests = append(tests,
		test{name: "nil", sealed: nil},
		test{name: "version only", sealed: sealed[:1]},
		test{name: "truncated tag", sealed: sealed[:len(sealed)-1]},
		test{name: "header only", sealed: sealed[:1+12+16]},
		test{name: "appended byte", sealed: append(bytes.Clone(sealed), 0)},
		test{name: "version 2", sealed: append([]byte{2}, sealed[1:]...)},
	)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := d.Open(tt.sealed, aad)
			if !errors.Is(err, keyring.ErrDecrypt) {
				t.Fatalf("Open(tampered) error = %v, want ErrDecrypt", err)
			}
			if got != nil {
				t.Errorf("Open(tampered) returned %d bytes of plaintext, want none", len(got))
			}
		})
	}
}

func TestOpenWrongContext(t *testing.T) {
	k := MustNew(t)
	d, _ := MustNewDataKey(t, k, "subject-1")
	other, _ := MustNewDataKey(t, k, "subject-1")
	aad := []byte("person:1:email")
	sealed := d.Seal([]byte("ada@example.org"), aad)

	tests := []struct {
		name string
		key  *keyring.DataKey
		aad  []byte
	}{
		{name: "other field", key: d, aad: []byte("person:1:phone")},
		{name: "other record", key: d, aad: []byte("person:2:email")},
		{name: "missing aad", key: d, aad: nil},
		{name: "aad with suffix", key: d, aad: []byte("person:1:email\x00")},
		{name: "other data key", key: other, aad: aad},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := tt.key.Open(sealed, tt.aad); !errors.Is(err, keyring.ErrDecrypt) {
				t.Errorf("Open error = %v, want ErrDecrypt", err)
			}
		})
	}
}

func TestUnwrap(t *testing.T) {
	k := MustNew(t)
	otherMaster := MustNew(t)
	d, wrapped := MustNewDataKey(t, k, "subject-1")
	if len(wrapped) != 61 {
		t.Errorf("len(wrapped) = %d, want 61", len(wrapped))
	}
	sealed := d.Seal([]byte("ada@example.org"), nil)

	type test struct {
		name      string
		keyring   *keyring.Keyring
		wrapped   []byte
		subjectID string
		wantErr   error // nil means success
	}
	tests := []test{
		{name: "same subject", keyring: k, wrapped: wrapped, subjectID: "subject-1"},
		{name: "other subject", keyring: k, wrapped: wrapped, subjectID: "subject-2", wantErr: keyring.ErrDecrypt},
		{name: "subject prefix", keyring: k, wrapped: wrapped, subjectID: "subject-", wantErr: keyring.ErrDecrypt},
		{name: "subject with suffix", keyring: k, wrapped: wrapped, subjectID: "subject-10", wantErr: keyring.ErrDecrypt},
		{name: "other master key", keyring: otherMaster, wrapped: wrapped, subjectID: "subject-1", wantErr: keyring.ErrDecrypt},
		{name: "nil", keyring: k, wrapped: nil, subjectID: "subject-1", wantErr: keyring.ErrDecrypt},
		{name: "truncated", keyring: k, wrapped: wrapped[:len(wrapped)-1], subjectID: "subject-1", wantErr: keyring.ErrDecrypt},
		{name: "appended byte", keyring: k, wrapped: append(bytes.Clone(wrapped), 0), subjectID: "subject-1", wantErr: keyring.ErrDecrypt},
	}
	for i := range wrapped {
		b := bytes.Clone(wrapped)
		b[i] ^= 0x01
		tests = append(tests, test{name: fmt.Sprintf("flip byte %d", i), keyring: k, wrapped: b, subjectID: "subject-1", wantErr: keyring.ErrDecrypt})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.keyring.Unwrap(tt.wrapped, tt.subjectID)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("Unwrap error = %v, want %v", err, tt.wantErr)
				}
				if got != nil {
					t.Errorf("Unwrap returned a key along with error %v", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Unwrap: %v", err)
			}
			plaintext, err := got.Open(sealed, nil)
			if err != nil {
				t.Fatalf("Open with unwrapped key: %v", err)
			}
			if diff := cmp.Diff("ada@example.org", string(plaintext)); diff != "" {
				t.Errorf("Open mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestEmptySubjectID(t *testing.T) {
	k := MustNew(t)
	if _, _, err := k.NewDataKey(""); err == nil {
		t.Errorf("NewDataKey(\"\") succeeded, want error")
	}
	_, wrapped := MustNewDataKey(t, k, "subject-1")
	if _, err := k.Unwrap(wrapped, ""); err == nil {
		t.Errorf("Unwrap(wrapped, \"\") succeeded, want error")
	}
}

func TestNewDataKeyIsRandom(t *testing.T) {
	k := MustNew(t)
	d1, w1 := MustNewDataKey(t, k, "subject-1")
	_, w2 := MustNewDataKey(t, k, "subject-1")
	if bytes.Equal(w1, w2) {
		t.Fatalf("two NewDataKey calls gave equal wrapped keys")
	}
	d2, err := k.Unwrap(w2, "subject-1")
	if err != nil {
		t.Fatalf("Unwrap: %v", err)
	}
	if _, err := d2.Open(d1.Seal([]byte("x"), nil), nil); !errors.Is(err, keyring.ErrDecrypt) {
		t.Errorf("second data key opened the first key's data: error = %v, want ErrDecrypt", err)
	}
}

func BenchmarkNewDataKey(b *testing.B) {
	k := MustNew(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := k.NewDataKey("0190a4f6-7c1e-7d2a-9b3e-5f0c2a1d4e6b"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkUnwrap(b *testing.B) {
	k := MustNew(b)
	const subjectID = "0190a4f6-7c1e-7d2a-9b3e-5f0c2a1d4e6b"
	_, wrapped := MustNewDataKey(b, k, subjectID)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := k.Unwrap(wrapped, subjectID); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSeal200(b *testing.B) {
	d, _ := MustNewDataKey(b, MustNew(b), "subject-1")
	plaintext := bytes.Repeat([]byte("x"), 200)
	aad := []byte("person:0190a4f6-7c1e-7d2a-9b3e-5f0c2a1d4e6b")
	b.SetBytes(int64(len(plaintext)))
	b.ReportAllocs()
	for b.Loop() {
		d.Seal(plaintext, aad)
	}
}

func BenchmarkOpen200(b *testing.B) {
	d, _ := MustNewDataKey(b, MustNew(b), "subject-1")
	plaintext := bytes.Repeat([]byte("x"), 200)
	aad := []byte("person:0190a4f6-7c1e-7d2a-9b3e-5f0c2a1d4e6b")
	sealed := d.Seal(plaintext, aad)
	b.SetBytes(int64(len(plaintext)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := d.Open(sealed, aad); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkUnwrapOpen200 is the cost of one API read: unwrap the person's
// key, then open one 200-byte record.
func BenchmarkUnwrapOpen200(b *testing.B) {
	k := MustNew(b)
	const subjectID = "0190a4f6-7c1e-7d2a-9b3e-5f0c2a1d4e6b"
	d, wrapped := MustNewDataKey(b, k, subjectID)
	aad := []byte("person:" + subjectID)
	sealed := d.Seal(bytes.Repeat([]byte("x"), 200), aad)
	b.ReportAllocs()
	for b.Loop() {
		d, err := k.Unwrap(wrapped, subjectID)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := d.Open(sealed, aad); err != nil {
			b.Fatal(err)
		}
	}
}
