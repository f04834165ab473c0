package policy_test

import (
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/vernhq/vern/policy"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func mustRender(tb testing.TB, p *policy.Policy, lang string) string {
	tb.Helper()
	out, err := p.Render(lang)
	if err != nil {
		tb.Fatalf("Render(%q): %v", lang, err)
	}
	return string(out)
}

func TestRenderGolden(t *testing.T) {
	p := mustParseSeed(t)
	for _, lang := range []string{"nb", "en"} {
		t.Run(lang, func(t *testing.T) {
			got := mustRender(t, p, lang)
			golden := filepath.Join("testdata", "notice."+lang+".html.golden")
			if *update {
				if err := os.MkdirAll("testdata", 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if diff := cmp.Diff(string(want), got); diff != "" {
				t.Errorf("Render(%q) mismatch with %s (-want +got):\n%s", lang, golden, diff)
			}
		})
	}
}

// seedSentences are sentences of the published Norwegian notice
// (seed/privacy-policy.nb.txt), with its typos fixed, that the rendered
// notice must carry word for word.
var seedSentences = []string{
	"Vi respekterer og beskytter ditt personvern i samsvar med personvernforordningen (GDPR)",
	"Denne personvernerklæringen forklarer når og hvorfor vi samler inn personlig informasjon, hvordan vi bruker denne informasjonen, i hvilke tilfeller vi deler den med andre og hvordan vi holder den sikker.",
	"Personvernerklæringen gjelder ved bruk av vår nettside, våre produkter og tjenester, og ved alle former for kommunikasjon med oss i Mementor.",
	"Når samler vi inn og behandler personopplysninger om deg?",
	"Når du bruker nettsiden vår, kan vi i noen tilfeller lagre informasjonskapsler i din nettleser.",
	"Når du samhandler med oss personlig, gjennom e-post, telefon, kontaktskjema, sosiale medier e.l.",
	"Når du samhandler med oss som representant for et selskap, ved f.eks. å be om et tilbud fra oss, inngå en skriftlig avtale med oss, eller kontakter oss for brukerstøtte.",
	"Hvorfor samler vi inn og bruker personopplysninger?",
	"Vi samler inn og bruker persondata til bruk i salgssammenheng, markedsføring, kundeservice eller til å utføre tjenester du har bestilt av oss.",
	"Dine personopplysninger kan brukes til følgende formål:",
	"Du kan når som helst melde deg av våre nyhetsbrev fra linken nederst i e-posten.",
	"Kontakte deg i forbindelse med salgsaktiviteter der legitim og gjensidig interesse er etablert.",
	"Sende deg informasjon om arrangementer du har meldt deg på.",
	"Svare på direkte henvendelser fra deg, via kontaktskjema, e-post, telefon, chat, e.l.",
	"Utforming av dokumenter som kontrakter, ordrebekreftelser, fakturaer, betalingspåminnelser, o.l.",
	"Kontakte deg om relevant informasjon om tjenester du har bestilt av oss, som f.eks. nedetid, systemmeldinger, o.l.",
	"Kontakte deg i forbindelse med meningsmålinger og tilbakemeldinger om våre produkter og tjenester.",
	"Hvilke personopplysninger samler vi inn?",
	"Hvis du er en representant for et selskap, knytter vi dine personopplysninger til dette selskapet.",
	"Fra nettsiden vår kan vi samle inn IP-adresse og handlinger som er utført på nettsiden.",
	"Vi verken lagrer eller behandler enkelte typer personopplysninger, som for eksempel fødselsnummer, personnummer eller andre sensitive personopplysninger.",
	"Hvor lenge vi beholder dine personopplysninger?",
	"Vi lagrer personopplysninger så lenge vi finner det nødvendig for å oppfylle formålet som personopplysningene ble samlet inn til.",
	"Når vi ikke lenger har behov for personopplysningene vi har samlet inn, vil disse bli slettet på en sikker måte.",
	"Vi kan beholde data for statistiske formål, men i slike tilfeller vil data bli anonymisert.",
	"Deler vi personopplysningene dine med noen?",
	"Vi verken deler, selger, leier ut eller bytter dine personopplysninger med tredjeparter uten ditt samtykke, utenom ved følgende unntak:",
	"Leverandører av tredjeparts-tjenester som handler på våre vegne",
	"Vi kan dele opplysninger om deg til våre leverandører, underleverandører og tredjeparter dersom formålet er at de yter en tjeneste til deg på våre vegne.",
	"Leverandører av tredjeparts-produkter som vi samarbeider med",
	"I noen tilfeller vil disse leverandørene behandle dine personopplysninger, og vi anbefaler derfor at du leser deres personvernerklæring, samt inngår en databehandleravtale.",
	"Disse tredjepartene deler dine personopplysninger med oss, hvilke vi vil benytte i henhold til denne personvernerklæringen.",
	"Vi kan dele dine personopplysninger dersom vi er lovpålagt, dersom vi har rimelig grunn til å tro det er nødvendig for å ivareta våre rettigheter, og/eller for å følge juridiske prosedyrer.",
	"Informasjonskapsler (cookies)",
	"Alene vil ikke informasjonskapsler kunne brukes til å identifisere deg personlig.",
	"Verktøyene lar oss analysere aggregerte data, som scrolling og klikk, for å se hvordan de ulike sidene brukes.",
	"Vi bruker informasjonskapsler til remarketing og konverteringspiksler fra Google og LinkedIn, for å kunne gi deg tilpassede tilbud på våre produkter og tjenester gjennom Google Content Network og sosiale medier.",
	"Videre bruker vi egne kundelister for e-postutsendelser til kunder og abonnenter til samme formål.",
	"Når vi benytter oss av remarketing kan noen personopplysninger som identifiserer brukeren, som navn og e-postadresse, sendes til leverandøren av markedsførings- eller sosiale medier-nettverket hvor annonsen vises (f.eks. LinkedIn).",
	"Vi benytter remarketing både til å ekskludere (f.eks. eksisterende kunder) og inkludere (f.eks. potensielle kunder) i markedsføringen.",
	"Vi bruker følgende tredjeparts-tjenester til remarketing:",
	"I noen tilfeller anonymiserer vi data som sendes mellom oss og de ovennevnte tredjepartene med hashing mht. sikkerhet.",
	"Vårt juridiske grunnlag for innsamling av personopplysninger",
	"Innsamling av personopplysninger basert på samtykke fra vedkommende vil bli utført ved å benytte «samtykkeerklæringer», og samtykket gitt av den enkelte vil bli loggført i våre systemer.",
	"Vi bruker personopplysninger for å oppfylle våre forpliktelser knyttet til kontrakter og avtaler med kunder, partnere og leverandører.",
	"Dette juridiske grunnlaget er først og fremst knyttet til våre salgs- og markedsføringsformål, og vi kan sende informasjon om produkter og tjenester til våre kunder basert på legitim interesse.",
	"Dine rettigheter og preferanser",
	"Få innsyn i personopplysninger vi har lagret om deg.",
	"Korrigere personopplysninger som er feilaktige eller utdaterte.",
	"Få dine personopplysninger utlevert og, hvis mulig, videresendt direkte til en annen databehandler hvor prosesseringen er kontraktmessig eller basert på samtykke.",
	"Si nei til prosessering av personopplysninger basert på legitim interesse og/eller direkte markedsføring.",
	`kan du kontakte oss på <a href="mailto:hjelp@mementor.no">hjelp@mementor.no</a>.`,
	"Vi påberoper oss rettigheten til å kunne endre denne personvernerklæringen når som helst.",
	"Dersom vi gjør betydelige endringer vil vi opplyse om dette på e-post eller på nettsiden vår.",
	"Sist oppdatert 27. juni 2023",
	"Din rett til å klage",
	"Skulle du likevel ikke være fornøyd har du rett til å klage direkte til den nasjonale tilsynsautoriteten i ditt land. I Norge er dette Datatilsynet.",
	"Vår kontaktinformasjon",
	"Org.nr: 915 213 049 MVA",
	"Grenseveien 30E",
	"0571 Oslo, Norge",
}

func TestRenderCarriesSeedText(t *testing.T) {
	got := mustRender(t, mustParseSeed(t), "nb")
	for _, s := range seedSentences {
		if !strings.Contains(got, s) {
			t.Errorf("rendered nb notice lacks %q", s)
		}
	}
}

// TestRenderSectionOrder checks that the sections follow the seed's order.
func TestRenderSectionOrder(t *testing.T) {
	got := mustRender(t, mustParseSeed(t), "nb")
	ids := regexp.MustCompile(`<h2 id="([a-z-]+)"`).FindAllStringSubmatch(got, -1)
	var order []string
	for _, m := range ids {
		order = append(order, m[1])
	}
	want := []string{"toc", "collection", "purposes", "categories", "never-collected", "retention", "sharing", "cookies",
		"legal-bases", "rights", "changes", "last-updated", "complaints", "contact"}
	if diff := cmp.Diff(want, order); diff != "" {
		t.Errorf("section order mismatch (-want +got):\n%s", diff)
	}
}

// TestRenderPurposesWithBasis checks that every purpose key of API.md is in
// the notice with its legal basis, in both languages.
func TestRenderPurposesWithBasis(t *testing.T) {
	p := mustParseSeed(t)
	tests := []struct {
		key, nbBasis, enBasis string
	}{
		{"newsletter", "samtykke", "consent"},
		{"customer_updates", "legitim interesse", "legitimate interest"},
		{"sales_contact", "legitim interesse", "legitimate interest"},
		{"event_info", "avtale", "contract"},
		{"inquiries", "legitim interesse", "legitimate interest"},
		{"documents", "avtale og rettslig forpliktelse", "contract and legal obligation"},
		{"service_info", "avtale", "contract"},
		{"surveys", "legitim interesse", "legitimate interest"},
		{"statistics", "samtykke", "consent"},
		{"remarketing", "samtykke", "consent"},
	}
	html := map[string]string{"nb": mustRender(t, p, "nb"), "en": mustRender(t, p, "en")}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			pu, ok := p.Purpose(tt.key)
			if !ok {
				t.Fatalf("purpose %q missing", tt.key)
			}
			for lang, basis := range map[string]string{"nb": tt.nbBasis, "en": tt.enBasis} {
				label := map[string]string{"nb": "Rettslig grunnlag", "en": "Legal basis"}[lang]
				item := regexp.MustCompile(`<li><strong>` + regexp.QuoteMeta(pu.Title.Get(lang)) + `\.</strong>[^<]*<br>\n` + label + `: ([^.]*)\.`).FindStringSubmatch(html[lang])
				if item == nil {
					t.Errorf("%s notice has no item for purpose %q", lang, tt.key)
					continue
				}
				if item[1] != basis {
					t.Errorf("%s notice gives purpose %q the basis %q, want %q", lang, tt.key, item[1], basis)
				}
			}
		})
	}
}

func TestRenderEnglish(t *testing.T) {
	got := mustRender(t, mustParseSeed(t), "en")
	for _, s := range []string{
		`<html lang="en">`,
		"Last updated 27 June 2023",
		"Deleted 24 months after the last interaction.",
		"Truncated 7 days after collection.",
		"Deleted 4 years and 6 months after the contract ends. Retention duty for secondary documentation: 3 years and 6 months after the end of the financial year (bokføringsloven § 13).",
		"In Norway this is Datatilsynet (the Norwegian Data Protection Authority).",
		"Org. no.: 915 213 049 VAT",
	} {
		if !strings.Contains(got, s) {
			t.Errorf("rendered en notice lacks %q", s)
		}
	}
}

func TestRenderRetentionInWords(t *testing.T) {
	got := mustRender(t, mustParseSeed(t), "nb")
	for _, s := range []string{
		"Slettes 24 måneder etter siste kontakt.",
		"Forkortes 7 dager etter at opplysningene ble samlet inn.",
		"Slettes 13 måneder etter at opplysningene ble samlet inn.",
		"Slettes 30 dager etter at samtykket er trukket tilbake.",
		"Slettes 5 år etter utgangen av regnskapsåret. Oppbevaringsplikt for primærdokumentasjon: 5 år etter utgangen av regnskapsåret (bokføringsloven § 13).",
		"Oppbevaringsplikt for sekundærdokumentasjon: 3 år og 6 måneder etter utgangen av regnskapsåret (bokføringsloven § 13).",
		"Anonymiseres 12 måneder etter at opplysningene ble samlet inn.",
	} {
		if !strings.Contains(got, s) {
			t.Errorf("rendered nb notice lacks %q", s)
		}
	}
}

// TestRenderStandalone checks that the notice loads nothing from elsewhere:
// a privacy notice must not itself tell third parties who reads it.
func TestRenderStandalone(t *testing.T) {
	for _, lang := range []string{"nb", "en"} {
		got := mustRender(t, mustParseSeed(t), lang)
		for _, bad := range []string{"<script", "<link", "<img", "<iframe", " src=", "@import", "url("} {
			if strings.Contains(got, bad) {
				t.Errorf("%s notice contains %q", lang, bad)
			}
		}
		if !strings.HasPrefix(got, "<!DOCTYPE html>\n<html lang=\""+lang+"\">") {
			t.Errorf("%s notice does not start with the doctype and <html lang>", lang)
		}
	}
}

func TestRenderUnknownLanguage(t *testing.T) {
	p := mustParseSeed(t)
	for _, lang := range []string{"de", "", "NB", "nn"} {
		if _, err := p.Render(lang); err == nil {
			t.Errorf("Render(%q) succeeded, want an error", lang)
		}
	}
}

// TestRenderEscapes checks that policy text cannot inject markup, whether
// it comes through the template or through a placeholder.
func TestRenderEscapes(t *testing.T) {
	src := mutate(t, "  name: Mementor AS\n", "  name: \"Mementor <b>AS</b>\"\n")
	src = strings.Replace(src, "Vi samler inn og bruker persondata til", "Vi <script>alert(1)</script> {controller} samler inn og bruker persondata til", 1)
	p, err := policy.Parse([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	got := mustRender(t, p, "nb")
	if strings.Contains(got, "<script>") || strings.Contains(got, "<b>AS</b>") {
		t.Error("rendered notice contains unescaped markup from the policy")
	}
	if !strings.Contains(got, "Vi &lt;script&gt;alert(1)&lt;/script&gt; Mementor &lt;b&gt;AS&lt;/b&gt; samler inn") {
		t.Error("rendered notice lacks the escaped text")
	}
}

func TestRenderChangeSummary(t *testing.T) {
	src := mutate(t, "default_language: nb\n", `default_language: nb
change:
  significant: true
  summary:
    nb: Vi har lagt til LinkedIn som mottaker.
    en: We have added LinkedIn as a recipient.
`)
	p, err := policy.Parse([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if p.Change == nil || !p.Change.Significant {
		t.Fatalf("Change = %+v, want a significant change", p.Change)
	}
	got := mustRender(t, p, "nb")
	if !strings.Contains(got, "<p><strong>Dette er endret i denne versjonen:</strong></p>\n<p>Vi har lagt til LinkedIn som mottaker.</p>") {
		t.Error("rendered notice lacks the change summary")
	}
}
