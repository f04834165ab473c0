package report

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"strings"

	"github.com/go-pdf/fpdf"

	"github.com/vernhq/vern"
	"github.com/vernhq/vern/policy"
)

// WriteRecord writes the record of processing activities (GDPR Art. 30)
// in format: json, csv (one row per activity), html or pdf. Returns
// EINVALID for another format.
func WriteRecord(w io.Writer, format string, r *policy.Record) error {
	switch format {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	case "csv":
		return recordCSV(w, r)
	case "html":
		return recordHTML.Execute(w, r)
	case "pdf":
		return recordPDF(w, r)
	}
	return vern.Errorf(vern.EINVALID, "Unknown format; use json, csv, html or pdf.")
}

var recordHeader = []string{"purpose", "title", "legal_basis", "legitimate_interest", "data_subjects", "data_categories",
	"recipients", "third_country_transfers", "retention", "controller", "privacy_contact", "security_measures"}

func recordCSV(w io.Writer, r *policy.Record) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(recordHeader); err != nil {
		return err
	}
	contact := r.Controller.Name + ", " + r.Controller.Address + ", " + r.Controller.Email
	for _, a := range r.Activities {
		row := []string{a.Purpose, a.Title, strings.Join(a.LegalBasis, "; "), a.Interest, strings.Join(a.DataSubjects, "; "),
			strings.Join(a.DataCategories, "; "), strings.Join(a.Recipients, "; "), strings.Join(a.Transfers, "; "),
			strings.Join(a.Retention, "; "), contact, r.Controller.PrivacyContact, strings.Join(r.Security, " ")}
		for i, v := range row {
			row[i] = csvSafe(v)
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// csvSafe keeps a spreadsheet from reading a cell as a formula.
func csvSafe(s string) string {
	if s != "" && strings.ContainsAny(s[:1], "=+-@\t\r") {
		return "'" + s
	}
	return s
}

var recordHTML = template.Must(template.New("ropa").Parse(`<!doctype html>
<html lang="{{.Language}}"><head><meta charset="utf-8"><title>Record of processing activities: {{.Controller.Name}}</title>
<style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;line-height:1.4}
table{border-collapse:collapse;width:100%;margin-bottom:1.5rem}th,td{border:1px solid #ccc;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{width:14rem;background:#f4f4f4}</style></head><body>
<h1>Record of processing activities (GDPR Art. 30)</h1>
<p>{{.Controller.Name}}. Generated from policy version {{.PolicyVersion}} on {{.GeneratedAt.Format "2006-01-02"}}; never edited by hand.</p>
<h2>(a) Controller</h2>
<table><tr><th>Name</th><td>{{.Controller.Name}}{{with .Controller.OrgNumber}} (org. no. {{.}}){{end}}</td></tr>
<tr><th>Address</th><td>{{.Controller.Address}}</td></tr><tr><th>Email</th><td>{{.Controller.Email}}</td></tr>
{{with .Controller.Phone}}<tr><th>Phone</th><td>{{.}}</td></tr>{{end}}
<tr><th>Privacy contact{{if .Controller.DPO}} (data protection officer){{end}}</th><td>{{.Controller.PrivacyContact}}</td></tr></table>
<h2>(b)-(f) Processing activities</h2>
{{range .Activities}}<h3>{{.Title}} <small>({{.Purpose}})</small></h3>
<table><tr><th>(b) Purpose</th><td>{{.Description}}</td></tr>
<tr><th>Legal basis</th><td>{{range $i, $b := .LegalBasis}}{{if $i}}; {{end}}{{$b}}{{end}}{{with .Interest}}<br>{{.}}{{end}}</td></tr>
<tr><th>(c) Data subjects</th><td>{{range $i, $b := .DataSubjects}}{{if $i}}; {{end}}{{$b}}{{end}}</td></tr>
<tr><th>(c) Personal data</th><td>{{range $i, $b := .DataCategories}}{{if $i}}; {{end}}{{$b}}{{end}}</td></tr>
<tr><th>(d) Recipients</th><td>{{range $i, $b := .Recipients}}{{if $i}}; {{end}}{{$b}}{{else}}None{{end}}</td></tr>
<tr><th>(e) Transfers outside the EEA</th><td>{{range $i, $b := .Transfers}}{{if $i}}; {{end}}{{$b}}{{else}}None stated{{end}}</td></tr>
<tr><th>(f) Time limits for erasure</th><td>{{range .Retention}}{{.}}<br>{{end}}</td></tr></table>
{{end}}
<h2>Register of recipients</h2>
<table><tr><th>Recipient</th><td><b>Role, country, agreement, warnings</b></td></tr>
{{range .Recipients}}<tr><th>{{.Key}}</th><td>{{.Role}}{{with .Country}}, {{.}}{{end}}{{with .TransferBasis}}, transfer basis {{.}}{{end}}{{with .DPA}}, agreement {{.Status}}{{end}}{{range .Warnings}}<br>⚠ {{.}}{{end}}</td></tr>{{end}}</table>
<h2>(g) Technical and organisational security measures</h2>
<ul>{{range .Security}}<li>{{.}}</li>{{end}}</ul>
</body></html>
`))

func recordPDF(w io.Writer, r *policy.Record) error {
	f := fpdf.New("P", "mm", "A4", "")
	f.AliasNbPages("{nb}")
	f.AddUTF8FontFromBytes(fontFamily, "", dejaVuSans)
	f.AddUTF8FontFromBytes(fontFamily, "B", dejaVuSansBold)
	title := "Record of processing activities (GDPR Art. 30)"
	f.SetTitle(title, true)
	f.SetAuthor(r.Controller.Name, true)
	f.SetCreator("Vern", true)
	f.SetCreationDate(r.GeneratedAt)
	f.SetModificationDate(r.GeneratedAt)
	f.SetMargins(pageMargin, pageMargin, pageMargin)
	f.SetAutoPageBreak(true, pageMargin)
	width, _ := f.GetPageSize()
	width -= 2 * pageMargin
	f.SetFooterFunc(func() {
		f.SetY(-pageMargin + 5)
		f.SetFont(fontFamily, "", 8)
		f.CellFormat(width/2, 4, r.Controller.Name, "", 0, "L", false, 0, "")
		f.CellFormat(width/2, 4, fmt.Sprintf("%d / {nb}", f.PageNo()), "", 0, "R", false, 0, "")
	})
	f.AddPage()
	heading := func(s string, size float64) {
		f.Ln(2)
		f.SetFont(fontFamily, "B", size)
		f.MultiCell(width, size*0.5, s, "", "L", false)
		f.Ln(1)
	}
	field := func(label, value string) {
		if value == "" {
			return
		}
		f.SetFont(fontFamily, "B", 9)
		y := f.GetY()
		f.MultiCell(labelWidth, lineHeight, label, "", "L", false)
		after := f.GetY()
		f.SetXY(pageMargin+labelWidth, y)
		f.SetFont(fontFamily, "", 9)
		f.MultiCell(width-labelWidth, lineHeight, value, "", "L", false)
		f.SetY(max(after, f.GetY()))
	}
	heading(title, 16)
	f.SetFont(fontFamily, "", 9)
	f.MultiCell(width, lineHeight, fmt.Sprintf("%s. Generated from policy version %s on %s; never edited by hand.",
		r.Controller.Name, r.PolicyVersion, r.GeneratedAt.Format("2006-01-02")), "", "L", false)
	heading("(a) Controller", 12)
	name := r.Controller.Name
	if r.Controller.OrgNumber != "" {
		name += " (org. no. " + r.Controller.OrgNumber + ")"
	}
	field("Name", name)
	field("Address", r.Controller.Address)
	field("Email", r.Controller.Email)
	field("Phone", r.Controller.Phone)
	field("Privacy contact", r.Controller.PrivacyContact)
	heading("(b)-(f) Processing activities", 12)
	for _, a := range r.Activities {
		heading(a.Title+" ("+a.Purpose+")", 11)
		field("(b) Purpose", a.Description)
		field("Legal basis", strings.Join(append(a.LegalBasis, a.Interest), "\n"))
		field("(c) Data subjects", strings.Join(a.DataSubjects, "\n"))
		field("(c) Personal data", strings.Join(a.DataCategories, "\n"))
		field("(d) Recipients", orNone(a.Recipients))
		field("(e) Transfers outside the EEA", orNone(a.Transfers))
		field("(f) Time limits", strings.Join(a.Retention, "\n"))
	}
	heading("Register of recipients", 12)
	for _, e := range r.Recipients {
		var b bytes.Buffer
		b.WriteString(string(e.Role))
		if e.Country != "" {
			b.WriteString(", " + e.Country)
		}
		if e.TransferBasis != "" {
			b.WriteString(", transfer basis " + string(e.TransferBasis))
		}
		if e.DPA != nil {
			b.WriteString(", agreement " + string(e.DPA.Status))
		}
		for _, w := range e.Warnings {
			b.WriteString("\nWarning: " + w)
		}
		field(e.Key, b.String())
	}
	heading("(g) Technical and organisational security measures", 12)
	f.SetFont(fontFamily, "", 9)
	for _, m := range r.Security {
		f.MultiCell(width, lineHeight, "• "+m, "", "L", false)
	}
	return f.Output(w)
}

func orNone(xs []string) string {
	if len(xs) == 0 {
		return "None"
	}
	return strings.Join(xs, "\n")
}
