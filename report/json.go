package report

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/vernhq/vern"
)

// JSON writes p as indented JSON in the layout named by p.Schema
// (vern.AccessPackageSchema): the machine-readable package of Art. 20.
// The output is stable: fields keep their declared order, times are RFC
// 3339, and the package's own lists are [] rather than null when empty,
// so that a consumer need not tell the two apart. "<", ">" and "&" are
// escaped as \u003c and so on, which every JSON reader decodes, so that
// the file stays inert even if something displays it as HTML.
func JSON(w io.Writer, p *vern.AccessPackage) error {
	if p == nil {
		return errNilPackage
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(withEmptyLists(p)); err != nil {
		return fmt.Errorf("encode json report: %w", err)
	}
	return nil
}

// withEmptyLists returns a shallow copy of p whose nil lists are empty.
// p itself is not changed.
func withEmptyLists(p *vern.AccessPackage) *vern.AccessPackage {
	c := *p
	c.Interactions = orEmpty(c.Interactions)
	c.ConsentState = orEmpty(c.ConsentState)
	c.Consents = orEmpty(c.Consents)
	c.Contracts = orEmpty(c.Contracts)
	c.Documents = orEmpty(c.Documents)
	c.Requests = orEmpty(c.Requests)
	c.Disclosures = orEmpty(c.Disclosures)
	in := &c.Information
	in.Purposes = orEmpty(in.Purposes)
	in.Categories = orEmpty(in.Categories)
	in.Recipients = orEmpty(in.Recipients)
	in.Retention = orEmpty(in.Retention)
	in.Rights = orEmpty(in.Rights)
	in.Sources = orEmpty(in.Sources)
	return &c
}

func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
