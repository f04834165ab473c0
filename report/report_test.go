package report_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/net/html"

	"github.com/vernhq/vern"
	"github.com/vernhq/vern/report"
)

var t0 = time.Date(2025, 3, 14, 9, 30, 0, 0, time.UTC)

// MustPackage returns a realistic access package for the invented Kari
// Nordmann in lang, with n interactions and m consent events.
func MustPackage(tb testing.TB, lang string, n, m int) *vern.AccessPackage {
	tb.Helper()
	const pid = "prs_01HZKARI"
	ended := t0.AddDate(0, -2, 0)
	closed := t0.AddDate(0, 0, -3)
	p := &vern.AccessPackage{
		Schema:      vern.AccessPackageSchema,
		GeneratedAt: t0,
		Language:    lang,
		RequestID:   "req_01HZACCESS",
		Controller: vern.PackageController{
			Name: "Fjordlys Rådgivning AS", OrgNumber: "987654325", Address: "Storgata 1, 0155 Oslo",
			Email: "post@example.com", Website: "https://www.example.com",
			PrivacyEmail: "personvern@example.com", RequestsEmail: "innsyn@example.com",
		},
		Subject: &vern.Person{
			ID: pid, FirstName: "Kari", LastName: "Nordmann", Email: "kari.nordmann@example.com", Phone: "+4791234567",
			Language: "nb", Source: vern.Source{Channel: vern.ChannelMeeting, Reference: "Messe i Tromsø 2024"},
			Organization: &vern.Organization{ID: "org_01HZ", Name: "Nordmann & Sønn AS", OrgNumber: "912345678",
				Country: "NO", Website: "https://nordmann.example.com", Email: "post@nordmann.example.com",
				Address: "Kongens gate 2, 7011 Trondheim", CreatedAt: t0.AddDate(-1, 0, 0)},
			CreatedAt: t0.AddDate(-1, 0, 0), UpdatedAt: t0.AddDate(0, -1, 0),
		},
		ConsentState: []vern.PurposeState{
			{Purpose: "newsletter", Title: "Nyhetsbrev", Allowed: true, Basis: "consent", Reason: "consent_given"},
			{Purpose: "events", Title: "Invitasjoner til arrangementer", Allowed: false, Reason: "no_consent"},
			{Purpose: "customer_service", Title: "Kundeservice", Allowed: true, Basis: "contract", Reason: "contract"},
		},
		Contracts: []*vern.Contract{
			{ID: "ctr_1", PersonID: pid, Reference: "Rammeavtale 2023", StartedAt: t0.AddDate(-2, 0, 0), EndedAt: &ended, CreatedAt: t0.AddDate(-2, 0, 0)},
			{ID: "ctr_2", PersonID: pid, Reference: "Serviceavtale", StartedAt: t0.AddDate(0, -1, 0), CreatedAt: t0.AddDate(0, -1, 0)},
		},
		Documents: []*vern.Document{
			{ID: "doc_1", PersonID: pid, Kind: vern.DocumentPrimary, Reference: "F-2024-0042", DatedOn: "2024-03-01", HoldUntil: "2029-12-31", CreatedAt: t0.AddDate(-1, 0, 0)},
			{ID: "doc_2", PersonID: pid, Kind: vern.DocumentSecondary, Reference: "OB-77", DatedOn: "2024-02-20", HoldUntil: "2027-12-31", CreatedAt: t0.AddDate(-1, 0, 0)},
		},
		Requests: []vern.RequestSummary{
			{ID: "req_01HZERASE", Kind: vern.RequestErasure, Status: vern.StatusCompleted, ReceivedAt: t0.AddDate(0, -1, 0), DueOn: "2025-03-14", ClosedAt: &closed},
			{ID: "req_01HZACCESS", Kind: vern.RequestAccess, Status: vern.StatusInProgress, ReceivedAt: t0.AddDate(0, 0, -2), DueOn: "2025-04-14"},
		},
		Disclosures: []*vern.Disclosure{
			{ID: "dis_1", PersonID: pid, Recipient: "Example Mail Inc.", Categories: []string{"contact", "name"},
				Purpose: "newsletter", Reason: "webhook consent.granted", At: t0.AddDate(0, 0, -10)},
		},
		Information: vern.PackageInformation{
			Purposes: []vern.PackagePurpose{
				{Key: "newsletter", Title: "Nyhetsbrev", Description: "Vi sender deg nyheter om tjenestene våre én gang i måneden.",
					LegalBasis: []string{"samtykke"}, Categories: []string{"contact", "name"}},
				{Key: "customer_service", Title: "Kundeservice", Description: "Vi svarer på spørsmål og følger opp avtalen din.",
					LegalBasis: []string{"avtale"}, Categories: []string{"contact", "name", "interactions"}},
			},
			Categories: []vern.PackageCategory{
				{Key: "contact", Title: "Kontaktopplysninger", Description: "E-postadresse og telefonnummer"},
				{Key: "name", Title: "Navn"},
				{Key: "interactions", Title: "Henvendelser", Description: "Det du har skrevet til oss, og notater fra møter"},
			},
			Recipients: []vern.PackageRecipient{
				{Name: "Example Mail Inc.", Role: "Databehandler (handler på våre vegne)", Country: "USA",
					TransferBasis: "EUs standard personvernbestemmelser (personvernforordningen artikkel 46)"},
				{Name: "Regnskapsfører Ærlig AS", Role: "Databehandler (handler på våre vegne)", Country: "Norge"},
			},
			Retention: []vern.PackageRetention{
				{Title: "Nyhetsbrev", Period: "Slettes 1 måned etter at samtykket er trukket tilbake"},
				{Title: "Regnskapsbilag", Period: "Slettes 5 år etter utgangen av regnskapsåret"},
			},
			Rights: []string{
				"Du har rett til innsyn i opplysningene vi har om deg.",
				"Du kan be oss rette eller slette opplysninger om deg.",
				"Du kan protestere mot direkte markedsføring når som helst.",
			},
			Authority: vern.PackageAuthority{Name: "Datatilsynet", Website: "https://www.datatilsynet.no",
				Address: "Postboks 458 Sentrum, 0105 Oslo"},
			Sources:            []string{"Visittkort du ga oss på en messe"},
			AutomatedDecisions: "Vi tar ingen avgjørelser om deg som bare bygger på automatisert behandling.",
		},
	}
	texts := []string{
		"Hei! Kan dere <script>alert(1)</script> sende meg prislisten?",
		"=SUM(1)",
		"Spørsmål om levering til Bodø: blir det før påske?\nHilsen Kari",
	}
	for i := 0; i < n; i++ {
		p.Interactions = append(p.Interactions, &vern.Interaction{
			ID: fmt.Sprintf("int_%03d", i), PersonID: pid, Channel: vern.ChannelEmail, Kind: vern.KindQuestion,
			Text: texts[i%len(texts)], CreatedAt: t0.AddDate(0, 0, -n+i),
		})
	}
	var prev *vern.ConsentEvent
	kinds := []string{vern.EventConsentGranted, vern.EventConsentWithdrawn, vern.EventConsentGranted, vern.EventObjection, vern.EventRestrictionPlaced, vern.EventRestrictionLifted}
	for i := 0; i < m; i++ {
		e := &vern.ConsentEvent{
			ID: fmt.Sprintf("evt_%04d", i), PersonID: pid, Kind: kinds[i%len(kinds)], Purpose: "newsletter",
			PolicyVersion: "2025-01", NoticeHash: strings.Repeat("ab", 32), Channel: vern.ChannelWebForm,
			Actor: "public:web_form", PageURL: "https://www.example.com/nyhetsbrev?kilde=forside&språk=nb",
			UserAgent: "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0", IPPrefix: "192.0.2.0/24",
			At: t0.AddDate(0, 0, -m).Add(time.Duration(i) * time.Hour),
		}
		switch e.Kind {
		case vern.EventObjection:
			e.Purpose = vern.ScopeDirectMarketing
		case vern.EventRestrictionPlaced, vern.EventRestrictionLifted:
			e.Purpose = ""
		}
		e.Seal(prev)
		prev = e
		p.Consents = append(p.Consents, e)
	}
	return p
}

func TestJSON(t *testing.T) {
	want := MustPackage(t, "nb", 5, 12)
	var buf bytes.Buffer
	if err := report.JSON(&buf, want); err != nil {
		t.Fatal(err)
	}
	var got vern.AccessPackage
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatalf("decode: %v", err)
	}
	if diff := cmp.Diff(want, &got); diff != "" {
		t.Errorf("JSON round trip mismatch (-want +got):\n%s", diff)
	}
	if !strings.Contains(buf.String(), "\n  \"schema\": \""+vern.AccessPackageSchema+"\"") {
		t.Errorf("JSON is not indented with two spaces:\n%.200s", buf.String())
	}
	var again bytes.Buffer
	if err := report.JSON(&again, want); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), again.Bytes()) {
		t.Error("JSON differs between two renderings of the same package")
	}
}

func TestJSON_EmptyLists(t *testing.T) {
	p := &vern.AccessPackage{Schema: vern.AccessPackageSchema, GeneratedAt: t0, Language: "en"}
	var buf bytes.Buffer
	if err := report.JSON(&buf, p); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"subject": null`, `"interactions": []`, `"consent_history": []`, `"rights": []`} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("JSON lacks %s:\n%s", want, buf.String())
		}
	}
	if p.Interactions != nil {
		t.Error("JSON changed the package it rendered")
	}
}

// readCSV renders p as CSV and parses it, checking the byte order mark and
// that every row has four cells.
func readCSV(t *testing.T, p *vern.AccessPackage) [][]string {
	t.Helper()
	var buf bytes.Buffer
	if err := report.CSV(&buf, p); err != nil {
		t.Fatal(err)
	}
	body, ok := bytes.CutPrefix(buf.Bytes(), []byte("\ufeff"))
	if !ok {
		t.Fatal("CSV does not start with a UTF-8 byte order mark")
	}
	r := csv.NewReader(bytes.NewReader(body))
	r.FieldsPerRecord = 4
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatalf("parse CSV: %v", err)
	}
	return rows
}

func TestCSV(t *testing.T) {
	p := MustPackage(t, "nb", 3, 6)
	rows := readCSV(t, p)
	if diff := cmp.Diff([]string{"section", "record", "field", "value"}, rows[0]); diff != "" {
		t.Fatalf("CSV header mismatch (-want +got):\n%s", diff)
	}
	has := map[[4]string]bool{}
	count := map[string]int{}
	for _, r := range rows[1:] {
		has[[4]string{r[0], r[1], r[2], r[3]}] = true
		count[r[0]]++
	}
	for _, want := range [][4]string{
		{"package", "", "request_id", "req_01HZACCESS"},
		{"controller", "", "name", "Fjordlys Rådgivning AS"},
		{"subject", "", "first_name", "Kari"},
		{"subject", "", "phone", "'+4791234567"},
		{"subject", "", "source.reference", "Messe i Tromsø 2024"},
		{"organization", "org_01HZ", "name", "Nordmann & Sønn AS"},
		{"interactions", "int_000", "text", "Hei! Kan dere <script>alert(1)</script> sende meg prislisten?"},
		{"interactions", "int_001", "text", "'=SUM(1)"},
		{"interactions", "int_002", "text", "Spørsmål om levering til Bodø: blir det før påske?\nHilsen Kari"},
		{"consent_state", "newsletter", "allowed", "true"},
		{"consent_history", "evt_0003", "purpose", vern.ScopeDirectMarketing},
		{"consent_history", "evt_0000", "ip_prefix", "192.0.2.0/24"},
		{"contracts", "ctr_2", "ended_at", ""},
		{"documents", "doc_1", "hold_until", "2029-12-31"},
		{"requests", "req_01HZERASE", "status", vern.StatusCompleted},
		{"disclosures", "dis_1", "categories", "contact; name"},
		{"information.purposes", "newsletter", "legal_basis", "samtykke"},
		{"information.recipients", "1", "transfer_basis", "EUs standard personvernbestemmelser (personvernforordningen artikkel 46)"},
		{"information.rights", "3", "text", "Du kan protestere mot direkte markedsføring når som helst."},
		{"information.authority", "", "name", "Datatilsynet"},
		{"information.sources", "1", "text", "Visittkort du ga oss på en messe"},
		{"information.automated_decisions", "", "text", p.Information.AutomatedDecisions},
	} {
		if !has[want] {
			t.Errorf("CSV lacks row %q", want)
		}
	}
	for section, want := range map[string]int{"interactions": 3 * 4, "consent_history": 6 * 14, "consent_state": 3 * 4} {
		if count[section] != want {
			t.Errorf("CSV has %d %s rows, want %d", count[section], section, want)
		}
	}
}

func TestCSV_FormulaGuard(t *testing.T) {
	tests := []struct{ name, text, want string }{
		{"equals", "=SUM(1)", "'=SUM(1)"},
		{"plus", "+1+1", "'+1+1"},
		{"minus", "-2+3", "'-2+3"},
		{"at", "@SUM(1)", "'@SUM(1)"},
		{"tab", "\t=1", "'\t=1"},
		// encoding/csv drops a lone carriage return when it writes CRLF
		// lines: unguarded, this cell would arrive as =1.
		{"carriage return", "\r=1", "'=1"},
		{"plain", "Hei, æøå = fint", "Hei, æøå = fint"},
		{"apostrophe", "'=1", "'=1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &vern.AccessPackage{Language: "nb", Subject: &vern.Person{ID: "p1"},
				Interactions: []*vern.Interaction{{ID: "i1", Text: tt.text}}}
			for _, r := range readCSV(t, p) {
				if r[0] == "interactions" && r[2] == "text" && r[3] != tt.want {
					t.Errorf("CSV cell for %q = %q, want %q", tt.text, r[3], tt.want)
				}
			}
		})
	}
}

func renderHTML(t *testing.T, p *vern.AccessPackage) string {
	t.Helper()
	var buf bytes.Buffer
	if err := report.HTML(&buf, p); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func TestHTML(t *testing.T) {
	tests := []struct {
		lang, wantLang string
		want           []string
	}{
		{"nb", "nb", []string{"Innsyn i dine personopplysninger", "Hvem vi er", "Behandler vi personopplysninger om deg?",
			"Ja. Vi behandler personopplysninger om deg.", "Dine opplysninger", "Profil", "Organisasjon", "Kontakthistorikk",
			"Samtykker og innsigelser", "Status per formål nå", "Historikk med dokumentasjon", "Samtykke gitt",
			"All direkte markedsføring", "Alle formål", "Avtaler", "Gjelder fortsatt", "Regnskapsdokumenter vi må oppbevare",
			"Oppbevares til og med", "2029-12-31", "Dine forespørsler", "Under behandling",
			"Hvem opplysningene dine er utlevert til", "Example Mail Inc.", "Kontaktopplysninger, Navn",
			"Formål og behandlingsgrunnlag", "Kategorier av personopplysninger", "Mottakere", "Grunnlag for overføring",
			"Hvor lenge vi lagrer opplysningene", "Dine rettigheter", "Rett til å klage", "Datatilsynet",
			"https://www.datatilsynet.no", "Postboks 458 Sentrum, 0105 Oslo", "Hvor opplysningene kommer fra",
			"Automatiserte avgjørelser og profilering", "Kari", "Nordmann &amp; Sønn AS", "Messe i Tromsø 2024", "=SUM(1)"}},
		{"en", "en", []string{"Access to your personal data", "Who we are", "Do we process personal data about you?",
			"Yes. We process personal data about you.", "Your data", "Interactions with us", "Consents and objections",
			"Current state per purpose", "History with evidence", "Consent given", "Accounting documents we must keep",
			"Your requests", "Who your data was disclosed to", "Purposes and legal bases", "Categories of personal data",
			"Recipients", "Transfer safeguard", "How long we keep the data", "Your rights", "Right to complain",
			"Datatilsynet", "Where the data comes from", "Automated decision-making and profiling"}},
		{"de", "en", []string{"Access to your personal data"}},
	}
	for _, tt := range tests {
		t.Run(tt.lang, func(t *testing.T) {
			out := renderHTML(t, MustPackage(t, tt.lang, 4, 8))
			if !strings.HasPrefix(out, "<!DOCTYPE html>\n<html lang=\""+tt.wantLang+"\">") {
				t.Errorf("HTML does not start with a doctype and lang=%q:\n%.80s", tt.wantLang, out)
			}
			for _, want := range tt.want {
				if !strings.Contains(out, want) {
					t.Errorf("HTML lacks %q", want)
				}
			}
			if strings.Contains(out, "<script>alert") {
				t.Error("HTML contains an unescaped <script> from an interaction text")
			}
			if !strings.Contains(out, "&lt;script&gt;alert(1)&lt;/script&gt;") {
				t.Error("HTML does not show the escaped <script> text")
			}
			checkSelfContained(t, out)
		})
	}
}

var externalURL = regexp.MustCompile(`(?i)(src|href|action|srcset|poster|data)\s*=\s*["']?\s*(https?:)?//|@import|url\(`)

// checkSelfContained fails when the page could load anything: every
// link must point inside the page, and there may be no script, image,
// frame or stylesheet link at all.
func checkSelfContained(t *testing.T, page string) {
	t.Helper()
	if m := externalURL.FindString(page); m != "" {
		t.Errorf("HTML refers to another host: %q", m)
	}
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		t.Fatalf("parse HTML: %v", err)
	}
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			switch n.Data {
			case "script", "img", "iframe", "link", "object", "embed", "video", "audio", "source":
				t.Errorf("HTML has a <%s> element", n.Data)
			}
			for _, a := range n.Attr {
				if (a.Key == "href" && !strings.HasPrefix(a.Val, "#")) || a.Key == "src" {
					t.Errorf("HTML has %s=%q outside the page", a.Key, a.Val)
				}
			}
			if n.Data == "th" && !hasAttr(n, "scope", "col") {
				t.Error("HTML has a <th> without scope=col")
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
}

func hasAttr(n *html.Node, key, val string) bool {
	for _, a := range n.Attr {
		if a.Key == key && a.Val == val {
			return true
		}
	}
	return false
}

func TestHTML_Portability(t *testing.T) {
	p := MustPackage(t, "nb", 1, 1)
	p.Portability = true
	if out := renderHTML(t, p); !strings.Contains(out, "<h1>Utlevering av dine personopplysninger (dataportabilitet)</h1>") {
		t.Error("portability HTML lacks its title")
	}
}

func TestNoData(t *testing.T) {
	tests := []struct{ lang, want, notWant, info string }{
		{"nb", "Nei. Vi har ingen personopplysninger om deg", "Dine opplysninger", "Rett til å klage"},
		{"en", "No. We hold no personal data about you", "Your data", "Right to complain"},
	}
	for _, tt := range tests {
		t.Run(tt.lang, func(t *testing.T) {
			p := MustPackage(t, tt.lang, 0, 0)
			p.Subject, p.ConsentState, p.Contracts, p.Documents, p.Requests, p.Disclosures = nil, nil, nil, nil, nil, nil

			out := renderHTML(t, p)
			for _, want := range []string{tt.want, tt.info, "Datatilsynet", "Postboks 458 Sentrum, 0105 Oslo", p.Information.Rights[0]} {
				if !strings.Contains(out, want) {
					t.Errorf("no-data HTML lacks %q", want)
				}
			}
			if strings.Contains(out, ">"+tt.notWant+"<") {
				t.Errorf("no-data HTML has a %q section", tt.notWant)
			}
			checkSelfContained(t, out)

			found := false
			for _, r := range readCSV(t, p) {
				found = found || (r[0] == "subject" && r[2] == "note" && strings.HasPrefix(r[3], tt.want))
			}
			if !found {
				t.Error("no-data CSV lacks the subject note")
			}

			var pdf bytes.Buffer
			if err := report.WritePDFUncompressed(&pdf, p); err != nil {
				t.Fatal(err)
			}
			if !bytes.Contains(pdf.Bytes(), pdfString(tt.want)) {
				t.Errorf("no-data PDF lacks %q", tt.want)
			}
		})
	}
}

// pdfString is s as fpdf writes it with a UTF-8 font: UTF-16BE with
// backslash, parentheses and carriage returns escaped.
func pdfString(s string) []byte {
	var b []byte
	for _, u := range utf16.Encode([]rune(s)) {
		for _, c := range []byte{byte(u >> 8), byte(u)} {
			if c == '\\' || c == '(' || c == ')' || c == '\r' {
				b = append(b, '\\')
			}
			b = append(b, c)
		}
	}
	return b
}

func TestPDF(t *testing.T) {
	tests := []struct {
		lang string
		want []string
	}{
		{"nb", []string{"Innsyn i dine personopplysninger", "Nordmann & Sønn AS", "Rett til å klage", "Side 1 av ", "Regnskapsdokumenter vi må oppbevare"}},
		{"en", []string{"Access to your personal data", "Right to complain", "Page 1 of ", "Fjordlys Rådgivning AS"}},
	}
	for _, tt := range tests {
		t.Run(tt.lang, func(t *testing.T) {
			p := MustPackage(t, tt.lang, 5, 10)
			var buf bytes.Buffer
			if err := report.PDF(&buf, p); err != nil {
				t.Fatal(err)
			}
			out := buf.Bytes()
			if !bytes.HasPrefix(out, []byte("%PDF-")) || !bytes.HasSuffix(bytes.TrimSpace(out), []byte("%%EOF")) {
				t.Errorf("PDF does not start with %%PDF- and end with %%%%EOF")
			}
			// The font subset makes a report tens of kB; the whole
			// font would add 700 kB.
			if n := len(out); n < 10<<10 || n > 400<<10 {
				t.Errorf("PDF is %d bytes, want 10 kB to 400 kB", n)
			}
			for _, want := range []string{"/FontFile2", "/BaseFont /utf8dejavu", "/Outlines"} {
				if !bytes.Contains(out, []byte(want)) {
					t.Errorf("PDF lacks %s", want)
				}
			}
			var again bytes.Buffer
			if err := report.PDF(&again, p); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(out, again.Bytes()) {
				t.Error("PDF differs between two renderings of the same package")
			}

			var plain bytes.Buffer
			if err := report.WritePDFUncompressed(&plain, p); err != nil {
				t.Fatal(err)
			}
			for _, want := range tt.want {
				if !bytes.Contains(plain.Bytes(), pdfString(want)) {
					t.Errorf("PDF lacks the text %q", want)
				}
			}
		})
	}
}

func TestWrite(t *testing.T) {
	p := MustPackage(t, "nb", 2, 2)
	tests := []struct{ format, contentType, ext, prefix string }{
		{"json", "application/json", ".json", "{"},
		{"csv", "text/csv; charset=utf-8", ".csv", "\ufeffsection,record,field,value\r\n"},
		{"html", "text/html; charset=utf-8", ".html", "<!DOCTYPE html>"},
		{"pdf", "application/pdf", ".pdf", "%PDF-"},
	}
	if len(tests) != len(report.Formats) {
		t.Fatalf("test covers %d formats, report.Formats has %d", len(tests), len(report.Formats))
	}
	for i, tt := range tests {
		t.Run(tt.format, func(t *testing.T) {
			if report.Formats[i] != tt.format {
				t.Errorf("Formats[%d] = %q, want %q", i, report.Formats[i], tt.format)
			}
			var buf bytes.Buffer
			if err := report.Write(&buf, tt.format, p); err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(buf.String(), tt.prefix) {
				t.Errorf("Write(%q) starts %.40q, want %q", tt.format, buf.String(), tt.prefix)
			}
			if got := report.ContentType(tt.format); got != tt.contentType {
				t.Errorf("ContentType(%q) = %q, want %q", tt.format, got, tt.contentType)
			}
			if got := report.FileExt(tt.format); got != tt.ext {
				t.Errorf("FileExt(%q) = %q, want %q", tt.format, got, tt.ext)
			}
		})
	}
}

func TestWrite_UnknownFormat(t *testing.T) {
	var buf bytes.Buffer
	err := report.Write(&buf, "xlsx", MustPackage(t, "nb", 1, 1))
	var e *vern.Error
	if !errors.As(err, &e) || e.Code != vern.EINVALID || len(e.Fields) != 1 || e.Fields[0].Field != "format" {
		t.Fatalf("Write(xlsx) = %v, want EINVALID on field format", err)
	}
	if buf.Len() != 0 {
		t.Errorf("Write(xlsx) wrote %d bytes", buf.Len())
	}
	if report.ContentType("xlsx") != "" || report.FileExt("xlsx") != "" {
		t.Error("ContentType or FileExt know xlsx")
	}
}

func TestNilPackage(t *testing.T) {
	for _, f := range report.Formats {
		if err := report.Write(io.Discard, f, nil); err == nil {
			t.Errorf("Write(%q, nil) = nil, want an error", f)
		}
	}
}

func benchmark(b *testing.B, render func(io.Writer, *vern.AccessPackage) error) {
	p := MustPackage(b, "nb", 50, 200)
	var buf bytes.Buffer
	if err := render(&buf, p); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(buf.Len()))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		buf.Reset()
		if err := render(&buf, p); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkJSON(b *testing.B) { benchmark(b, report.JSON) }
func BenchmarkCSV(b *testing.B)  { benchmark(b, report.CSV) }
func BenchmarkHTML(b *testing.B) { benchmark(b, report.HTML) }
func BenchmarkPDF(b *testing.B)  { benchmark(b, report.PDF) }
