package abra

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// FuzzParse feeds any command line (arguments separated by NUL in the
// fuzzer's input) through what opsync does with one: opsync's own flags
// stripped, abra's command line parsed, the names validated, the canonical
// line made. Nothing panics; what is left for abra is the command line
// minus opsync's flags, in order; a name ValidateName accepts stays inside
// its directory; a command never both modifies and only prints help; and
// the canonical line, read back, means the same command (roundTrip).
func FuzzParse(f *testing.F) {
	for _, tt := range canonicalCases {
		args, _ := shellSplit(tt.args)
		f.Add(strings.Join(args, "\x00"))
	}
	for _, tt := range commandWords {
		f.Add(strings.Join(append(strings.Fields(tt.words), "foo.example.org", "--no-operator-sync", "-n"), "\x00"))
	}
	f.Add("app\x00deploy\x00../x\x00--wait=5m\x00--\x00--force-sync")
	f.Add("app\x00move\x00foo\x00-\x00--lease=false")
	f.Fuzz(func(t *testing.T, joined string) {
		args := strings.Split(joined, "\x00")
		rest, _, err := StripSyncFlags(args)
		if err == nil {
			if !isSubsequence(rest, args) {
				t.Fatalf("StripSyncFlags(%q) = %q: not the command line minus opsync's flags", args, rest)
			}
			before, _, _ := cutAt(rest, "--")
			for _, a := range before {
				if isOpsyncFlag(a) {
					t.Fatalf("StripSyncFlags(%q) left opsync's flag %q for abra", args, a)
				}
			}
		} else {
			rest = args
		}
		inv := Parse(rest)
		if inv.Modifies() && inv.Help() {
			t.Fatalf("Parse(%q): modifies and only prints help", rest)
		}
		for _, name := range []string{inv.App, inv.Server, inv.MoveTo} {
			if name == "" || ValidateName("app", name) != nil {
				continue
			}
			dir := "/srv/abra/servers/s1"
			if p := filepath.Join(dir, name+".env"); filepath.Dir(p) != dir {
				t.Fatalf("ValidateName accepted %q, which leaves its directory: %s", name, p)
			}
		}
		roundTrip(t, rest)
	})
}

func isSubsequence(sub, of []string) bool {
	i := 0
	for _, s := range sub {
		for i < len(of) && of[i] != s {
			i++
		}
		if i == len(of) {
			return false
		}
		i++
	}
	return true
}

func cutAt(args []string, sep string) (before, after []string, found bool) {
	if i := slices.Index(args, sep); i >= 0 {
		return args[:i], args[i+1:], true
	}
	return args, nil, false
}

func isOpsyncFlag(a string) bool {
	name, _, _ := strings.Cut(a, "=")
	return slices.Contains([]string{FlagNoSync, FlagNoLog, FlagForceSync, FlagLease, FlagNoLease, FlagWait}, name)
}
