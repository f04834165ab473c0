// Package report renders an access package (vern.AccessPackage) for the
// person it is about: JSON for machines and portability (GDPR Art. 20),
// CSV for spreadsheets, and HTML and PDF for reading (Art. 15). The HTML
// and PDF reports are in Norwegian bokmål or English and say the same
// thing, because both render one layout built from the package.
package report

import (
	"errors"
	"io"
	"strings"

	"github.com/vernhq/vern"
)

// Formats lists the formats Write accepts.
var Formats = []string{"json", "csv", "html", "pdf"}

// errNilPackage is returned for a nil package, a programming error.
var errNilPackage = errors.New("report: nil access package")

// Write renders p in format, one of Formats. An unknown format is
// EINVALID on the field "format", checked before anything is written.
func Write(w io.Writer, format string, p *vern.AccessPackage) error {
	switch format {
	case "json":
		return JSON(w, p)
	case "csv":
		return CSV(w, p)
	case "html":
		return HTML(w, p)
	case "pdf":
		return PDF(w, p)
	}
	return vern.Invalid(vern.FieldError{Field: "format", Code: "unknown",
		Message: "The format must be one of " + strings.Join(Formats, ", ") + "."})
}

// ContentType returns the media type of format, or "" for an unknown one.
func ContentType(format string) string {
	switch format {
	case "json":
		return "application/json"
	case "csv":
		return "text/csv; charset=utf-8"
	case "html":
		return "text/html; charset=utf-8"
	case "pdf":
		return "application/pdf"
	}
	return ""
}

// FileExt returns the file name extension of format with its dot, such as
// ".pdf", or "" for an unknown format.
func FileExt(format string) string {
	for _, f := range Formats {
		if f == format {
			return "." + f
		}
	}
	return ""
}
