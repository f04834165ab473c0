package policy

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/mail"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// maxSource bounds the input, because a policy file is a few dozen
// kilobytes and Parse may be fed untrusted uploads.
const maxSource = 1 << 20

const dateLayout = "2006-01-02"

var (
	keyRE         = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
	yamlLineRE    = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)
	placeholderRE = regexp.MustCompile(`\{([a-z_]+)\}`)
	countryRE     = regexp.MustCompile(`^[A-Z]{2}$`)
)

// placeholders are the names Render fills in inside notice texts.
var placeholders = []string{"controller", "privacy_email", "rights_email", "authority", "published_at", "version"}

// Parse decodes and validates a policy file. It never panics; on any problem
// it returns a nil policy and a *Problems listing every problem found, each
// with the line and column where it is. Inputs over 1 MiB are refused.
func Parse(src []byte) (*Policy, error) {
	if len(src) > maxSource {
		return nil, &Problems{List: []Problem{{Message: fmt.Sprintf("policy file is %d bytes; the limit is %d", len(src), maxSource)}}}
	}
	root, probs := parseYAML(src)
	if probs != nil {
		return nil, &Problems{List: probs}
	}
	d := &decoder{pos: map[string]position{}}
	d.rejectAliases(root)
	p := d.policy(root)
	if root.Kind == yaml.MappingNode {
		// Cross-references are checked even when the structure has
		// problems, so that an author sees everything in one run.
		// Malformed list items decode to empty placeholders, which keeps
		// indexes and paths aligned.
		d.validate(p)
	}
	if len(d.problems) > 0 {
		return nil, &Problems{List: sortProblems(d.problems)}
	}
	p.warnings = sortProblems(d.warnings)
	p.src = bytes.Clone(src)
	p.hash = hashOf(src)
	return p, nil
}

// parseYAML returns the root node of the single document in src.
func parseYAML(src []byte) (root *yaml.Node, probs []Problem) {
	defer func() {
		// yaml.v3 is not ours; a panic inside it must still not crash the
		// server that validates an uploaded file.
		if r := recover(); r != nil {
			root, probs = nil, []Problem{{Line: 1, Message: fmt.Sprintf("YAML could not be parsed: %v", r)}}
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(src))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, []Problem{{Line: 1, Message: "policy file is empty"}}
		}
		return nil, []Problem{syntaxProblem(err)}
	}
	var extra yaml.Node
	switch err := dec.Decode(&extra); {
	case err == nil:
		return nil, []Problem{{Line: extra.Line, Column: extra.Column, Message: "only one YAML document is allowed"}}
	case !errors.Is(err, io.EOF):
		return nil, []Problem{syntaxProblem(err)}
	}
	if len(doc.Content) == 0 || doc.Content[0].ShortTag() == "!!null" {
		return nil, []Problem{{Line: 1, Message: "policy file is empty"}}
	}
	return doc.Content[0], nil
}

// syntaxProblem turns a yaml.v3 error into a problem at the line it names.
// yaml.v3 leaves the line out when it would be 0, which happens for errors
// on the first line; for some parser errors it names the line before the
// mistake (its context mark is 0-based), and we pass that on unchanged.
func syntaxProblem(err error) Problem {
	msg := err.Error()
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		return Problem{Line: line, Message: "YAML syntax: " + m[2]}
	}
	return Problem{Line: 1, Message: "YAML syntax: " + strings.TrimPrefix(msg, "yaml: ")}
}

type position struct{ line, col int }

// decoder walks the YAML tree, builds the Policy and collects problems. It
// remembers the position of every path it visits so that the cross-checks
// in validate.go can point at the right line.
type decoder struct {
	problems []Problem
	warnings []Problem
	pos      map[string]position
	// langs are the declared languages every Text must contain; nil until
	// known, and then texts may use any supported language.
	langs []string
}

// record remembers where path is. The first position wins: mapping
// records a field at its key, which is where an author looks for a
// problem with a block value spanning several lines.
func (d *decoder) record(path string, n *yaml.Node) {
	if _, ok := d.pos[path]; !ok && n != nil {
		d.pos[path] = position{n.Line, n.Column}
	}
}

// at returns the position of path, or of its nearest recorded parent when
// the path itself is absent (a missing field points at its mapping).
func (d *decoder) at(path string) position {
	for {
		if p, ok := d.pos[path]; ok {
			return p
		}
		i := strings.LastIndexAny(path, ".[")
		if i < 0 {
			if p, ok := d.pos[""]; ok {
				return p
			}
			return position{1, 1}
		}
		path = path[:i]
	}
}

// seen reports whether the file has something at path.
func (d *decoder) seen(path string) bool {
	_, ok := d.pos[path]
	return ok
}

func (d *decoder) errorf(path, format string, args ...any) {
	p := d.at(path)
	d.problems = append(d.problems, Problem{Line: p.line, Column: p.col, Path: path, Message: fmt.Sprintf(format, args...)})
}

func (d *decoder) warnf(path, format string, args ...any) {
	p := d.at(path)
	d.warnings = append(d.warnings, Problem{Line: p.line, Column: p.col, Path: path, Message: fmt.Sprintf(format, args...)})
}

// rejectAliases reports anchors and aliases. A policy is read by people and
// diffed in review, so every value is written out; refusing aliases also
// rules out exponential alias expansion.
func (d *decoder) rejectAliases(n *yaml.Node) {
	if n.Kind == yaml.AliasNode || n.Anchor != "" {
		d.problems = append(d.problems, Problem{Line: n.Line, Column: n.Column, Message: "YAML anchors and aliases are not supported; write the value out"})
		return
	}
	for _, c := range n.Content {
		d.rejectAliases(c)
	}
}

func field(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func index(path string, i int) string { return path + "[" + strconv.Itoa(i) + "]" }

// mapping is a YAML mapping being decoded: fields are taken one by one, and
// done reports whatever is left as unknown.
type mapping struct {
	d     *decoder
	path  string
	node  *yaml.Node
	keys  []*yaml.Node
	vals  map[string]*yaml.Node
	taken map[string]bool
}

// mapping starts decoding n as a mapping. It returns nil (after reporting)
// when n is not one; the accessors of a nil *mapping return nil.
func (d *decoder) mapping(n *yaml.Node, path string) *mapping {
	if n == nil {
		return nil
	}
	d.record(path, n)
	if n.Kind != yaml.MappingNode {
		d.kindError(n, path, "a mapping")
		return nil
	}
	m := &mapping{d: d, path: path, node: n, vals: map[string]*yaml.Node{}, taken: map[string]bool{}}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			d.problems = append(d.problems, Problem{Line: k.Line, Column: k.Column, Path: path, Message: "keys must be plain strings"})
			continue
		}
		if first, dup := m.vals[k.Value]; dup {
			d.problems = append(d.problems, Problem{Line: k.Line, Column: k.Column, Path: field(path, k.Value),
				Message: fmt.Sprintf("duplicate key %q (first defined at line %d)", k.Value, first.Line)})
			continue
		}
		m.keys = append(m.keys, k)
		m.vals[k.Value] = v
		d.pos[field(path, k.Value)] = position{k.Line, k.Column}
	}
	return m
}

// opt returns the value of an optional key, or nil when it is absent or null.
func (m *mapping) opt(key string) *yaml.Node {
	if m == nil {
		return nil
	}
	m.taken[key] = true
	v := m.vals[key]
	if v == nil || isNull(v) {
		return nil
	}
	return v
}

// req returns the value of a required key, reporting it when absent.
func (m *mapping) req(key string) *yaml.Node {
	if m == nil {
		return nil
	}
	v := m.opt(key)
	if v == nil {
		m.d.errorf(field(m.path, key), "missing required field %q", key)
	}
	return v
}

// has reports whether key is present, even with a null value.
func (m *mapping) has(key string) bool {
	if m == nil {
		return false
	}
	_, ok := m.vals[key]
	return ok
}

// done reports keys that no accessor asked for: the format is strict so that
// a misspelt field ("legal_bases" for "legal_basis") cannot be silently
// ignored.
func (m *mapping) done() {
	if m == nil {
		return
	}
	for _, k := range m.keys {
		if !m.taken[k.Value] {
			known := slices.Sorted(maps.Keys(m.taken))
			m.d.problems = append(m.d.problems, Problem{Line: k.Line, Column: k.Column, Path: field(m.path, k.Value),
				Message: fmt.Sprintf("unknown field %q (known: %s)", k.Value, strings.Join(known, ", "))})
		}
	}
}

func isNull(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" }

func (d *decoder) kindError(n *yaml.Node, path, want string) {
	if n.Kind == yaml.AliasNode {
		return // already reported by rejectAliases
	}
	got := map[yaml.Kind]string{yaml.MappingNode: "a mapping", yaml.SequenceNode: "a list", yaml.ScalarNode: "a single value"}[n.Kind]
	if isNull(n) {
		got = "nothing"
	}
	d.problems = append(d.problems, Problem{Line: n.Line, Column: n.Column, Path: path, Message: fmt.Sprintf("expected %s, found %s", want, got)})
}

// str decodes a scalar as a string. Any scalar is accepted, so that an
// unquoted version label such as 2023-06-27 needs no quotes.
func (d *decoder) str(n *yaml.Node, path string) string {
	if n == nil || isNull(n) {
		return ""
	}
	d.record(path, n)
	if n.Kind != yaml.ScalarNode {
		d.kindError(n, path, "a single value")
		return ""
	}
	return strings.TrimSpace(n.Value)
}

// reqStr decodes a required, non-empty string field.
func (m *mapping) reqStr(key string) string {
	if m == nil {
		return ""
	}
	n := m.req(key)
	s := m.d.str(n, field(m.path, key))
	if n != nil && s == "" && n.Kind == yaml.ScalarNode {
		m.d.errorf(field(m.path, key), "must not be empty")
	}
	return s
}

func (m *mapping) optStr(key string) string {
	if m == nil {
		return ""
	}
	return m.d.str(m.opt(key), field(m.path, key))
}

// key decodes a required identifier: lowercase snake_case, because keys
// appear in URLs, API payloads and other packages' code.
func (m *mapping) key(name string) string {
	s := m.reqStr(name)
	if s != "" && !keyRE.MatchString(s) {
		m.d.errorf(field(m.path, name), "%q is not a valid key (use lowercase letters, digits and _)", s)
	}
	return s
}

func (m *mapping) boolean(key string) bool {
	if m == nil {
		return false
	}
	n := m.opt(key)
	path := field(m.path, key)
	if n == nil {
		return false
	}
	m.d.record(path, n)
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!bool" {
		m.d.errorf(path, "expected true or false")
		return false
	}
	b, _ := strconv.ParseBool(strings.ToLower(n.Value))
	return b
}

func (m *mapping) date(key string, required bool) time.Time {
	if m == nil {
		return time.Time{}
	}
	var s string
	if required {
		s = m.reqStr(key)
	} else {
		s = m.optStr(key)
	}
	if s == "" {
		return time.Time{}
	}
	t, err := time.Parse(dateLayout, s)
	if err != nil {
		m.d.errorf(field(m.path, key), "%q is not a date of the form YYYY-MM-DD", s)
	}
	return t
}

func (m *mapping) enum(key string, required bool, allowed ...string) string {
	if m == nil {
		return ""
	}
	var s string
	if required {
		s = m.reqStr(key)
	} else {
		s = m.optStr(key)
	}
	if s != "" && !slices.Contains(allowed, s) {
		m.d.errorf(field(m.path, key), "unknown value %q (allowed: %s)", s, strings.Join(allowed, ", "))
	}
	return s
}

func (m *mapping) period(key string) Period {
	s := m.reqStr(key)
	if s == "" {
		return Period{}
	}
	p, err := ParseDuration(s)
	if err != nil {
		m.d.errorf(field(m.path, key), "%s", err.Error())
	}
	return p
}

func (m *mapping) email(key string, required bool) string {
	var s string
	if required {
		s = m.reqStr(key)
	} else {
		s = m.optStr(key)
	}
	if s != "" {
		if a, err := mail.ParseAddress(s); err != nil || a.Address != s {
			m.d.errorf(field(m.path, key), "%q is not an email address", s)
		}
	}
	return s
}

func (m *mapping) url(key string, required bool) string {
	var s string
	if required {
		s = m.reqStr(key)
	} else {
		s = m.optStr(key)
	}
	if s != "" {
		if u, err := url.Parse(s); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			m.d.errorf(field(m.path, key), "%q is not an http(s) URL", s)
		}
	}
	return s
}

// list returns the items of a sequence; a missing required list is
// reported, and an empty one too.
func (m *mapping) list(key string, required bool) []*yaml.Node {
	if m == nil {
		return nil
	}
	path := field(m.path, key)
	var n *yaml.Node
	if required {
		n = m.req(key)
	} else {
		n = m.opt(key)
	}
	if n == nil {
		return nil
	}
	m.d.record(path, n)
	if n.Kind != yaml.SequenceNode {
		m.d.kindError(n, path, "a list")
		return nil
	}
	if required && len(n.Content) == 0 {
		m.d.errorf(path, "must not be empty")
	}
	return n.Content
}

// strList decodes a list of strings; with keys set, each must be a valid
// key. Duplicates are reported because a repeated reference is always a
// copy-paste slip.
func (m *mapping) strList(key string, required, keys bool) []string {
	items := m.list(key, required)
	var out []string
	for i, n := range items {
		path := index(field(m.path, key), i)
		s := m.d.str(n, path)
		switch {
		case n.Kind != yaml.ScalarNode:
			continue
		case s == "":
			m.d.errorf(path, "must not be empty")
			continue
		case keys && !keyRE.MatchString(s):
			m.d.errorf(path, "%q is not a valid key (use lowercase letters, digits and _)", s)
		case slices.Contains(out, s):
			m.d.errorf(path, "%q is listed twice", s)
			continue
		}
		out = append(out, s)
	}
	return out
}

// enumList decodes a list whose items come from allowed.
func (m *mapping) enumList(key string, required bool, allowed ...string) []string {
	out := m.strList(key, required, false)
	for i, s := range out {
		if !slices.Contains(allowed, s) {
			m.d.errorf(index(field(m.path, key), i), "unknown value %q (allowed: %s)", s, strings.Join(allowed, ", "))
		}
	}
	return out
}

// text decodes a Text: a mapping from language to prose. With name set, a
// plain string is also accepted and used for every language, for proper
// names such as "Google" that do not translate.
func (m *mapping) text(key string, required, name bool) Text {
	if m == nil {
		return nil
	}
	var n *yaml.Node
	if required {
		n = m.req(key)
	} else {
		n = m.opt(key)
	}
	if n == nil {
		return nil
	}
	return m.d.text(n, field(m.path, key), name)
}

func (d *decoder) text(n *yaml.Node, path string, name bool) Text {
	d.record(path, n)
	if name && n.Kind == yaml.ScalarNode {
		s := d.str(n, path)
		if s == "" {
			d.errorf(path, "must not be empty")
		}
		t := Text{}
		for _, l := range d.textLangs() {
			t[l] = s
		}
		return t
	}
	tm := d.mapping(n, path)
	if tm == nil {
		return nil // not a mapping, already reported
	}
	t := Text{}
	for _, k := range tm.keys {
		lpath := field(path, k.Value)
		tm.taken[k.Value] = true
		if !slices.Contains(d.textLangs(), k.Value) {
			d.errorf(lpath, "language %q is not declared in languages (%s)", k.Value, strings.Join(d.textLangs(), ", "))
			continue
		}
		s := d.str(tm.vals[k.Value], lpath)
		if s == "" {
			d.errorf(lpath, "must not be empty")
			continue
		}
		for _, ph := range placeholderRE.FindAllStringSubmatch(s, -1) {
			if !slices.Contains(placeholders, ph[1]) {
				d.errorf(lpath, "unknown placeholder {%s} (known: {%s})", ph[1], strings.Join(placeholders, "}, {"))
			}
		}
		t[k.Value] = s
	}
	for _, l := range d.langs {
		if _, ok := tm.vals[l]; !ok {
			d.errorf(path, "missing %s text", l)
		}
	}
	return t
}

// textLangs returns the languages a text may use.
func (d *decoder) textLangs() []string {
	if d.langs == nil {
		return supportedLanguages
	}
	return d.langs
}
