package report

import (
	_ "embed"
	"fmt"
	"io"
	"strings"

	"github.com/go-pdf/fpdf"
	"github.com/vernhq/vern"
)

// DejaVu Sans (fonts/LICENSE) is embedded because fpdf's core fonts
// cannot show æøå through its UTF-8 path and a server may have no fonts
// installed. The files are []byte, not an embed.FS, so that no report
// copies 1.4 MB to read them; fpdf only reads them.
var (
	//go:embed fonts/DejaVuSans.ttf
	dejaVuSans []byte
	//go:embed fonts/DejaVuSans-Bold.ttf
	dejaVuSansBold []byte
)

const (
	fontFamily = "dejavu"
	pageMargin = 20.0 // mm
	labelWidth = 55.0 // mm, the label column of a field list
	lineHeight = 5.0  // mm, for 10 pt text
)

// PDF writes p as an A4 PDF with the same content as HTML: a title,
// bookmarked sections, wrapped text and "page n of m" footers, in DejaVu
// Sans so that æøå and most other letters render. Only the glyphs used
// are embedded. The PDF's dates are p.GeneratedAt, so the same package
// gives the same file.
func PDF(w io.Writer, p *vern.AccessPackage) error {
	if p == nil {
		return errNilPackage
	}
	return writePDF(w, p, true)
}

// writePDF is PDF with the choice to leave page streams uncompressed, so
// that tests can look for text.
func writePDF(w io.Writer, p *vern.AccessPackage, compress bool) error {
	d := newDocument(p)
	f := fpdf.New("P", "mm", "A4", "")
	f.SetCompression(compress)
	// fpdf writes the page total over {nb} when it closes the document.
	f.AliasNbPages("{nb}")
	// fpdf parses a font for each document and has no way to share a
	// parsed one; that costs about 5 ms of a report's time.
	f.AddUTF8FontFromBytes(fontFamily, "", dejaVuSans)
	f.AddUTF8FontFromBytes(fontFamily, "B", dejaVuSansBold)
	f.SetTitle(d.Title, true)
	f.SetSubject(d.Intro, true)
	f.SetAuthor(p.Controller.Name, true)
	f.SetCreator("Vern", true)
	f.SetLang(d.L.Lang)
	f.SetCreationDate(p.GeneratedAt)
	f.SetModificationDate(p.GeneratedAt)
	f.SetCatalogSort(true)
	f.SetDisplayMode("default", "continuous")
	f.SetMargins(pageMargin, pageMargin, pageMargin)
	f.SetAutoPageBreak(true, pageMargin)

	pw := &pdfWriter{f: f, l: d.L}
	pw.width, _ = f.GetPageSize()
	pw.width -= 2 * pageMargin
	f.SetFooterFunc(func() {
		f.SetY(-pageMargin + 5)
		pw.font("", 8)
		f.SetTextColor(90, 90, 90)
		f.CellFormat(pw.width/2, 4, pdfText(p.Controller.Name), "", 0, "L", false, 0, "")
		f.CellFormat(pw.width/2, 4, d.L.page(f.PageNo(), "{nb}"), "", 0, "R", false, 0, "")
		f.SetTextColor(0, 0, 0)
	})
	f.AddPage()
	pw.document(d)
	if err := f.Output(w); err != nil {
		return fmt.Errorf("write pdf report: %w", err)
	}
	return nil
}

// pdfWriter lays a document out on fpdf pages.
type pdfWriter struct {
	f     *fpdf.Fpdf
	l     *labels
	width float64 // between the margins, in mm
}

func (w *pdfWriter) font(style string, size float64) { w.f.SetFont(fontFamily, style, size) }

func (w *pdfWriter) document(d *document) {
	f := w.f
	w.font("B", 18)
	f.SetTextColor(43, 76, 126)
	f.MultiCell(w.width, 8, pdfText(d.Title), "", "L", false)
	f.SetTextColor(0, 0, 0)
	f.Ln(2)
	w.font("", 10)
	f.MultiCell(w.width, lineHeight, pdfText(d.Intro), "", "L", false)
	f.Ln(1)
	w.fields(d.Meta)
	for i := range d.Sections {
		w.section(&d.Sections[i])
	}
}

func (w *pdfWriter) section(s *section) {
	w.heading(s.Level, s.Heading)
	for _, p := range s.Parts {
		w.part(p)
	}
	for i := range s.Sections {
		w.section(&s.Sections[i])
	}
}

// heading starts a section, on a new page when too little room is left
// for the heading and a few lines under it, and adds it to the outline.
func (w *pdfWriter) heading(level int, text string) {
	f := w.f
	size, gap := 14.0, 6.0
	switch level {
	case 3:
		size, gap = 12, 4
	case 4:
		size, gap = 10.5, 2
	}
	f.Ln(gap)
	w.need(25)
	if level <= 3 {
		f.Bookmark(text, level-2, -1)
	}
	w.font("B", size)
	f.SetTextColor(43, 76, 126)
	f.MultiCell(w.width, size*0.5, pdfText(text), "", "L", false)
	f.SetTextColor(0, 0, 0)
	if level == 2 {
		f.SetDrawColor(43, 76, 126)
		f.Line(pageMargin, f.GetY()+0.5, pageMargin+w.width, f.GetY()+0.5)
		f.SetDrawColor(0, 0, 0)
	}
	f.Ln(2)
}

func (w *pdfWriter) part(p part) {
	f := w.f
	if p.Heading != "" {
		w.heading(4, p.Heading)
	}
	switch {
	case p.Table != nil:
		w.table(p.Table)
	case len(p.Fields) > 0:
		w.fields(p.Fields)
	case len(p.List) > 0:
		w.font("", 10)
		for _, item := range p.List {
			w.need(lineHeight)
			f.CellFormat(5, lineHeight, "•", "", 0, "L", false, 0, "")
			f.MultiCell(w.width-5, lineHeight, pdfText(item), "", "L", false)
			f.Ln(1)
		}
	case p.Paragraph != "":
		w.font("", 10)
		if p.Empty {
			f.SetTextColor(90, 90, 90)
		}
		f.MultiCell(w.width, lineHeight, pdfText(p.Paragraph), "", "L", false)
		f.SetTextColor(0, 0, 0)
		f.Ln(1)
	}
}

// fields lays a field list out in two columns: labels in bold on the
// left, wrapped values on the right.
func (w *pdfWriter) fields(fs []field) {
	f := w.f
	for _, fd := range fs {
		w.need(lineHeight)
		w.font("B", 10)
		y, page := f.GetY(), f.PageNo()
		f.MultiCell(labelWidth-3, lineHeight, pdfText(fd.Label), "", "L", false)
		below := f.GetY()
		f.SetXY(pageMargin+labelWidth, y)
		w.font("", 10)
		f.MultiCell(w.width-labelWidth, lineHeight, pdfText(fd.Value), "", "L", false)
		// The label may be the taller of the two.
		if f.PageNo() == page && f.GetY() < below {
			f.SetY(below)
		}
	}
	f.Ln(1)
}

// table lays each row out as a record: the lead columns joined on a bold
// line, then the other columns as "label: value" lines.
func (w *pdfWriter) table(t *table) {
	f := w.f
	for _, row := range t.Rows {
		w.need(2 * lineHeight)
		lead := make([]string, 0, t.Lead)
		for i := 0; i < t.Lead && i < len(row); i++ {
			lead = append(lead, row[i].Text)
		}
		w.font("B", 10)
		f.MultiCell(w.width, lineHeight, pdfText(join(lead...)), "", "L", false)
		for i := t.Lead; i < len(row); i++ {
			c := row[i]
			switch {
			case len(c.Lines) > 0:
				w.font("", 8)
				f.SetTextColor(60, 60, 60)
				for _, line := range c.Lines {
					f.MultiCell(w.width, 4, pdfText(line), "", "L", false)
				}
				f.SetTextColor(0, 0, 0)
			case strings.TrimSpace(c.Text) != "":
				w.font("", 10)
				f.MultiCell(w.width, lineHeight, pdfText(t.Head[i]+": "+c.Text), "", "L", false)
			}
		}
		f.SetDrawColor(200, 200, 200)
		f.Line(pageMargin, f.GetY()+1, pageMargin+w.width, f.GetY()+1)
		f.SetDrawColor(0, 0, 0)
		f.Ln(2.5)
	}
}

// need starts a new page unless h mm are left above the bottom margin.
func (w *pdfWriter) need(h float64) {
	_, pageHeight := w.f.GetPageSize()
	if w.f.GetY()+h > pageHeight-pageMargin {
		w.f.AddPage()
	}
}

// pdfText makes s safe for fpdf's text layout: tabs and carriage returns,
// which the font has no glyph for, become spaces and newlines.
func pdfText(s string) string {
	if !strings.ContainsAny(s, "\t\r") {
		return s
	}
	return strings.NewReplacer("\r\n", "\n", "\r", "\n", "\t", "    ").Replace(s)
}
