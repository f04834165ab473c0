package report

import (
	"io"

	"github.com/vernhq/vern"
)

// WritePDFUncompressed is PDF with readable page streams, for tests that
// look for text.
func WritePDFUncompressed(w io.Writer, p *vern.AccessPackage) error { return writePDF(w, p, false) }
