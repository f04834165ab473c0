package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vernhq/vern/policy"
)

func TestPolicyCheck(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.yaml")
	if err := os.WriteFile(good, policy.Seed(), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runCLI(t, nil, "policy", "check", good)
	if code != 0 || !strings.Contains(stdout, "valid") {
		t.Fatalf("check of the seed = %d\n%s%s", code, stdout, stderr)
	}

	broken := bytes.Replace(policy.Seed(), []byte("legal_basis: [consent]"), []byte("legal_basis: [vibes]"), 1)
	broken = bytes.Replace(broken, []byte("version: \"2023-06-27\""), []byte("version: \"2023-06-27\"\nshoe_size: 44"), 1)
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, broken, 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr = runCLI(t, nil, "policy", "check", bad)
	if code != 1 {
		t.Fatalf("check of a broken policy exited %d, want 1", code)
	}
	for _, want := range []string{bad + ":9:1: shoe_size", bad + ":139:19: purposes[0].legal_basis[0]", "problem(s)"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}

	notYAML := filepath.Join(dir, "garbage.yaml")
	if err := os.WriteFile(notYAML, []byte("purposes: [\n  - {"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := runCLI(t, nil, "policy", "check", notYAML); code != 1 || !strings.Contains(stderr, notYAML+":") {
		t.Fatalf("check of a corrupt file = %d %s", code, stderr)
	}
	if code, _, _ := runCLI(t, nil, "policy", "check", filepath.Join(dir, "missing.yaml")); code != 1 {
		t.Fatalf("check of a missing file exited %d", code)
	}
}

func TestPolicyRender(t *testing.T) {
	code, stdout, stderr := runCLI(t, nil, "policy", "render", "--lang", "en")
	if code != 0 || !strings.Contains(stdout, `<html lang="en"`) || !strings.Contains(stdout, "Datatilsynet") {
		t.Fatalf("render = %d %s", code, stderr)
	}
	code, stdout, _ = runCLI(t, nil, "policy", "render")
	if code != 0 || !strings.Contains(stdout, `<html lang="nb"`) {
		t.Fatalf("default render is not Norwegian (exit %d)", code)
	}
	if code, _, _ := runCLI(t, nil, "policy", "render", "--lang", "de"); code != 1 {
		t.Fatalf("render in an unknown language exited %d, want 1", code)
	}
}

func TestServeRefusesBrokenPolicy(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("version: x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runCLI(t, nil, "serve", "--data", dir, "--addr", "127.0.0.1:0", "--policy", bad)
	if code != 1 || !strings.Contains(stderr, "policy") {
		t.Fatalf("serve with a broken policy = %d %s", code, stderr)
	}
}

func TestImportPeopleCommand(t *testing.T) {
	dir := t.TempDir()
	csvPath := filepath.Join(dir, "people.csv")
	body := "email,first_name,phone\nkari@example.test,Kari,+47 41234567\nola@example.test,Ola,\n"
	if err := os.WriteFile(csvPath, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runCLI(t, nil, "import", "people", csvPath, "--data", dir)
	if code != 0 || !strings.Contains(stdout, "2 people created") {
		t.Fatalf("import = %d\n%s%s", code, stdout, stderr)
	}
	bad := filepath.Join(dir, "bad.csv")
	if err := os.WriteFile(bad, []byte("email,first_name\nnew@example.test,Ny\nbroken,Row\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr = runCLI(t, nil, "import", "people", bad, "--data", dir)
	if code != 1 || !strings.Contains(stdout, "nothing was written") || !strings.Contains(stderr, "line 3: email") {
		t.Fatalf("import of a file with a bad row = %d\n%s%s", code, stdout, stderr)
	}
	report := filepath.Join(dir, "report.json")
	code, stdout, _ = runCLI(t, nil, "import", "people", bad, "--data", dir, "--skip-invalid", "--report", report)
	if code != 0 || !strings.Contains(stdout, "1 people created") || !strings.Contains(stdout, "1 rejected") {
		t.Fatalf("import --skip-invalid = %d\n%s", code, stdout)
	}
	if b, err := os.ReadFile(report); err != nil || !bytes.Contains(b, []byte(`"rejected": 1`)) {
		t.Fatalf("report = %s, %v", b, err)
	}
}
