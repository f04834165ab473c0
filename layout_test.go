package vern_test

import (
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/vernhq/vern"

// allowedImports is the layering of STYLE.md: the domain imports nothing of
// ours; pure libraries import nothing of ours; use cases import the domain
// and pure libraries; adapters import those but never each other. Only
// cmd/vern and test helpers may import everything.
var allowedImports = map[string][]string{
	"":                  {},
	"pii":               {},
	"policy":            {},
	"keyring":           {},
	"calendar":          {},
	"report":            {"", "policy"},
	"mail":              {"", "keyring"},
	"jobs":              {},
	"request":           {"", "calendar", "consent", "keyring", "mail", "person", "pii", "policy"},
	"internal/smtptest": {},
	"mock":              {""},
	"storetest":         {""},
	"person":            {"", "pii", "keyring", "calendar"},
	"consent":           {"", "policy", "pii"},
	"publish":           {"", "policy"},
	"cookie":            {"", "policy", "pii"},
	"auth":              {""},
	"sqlite":            {""},
	"postgres":          {""},
	"loadgen":           {},
	"webhook":           {""},
	"audit":             {""},
	"retention":         {"", "calendar", "person", "policy"},
	"web":               {"", "pii", "policy", "person", "publish", "auth", "consent", "audit", "request", "report", "cookie", "retention", "audience", "newsletter"},
	"internal/testdb":   {"", "sqlite", "postgres"},
	"hashexport":        {"pii"},
	"audience":          {"", "consent", "hashexport", "policy"},
	"newsletter":        {"", "consent", "keyring", "mail", "policy"},
}

func TestPackageLayering(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}}:{{join .Imports " "}}`, "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		pkg, imports, _ := strings.Cut(line, ":")
		rel := strings.TrimPrefix(strings.TrimPrefix(pkg, module), "/")
		if strings.HasPrefix(rel, "cmd/") || rel == "internal/baseline" {
			continue
		}
		allowed, known := allowedImports[rel]
		if !known {
			t.Errorf("package %q has no place in the layering; add it to allowedImports", rel)
			continue
		}
		for _, imp := range strings.Fields(imports) {
			if imp != module && !strings.HasPrefix(imp, module+"/") {
				continue
			}
			dep := strings.TrimPrefix(strings.TrimPrefix(imp, module), "/")
			ok := false
			for _, a := range allowed {
				ok = ok || a == dep
			}
			if !ok {
				t.Errorf("%s imports %s, which the layering forbids", pkgName(rel), pkgName(dep))
			}
		}
	}
}

func pkgName(rel string) string {
	if rel == "" {
		return "vern"
	}
	return rel
}
