package report

import (
	"embed"
	"fmt"
	"html/template"
	"io"

	"github.com/vernhq/vern"
)

//go:embed templates/report.html
var templateFS embed.FS

// reportTemplate is parsed once; html/template escapes every value by
// context, so texts the person wrote render as text, never as markup.
var reportTemplate = template.Must(template.ParseFS(templateFS, "templates/report.html"))

// HTML writes p as one self-contained HTML5 page in p.Language ("nb" or,
// for anything else, "en"): inline CSS, no script, and a Content Security
// Policy that lets the page load nothing, so that opening it contacts no
// one. Web addresses are shown as text, not links.
func HTML(w io.Writer, p *vern.AccessPackage) error {
	if p == nil {
		return errNilPackage
	}
	if err := reportTemplate.Execute(w, newDocument(p)); err != nil {
		return fmt.Errorf("render html report: %w", err)
	}
	return nil
}
