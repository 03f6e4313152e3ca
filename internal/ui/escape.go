package ui

import (
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// Invisible reports whether the character r (size bytes of UTF-8; a lone
// byte that is not UTF-8 decodes as utf8.RuneError of size 1) must not
// reach a terminal, a completion list or a one-line log subject as it is:
//
//   - C0 controls (U+0000–U+001F, tab and newline included), DEL (U+007F)
//     and C1 controls (U+0080–U+009F): a terminal acts on them (cursor
//     moves, line clear, the window title, …);
//   - the line and paragraph separators U+2028 and U+2029;
//   - bidirectional controls: U+061C, U+200E, U+200F, U+202A–U+202E,
//     U+2066–U+2069, which reorder what follows them on the screen;
//   - zero-width and other invisible format characters (U+200B–U+200D,
//     U+2060–U+2064, U+FEFF, the soft hyphen U+00AD, …: Unicode's Cf
//     category), which hide text or make two names look alike;
//   - bytes that are not UTF-8.
func Invisible(r rune, size int) bool {
	switch {
	case r == utf8.RuneError && size == 1:
		return true
	case r < 0x20 || (r >= 0x7f && r <= 0x9f):
		return true
	case r == '\u2028' || r == '\u2029':
		return true
	}
	return r > 0x9f && unicode.Is(unicode.Cf, r)
}

// Escape makes s safe to print: every character Invisible reports is
// written as an escape, \xHH for a byte below 0x80 or a byte that is not
// UTF-8 ("\x1b", "\x0a", "\x1f", "\xff"), \uHHHH for a character ("\u202e",
// "\u200b", "\u0085"), \UHHHHHHHH beyond U+FFFF ("\U000e0001"): the
// spelling of bash's $'…' and Go's string literals. Everything else, backslashes included, is left as
// it is: the form is for reading, --json output is the exact text.
// Escape returns s itself when there is nothing to escape.
//
// Everything opsync reads from the shared repository (commit subjects,
// author names and emails, trailer values, lease fields, file and ref
// names) goes through Escape, or EscapeText, before it reaches a terminal.
func Escape(s string) string { return escape(s, false) }

// EscapeText is Escape for a message of several lines: newlines are kept,
// everything else is escaped as Escape does.
func EscapeText(s string) string { return escape(s, true) }

func escape(s string, keepNewlines bool) string {
	i := 0
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		if Invisible(r, size) && !(keepNewlines && r == '\n') {
			break
		}
		i += size
	}
	if i == len(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	b.WriteString(s[:i])
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case !Invisible(r, size) || (keepNewlines && r == '\n'):
			b.WriteString(s[i : i+size])
		case size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r > 0xffff:
			fmt.Fprintf(&b, `\U%08x`, r)
		default:
			fmt.Fprintf(&b, `\u%04x`, r)
		}
		i += size
	}
	return b.String()
}

// Printable reports whether s needs no escaping.
func Printable(s string) bool { return Escape(s) == s }

// JSONWriter returns a writer for JSON output that writes the characters
// Invisible reports and a JSON encoder leaves raw (DEL, C1 controls, bidi
// and zero-width characters: JSON need not escape them) as \uXXXX escapes
// instead. The JSON stays exact: it decodes to the same text. Each Write
// must hold whole UTF-8 characters, as an encoder's writes of whole values
// do.
func JSONWriter(w io.Writer) io.Writer { return jsonWriter{w} }

type jsonWriter struct{ w io.Writer }

func (j jsonWriter) Write(p []byte) (int, error) {
	if _, err := j.w.Write(EscapeJSON(p)); err != nil {
		return 0, err
	}
	return len(p), nil
}

// EscapeJSON rewrites JSON text as JSONWriter does. A JSON encoder has
// already escaped C0 controls, quotes and backslashes and replaced bytes
// that are not UTF-8, so every character rewritten here is inside a
// string, where \uXXXX means the character itself.
func EscapeJSON(b []byte) []byte {
	var out []byte
	for i := 0; i < len(b); {
		if b[i] < 0x7f {
			if out != nil {
				out = append(out, b[i])
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		if (r == utf8.RuneError && size == 1) || !Invisible(r, size) {
			if out != nil {
				out = append(out, b[i:i+size]...)
			}
			i += size
			continue
		}
		if out == nil {
			out = append(make([]byte, 0, len(b)+16), b[:i]...)
		}
		if r > 0xffff {
			r1, r2 := utf16.EncodeRune(r)
			out = fmt.Appendf(out, `\u%04x\u%04x`, r1, r2)
		} else {
			out = fmt.Appendf(out, `\u%04x`, r)
		}
		i += size
	}
	if out == nil {
		return b
	}
	return out
}
