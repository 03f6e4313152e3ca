package abra

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxNameLen keeps "<name>.env" within the 255 bytes most file systems allow.
const maxNameLen = 255 - len(".env")

// ValidateName checks an app or server name taken from the command line
// before it is joined to a path: it must name one file or directory inside
// its parent, so "../x", "a/b", names starting with "-" (a flag that slipped
// through after "--"), control characters and overlong names are refused.
// what is "app" or "server", for the message.
//
// Beyond that, abra's names are domain-like (an app is named by its domain,
// a server by its host or docker context name), so a name may hold only
// letters and digits (Unicode ones too: an internationalised domain), ".",
// "-" and "_", and must not start with "-" or ".". Anything else — ":",
// "!", "*", "?", "[", "(", spaces, "@", ... — cannot be an abra app or
// server, and is the stuff of git pathspec magic (":!x" excludes x) and
// shell or option tricks, so it is refused before anything runs.
func ValidateName(what, name string) error {
	problem := ""
	switch {
	case name == "":
		problem = "it is empty"
	case name == "." || name == "..":
		problem = "it names a directory, not a file"
	case strings.ContainsAny(name, `/\`):
		problem = "it contains a path separator"
	case strings.Contains(name, ".."):
		problem = `it contains ".."`
	case strings.HasPrefix(name, "-"):
		problem = `it starts with "-"`
	case strings.HasPrefix(name, "."):
		problem = `it starts with "." (a hidden file)`
	case len(name) > maxNameLen:
		problem = fmt.Sprintf("it is %d bytes long, more than the %d a file name allows", len(name), maxNameLen)
	case !utf8.ValidString(name):
		problem = "it is not valid UTF-8"
	default:
		for _, r := range name {
			if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
				problem = "it contains a control character"
				break
			}
			if !nameRune(r) {
				problem = fmt.Sprintf("it contains %s, which no domain-like name holds (only letters, digits, \".\", \"-\" and \"_\")", strconv.QuoteRuneToASCII(r))
				break
			}
		}
	}
	if problem == "" {
		return nil
	}
	return &NameError{What: what, Name: name, Problem: problem}
}

// NameError is an app or server name refused by ValidateName.
type NameError struct {
	What, Name, Problem string
}

func (e *NameError) Error() string {
	want := "the file name of its env file without \".env\", such as foo.example.org"
	if e.What == "server" {
		want = "the name of its directory under servers/, such as server1.example.org"
	}
	article := "An"
	if e.What == "server" {
		article = "A"
	}
	return fmt.Sprintf("refusing %s name %s: %s. %s %s name must be a plain name, %s; "+
		"opsync will not read or commit a file outside the servers directory. Check the command line.",
		e.What, Quote(e.Name), e.Problem, article, e.What, want)
}

// nameRune reports whether r may appear in an app or server name.
func nameRune(r rune) bool {
	return r == '.' || r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.In(r, unicode.Mn, unicode.Mc)
}
