package ui

import "testing"

func TestEscape(t *testing.T) {
	for in, want := range map[string]string{
		"abra app deploy foo.example.org 1.2.0+1.1": "abra app deploy foo.example.org 1.2.0+1.1",
		`C:\path\x1b`:                   `C:\path\x1b`, // backslashes are left as they are
		"Mal\x1flory":                   `Mal\x1flory`,
		"\x1b[2K\rexit 0":               `\x1b[2K\x0dexit 0`,
		"\x1b]0;pwned\x07":              `\x1b]0;pwned\x07`,
		"two\nlines\ttab":               `two\x0alines\x09tab`,
		"del\x7f c1\u0085\u009b":        `del\x7f c1\u0085\u009b`,
		"\u202egro.elpmaxe\u202c":       `\u202egro.elpmaxe\u202c`,
		"\u2066\u2067\u2068\u2069":      `\u2066\u2067\u2068\u2069`,
		"\u200e\u200f\u061c":            `\u200e\u200f\u061c`,
		"zero\u200bwidth\u200c\u200d":   `zero\u200bwidth\u200c\u200d`,
		"\u2060\ufeffbom":               `\u2060\ufeffbom`,
		"soft\u00adhyphen":              `soft\u00adhyphen`,
		"line\u2028para\u2029":          `line\u2028para\u2029`,
		"tag\U000e0041":                 `tag\U000e0041`,
		"bad \xff\xfe utf-8":            `bad \xff\xfe utf-8`,
		"Zoë Ünal, 日本語, emoji 🙂, ‐dash": "Zoë Ünal, 日本語, emoji 🙂, ‐dash",
	} {
		if got := Escape(in); got != want {
			t.Errorf("Escape(%q) = %q, want %q", in, got, want)
		}
		if !Printable(Escape(in)) {
			t.Errorf("Escape(%q) = %q is not printable", in, Escape(in))
		}
	}
	if got := EscapeText("one\x1b[2J\ntwo\r\n"); got != "one\\x1b[2J\ntwo\\x0d\n" {
		t.Errorf("EscapeText: %q", got)
	}
}

func TestEscapeJSON(t *testing.T) {
	in := []byte(`{"a":"x` + "\x7f\u0085\u009b\u202e\u200b\ufeff\U000e0041" + `ü日🙂\u001b"}`)
	want := `{"a":"x\u007f\u0085\u009b\u202e\u200b\ufeff\udb40\udc41ü日🙂\u001b"}`
	if got := string(EscapeJSON(in)); got != want {
		t.Errorf("EscapeJSON:\ngot  %s\nwant %s", got, want)
	}
	plain := []byte(`{"line":"abra app deploy foo.example.org","author":"Zoë"}`)
	if got := EscapeJSON(plain); &got[0] != &plain[0] {
		t.Error("EscapeJSON copied JSON that needs nothing")
	}
}
