package policy_test

import (
	"strings"
	"testing"

	"github.com/vernhq/vern/policy"
)

func TestDescribeSeed(t *testing.T) {
	p, err := policy.Parse(policy.Seed())
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{"nb", "en"} {
		d := p.Describe(lang)
		if len(d.Purposes) != len(p.Purposes()) {
			t.Errorf("%s: %d purposes described, policy has %d", lang, len(d.Purposes), len(p.Purposes()))
		}
		for _, pu := range d.Purposes {
			if pu.Title == "" || len(pu.LegalBases) == 0 || slicesHasEmpty(pu.LegalBases) {
				t.Errorf("%s: purpose %s lacks a title or a named legal basis: %+v", lang, pu.Key, pu)
			}
		}
		for _, r := range d.Retention {
			if r.Period == "" || strings.Contains(r.Period, "  ") {
				t.Errorf("%s: retention %s reads %q", lang, r.Key, r.Period)
			}
		}
		for _, r := range d.Rights {
			if strings.Contains(r, "{") {
				t.Errorf("%s: unfilled placeholder in right %q", lang, r)
			}
		}
		if !strings.Contains(d.Authority.Name, "Datatilsynet") {
			t.Errorf("%s: authority %q, want Datatilsynet", lang, d.Authority.Name)
		}
		if len(d.Recipients) == 0 || d.Recipients[0].Role == "" {
			t.Errorf("%s: recipients not described: %+v", lang, d.Recipients)
		}
	}
	if p.Describe("xx").Language != p.DefaultLanguage {
		t.Error("an unknown language does not fall back to the default")
	}
	if !p.AllowsRight(policy.RightErasure) {
		t.Error("the seed offers erasure")
	}
}

func slicesHasEmpty(ss []string) bool {
	for _, s := range ss {
		if s == "" {
			return true
		}
	}
	return false
}
