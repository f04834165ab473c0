package keyring_test

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vernhq/vern/keyring"
)

// MustNew returns a Keyring for a fresh random master key.
func MustNew(tb testing.TB) *keyring.Keyring {
	tb.Helper()
	return MustNewFrom(tb, randomBytes(tb, keyring.MasterKeySize))
}

// MustNewFrom returns a Keyring for master.
func MustNewFrom(tb testing.TB, master []byte) *keyring.Keyring {
	tb.Helper()
	k, err := keyring.New(master)
	if err != nil {
		tb.Fatalf("New: %v", err)
	}
	return k
}

// MustNewDataKey returns a new data key for subjectID and its wrapped form.
func MustNewDataKey(tb testing.TB, k *keyring.Keyring, subjectID string) (*keyring.DataKey, []byte) {
	tb.Helper()
	d, wrapped, err := k.NewDataKey(subjectID)
	if err != nil {
		tb.Fatalf("NewDataKey(%q): %v", subjectID, err)
	}
	return d, wrapped
}

func randomBytes(tb testing.TB, n int) []byte {
	tb.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		tb.Fatal(err)
	}
	return b
}

func TestNew(t *testing.T) {
	tests := []struct {
		name    string
		size    int
		wantErr bool
	}{
		{name: "32 bytes", size: 32},
		{name: "empty", size: 0, wantErr: true},
		{name: "16 bytes", size: 16, wantErr: true},
		{name: "31 bytes", size: 31, wantErr: true},
		{name: "33 bytes", size: 33, wantErr: true},
		{name: "64 bytes", size: 64, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := keyring.New(make([]byte, tt.size))
			if gotErr := err != nil; gotErr != tt.wantErr {
				t.Fatalf("New(%d bytes) error = %v, want error: %t", tt.size, err, tt.wantErr)
			}
		})
	}
}

func TestRedacted(t *testing.T) {
	k := MustNew(t)
	d, _ := MustNewDataKey(t, k, "subject-1")
	tests := []struct {
		name string
		got  string
		want string
	}{
		{name: "keyring %v", got: fmt.Sprintf("%v", k), want: "keyring.Keyring{redacted}"},
		{name: "keyring %+v", got: fmt.Sprintf("%+v", k), want: "keyring.Keyring{redacted}"},
		{name: "keyring %#v", got: fmt.Sprintf("%#v", k), want: "keyring.Keyring{redacted}"},
		{name: "data key %v", got: fmt.Sprintf("%v", d), want: "keyring.DataKey{redacted}"},
		{name: "data key %#v", got: fmt.Sprintf("%#v", d), want: "keyring.DataKey{redacted}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, tt.got); diff != "" {
				t.Errorf("formatted mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestConcurrent(t *testing.T) {
	k := MustNew(t)
	d, wrapped := MustNewDataKey(t, k, "subject-1")
	aad := []byte("person:subject-1:email")
	shared := d.Seal([]byte("shared value"), aad)
	wantIndex := k.BlindIndex("email", "ada@example.org")

	const goroutines, rounds = 16, 50
	var wg sync.WaitGroup
	errs := make(chan error, goroutines)
	for g := range goroutines {
		wg.Go(func() {
			for i := range rounds {
				msg := fmt.Appendf(nil, "goroutine %d round %d", g, i)
				got, err := d.Open(d.Seal(msg, aad), aad)
				if err != nil || !bytes.Equal(got, msg) {
					errs <- fmt.Errorf("Seal/Open round trip: got %q, %v", got, err)
					return
				}
				if _, err := d.Open(shared, aad); err != nil {
					errs <- fmt.Errorf("Open(shared): %w", err)
					return
				}
				d2, err := k.Unwrap(wrapped, "subject-1")
				if err != nil {
					errs <- fmt.Errorf("Unwrap: %w", err)
					return
				}
				if _, err := d2.Open(shared, aad); err != nil {
					errs <- fmt.Errorf("Open(shared) after Unwrap: %w", err)
					return
				}
				if idx := k.BlindIndex("email", "ada@example.org"); !bytes.Equal(idx, wantIndex) {
					errs <- errors.New("BlindIndex not deterministic across goroutines")
					return
				}
				if !k.Verify("link", msg, k.Sign("link", msg)) {
					errs <- errors.New("Verify(Sign) = false")
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
