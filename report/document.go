package report

import (
	"encoding/hex"
	"strconv"
	"strings"

	"github.com/vernhq/vern"
)

// document is an access package laid out for people: titled sections of
// paragraphs, fields, tables and lists, every text already in the
// report's language. HTML and PDF both render one, so the two formats
// always say the same thing.
type document struct {
	L        *labels
	Title    string
	Intro    string
	Meta     []field
	NoData   bool
	Sections []section
}

// section is one titled part of the report, possibly holding sections
// of its own. Level is 2 for the main parts and 3 for those inside them,
// as the HTML heading levels.
type section struct {
	ID       string
	Heading  string
	Level    int
	Parts    []part
	Sections []section
}

// part is one block of a section: one of Paragraph, Fields, Table and
// List is set, and Heading, when set, titles the block. Empty marks the
// paragraph that says nothing is recorded.
type part struct {
	Heading   string
	Empty     bool
	Paragraph string
	Fields    []field
	Table     *table
	List      []string
}

type field struct{ Label, Value string }

// table is a list of records. Lead is how many leading columns the PDF
// joins into a record's bold first line; the rest follow as lines.
type table struct {
	Head []string
	Rows [][]cell
	Lead int
}

// cell is a table cell: a text, or lines such as the evidence of a
// consent event. Mono marks checksums and other machine values.
type cell struct {
	Text  string
	Lines []string
	Mono  bool
}

// newDocument lays p out in its language.
func newDocument(p *vern.AccessPackage) *document {
	l := labelsFor(p.Language)
	b := &builder{l: l, p: p, purposes: map[string]string{}, categories: map[string]string{}}
	for _, c := range p.Information.Categories {
		b.categories[c.Key] = c.Title
	}
	for _, pu := range p.Information.Purposes {
		b.purposes[pu.Key] = pu.Title
	}
	for _, s := range p.ConsentState {
		if s.Title != "" {
			b.purposes[s.Purpose] = s.Title
		}
	}
	d := &document{L: l, Title: l.title(p), Intro: l.intro(p), NoData: p.Subject == nil}
	d.Meta = fields(field{l.Generated, timestamp(p.GeneratedAt)}, field{l.RequestRef, p.RequestID})
	d.Sections = append(d.Sections, b.controller(), b.processing())
	if p.Subject != nil {
		d.Sections = append(d.Sections, section{ID: "your-data", Heading: l.YourData, Level: 2, Sections: b.yourData()})
	}
	d.Sections = append(d.Sections, section{ID: "about", Heading: l.About, Level: 2,
		Parts: []part{{Paragraph: l.AboutIntro}}, Sections: b.about()})
	return d
}

type builder struct {
	l          *labels
	p          *vern.AccessPackage
	purposes   map[string]string // purpose key → title
	categories map[string]string // category key → title
}

func (b *builder) controller() section {
	l, c := b.l, b.p.Controller
	return section{ID: "controller", Heading: l.Controller, Level: 2, Parts: []part{{Fields: fields(
		field{l.Name, c.Name}, field{l.OrgNumber, c.OrgNumber}, field{l.Address, c.Address},
		field{l.Email, c.Email}, field{l.Website, c.Website},
		field{l.PrivacyEmail, c.PrivacyEmail}, field{l.RequestsEmail, c.RequestsEmail},
	)}}}
}

func (b *builder) processing() section {
	text := b.l.ProcessingYes
	if b.p.Subject == nil {
		text = b.l.ProcessingNo
	}
	return section{ID: "processing", Heading: b.l.Processing, Level: 2, Parts: []part{{Paragraph: text}}}
}

func (b *builder) yourData() []section {
	l, p, s := b.l, b.p, b.p.Subject
	out := []section{{ID: "profile", Heading: l.Profile, Level: 3, Parts: []part{{Fields: fields(
		field{l.ID, s.ID}, field{l.FirstName, s.FirstName}, field{l.LastName, s.LastName},
		field{l.Email, s.Email}, field{l.Phone, s.Phone}, field{l.Language, s.Language},
		field{l.Source, join(l.term(s.Source.Channel), s.Source.Reference)},
		field{l.Created, timestamp(s.CreatedAt)}, field{l.Updated, timestamp(s.UpdatedAt)},
	)}}}}
	if o := s.Organization; o != nil {
		out = append(out, section{ID: "organization", Heading: l.Organization, Level: 3, Parts: []part{{Fields: fields(
			field{l.Name, o.Name}, field{l.OrgNumber, o.OrgNumber}, field{l.Country, o.Country},
			field{l.Website, o.Website}, field{l.Phone, o.Phone}, field{l.Email, o.Email}, field{l.Address, o.Address},
		)}}})
	}

	t := &table{Head: []string{l.Date, l.Channel, l.Kind, l.Text}, Lead: 3}
	for _, i := range p.Interactions {
		t.Rows = append(t.Rows, []cell{{Text: timestamp(i.CreatedAt)}, {Text: l.term(i.Channel)}, {Text: l.term(i.Kind)}, {Text: i.Text}})
	}
	out = append(out, section{ID: "interactions", Heading: l.Interactions, Level: 3, Parts: []part{b.tablePart("", t)}})

	state := &table{Head: []string{l.Purpose, l.Allowed, l.Basis, l.Reason}, Lead: 1}
	for _, st := range p.ConsentState {
		state.Rows = append(state.Rows, []cell{{Text: b.purpose(st.Purpose)}, {Text: l.yesNo(st.Allowed)}, {Text: l.term(st.Basis)}, {Text: l.term(st.Reason)}})
	}
	history := &table{Head: []string{"#", l.Date, l.Event, l.Purpose, l.PolicyVersion, l.Evidence}, Lead: 4}
	for _, e := range p.Consents {
		history.Rows = append(history.Rows, []cell{{Text: strconv.FormatInt(e.Seq, 10)}, {Text: timestamp(e.At)},
			{Text: l.term(e.Kind)}, {Text: b.purpose(e.Purpose)}, {Text: e.PolicyVersion}, b.evidence(e)})
	}
	out = append(out, section{ID: "consents", Heading: l.Consents, Level: 3, Parts: []part{
		{Paragraph: l.ConsentsIntro}, b.tablePart(l.StateTitle, state), b.tablePart(l.History, history),
	}})

	t = &table{Head: []string{l.Reference, l.Started, l.Ended}, Lead: 1}
	for _, c := range p.Contracts {
		ended := l.InForce
		if c.EndedAt != nil {
			ended = timestamp(*c.EndedAt)
		}
		t.Rows = append(t.Rows, []cell{{Text: c.Reference}, {Text: timestamp(c.StartedAt)}, {Text: ended}})
	}
	out = append(out, section{ID: "contracts", Heading: l.Contracts, Level: 3, Parts: []part{b.tablePart("", t)}})

	t = &table{Head: []string{l.Kind, l.Reference, l.DatedOn, l.HoldUntil}, Lead: 1}
	for _, d := range p.Documents {
		t.Rows = append(t.Rows, []cell{{Text: l.term(d.Kind)}, {Text: d.Reference}, {Text: d.DatedOn}, {Text: d.HoldUntil}})
	}
	docs := []part{b.tablePart("", t)}
	if len(p.Documents) > 0 {
		docs = append([]part{{Paragraph: l.DocumentsIntro}}, docs...)
	}
	out = append(out, section{ID: "documents", Heading: l.Documents, Level: 3, Parts: docs})

	t = &table{Head: []string{l.Reference, l.Kind, l.Status, l.Received, l.Due, l.Closed}, Lead: 3}
	for _, r := range p.Requests {
		t.Rows = append(t.Rows, []cell{{Text: r.ID, Mono: true}, {Text: l.term(r.Kind)}, {Text: l.term(r.Status)},
			{Text: timestamp(r.ReceivedAt)}, {Text: r.DueOn}, {Text: timestampPtr(r.ClosedAt)}})
	}
	out = append(out, section{ID: "requests", Heading: l.Requests, Level: 3, Parts: []part{b.tablePart("", t)}})

	t = &table{Head: []string{l.Date, l.Recipient, l.Data, l.Purpose, l.Reason}, Lead: 2}
	for _, d := range p.Disclosures {
		cats := make([]string, len(d.Categories))
		for i, c := range d.Categories {
			cats[i] = b.category(c)
		}
		purpose := ""
		if d.Purpose != "" {
			purpose = b.purpose(d.Purpose)
		}
		t.Rows = append(t.Rows, []cell{{Text: timestamp(d.At)}, {Text: d.Recipient}, {Text: strings.Join(cats, ", ")},
			{Text: purpose}, {Text: d.Reason}})
	}
	out = append(out, section{ID: "disclosures", Heading: l.Disclosures, Level: 3, Parts: []part{b.tablePart("", t)}})
	return out
}

// evidence lists what an event's ledger entry proves (Art. 7(1)).
func (b *builder) evidence(e *vern.ConsentEvent) cell {
	l := b.l
	c := cell{}
	if e.Redacted {
		c.Lines = append(c.Lines, l.Redacted)
	}
	line := func(fs ...field) {
		parts := make([]string, 0, len(fs))
		for _, f := range fields(fs...) {
			parts = append(parts, f.Label+": "+f.Value)
		}
		if len(parts) > 0 {
			c.Lines = append(c.Lines, join(parts...))
		}
	}
	line(field{l.Channel, l.term(e.Channel)}, field{l.RecordedBy, e.Actor}, field{l.IPPrefix, e.IPPrefix})
	line(field{l.PageURL, e.PageURL})
	line(field{l.UserAgent, e.UserAgent})
	line(field{l.NoticeHash, e.NoticeHash})
	line(field{l.Hash, hex.EncodeToString(e.Hash)})
	return c
}

func (b *builder) about() []section {
	l, in := b.l, b.p.Information
	var out []section
	t := &table{Head: []string{l.Purpose, l.Description, l.LegalBasis, l.Categories}, Lead: 1}
	for _, pu := range in.Purposes {
		bases := make([]string, len(pu.LegalBasis))
		for i, s := range pu.LegalBasis {
			bases[i] = l.term(s)
		}
		cats := make([]string, len(pu.Categories))
		for i, c := range pu.Categories {
			cats[i] = b.category(c)
		}
		t.Rows = append(t.Rows, []cell{{Text: pu.Title}, {Text: pu.Description}, {Text: strings.Join(bases, ", ")}, {Text: strings.Join(cats, ", ")}})
	}
	out = append(out, section{ID: "purposes", Heading: l.Purposes, Level: 3, Parts: []part{b.tablePart("", t)}})

	t = &table{Head: []string{l.Name, l.Description}, Lead: 1}
	for _, c := range in.Categories {
		t.Rows = append(t.Rows, []cell{{Text: c.Title}, {Text: c.Description}})
	}
	out = append(out, section{ID: "categories", Heading: l.Categories, Level: 3, Parts: []part{b.tablePart("", t)}})

	t = &table{Head: []string{l.Name, l.Role, l.Country, l.TransferBasis}, Lead: 1}
	for _, r := range in.Recipients {
		t.Rows = append(t.Rows, []cell{{Text: r.Name}, {Text: r.Role}, {Text: r.Country}, {Text: r.TransferBasis}})
	}
	out = append(out, section{ID: "recipients", Heading: l.Recipients, Level: 3, Parts: []part{b.tablePart("", t)}})

	t = &table{Head: []string{l.Data, l.Period}, Lead: 1}
	for _, r := range in.Retention {
		t.Rows = append(t.Rows, []cell{{Text: r.Title}, {Text: r.Period}})
	}
	out = append(out, section{ID: "retention", Heading: l.Retention, Level: 3, Parts: []part{b.tablePart("", t)}})

	out = append(out, section{ID: "rights", Heading: l.Rights, Level: 3, Parts: []part{b.listPart(in.Rights)}})
	a := in.Authority
	out = append(out, section{ID: "complaint", Heading: l.Complaint, Level: 3, Parts: []part{
		{Paragraph: l.ComplaintIntro},
		{Fields: fields(field{l.Name, a.Name}, field{l.Website, a.Website}, field{l.Address, a.Address})},
	}})
	out = append(out, section{ID: "sources", Heading: l.Sources, Level: 3, Parts: []part{b.listPart(in.Sources)}})
	automated := part{Paragraph: in.AutomatedDecisions}
	if strings.TrimSpace(in.AutomatedDecisions) == "" {
		automated = part{Paragraph: l.None, Empty: true}
	}
	out = append(out, section{ID: "automated", Heading: l.Automated, Level: 3, Parts: []part{automated}})
	return out
}

// tablePart is t under heading, or "nothing recorded" when t has no rows.
func (b *builder) tablePart(heading string, t *table) part {
	if len(t.Rows) == 0 {
		return part{Heading: heading, Paragraph: b.l.None, Empty: true}
	}
	return part{Heading: heading, Table: t}
}

func (b *builder) listPart(items []string) part {
	if len(items) == 0 {
		return part{Paragraph: b.l.None, Empty: true}
	}
	return part{List: items}
}

// purpose names a purpose key or an objection scope; "" is every purpose,
// as for a restriction.
func (b *builder) purpose(key string) string {
	if key == "" {
		return b.l.AllPurposes
	}
	if t, ok := b.purposes[key]; ok {
		return t
	}
	return b.l.term(key)
}

func (b *builder) category(key string) string {
	if t, ok := b.categories[key]; ok {
		return t
	}
	return key
}

// fields drops the fields without a value.
func fields(fs ...field) []field {
	out := fs[:0]
	for _, f := range fs {
		if strings.TrimSpace(f.Value) != "" {
			out = append(out, f)
		}
	}
	return out
}
