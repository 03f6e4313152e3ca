package abra

import (
	"errors"
	"strings"
	"testing"
)

func TestValidateName(t *testing.T) {
	long := func(n int) string { return strings.Repeat("a", n-len(".example.org")) + ".example.org" }
	tests := []struct {
		name    string
		problem string // "" = valid
	}{
		{"foo.example.org", ""},
		{"srv1", ""},
		{"default", ""},
		{"bücher.example", ""},
		{"a_b-c.d", ""},
		{"x..y", `it contains ".."`},
		{"..", "it names a directory"},
		{".", "it names a directory"},
		{"../x", "path separator"},
		{"a/b", "path separator"},
		{`a\b`, "path separator"},
		{"/etc/passwd", "path separator"},
		{"-rf", `it starts with "-"`},
		{"--all", `it starts with "-"`},
		{".git", `it starts with "."`},
		{".hidden.example.org", `it starts with "."`},
		{"", "it is empty"},
		{"a\x00b", "control character"},
		{"a\nb", "control character"},
		{"a\rb", "control character"},
		{"a\x7fb", "control character"},
		{"a\tb", "control character"},
		{"xn--bcher-kva.example", ""},
		{"WWW.Example.ORG", ""},
		{"हिन्दी.example", ""},
		{":!x", `it contains ':'`},
		{":(exclude)x", `it contains ':'`},
		{"*", "it contains '*'"},
		{"foo*.example.org", "it contains '*'"},
		{"fo?.example.org", "it contains '?'"},
		{"[ab].example.org", "it contains '['"},
		{"foo bar", "it contains ' '"},
		{"user@host", `it contains '@'`},
		{"a;b", "it contains ';'"},
		{"a\u200bb", `it contains '\u200b'`},
		{"a\u202eb", `it contains '\u202e'`},
		{"a\u0085b", "control character"},
		{"a\x85b", "not valid UTF-8"},
		{"a\xffb", "not valid UTF-8"},
		{long(251), ""},
		{long(252), "252 bytes long, more than the 251"},
		{long(300), "300 bytes long"},
	}
	for _, tt := range tests {
		for _, what := range []string{"app", "server"} {
			err := ValidateName(what, tt.name)
			if tt.problem == "" {
				if err != nil {
					t.Errorf("ValidateName(%s, %q) = %v, want nil", what, tt.name, err)
				}
				continue
			}
			var ne *NameError
			if !errors.As(err, &ne) {
				t.Errorf("ValidateName(%s, %q) = %v, want a *NameError", what, tt.name, err)
				continue
			}
			if ne.What != what || ne.Name != tt.name || !strings.Contains(ne.Problem, tt.problem) {
				t.Errorf("ValidateName(%s, %q) = %+v, want problem containing %q", what, tt.name, ne, tt.problem)
			}
			msg := err.Error()
			if !strings.Contains(msg, "refusing "+what+" name") || strings.ContainsAny(msg, "\n\r") {
				t.Errorf("ValidateName(%s, %q).Error() = %q: want one line starting the refusal", what, tt.name, msg)
			}
		}
	}
}

func TestNameErrorMessage(t *testing.T) {
	err := ValidateName("app", "../../etc/passwd")
	want := "refusing app name ../../etc/passwd: it contains a path separator."
	if !strings.HasPrefix(err.Error(), want) {
		t.Errorf("message %q, want it to start %q", err, want)
	}
	if !strings.Contains(err.Error(), "such as foo.example.org") {
		t.Errorf("an app message should give an example app name: %q", err)
	}
	err = ValidateName("server", "a/b")
	if !strings.Contains(err.Error(), "its directory under servers/") {
		t.Errorf("a server message should say what a server name is: %q", err)
	}
	// The name is quoted so that a control character cannot break the line.
	err = ValidateName("app", "a\nb")
	if !strings.Contains(err.Error(), `$'a\x0ab'`) {
		t.Errorf("message %q does not quote the name", err)
	}
}
