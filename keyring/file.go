package keyring

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
)

// keyFilePrefix starts the only line of a version 1 key file. The version in
// the prefix lets a future key rotation introduce a new format (for example
// several keys, one per line) that this code refuses rather than misreads.
const keyFilePrefix = "vern-master-key-v1:"

// maxKeyFileSize bounds how much of a key file is read; a valid version 1 file
// is 64 bytes.
const maxKeyFileSize = 4096

// Load reads the master key file at path and returns its Keyring. The file
// must exist, be a regular file without group or other permission bits, and
// hold a single line "vern-master-key-v1:<base64 of 32 bytes>". Errors name
// the path but never quote the file's contents. When the file does not exist
// the error wraps fs.ErrNotExist.
func Load(path string) (*Keyring, error) {
	master, err := readKeyFile(path)
	if err != nil {
		return nil, fmt.Errorf("load master key %q: %w", path, err)
	}
	defer clear(master)
	k, err := New(master)
	if err != nil {
		return nil, fmt.Errorf("load master key %q: %w", path, err)
	}
	return k, nil
}

// LoadOrCreate is like Load, but when no file exists at path it creates one
// holding a new random master key (mode 0600) and returns its Keyring. The
// directory must already exist.
//
// The file appears atomically and complete: it is written and synced under a
// temporary name in the same directory, then linked into place, and the
// directory is synced so the new name survives a crash. Linking, unlike
// rename, fails when path already exists, so two processes starting at once
// cannot each create a key and have one silently replace the other, which
// would leave data encrypted under a key that no longer exists. The loser
// loads the winner's file.
func LoadOrCreate(path string) (*Keyring, error) {
	k, err := Load(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return k, err
	}
	master := make([]byte, MasterKeySize)
	defer clear(master)
	if _, err := rand.Read(master); err != nil {
		return nil, fmt.Errorf("create master key %q: %w", path, err)
	}
	created, err := createKeyFile(path, master)
	if err != nil {
		return nil, fmt.Errorf("create master key %q: %w", path, err)
	}
	if !created {
		// Another process created the file first; use its key.
		return Load(path)
	}
	return New(master)
}

// readKeyFile returns the master key in the file at path. It checks the
// permissions of the opened file rather than of the path, so the file cannot
// be swapped between the check and the read.
func readKeyFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !info.Mode().IsRegular() {
		return nil, errors.New("not a regular file")
	}
	// Windows reports synthetic permission bits, so the check is meaningful
	// only on Unix-like systems.
	if perm := info.Mode().Perm(); perm&0o077 != 0 && runtime.GOOS != "windows" {
		return nil, fmt.Errorf("permissions %#o allow group or other access; run chmod 600", perm)
	}
	data, err := io.ReadAll(io.LimitReader(f, maxKeyFileSize+1))
	defer clear(data)
	if err != nil {
		return nil, err
	}
	if len(data) > maxKeyFileSize {
		return nil, errors.New("file too large for a key file")
	}
	// Tolerate the trailing newline (or CRLF, or spaces) an editor may add;
	// the key itself is base64 and contains no white space.
	line, ok := bytes.CutPrefix(bytes.TrimSpace(data), []byte(keyFilePrefix))
	if !ok {
		return nil, fmt.Errorf("not a %s key file", keyFilePrefix[:len(keyFilePrefix)-1])
	}
	master := make([]byte, base64.StdEncoding.DecodedLen(len(line)))
	n, err := base64.StdEncoding.Decode(master, line)
	if err != nil || n != MasterKeySize {
		// Neither the decoder's error nor the decoded bytes are quoted: a
		// damaged key file is still mostly key.
		clear(master)
		return nil, fmt.Errorf("key is not %d bytes of base64 (truncated or damaged file?)", MasterKeySize)
	}
	return master[:n], nil
}

// createKeyFile writes master to a new file at path. It reports false, with no
// error, if a file already exists there.
func createKeyFile(path string, master []byte) (created bool, err error) {
	dir := filepath.Dir(path)
	// CreateTemp uses mode 0600, so the key is never readable by others,
	// not even briefly.
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return false, err
	}
	// The temporary name is always removed: on success the key lives on
	// under path through the link.
	defer os.Remove(tmp.Name())

	line := make([]byte, 0, len(keyFilePrefix)+base64.StdEncoding.EncodedLen(len(master))+1)
	line = append(line, keyFilePrefix...)
	line = base64.StdEncoding.AppendEncode(line, master)
	line = append(line, '\n')
	defer clear(line)
	if _, err := tmp.Write(line); err != nil {
		tmp.Close()
		return false, err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return false, err
	}
	if err := tmp.Close(); err != nil {
		return false, err
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return false, nil
		}
		return false, err
	}
	if err := syncDir(dir); err != nil {
		return false, err
	}
	return true, nil
}

// syncDir flushes a directory entry change (a new name) to stable storage.
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		// Windows cannot open directories for syncing; NTFS journals
		// metadata itself.
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	if err := d.Sync(); err != nil {
		d.Close()
		return err
	}
	return d.Close()
}
