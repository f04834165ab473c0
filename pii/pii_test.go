package pii_test

import (
	"testing"

	"github.com/vernhq/vern/pii"
)

var allKinds = []pii.Kind{
	pii.NorwegianNationalID, pii.NorwegianDNumber, pii.NorwegianHNumber, pii.SwedishPersonnummer,
	pii.SwedishSamordningsnummer, pii.DanishCPR, pii.FinnishHETU, pii.PaymentCard, pii.IBAN,
}

// TestKindNames pins the kind names: they are part of the API's error codes.
func TestKindNames(t *testing.T) {
	want := []string{
		"norwegian_national_id", "norwegian_d_number", "norwegian_h_number", "swedish_personnummer",
		"swedish_samordningsnummer", "danish_cpr", "finnish_hetu", "payment_card", "iban",
	}
	for i, k := range allKinds {
		if string(k) != want[i] {
			t.Errorf("kind %d = %q, want %q", i, k, want[i])
		}
	}
}

func TestDescription(t *testing.T) {
	tests := []struct {
		name string
		kind pii.Kind
		lang string
		want string
	}{
		{"english", pii.NorwegianNationalID, "en", "a Norwegian national identity number (fødselsnummer)"},
		{"bokmål", pii.NorwegianNationalID, "nb", "et norsk fødselsnummer"},
		{"norwegian region tag", pii.DanishCPR, "nb-NO", "et dansk CPR-nummer"},
		{"nynorsk falls back to bokmål", pii.IBAN, "nn", "et internasjonalt kontonummer (IBAN)"},
		{"empty language is english", pii.PaymentCard, "", "a payment card number"},
		{"unknown language is english", pii.FinnishHETU, "de", "a Finnish personal identity code (henkilötunnus)"},
		{"unknown kind", pii.Kind("x"), "en", "a personal identifier"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.kind.Description(tt.lang); got != tt.want {
				t.Errorf("%q.Description(%q) = %q, want %q", tt.kind, tt.lang, got, tt.want)
			}
		})
	}
	// Every kind has its own text in both languages.
	for _, lang := range []string{"en", "nb"} {
		seen := map[string]pii.Kind{}
		for _, k := range allKinds {
			d := k.Description(lang)
			if other, dup := seen[d]; dup {
				t.Errorf("%q and %q share the %s description %q", k, other, lang, d)
			}
			seen[d] = k
		}
	}
}
