package envmerge

import (
	"strconv"
	"strings"
)

// line is one physical line of an env file: its text, and the line ending
// that followed it ("\n", "\r\n", or "" for a last line without one).
type line struct {
	text string
	eol  string
}

// kind is what an item is.
type kind int

const (
	assignment kind = iota // KEY=VALUE, possibly with export and a multi-line quoted value
	comment                // # …
	blank                  // empty or only spaces
	other                  // anything else: kept verbatim, merged as text
)

// item is the unit of merging: one assignment (which may span several lines
// when its quoted value does), or one other line.
type item struct {
	kind  kind
	key   string // the variable's name, for assignments
	id    string // identity across the three versions (see identify)
	lines []line
}

// text is the item without its line endings: what is compared to decide
// whether a side changed it.
func (it *item) text() string {
	if len(it.lines) == 1 {
		return it.lines[0].text
	}
	parts := make([]string, len(it.lines))
	for i, l := range it.lines {
		parts[i] = l.text
	}
	return strings.Join(parts, "\n")
}

// value is what follows the "=" of an assignment, spaces trimmed.
func (it *item) value() string {
	_, v, _ := strings.Cut(it.text(), "=")
	return strings.TrimSpace(v)
}

// file is one parsed version.
type file struct {
	items   []item
	finalNL bool   // the last line ends with a line ending
	style   string // "lf", "crlf", "mixed", or "" when no line has an ending
	lines   int
	ids     map[string]bool // filled by has
}

// splitLines cuts b into lines. A "\r" is part of the line ending only
// when a "\n" follows it.
func splitLines(b []byte) ([]line, bool) {
	s := string(b)
	var out []line
	for s != "" {
		i := strings.IndexByte(s, '\n')
		if i < 0 {
			out = append(out, line{text: s})
			return out, false
		}
		text, eol := s[:i], "\n"
		if strings.HasSuffix(text, "\r") {
			text, eol = text[:len(text)-1], "\r\n"
		}
		out = append(out, line{text: text, eol: eol})
		s = s[i+1:]
	}
	return out, len(out) > 0
}

// parse reads an env file the way abra's dotenv reader does: blank lines,
// comments (a first non-space "#"), and assignments `[export ]KEY=VALUE`,
// where a value that opens a quote it does not close on the same line runs
// on to the line that closes it. Anything else is kept as an opaque line.
func parse(b []byte) file {
	lines, finalNL := splitLines(b)
	f := file{finalNL: finalNL, lines: len(lines)}
	f.style = styleOf(lines)
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		t := strings.TrimLeft(l.text, " \t")
		switch {
		case t == "":
			f.items = append(f.items, item{kind: blank, lines: []line{l}})
			continue
		case t[0] == '#':
			f.items = append(f.items, item{kind: comment, lines: []line{l}})
			continue
		}
		key, value, ok := splitAssignment(t)
		if !ok {
			f.items = append(f.items, item{kind: other, lines: []line{l}})
			continue
		}
		end := i
		if q := openQuote(value); q != 0 {
			// The value continues on the line that closes the quote; an
			// unclosed quote leaves the line on its own.
			for j := i + 1; j < len(lines); j++ {
				if closesQuote(lines[j].text, q) {
					end = j
					break
				}
			}
		}
		f.items = append(f.items, item{kind: assignment, key: key, lines: append([]line(nil), lines[i:end+1]...)})
		i = end
	}
	identify(f.items)
	return f
}

// splitAssignment splits "export KEY = value" into KEY and value.
func splitAssignment(t string) (key, value string, ok bool) {
	if rest, found := strings.CutPrefix(t, "export"); found && rest != "" && (rest[0] == ' ' || rest[0] == '\t') {
		t = strings.TrimLeft(rest, " \t")
	}
	k, v, found := strings.Cut(t, "=")
	if !found {
		return "", "", false
	}
	k = strings.TrimRight(k, " \t")
	if !validKey(k) {
		return "", "", false
	}
	return k, v, true
}

func validKey(k string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		switch {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c == '_':
		case (c >= '0' && c <= '9') || c == '.' || c == '-':
			if i == 0 {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// openQuote returns the quote character a value opens and does not close
// on its own line, or 0.
func openQuote(v string) byte {
	v = strings.TrimLeft(v, " \t")
	if v == "" || (v[0] != '"' && v[0] != '\'') {
		return 0
	}
	if closesQuote(v[1:], v[0]) {
		return 0
	}
	return v[0]
}

// closesQuote reports whether s holds the closing quote q (in double
// quotes a backslash escapes the next character).
func closesQuote(s string, q byte) bool {
	for i := 0; i < len(s); i++ {
		switch {
		case q == '"' && s[i] == '\\':
			i++
		case s[i] == q:
			return true
		}
	}
	return false
}

// identify gives every item its identity. An assignment is its variable's
// name (with the occurrence number, for a name defined twice), so a changed
// value is the same item; any other line is its text.
func identify(items []item) {
	seen := map[string]int{}
	for i := range items {
		it := &items[i]
		if it.kind == assignment {
			n := seen[it.key]
			seen[it.key] = n + 1
			it.id = "K\x00" + it.key + "\x00" + strconv.Itoa(n)
		} else {
			it.id = "L\x00" + it.lines[0].text
		}
	}
}

func styleOf(lines []line) string {
	lf, crlf := 0, 0
	for _, l := range lines {
		switch l.eol {
		case "\n":
			lf++
		case "\r\n":
			crlf++
		}
	}
	switch {
	case lf > 0 && crlf > 0:
		return "mixed"
	case crlf > 0:
		return "crlf"
	case lf > 0:
		return "lf"
	}
	return ""
}

// Values returns each variable of an env file with its value (the text
// after "="), the first definition of each.
func Values(b []byte) map[string]string {
	out := map[string]string{}
	for _, it := range parse(b).items {
		if it.kind == assignment {
			if _, dup := out[it.key]; !dup {
				out[it.key] = it.value()
			}
		}
	}
	return out
}
