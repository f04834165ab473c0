package policy

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Problem is one thing wrong with a policy file, located at a line and
// column (both 1-based; 0 when unknown) and a path such as
// "purposes[3].legal_basis" (indexes are 0-based).
type Problem struct {
	// Line is the 1-based line, or 0 when unknown.
	Line int
	// Column is the 1-based column, or 0 when unknown.
	Column int
	// Path locates the problem in the document, or is "" for the file.
	Path string
	// Message says what is wrong, without echoing long values.
	Message string
}

// String formats the problem as "line N: path: message", the form editors
// and CI logs can jump to.
func (p Problem) String() string {
	var b strings.Builder
	if p.Line > 0 {
		fmt.Fprintf(&b, "line %d: ", p.Line)
	}
	if p.Path != "" {
		b.WriteString(p.Path)
		b.WriteString(": ")
	}
	b.WriteString(p.Message)
	return b.String()
}

// Problems is the error Parse returns for an invalid policy. It holds every
// problem found, ordered by position, so that an author can fix them all in
// one pass.
type Problems struct {
	// List holds the problems in file order.
	List []Problem
}

// Error prints one problem per line.
func (ps *Problems) Error() string {
	lines := make([]string, len(ps.List))
	for i, p := range ps.List {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// sortProblems orders problems by position and drops exact duplicates,
// which arise when two checks reach the same conclusion.
func sortProblems(ps []Problem) []Problem {
	slices.SortStableFunc(ps, func(a, b Problem) int {
		return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Column, b.Column))
	})
	return slices.Compact(ps)
}
