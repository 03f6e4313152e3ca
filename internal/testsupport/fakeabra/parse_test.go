package fakeabra

import (
	"slices"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name    string
		argv    []string
		path    string
		args    []string
		flags   map[string]string
		wantErr string
	}{
		{name: "aliases", argv: []string{"a", "d", "x.org"}, path: "app deploy", args: []string{"x.org"}},
		{name: "nested aliases", argv: []string{"a", "s", "rm", "x", "y"}, path: "app secret remove", args: []string{"x", "y"}},
		{name: "move alias", argv: []string{"app", "mv", "x", "srv"}, path: "app move", args: []string{"x", "srv"}},
		{name: "cmd alias", argv: []string{"app", "cmd", "x", "app", "f"}, path: "app command", args: []string{"x", "app", "f"}},
		{name: "global flag before app", argv: []string{"-n", "app", "deploy", "-C", "-f", "x"}, path: "app deploy",
			args: []string{"x"}, flags: map[string]string{"no-input": "true", "chaos": "true", "force": "true"}},
		{name: "clustered bools", argv: []string{"app", "deploy", "-nCf", "x"}, path: "app deploy",
			args: []string{"x"}, flags: map[string]string{"no-input": "true", "chaos": "true", "force": "true"}},
		{name: "flags after positionals", argv: []string{"app", "secret", "rm", "x", "ssl_cert", "-n"}, path: "app secret remove",
			args: []string{"x", "ssl_cert"}, flags: map[string]string{"no-input": "true"}},
		{name: "value flag forms", argv: []string{"app", "new", "wp", "--server=s1", "-D", "d.org"}, path: "app new",
			args: []string{"wp"}, flags: map[string]string{"server": "s1", "domain": "d.org"}},
		{name: "long value with space", argv: []string{"app", "new", "--server", "s1", "--domain", "-weird"}, path: "app new",
			flags: map[string]string{"server": "s1", "domain": "-weird"}},
		{name: "short value attached", argv: []string{"app", "new", "-ss1", "-D=d.org"}, path: "app new",
			flags: map[string]string{"server": "s1", "domain": "d.org"}},
		{name: "cluster ending in value flag", argv: []string{"app", "new", "-Ss", "srv", "-nD", "d"}, path: "app new",
			flags: map[string]string{"secrets": "true", "server": "srv", "no-input": "true", "domain": "d"}},
		{name: "bool with =false", argv: []string{"app", "deploy", "--force=false", "-n=true", "x"}, path: "app deploy",
			args: []string{"x"}, flags: map[string]string{"force": "false", "no-input": "true"}},
		{name: "double dash ends flags", argv: []string{"app", "run", "x", "app", "--", "ls", "-la", "-n"}, path: "app run",
			args: []string{"x", "app", "ls", "-la", "-n"}, flags: map[string]string{}},
		{name: "-D means no-domain-checks on deploy", argv: []string{"app", "deploy", "x", "-D"}, path: "app deploy",
			args: []string{"x"}, flags: map[string]string{"no-domain-checks": "true"}},
		{name: "ls -s value", argv: []string{"app", "ls", "-s", "srv", "-S"}, path: "app list",
			flags: map[string]string{"server": "srv", "status": "true"}},
		{name: "logs -S value", argv: []string{"app", "logs", "x", "-S", "2024-01-01"}, path: "app logs",
			args: []string{"x"}, flags: map[string]string{"since": "2024-01-01"}},
		{name: "backup -s", argv: []string{"app", "b", "ls", "x", "-s", "abc"}, path: "app backup list",
			args: []string{"x"}, flags: map[string]string{"snapshot": "abc"}},
		{name: "root version", argv: []string{"--version"}, path: "", flags: map[string]string{"version": "true"}},
		{name: "help anywhere", argv: []string{"app", "deploy", "x", "-h"}, path: "app deploy", args: []string{"x"},
			flags: map[string]string{"help": "true"}},
		{name: "lenient server add", argv: []string{"server", "add", "--local", "--provision", "-x"}, path: "server add",
			flags: map[string]string{"local": "true", "provision": "true", "x": "true"}},

		{name: "unknown long flag", argv: []string{"app", "deploy", "x", "--bogus"}, wantErr: "unknown flag: --bogus"},
		{name: "unknown shorthand", argv: []string{"app", "deploy", "-fz", "x"}, wantErr: "unknown shorthand flag: 'z' in -z"},
		{name: "subcommand flag before its command", argv: []string{"app", "-f", "deploy", "x"}, wantErr: "unknown shorthand flag: 'f' in -f"},
		{name: "version only at root", argv: []string{"app", "-v"}, wantErr: "unknown shorthand flag: 'v' in -v"},
		{name: "value flag on other command is bool-less", argv: []string{"app", "deploy", "-s", "x"}, wantErr: "unknown shorthand flag: 's' in -s"},
		{name: "unknown app command", argv: []string{"app", "frobnicate"}, wantErr: `unknown command "frobnicate" for "abra app"`},
		{name: "unknown root command", argv: []string{"frobnicate"}, wantErr: `unknown command "frobnicate" for "abra"`},
		{name: "no prefix matching", argv: []string{"app", "dep", "x"}, wantErr: `unknown command "dep" for "abra app"`},
		{name: "missing value", argv: []string{"app", "new", "--server"}, wantErr: "flag needs an argument: --server"},
		{name: "missing short value", argv: []string{"app", "new", "-s"}, wantErr: "flag needs an argument: 's' in -s"},
		{name: "bad bool", argv: []string{"app", "deploy", "--force=maybe"}, wantErr: `invalid argument "maybe"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv, err := parse(commandTree(), tt.argv)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(inv.cmd.path(), " "); got != tt.path {
				t.Errorf("path %q, want %q", got, tt.path)
			}
			if !slices.Equal(inv.args, tt.args) {
				t.Errorf("args %q, want %q", inv.args, tt.args)
			}
			for k, v := range tt.flags {
				if inv.flags[k] != v {
					t.Errorf("flag %s = %q, want %q (all: %v)", k, inv.flags[k], v, inv.flags)
				}
			}
		})
	}
}

func TestCLIErrors(t *testing.T) {
	tests := []struct {
		name   string
		argv   []string
		stderr string
	}{
		{"unknown flag", []string{"app", "deploy", "x", "--bogus"}, "Error: unknown flag: --bogus\n"},
		{"unknown shorthand", []string{"app", "ls", "-q"}, "Error: unknown shorthand flag: 'q' in -q\n"},
		{"unknown command", []string{"app", "bogus"}, "Error: unknown command \"bogus\" for \"abra app\"\n"},
		{"unknown secret command", []string{"app", "secret", "bogus", "x"}, "Error: unknown command \"bogus\" for \"abra app secret\"\n"},
		{"missing app", []string{"app", "deploy"}, "Error: accepts between 1 and 2 arg(s), received 0\n"},
		{"too many", []string{"app", "undeploy", "a", "b"}, "Error: accepts 1 arg(s), received 2\n"},
		{"run needs cmd", []string{"app", "run", "a", "app"}, "Error: requires at least 3 arg(s), only received 2\n"},
		{"ls takes no args", []string{"app", "ls", "x"}, "Error: unknown command \"x\" for \"abra app list\"\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t)
			w.app("srv1", "a.org", "TYPE=foo\n")
			before := w.snapshot()
			r := w.run("", tt.argv...)
			if r.code != 1 || r.stderr != tt.stderr || r.stdout != "" {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit 1, stderr %q", r.code, r.stdout, r.stderr, tt.stderr)
			}
			w.assertUnchanged(before)
		})
	}
}

func TestHelpAndVersion(t *testing.T) {
	tests := []struct {
		argv []string
		want string
	}{
		{[]string{"app", "deploy", "-h"}, "abra app deploy <domain> [version] [flags]"},
		{[]string{"-n", "a", "d", "a.org", "--help", "-f"}, "abra app deploy <domain> [version] [flags]"},
		{[]string{"app", "secret", "insert", "-h"}, "-f, --file"},
		{[]string{"app", "rm", "a.org", "-h"}, "remove, rm"},
		{[]string{"app"}, "Available Commands:"},
		{[]string{}, "Available Commands:"},
		{[]string{"help", "app", "new"}, "-D, --domain string"},
		{[]string{"--version"}, "abra version 0.13.0-beta-fakeabra\n"},
		{[]string{"-v"}, "abra version 0.13.0-beta-fakeabra\n"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.argv, " "), func(t *testing.T) {
			w := newWorld(t)
			w.app("srv1", "a.org", "TYPE=foo\n")
			w.env["FAKEABRA_EXIT"] = "7" // not applied to help or version
			before := w.snapshot()
			r := w.run("", tt.argv...)
			if r.code != 0 || !strings.Contains(r.stdout, tt.want) {
				t.Errorf("exit %d, stdout:\n%s\nwant %q", r.code, r.stdout, tt.want)
			}
			w.assertUnchanged(before)
		})
	}
}
