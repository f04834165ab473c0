package mail_test

import (
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vernhq/vern"
	"github.com/vernhq/vern/mail"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// fullVars gives every template all the vars it can use.
var fullVars = map[string]map[string]string{
	vern.MailVerification: {
		"code": "483920", "link": "https://privacy.example.com/verify/tok-123",
		"expires_at": "3. mars 2026 kl. 14:30", "request_kind": vern.RequestErasure,
	},
	vern.MailAcknowledgment: {"request_id": "R-7K2M", "request_kind": vern.RequestAccess, "due_on": "2026-04-03"},
	vern.MailExtension: {
		"request_id": "R-7K2M", "due_on": "2026-06-03",
		"reason": "Vi må hente opplysninger fra tre arkivsystemer.\nDet tar tid å gå gjennom dem.",
	},
	vern.MailCompletion: {
		"request_id": "R-7K2M", "request_kind": vern.RequestErasure,
		"resolution":   "Vi har slettet kontoen din og alle opplysninger knyttet til den.",
		"package_link": "https://privacy.example.com/package/tok-456",
		"kept":         "Fakturaer – bokføringsloven § 13 – til 31.12.2031\nKontrakter – foreldelsesloven – til 31.12.2029",
	},
	vern.MailRejection: {
		"request_id": "R-7K2M", "reason": "Vi kunne ikke bekrefte at du er den opplysningene gjelder.",
		"authority": "Datatilsynet", "authority_url": "https://www.datatilsynet.no/",
	},
	vern.MailReminder: {"request_id": "R-7K2M", "request_kind": vern.RequestPortability, "due_on": "2026-04-03"},
	vern.MailNewsletter: {
		"subject": "Nytt fra Mementor i mars", "list": vern.ListCustomerUpdates,
		"body":            "Vi har lansert en ny versjon av timeplanen.\nLes mer på nettsidene våre.",
		"unsubscribe_url": "https://privacy.example.com/u/tok-789",
	},
	vern.MailPolicyNotice: {
		"version": "2026-03-01", "summary": "Vi sender nå kundelister til LinkedIn.\nNyhetsbrevet omfatter også arrangementer.",
		"notice_url": "https://privacy.example.com/privacy?lang=nb", "reconsent": "Nyhetsbrev\nRemarketing",
	},
}

// requiredVars is the contract of each template: Render refuses a mail
// without any of these.
var requiredVars = map[string][]string{
	vern.MailVerification:   {"code", "link", "expires_at", "request_kind"},
	vern.MailAcknowledgment: {"request_id", "request_kind", "due_on"},
	vern.MailExtension:      {"request_id", "due_on", "reason"},
	vern.MailCompletion:     {"request_id", "request_kind", "resolution"},
	vern.MailRejection:      {"request_id", "reason", "authority", "authority_url"},
	vern.MailReminder:       {"request_id", "request_kind", "due_on"},
	vern.MailNewsletter:     {"subject", "body", "unsubscribe_url", "list"},
	vern.MailPolicyNotice:   {"version", "summary", "notice_url"},
}

var allTemplates = []string{vern.MailVerification, vern.MailAcknowledgment, vern.MailExtension,
	vern.MailCompletion, vern.MailRejection, vern.MailReminder, vern.MailNewsletter, vern.MailPolicyNotice}

func TestTemplatesCoverEveryMail(t *testing.T) {
	want := slices.Sorted(slices.Values(allTemplates))
	if diff := cmp.Diff(want, mail.Templates()); diff != "" {
		t.Errorf("Templates() mismatch (-want +got):\n%s", diff)
	}
}

// TestRender renders every template in both languages with all vars and
// compares the result with testdata/<template>.<lang>.golden. Run with
// -update after changing a template, then read the diff.
func TestRender(t *testing.T) {
	for _, name := range allTemplates {
		for _, lang := range []string{"nb", "en"} {
			t.Run(name+"."+lang, func(t *testing.T) {
				msg, err := mail.Render(vern.Mail{To: "kari@example.org", Template: name, Language: lang, Vars: fullVars[name]})
				if err != nil {
					t.Fatalf("Render: %v", err)
				}
				if msg.To != "kari@example.org" {
					t.Errorf("To = %q, want kari@example.org", msg.To)
				}
				if msg.Subject == "" || strings.ContainsAny(msg.Subject, "\r\n") {
					t.Errorf("Subject = %q, want one non-empty line", msg.Subject)
				}
				if msg.Text == "" || msg.HTML == "" {
					t.Fatal("Text or HTML is empty")
				}
				for _, part := range []string{msg.Subject, msg.Text, msg.HTML} {
					for _, bad := range []string{"<no value>", "{{", "}}", "%!"} {
						if strings.Contains(part, bad) {
							t.Errorf("output contains %q:\n%s", bad, part)
						}
					}
				}
				if !strings.Contains(msg.HTML, `<html lang="`+lang+`">`) {
					t.Errorf("HTML does not declare lang %q", lang)
				}
				for k, v := range fullVars[name] {
					if k == "request_kind" || k == "due_on" || k == "list" || k == "subject" {
						continue // shown in words or as the subject, checked below
					}
					for _, line := range strings.Split(v, "\n") {
						if !strings.Contains(msg.Text, line) {
							t.Errorf("Text lacks var %s line %q", k, line)
						}
					}
				}
				checkGolden(t, filepath.Join("testdata", name+"."+lang+".golden"),
					"Subject: "+msg.Subject+"\n\n"+msg.Text+"\n-- HTML --\n"+msg.HTML)
			})
		}
	}
}

func checkGolden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden (run go test -update): %v", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", path, diff)
	}
}

func TestRenderWords(t *testing.T) {
	tests := []struct {
		name, template, lang string
		vars                 map[string]string
		want                 []string // in Subject or Text
	}{
		{"due date nb", vern.MailAcknowledgment, "nb", fullVars[vern.MailAcknowledgment], []string{"3. april 2026", "innsyn", "Svarfrist"}},
		{"due date en", vern.MailAcknowledgment, "en", fullVars[vern.MailAcknowledgment], []string{"3 April 2026", "access", "Deadline"}},
		{"reminder subject nb", vern.MailReminder, "nb", fullVars[vern.MailReminder], []string{"Påminnelse: svarfrist 3. april 2026", "dataportabilitet"}},
		{"rejection nb", vern.MailRejection, "nb", fullVars[vern.MailRejection], []string{"imøtekomme", "klage til Datatilsynet", "domstolene"}},
		{"rejection en", vern.MailRejection, "en", fullVars[vern.MailRejection], []string{"lodge a complaint with Datatilsynet", "court"}},
		{"kept as list", vern.MailCompletion, "nb", fullVars[vern.MailCompletion], []string{"\n- Fakturaer – bokføringsloven § 13 – til 31.12.2031\n- Kontrakter"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg, err := mail.Render(vern.Mail{To: "a@example.org", Template: tt.template, Language: tt.lang, Vars: tt.vars})
			if err != nil {
				t.Fatalf("Render: %v", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(msg.Subject+"\n"+msg.Text, w) {
					t.Errorf("Subject+Text lacks %q:\n%s\n%s", w, msg.Subject, msg.Text)
				}
			}
		})
	}
}

func TestRenderKinds(t *testing.T) {
	want := map[string][2]string{
		vern.RequestAccess:        {"innsyn", "access"},
		vern.RequestRectification: {"retting", "rectification"},
		vern.RequestErasure:       {"sletting", "erasure"},
		vern.RequestRestriction:   {"begrensning", "restriction"},
		vern.RequestObjection:     {"protest", "objection"},
		vern.RequestPortability:   {"dataportabilitet", "portability"},
		vern.RequestWithdrawal:    {"tilbaketrekking av samtykke", "withdrawal of consent"},
		vern.RequestComplaint:     {"klage", "complaint"},
	}
	for _, kind := range vern.RequestKinds {
		for i, lang := range []string{"nb", "en"} {
			vars := map[string]string{"request_id": "R-1", "request_kind": kind, "due_on": "2026-01-31"}
			msg, err := mail.Render(vern.Mail{To: "a@example.org", Template: vern.MailAcknowledgment, Language: lang, Vars: vars})
			if err != nil {
				t.Fatalf("Render(%s, %s): %v", kind, lang, err)
			}
			if w := want[kind][i]; !strings.Contains(msg.Text, w) || !strings.Contains(msg.HTML, w) {
				t.Errorf("Render(%s, %s) lacks %q:\n%s", kind, lang, w, msg.Text)
			}
			if strings.Contains(msg.Text, ": "+kind+"\n") && lang == "nb" {
				t.Errorf("Render(%s, nb) shows the code, not a word", kind)
			}
		}
	}
}

func TestRenderLanguage(t *testing.T) {
	tests := []struct{ lang, wantGreeting string }{
		{"nb", "Hei,"},
		{"nb-NO", "Hei,"},
		{"no", "Hei,"},
		{"en", "Hello,"},
		{"de", "Hello,"},
		{"", "Hello,"},
		{"nn", "Hello,"},
	}
	for _, tt := range tests {
		msg, err := mail.Render(vern.Mail{To: "a@example.org", Template: vern.MailReminder, Language: tt.lang, Vars: fullVars[vern.MailReminder]})
		if err != nil {
			t.Fatalf("Render(lang %q): %v", tt.lang, err)
		}
		if !strings.HasPrefix(msg.Text, tt.wantGreeting) {
			t.Errorf("Render(lang %q) starts %q, want %q", tt.lang, msg.Text[:10], tt.wantGreeting)
		}
	}
}

func TestRenderOptionalVars(t *testing.T) {
	vars := map[string]string{"request_id": "R-1", "request_kind": vern.RequestAccess, "resolution": "Se vedlagt svar."}
	for _, lang := range []string{"nb", "en"} {
		msg, err := mail.Render(vern.Mail{To: "a@example.org", Template: vern.MailCompletion, Language: lang, Vars: vars})
		if err != nil {
			t.Fatalf("Render: %v", err)
		}
		for _, part := range []string{msg.Text, msg.HTML} {
			for _, bad := range []string{"<no value>", "<ul>", "laste ned", "download", "- "} {
				if strings.Contains(part, bad) {
					t.Errorf("%s output without optional vars contains %q:\n%s", lang, bad, part)
				}
			}
		}
	}
}

func TestRenderEscapesHTML(t *testing.T) {
	vars := map[string]string{
		"request_id": "R-1", "request_kind": vern.RequestErasure,
		"resolution": `Ferdig <script>alert("x")</script> & "sitat"`,
		"kept":       "<b>fet</b>",
	}
	msg, err := mail.Render(vern.Mail{To: "a@example.org", Template: vern.MailCompletion, Language: "nb", Vars: vars})
	if err != nil {
		t.Fatalf("Render: %v", err)
	}
	if strings.Contains(msg.HTML, "<script>") || strings.Contains(msg.HTML, "<b>") {
		t.Errorf("HTML holds unescaped markup:\n%s", msg.HTML)
	}
	if !strings.Contains(msg.HTML, "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &#34;sitat&#34;") {
		t.Errorf("HTML lacks the escaped value:\n%s", msg.HTML)
	}
	if !strings.Contains(msg.Text, `<script>alert("x")</script>`) {
		t.Errorf("Text should keep the value as written:\n%s", msg.Text)
	}
}

func TestRenderUnsafeLink(t *testing.T) {
	vars := map[string]string{"code": "1", "link": "javascript:alert(1)", "expires_at": "i morgen", "request_kind": vern.RequestAccess}
	msg, err := mail.Render(vern.Mail{To: "a@example.org", Template: vern.MailVerification, Language: "nb", Vars: vars})
	if err != nil {
		t.Fatalf("Render: %v", err)
	}
	if strings.Contains(msg.HTML, `href="javascript:`) {
		t.Errorf("HTML links to a javascript: URL:\n%s", msg.HTML)
	}
}

func TestRenderMissingVar(t *testing.T) {
	for _, name := range allTemplates {
		for _, missing := range requiredVars[name] {
			for _, empty := range []bool{false, true} {
				vars := map[string]string{}
				for k, v := range fullVars[name] {
					vars[k] = v
				}
				if empty {
					vars[missing] = "  "
				} else {
					delete(vars, missing)
				}
				_, err := mail.Render(vern.Mail{To: "a@example.org", Template: name, Language: "nb", Vars: vars})
				if err == nil {
					t.Errorf("Render(%s without %s) succeeded, want an error", name, missing)
					continue
				}
				if !strings.Contains(err.Error(), `"`+missing+`"`) {
					t.Errorf("Render(%s without %s) = %q, want the var named", name, missing, err)
				}
				for _, v := range vars {
					if strings.TrimSpace(v) != "" && strings.Contains(err.Error(), v) {
						t.Errorf("error %q repeats a value", err)
					}
				}
			}
		}
	}
}

func TestRenderErrors(t *testing.T) {
	withVar := func(name, k, v string) map[string]string {
		out := map[string]string{}
		for kk, vv := range fullVars[name] {
			out[kk] = vv
		}
		out[k] = v
		return out
	}
	tests := []struct {
		name     string
		mail     vern.Mail
		wantText string
	}{
		{"unknown template", vern.Mail{Template: "brochure", Language: "nb"}, `unknown template "brochure"`},
		{"empty template", vern.Mail{Language: "nb"}, "unknown template"},
		{"unknown kind", vern.Mail{Template: vern.MailReminder, Vars: withVar(vern.MailReminder, "request_kind", "deletion")}, `"request_kind" is not a request kind`},
		{"bad date", vern.Mail{Template: vern.MailReminder, Vars: withVar(vern.MailReminder, "due_on", "03.04.2026")}, `"due_on" is not a YYYY-MM-DD date`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := mail.Render(tt.mail)
			if err == nil || !strings.Contains(err.Error(), tt.wantText) {
				t.Errorf("Render() error = %v, want one containing %q", err, tt.wantText)
			}
		})
	}
}
