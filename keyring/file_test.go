package keyring_test

import (
	"bytes"
	"encoding/base64"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vernhq/vern/keyring"
)

// MustWriteFile writes data to a new file named name in a temporary directory,
// sets its mode to perm regardless of the umask, and returns its path.
func MustWriteFile(tb testing.TB, name string, data []byte, perm fs.FileMode) string {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), name)
	if err := os.WriteFile(path, data, perm); err != nil {
		tb.Fatal(err)
	}
	if err := os.Chmod(path, perm); err != nil {
		tb.Fatal(err)
	}
	return path
}

// sameKey reports whether a and b hold the same master key: a key wrapped by
// one unwraps with the other, and their blind indexes agree.
func sameKey(tb testing.TB, a, b *keyring.Keyring) bool {
	tb.Helper()
	_, wrapped := MustNewDataKey(tb, a, "subject-1")
	_, err := b.Unwrap(wrapped, "subject-1")
	return err == nil && bytes.Equal(a.BlindIndex("email", "x"), b.BlindIndex("email", "x"))
}

var keyFileLine = regexp.MustCompile(`^vern-master-key-v1:[A-Za-z0-9+/]{43}=\n$`)

func TestLoadOrCreate(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "master.key")

	created, err := keyring.LoadOrCreate(path)
	if err != nil {
		t.Fatalf("LoadOrCreate (create): %v", err)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatalf("key file not created: %v", err)
	}
	if runtime.GOOS != "windows" {
		if got := info.Mode().Perm(); got != 0o600 {
			t.Errorf("key file mode = %#o, want 0600", got)
		}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !keyFileLine.Match(data) {
		t.Errorf("key file does not match %s (%d bytes)", keyFileLine, len(data))
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if diff := cmp.Diff([]string{"master.key"}, names); diff != "" {
		t.Errorf("directory entries mismatch, temporary file left behind? (-want +got):\n%s", diff)
	}

	reopened, err := keyring.LoadOrCreate(path)
	if err != nil {
		t.Fatalf("LoadOrCreate (load): %v", err)
	}
	loaded, err := keyring.Load(path)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if !sameKey(t, created, reopened) || !sameKey(t, reopened, created) {
		t.Errorf("LoadOrCreate on an existing file gave a different key")
	}
	if !sameKey(t, created, loaded) {
		t.Errorf("Load gave a different key than LoadOrCreate created")
	}
	if again, err := os.ReadFile(path); err != nil || !bytes.Equal(again, data) {
		t.Errorf("key file changed by loading it (err %v)", err)
	}
}

func TestLoadOrCreateConcurrent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "master.key")
	const n = 8
	keys := make([]*keyring.Keyring, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { keys[i], errs[i] = keyring.LoadOrCreate(path) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("LoadOrCreate #%d: %v", i, err)
		}
	}
	loaded, err := keyring.Load(path)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	for i, k := range keys {
		if !sameKey(t, k, loaded) {
			t.Errorf("LoadOrCreate #%d returned a key that is not the one on disk", i)
		}
	}
}

func TestLoadMissing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "master.key")
	_, err := keyring.Load(path)
	if !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Load(missing) error = %v, want fs.ErrNotExist", err)
	}
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Load created %s", path)
	}
}

func TestLoadAccepts(t *testing.T) {
	master := bytes.Repeat([]byte{0x42}, keyring.MasterKeySize)
	want := MustNewFrom(t, master)
	encoded := base64.StdEncoding.EncodeToString(master)
	tests := []struct {
		name string
		data string
	}{
		{name: "canonical", data: "vern-master-key-v1:" + encoded + "\n"},
		{name: "no trailing newline", data: "vern-master-key-v1:" + encoded},
		{name: "crlf", data: "vern-master-key-v1:" + encoded + "\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := MustWriteFile(t, "master.key", []byte(tt.data), 0o600)
			for _, load := range []func(string) (*keyring.Keyring, error){keyring.Load, keyring.LoadOrCreate} {
				got, err := load(path)
				if err != nil {
					t.Fatalf("load: %v", err)
				}
				if !sameKey(t, want, got) {
					t.Errorf("loaded key differs from the key in the file")
				}
			}
		})
	}
}

func TestLoadRefuses(t *testing.T) {
	master := bytes.Repeat([]byte{0x5A}, keyring.MasterKeySize)
	encoded := base64.StdEncoding.EncodeToString(master)
	valid := "vern-master-key-v1:" + encoded + "\n"

	tests := []struct {
		name  string
		data  string
		perm  fs.FileMode
		unix  bool // only meaningful where permission bits are real
		isDir bool
	}{
		{name: "mode 0644", data: valid, perm: 0o644, unix: true},
		{name: "mode 0640", data: valid, perm: 0o640, unix: true},
		{name: "mode 0604", data: valid, perm: 0o604, unix: true},
		{name: "mode 0660", data: valid, perm: 0o660, unix: true},
		{name: "empty", data: "", perm: 0o600},
		{name: "truncated", data: valid[:40], perm: 0o600},
		{name: "truncated by one byte", data: "vern-master-key-v1:" + encoded[:len(encoded)-1], perm: 0o600},
		{name: "prefix only", data: "vern-master-key-v1:\n", perm: 0o600},
		{name: "raw base64 without prefix", data: encoded + "\n", perm: 0o600},
		{name: "unknown version", data: "vern-master-key-v2:" + encoded + "\n", perm: 0o600},
		{name: "16-byte key", data: "vern-master-key-v1:" + base64.StdEncoding.EncodeToString(master[:16]) + "\n", perm: 0o600},
		{name: "64-byte key", data: "vern-master-key-v1:" + base64.StdEncoding.EncodeToString(append(master, master...)) + "\n", perm: 0o600},
		{name: "not base64", data: "vern-master-key-v1:" + strings.Repeat("!", 44) + "\n", perm: 0o600},
		{name: "two keys", data: valid + valid, perm: 0o600},
		{name: "huge file", data: valid + strings.Repeat("#", 1<<20), perm: 0o600},
		{name: "directory", isDir: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.unix && runtime.GOOS == "windows" {
				t.Skip("permission bits are not enforced on Windows")
			}
			var path string
			if tt.isDir {
				path = filepath.Join(t.TempDir(), "master.key")
				if err := os.Mkdir(path, 0o700); err != nil {
					t.Fatal(err)
				}
			} else {
				path = MustWriteFile(t, "master.key", []byte(tt.data), tt.perm)
			}
			for name, load := range map[string]func(string) (*keyring.Keyring, error){
				"Load":         keyring.Load,
				"LoadOrCreate": keyring.LoadOrCreate,
			} {
				k, err := load(path)
				if err == nil {
					t.Fatalf("%s succeeded, want error", name)
				}
				if k != nil {
					t.Errorf("%s returned a Keyring along with error %v", name, err)
				}
				msg := err.Error()
				if !strings.Contains(msg, path) {
					t.Errorf("%s error %q does not name the path", name, msg)
				}
				if strings.Contains(msg, encoded[:8]) || strings.Contains(msg, string(master[:8])) {
					t.Errorf("%s error %q quotes key material", name, msg)
				}
			}
			if !tt.isDir {
				got, err := os.ReadFile(path)
				if err != nil || string(got) != tt.data {
					t.Errorf("refused key file was modified (err %v)", err)
				}
			}
		})
	}
}
