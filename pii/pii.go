// Package pii detects personal identifiers that Vern refuses to store and normalises the identifiers it does store.
//
// Vern's privacy policy (clause S5) promises that national identity numbers and similar identifiers are never
// stored, so every field and free text that enters the system passes through Find or Scan. The detector is a
// single pass over the digit runs of the text: it allocates nothing when nothing is found, it never matches part
// of a longer digit run, and it reports byte offsets rather than values so that callers cannot log what they
// refuse. The checksums, layouts and negative controls follow REFERENCE.md section 3.
//
// NormalizeEmail and NormalizePhone produce the canonical form of the identifiers Vern does store. Their errors
// never echo the input, because a rejected value may itself be a national identity number.
package pii

import "strings"

// Kind names a class of identifier. The values are stable snake_case strings that appear in API error codes,
// so they must never be renamed.
type Kind string

// The kinds of identifier the detector reports.
const (
	// NorwegianNationalID is a Norwegian fødselsnummer, including synthetic test numbers with month + 80.
	NorwegianNationalID Kind = "norwegian_national_id"
	// NorwegianDNumber is a Norwegian D-number for foreigners: a fødselsnummer with day + 40.
	NorwegianDNumber Kind = "norwegian_d_number"
	// NorwegianHNumber is a Norwegian health-sector help number with month + 40; NAV's synthetic test
	// identities use the same pattern and cannot be told apart from it.
	NorwegianHNumber Kind = "norwegian_h_number"
	// SwedishPersonnummer is a Swedish personal identity number.
	SwedishPersonnummer Kind = "swedish_personnummer"
	// SwedishSamordningsnummer is a Swedish coordination number: a personnummer with day + 60.
	SwedishSamordningsnummer Kind = "swedish_samordningsnummer"
	// DanishCPR is a Danish CPR number.
	DanishCPR Kind = "danish_cpr"
	// FinnishHETU is a Finnish personal identity code (henkilötunnus).
	FinnishHETU Kind = "finnish_hetu"
	// PaymentCard is a payment card number (PAN).
	PaymentCard Kind = "payment_card"
	// IBAN is an international bank account number.
	IBAN Kind = "iban"
)

// Description returns a human-readable phrase for k in the given language, suitable for a sentence such as
// "The note contains <description>." Norwegian ("nb", "no" and their regional tags) is returned for Norwegian
// language tags; every other tag gets English, because a description in the wrong language is better than none.
func (k Kind) Description(lang string) string {
	nb := isNorwegian(lang)
	switch k {
	case NorwegianNationalID:
		return pick(nb, "a Norwegian national identity number (fødselsnummer)", "et norsk fødselsnummer")
	case NorwegianDNumber:
		return pick(nb, "a Norwegian D-number", "et norsk D-nummer")
	case NorwegianHNumber:
		return pick(nb, "a Norwegian H-number (health-sector help number)", "et norsk H-nummer (hjelpenummer i helsetjenesten)")
	case SwedishPersonnummer:
		return pick(nb, "a Swedish personal identity number (personnummer)", "et svensk personnummer")
	case SwedishSamordningsnummer:
		return pick(nb, "a Swedish coordination number (samordningsnummer)", "et svensk samordningsnummer")
	case DanishCPR:
		return pick(nb, "a Danish CPR number", "et dansk CPR-nummer")
	case FinnishHETU:
		return pick(nb, "a Finnish personal identity code (henkilötunnus)", "et finsk personnummer (henkilötunnus)")
	case PaymentCard:
		return pick(nb, "a payment card number", "et betalingskortnummer")
	case IBAN:
		return pick(nb, "an international bank account number (IBAN)", "et internasjonalt kontonummer (IBAN)")
	}
	return pick(nb, "a personal identifier", "et personnummer eller lignende identifikator")
}

// isNorwegian reports whether lang is a Norwegian language tag. Nynorsk ("nn") readers are served Bokmål,
// which they read without trouble, rather than English.
func isNorwegian(lang string) bool {
	base, _, _ := strings.Cut(strings.ToLower(lang), "-")
	base, _, _ = strings.Cut(base, "_")
	return base == "nb" || base == "no" || base == "nn"
}

func pick(nb bool, en, no string) string {
	if nb {
		return no
	}
	return en
}

// Finding locates one identifier in a scanned text. Start and End are byte offsets, so text[Start:End] is the
// identifier including any grouping separators. The value itself is deliberately not part of the struct: a
// Finding can be logged or returned in an API error without leaking the number it points at.
type Finding struct {
	Kind       Kind
	Start, End int
}
