package report

import (
	"encoding/csv"
	"encoding/hex"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/vernhq/vern"
)

// CSV writes p as one UTF-8 CSV table with the header
// section,record,field,value: one row per value, so that everything in
// the package opens in a spreadsheet. Sections and fields are named as in
// the JSON package ("interactions", "consent_history", ...); record is
// the id or key of the record a row belongs to, or its position from 1
// in a plain list. Times are RFC 3339 as in the JSON, hashes hex, lists
// joined with "; ". person_id fields are left out: they repeat subject.id.
//
// The file starts with a byte order mark, without which Excel reads UTF-8
// as a legacy code page and garbles æøå, and ends lines with CRLF (RFC
// 4180). Against formula injection (CWE-1236), every cell that begins
// with =, +, -, @, a tab or a carriage return gets a leading apostrophe,
// so that a spreadsheet shows it as text instead of evaluating it: a text
// "=SUM(1)" reads '=SUM(1) and a phone number "+4791234567" reads
// '+4791234567. Strip one leading apostrophe from such cells to get the
// value back, or read the JSON package, which is unaltered.
func CSV(w io.Writer, p *vern.AccessPackage) error {
	if p == nil {
		return errNilPackage
	}
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return fmt.Errorf("write csv report: %w", err)
	}
	c := &csvWriter{w: csv.NewWriter(w)}
	c.w.UseCRLF = true
	c.row("section", "record", "field", "value")
	c.pkg(p)
	c.w.Flush()
	if err := c.w.Error(); err != nil {
		return fmt.Errorf("write csv report: %w", err)
	}
	return nil
}

type csvWriter struct {
	w   *csv.Writer
	rec [4]string
}

// row writes one row, guarding every cell against formula injection.
// Write errors are sticky in csv.Writer and checked once, at the end.
func (c *csvWriter) row(section, record, field, value string) {
	c.rec = [4]string{guardCell(section), guardCell(record), guardCell(field), guardCell(value)}
	_ = c.w.Write(c.rec[:])
}

// guardCell prefixes an apostrophe to a cell a spreadsheet would read as
// a formula (OWASP "CSV Injection").
func guardCell(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}

func csvTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.RFC3339Nano)
}

func csvTimePtr(t *time.Time) string {
	if t == nil {
		return ""
	}
	return csvTime(*t)
}

func (c *csvWriter) pkg(p *vern.AccessPackage) {
	c.row("package", "", "schema", p.Schema)
	c.row("package", "", "generated_at", csvTime(p.GeneratedAt))
	c.row("package", "", "language", p.Language)
	c.row("package", "", "request_id", p.RequestID)
	c.row("package", "", "portability", strconv.FormatBool(p.Portability))

	k := p.Controller
	c.fields("controller", "", "name", k.Name, "org_number", k.OrgNumber, "address", k.Address, "email", k.Email,
		"website", k.Website, "privacy_email", k.PrivacyEmail, "requests_email", k.RequestsEmail)

	if s := p.Subject; s == nil {
		c.row("subject", "", "note", labelsFor(p.Language).ProcessingNo)
	} else {
		c.subject(s)
	}
	for _, i := range p.Interactions {
		c.fields("interactions", i.ID, "created_at", csvTime(i.CreatedAt), "channel", i.Channel, "kind", i.Kind, "text", i.Text)
	}
	for _, s := range p.ConsentState {
		c.fields("consent_state", s.Purpose, "title", s.Title, "allowed", strconv.FormatBool(s.Allowed), "basis", s.Basis, "reason", s.Reason)
	}
	for _, e := range p.Consents {
		c.fields("consent_history", e.ID, "seq", strconv.FormatInt(e.Seq, 10), "at", csvTime(e.At), "kind", e.Kind,
			"purpose", e.Purpose, "policy_version", e.PolicyVersion, "notice_hash", e.NoticeHash, "channel", e.Channel,
			"actor", e.Actor, "page_url", e.PageURL, "user_agent", e.UserAgent, "ip_prefix", e.IPPrefix,
			"prev_hash", hex.EncodeToString(e.PrevHash), "hash", hex.EncodeToString(e.Hash), "redacted", strconv.FormatBool(e.Redacted))
	}
	for _, k := range p.Contracts {
		c.fields("contracts", k.ID, "reference", k.Reference, "started_at", csvTime(k.StartedAt),
			"ended_at", csvTimePtr(k.EndedAt), "created_at", csvTime(k.CreatedAt))
	}
	for _, d := range p.Documents {
		c.fields("documents", d.ID, "kind", d.Kind, "reference", d.Reference, "dated_on", d.DatedOn,
			"hold_until", d.HoldUntil, "created_at", csvTime(d.CreatedAt))
	}
	for _, r := range p.Requests {
		c.fields("requests", r.ID, "kind", r.Kind, "status", r.Status, "received_at", csvTime(r.ReceivedAt),
			"due_on", r.DueOn, "closed_at", csvTimePtr(r.ClosedAt))
	}
	for _, d := range p.Disclosures {
		c.fields("disclosures", d.ID, "at", csvTime(d.At), "recipient", d.Recipient,
			"categories", strings.Join(d.Categories, "; "), "purpose", d.Purpose, "reason", d.Reason)
	}
	c.information(&p.Information)
}

func (c *csvWriter) subject(s *vern.Person) {
	c.fields("subject", "", "id", s.ID, "first_name", s.FirstName, "last_name", s.LastName, "email", s.Email,
		"phone", s.Phone, "language", s.Language, "source.channel", s.Source.Channel, "source.reference", s.Source.Reference,
		"created_at", csvTime(s.CreatedAt), "updated_at", csvTime(s.UpdatedAt))
	if o := s.Organization; o != nil {
		c.fields("organization", o.ID, "name", o.Name, "org_number", o.OrgNumber, "country", o.Country,
			"website", o.Website, "phone", o.Phone, "email", o.Email, "address", o.Address, "created_at", csvTime(o.CreatedAt))
	}
}

func (c *csvWriter) information(in *vern.PackageInformation) {
	for _, pu := range in.Purposes {
		c.fields("information.purposes", pu.Key, "title", pu.Title, "description", pu.Description,
			"legal_basis", strings.Join(pu.LegalBasis, "; "), "categories", strings.Join(pu.Categories, "; "))
	}
	for _, k := range in.Categories {
		c.fields("information.categories", k.Key, "title", k.Title, "description", k.Description)
	}
	for i, r := range in.Recipients {
		c.fields("information.recipients", strconv.Itoa(i+1), "name", r.Name, "role", r.Role,
			"country", r.Country, "transfer_basis", r.TransferBasis)
	}
	for i, r := range in.Retention {
		c.fields("information.retention", strconv.Itoa(i+1), "title", r.Title, "period", r.Period)
	}
	for i, r := range in.Rights {
		c.row("information.rights", strconv.Itoa(i+1), "text", r)
	}
	a := in.Authority
	c.fields("information.authority", "", "name", a.Name, "website", a.Website, "address", a.Address)
	for i, s := range in.Sources {
		c.row("information.sources", strconv.Itoa(i+1), "text", s)
	}
	c.row("information.automated_decisions", "", "text", in.AutomatedDecisions)
}

// fields writes one row per field of a record, from name, value pairs.
func (c *csvWriter) fields(section, record string, kv ...string) {
	for i := 0; i+1 < len(kv); i += 2 {
		c.row(section, record, kv[i], kv[i+1])
	}
}
