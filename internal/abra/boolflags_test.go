package abra

import (
	"strings"
	"testing"
)

// TestBooleansAsPflag: every boolean is read as pflag reads it
// (strconv.ParseBool), and what depends on a boolean follows: the secret
// insert data is hidden unless --file is true, --dry-run=0 and -r=0 leave
// the command modifying, --help=0 is no help, -o=0 is online, and a value
// pflag cannot read is a line abra refuses, logged with every word after
// the app hidden. (Issue 10 §1.)
func TestBooleansAsPflag(t *testing.T) {
	tests := []struct {
		line      string
		canonical string
		modifies  bool
		help      bool
		offline   bool
		refused   bool
	}{
		// secret insert: "--file=0" means the positional IS the secret.
		{"app secret insert foo.example.org db v2 hunter2 --file=0", "abra app secret insert foo.example.org db v2 <redacted> --file=false", true, false, false, false},
		{"app secret insert foo.example.org db v2 hunter2 --file=f", "abra app secret insert foo.example.org db v2 <redacted> --file=false", true, false, false, false},
		{"app secret insert foo.example.org db v2 hunter2 --file=F", "abra app secret insert foo.example.org db v2 <redacted> --file=false", true, false, false, false},
		{"app secret insert foo.example.org db v2 hunter2 --file=FALSE", "abra app secret insert foo.example.org db v2 <redacted> --file=false", true, false, false, false},
		{"app secret insert foo.example.org db v2 hunter2 --file=False", "abra app secret insert foo.example.org db v2 <redacted> --file=false", true, false, false, false},
		{"app secret insert foo.example.org db v2 hunter2 -f=0", "abra app secret insert foo.example.org db v2 <redacted> --file=false", true, false, false, false},
		{"a s i foo.example.org db v2 hunter2 -Cf=0", "abra app secret insert foo.example.org db v2 <redacted> --chaos --file=false", true, false, false, false},
		{"app secret insert foo.example.org db v2 -tf=0 hunter2", "abra app secret insert foo.example.org db v2 --trim --file=false <redacted>", true, false, false, false},
		{"app secret insert foo.example.org db v2 f.txt --file=T", "abra app secret insert foo.example.org db v2 f.txt --file=true", true, false, false, false},
		{"app secret insert foo.example.org db v2 f.txt -f=1", "abra app secret insert foo.example.org db v2 f.txt --file=true", true, false, false, false},
		{"app secret insert foo.example.org db v2 f.txt -fC", "abra app secret insert foo.example.org db v2 f.txt --file --chaos", true, false, false, false},
		// A value pflag cannot read: abra refuses the line; it is logged
		// (in doubt, opsync logs) with everything after the app hidden.
		{"app secret insert foo.example.org db v2 hunter2 --file=", "abra app secret insert foo.example.org <redacted> --file=<redacted>", true, false, false, true},
		{"app secret insert foo.example.org db v2 hunter2 --file=yes", "abra app secret insert foo.example.org <redacted> --file=<redacted>", true, false, false, true},
		{"app secret insert foo.example.org db v2 hunter2 -f=", "abra app secret insert foo.example.org <redacted>", true, false, false, true},
		{"app secret insert foo.example.org db v2 --file=hunter2", "abra app secret insert foo.example.org <redacted> --file=<redacted>", true, false, false, true},
		{"app secret insert --file=hunter2 foo.example.org db v2", "abra app secret insert --file=<redacted> foo.example.org <redacted>", true, false, false, true},
		// The flags that make a command read-only.
		{"app move foo.example.org s2 --dry-run=0", "abra app move foo.example.org s2 --dry-run=false", true, false, false, false},
		{"app move foo.example.org s2 -r=false", "abra app move foo.example.org s2 --dry-run=false", true, false, false, false},
		{"app move foo.example.org s2 -r=1", "abra app move foo.example.org s2 --dry-run=true", false, false, false, false},
		{"app move foo.example.org s2 --dry-run=x", "abra app move foo.example.org <redacted> --dry-run=<redacted>", true, false, false, true},
		{"app upgrade foo.example.org -r=0", "abra app upgrade foo.example.org --releasenotes=false", true, false, false, false},
		{"app upgrade foo.example.org --releasenotes=0", "abra app upgrade foo.example.org --releasenotes=false", true, false, false, false},
		{"app new wordpress --secrets=0", "abra app new wordpress --secrets=false", false, false, false, false},
		{"app new wordpress --secrets=x", "abra app new wordpress --secrets=<redacted>", true, false, false, true},
		// Help and offline.
		{"app deploy foo.example.org --help=0", "abra app deploy foo.example.org --help=false", true, false, false, false},
		{"app deploy foo.example.org -h=0", "abra app deploy foo.example.org --help=false", true, false, false, false},
		{"app deploy foo.example.org -h=t", "abra app deploy foo.example.org --help=true", false, true, false, false},
		{"app deploy foo.example.org --help=", "abra app deploy foo.example.org --help=<redacted>", true, false, false, true},
		{"-o=0 app deploy foo.example.org", "abra app deploy --offline=false foo.example.org", true, false, false, false},
		{"app deploy foo.example.org --offline=0", "abra app deploy foo.example.org --offline=false", true, false, false, false},
		{"app deploy foo.example.org --offline=TRUE", "abra app deploy foo.example.org --offline=true", true, false, true, false},
		{"app deploy foo.example.org -o=", "abra app deploy foo.example.org <redacted>", true, false, false, true},
	}
	for _, tt := range tests {
		args := strings.Fields(tt.line)
		inv := Parse(args)
		if got := inv.Canonical(); got != tt.canonical {
			t.Errorf("%s:\n canonical %s\n      want %s", tt.line, got, tt.canonical)
		}
		if inv.Modifies() != tt.modifies || inv.Help() != tt.help || inv.Offline() != tt.offline || (inv.Refused != nil) != tt.refused {
			t.Errorf("%s: modifies %v help %v offline %v refused %v; want %v %v %v %v", tt.line,
				inv.Modifies(), inv.Help(), inv.Offline(), inv.Refused, tt.modifies, tt.help, tt.offline, tt.refused)
		}
		for _, a := range inv.RedactedArgs() {
			if strings.Contains(a, "hunter2") {
				t.Errorf("%s: RedactedArgs %q shows the secret", tt.line, inv.RedactedArgs())
			}
		}
		roundTrip(t, args)
	}
}

// TestRedactedArgs: explain's abra_args hide what the log hides, one
// <redacted> for a run, and nothing else changes.
func TestRedactedArgs(t *testing.T) {
	for _, tt := range []struct{ line, want string }{
		{"app secret insert foo.example.org db v1 hunter2", "app secret insert foo.example.org db v1 <redacted>"},
		{"a s i -n foo.example.org db v1 hunter2 -C", "a s i -n foo.example.org db v1 <redacted> -C"},
		{"app secret insert foo.example.org db v1 f.txt -f", "app secret insert foo.example.org db v1 f.txt -f"},
		{"app run foo.example.org app -- sh -c x", "app run foo.example.org app -- <redacted>"},
		{"app secret insert foo.example.org db v1 hunter2 --file=", "app secret insert foo.example.org <redacted>"},
		{"app deploy foo.example.org", "app deploy foo.example.org"},
	} {
		got := strings.Join(Parse(strings.Fields(tt.line)).RedactedArgs(), " ")
		if got != tt.want {
			t.Errorf("RedactedArgs(%s) = %s, want %s", tt.line, got, tt.want)
		}
	}
}
