package abra

import (
	"fmt"
	"strings"
)

// maxNameLen keeps "<name>.env" within the 255 bytes most file systems allow.
const maxNameLen = 255 - len(".env")

// ValidateName checks an app or server name taken from the command line
// before it is joined to a path: it must name one file or directory inside
// its parent, so "../x", "a/b", names starting with "-" (a flag that slipped
// through after "--"), control characters and overlong names are refused.
// what is "app" or "server", for the message.
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
	default:
		for _, r := range name {
			if r < 0x20 || r == 0x7f {
				problem = "it contains a control character"
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
	return fmt.Sprintf("refusing %s name %s: %s. An %s name must be a plain name, %s; "+
		"opsync will not read or commit a file outside the servers directory. Check the command line.",
		e.What, Quote(e.Name), e.Problem, e.What, want)
}
