package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/vernhq/vern/sqlite"
)

// TestServerCacheSeesAnotherProcess caches a person in a running server,
// changes them with a CLI command (its own handle on the SQLite file, as
// another process has), and checks the server answers with the change: the
// change log carries it across.
func TestServerCacheSeesAnotherProcess(t *testing.T) {
	r := MustRunMain(t, nil)
	defer r.stop()
	call := func(method, path, body string) (int, []byte) {
		t.Helper()
		st, b, _ := r.call(t, true, method, path, body)
		return st, b
	}
	type found struct {
		ID       string
		Language string
		Purposes []string
	}
	find := func() found {
		t.Helper()
		st, b := call("GET", "/v1/people?email=cached%40example.test", "")
		var p found
		if err := json.Unmarshal(b, &p); err != nil || st != 200 {
			t.Fatalf("find: %d %s", st, b)
		}
		return p
	}
	if st, b := call("POST", "/v1/people", `{"first_name":"Kari","email":"cached@example.test","language":"nb","source":{"channel":"api"}}`); st != 201 {
		t.Fatalf("create: %d %s", st, b)
	}
	p := find()

	// A change written behind the server's back, announced to no one, is
	// not seen: the server answers from its cache.
	other, err := sqlite.Open(context.Background(), filepath.Join(r.data, "vern.db"))
	if err != nil {
		t.Fatal(err)
	}
	sp, err := other.FindPersonByID(context.Background(), p.ID)
	if err != nil {
		t.Fatal(err)
	}
	sp.Language = "en"
	if err := other.UpdatePerson(context.Background(), sp); err != nil {
		t.Fatal(err)
	}
	other.Close()
	if got := find(); got.Language != "nb" || len(got.Purposes) != 0 {
		t.Fatalf("found %+v, want the cached person (nb, no purposes)", got)
	}

	csv := filepath.Join(t.TempDir(), "people.csv")
	if err := os.WriteFile(csv, []byte("email,purposes\ncached@example.test,newsletter\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out, errOut := runCLI(t, nil, "import", "people", csv, "--data", r.data); code != 0 {
		t.Fatalf("import exited %d:\n%s\n%s", code, out, errOut)
	}
	// The import announced its change; the server reads the stored person
	// again, with both changes.
	deadline := time.Now().Add(5 * time.Second)
	for got := find(); !slices.Equal(got.Purposes, []string{"newsletter"}) || got.Language != "en"; got = find() {
		if time.Now().After(deadline) {
			t.Fatalf("the server still answers %+v after the import added newsletter", got)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
