package keyring_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vernhq/vern/keyring"
)

func TestBlindIndex(t *testing.T) {
	master := randomBytes(t, keyring.MasterKeySize)
	k := MustNewFrom(t, master)
	other := MustNew(t)
	base := k.BlindIndex("email", "ada@example.org")
	if len(base) != 32 {
		t.Fatalf("len(BlindIndex) = %d, want 32", len(base))
	}

	tests := []struct {
		name      string
		got       []byte
		wantEqual bool
	}{
		{name: "same input", got: k.BlindIndex("email", "ada@example.org"), wantEqual: true},
		{name: "same key loaded twice", got: MustNewFrom(t, master).BlindIndex("email", "ada@example.org"), wantEqual: true},
		{name: "other value", got: k.BlindIndex("email", "bob@example.org"), wantEqual: false},
		{name: "other case", got: k.BlindIndex("email", "Ada@example.org"), wantEqual: false},
		{name: "other domain", got: k.BlindIndex("phone", "ada@example.org"), wantEqual: false},
		{name: "shifted boundary", got: k.BlindIndex("emai", "lada@example.org"), wantEqual: false},
		{name: "other master key", got: other.BlindIndex("email", "ada@example.org"), wantEqual: false},
		{name: "signature of same input", got: k.Sign("email", []byte("ada@example.org")), wantEqual: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := bytes.Equal(base, tt.got); got != tt.wantEqual {
				t.Errorf("BlindIndex equal to base = %t, want %t", got, tt.wantEqual)
			}
		})
	}
}

func TestBlindIndexLongValue(t *testing.T) {
	master := randomBytes(t, keyring.MasterKeySize)
	k := MustNewFrom(t, master)
	long := strings.Repeat("a", 5000)
	first := k.BlindIndex("note", long)
	// The second call reuses pooled state after a long value; a third
	// Keyring from the same master key starts fresh.
	tests := []struct {
		name string
		got  []byte
		want []byte
	}{
		{name: "same keyring", got: k.BlindIndex("note", long), want: first},
		{name: "fresh keyring", got: MustNewFrom(t, master).BlindIndex("note", long), want: first},
		{name: "short after long", got: k.BlindIndex("email", "x"), want: MustNewFrom(t, master).BlindIndex("email", "x")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, tt.got); diff != "" {
				t.Errorf("BlindIndex mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestBlindIndexEmptyValue(t *testing.T) {
	k := MustNew(t)
	if bytes.Equal(k.BlindIndex("email", ""), k.BlindIndex("phone", "")) {
		t.Errorf("empty values in different domains gave equal indexes")
	}
}

func TestBlindIndexPanicsOnZeroByteDomain(t *testing.T) {
	k := MustNew(t)
	defer func() {
		if recover() == nil {
			t.Errorf("BlindIndex with a zero byte in the domain did not panic")
		}
	}()
	k.BlindIndex("em\x00ail", "x")
}

func TestSignVerify(t *testing.T) {
	k := MustNew(t)
	other := MustNew(t)
	msg := []byte("unsubscribe:subject-1:marketing")
	mac := k.Sign("link", msg)
	if diff := cmp.Diff(mac, k.Sign("link", msg)); diff != "" {
		t.Fatalf("Sign not deterministic (-first +second):\n%s", diff)
	}
	flipped := bytes.Clone(mac)
	flipped[len(flipped)-1] ^= 1

	tests := []struct {
		name   string
		domain string
		msg    []byte
		mac    []byte
		want   bool
	}{
		{name: "valid", domain: "link", msg: msg, mac: mac, want: true},
		{name: "other domain", domain: "token", msg: msg, mac: mac},
		{name: "other message", domain: "link", msg: []byte("unsubscribe:subject-2:marketing"), mac: mac},
		{name: "flipped bit", domain: "link", msg: msg, mac: flipped},
		{name: "truncated mac", domain: "link", msg: msg, mac: mac[:16]},
		{name: "empty mac", domain: "link", msg: msg, mac: nil},
		{name: "other master key", domain: "link", msg: msg, mac: other.Sign("link", msg)},
		{name: "blind index as mac", domain: "link", msg: msg, mac: k.BlindIndex("link", string(msg))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := k.Verify(tt.domain, tt.msg, tt.mac); got != tt.want {
				t.Errorf("Verify(%q, %q) = %t, want %t", tt.domain, tt.msg, got, tt.want)
			}
		})
	}
}

func BenchmarkBlindIndex(b *testing.B) {
	k := MustNew(b)
	b.ReportAllocs()
	for b.Loop() {
		k.BlindIndex("email", "ada.lovelace@example.org")
	}
}

func BenchmarkBlindIndexParallel(b *testing.B) {
	k := MustNew(b)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			k.BlindIndex("email", "ada.lovelace@example.org")
		}
	})
}

func BenchmarkVerify(b *testing.B) {
	k := MustNew(b)
	msg := []byte("unsubscribe:0190a4f6-7c1e-7d2a-9b3e-5f0c2a1d4e6b:marketing")
	mac := k.Sign("link", msg)
	b.ReportAllocs()
	for b.Loop() {
		k.Verify("link", msg, mac)
	}
}
