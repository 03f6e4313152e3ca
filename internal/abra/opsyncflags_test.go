package abra

import (
	"slices"
	"strings"
	"testing"
)

func TestStripSyncFlags(t *testing.T) {
	tests := []struct {
		args  string
		rest  string
		flags SyncFlags
	}{
		{"app deploy foo", "app deploy foo", SyncFlags{}},
		{"--no-operator-sync app deploy foo", "app deploy foo", SyncFlags{NoSync: true}},
		{"app --no-operator-sync deploy foo", "app deploy foo", SyncFlags{NoSync: true}},
		{"app deploy foo --no-operator-sync", "app deploy foo", SyncFlags{NoSync: true}},
		{"app deploy --force-sync foo -n", "app deploy foo -n", SyncFlags{ForceSync: true}},
		{"app deploy foo --no-operator-log", "app deploy foo", SyncFlags{NoSync: true, NoLog: true}},
		{"app deploy foo --no-operator-log=true", "app deploy foo", SyncFlags{NoSync: true, NoLog: true}},
		{"app deploy foo --no-operator-sync=false", "app deploy foo", SyncFlags{}},
		{"app deploy foo --no-operator-sync=FALSE --force-sync=1", "app deploy foo", SyncFlags{ForceSync: true}},
		{"app deploy foo --force-sync=yes --no-operator-sync=0", "app deploy foo", SyncFlags{ForceSync: true}},
		{"app deploy foo --force-sync=no", "app deploy foo", SyncFlags{}},
		{"app deploy foo --no-operator-sync --no-operator-sync=false", "app deploy foo", SyncFlags{}},
		{"app deploy foo --no-operator-log --no-operator-sync=false", "app deploy foo", SyncFlags{NoSync: true, NoLog: true}},
		{"--no-operator-sync --no-operator-log --force-sync app ps foo", "app ps foo", SyncFlags{NoSync: true, NoLog: true, ForceSync: true}},
		// After "--" everything belongs to abra or the remote command.
		{"app run foo app -- cmd --no-operator-sync", "app run foo app -- cmd --no-operator-sync", SyncFlags{}},
		{"app run foo --force-sync app -- --force-sync", "app run foo app -- --force-sync", SyncFlags{ForceSync: true}},
		{"app deploy foo -- --no-operator-log", "app deploy foo -- --no-operator-log", SyncFlags{}},
		// Only exact names: what is not near one of opsync's is abra's business.
		{"app deploy foo --no-operator -nf --sync", "app deploy foo --no-operator -nf --sync", SyncFlags{}},
		// abra's own flags, however close to opsync's, are abra's.
		{"app logs foo --watch -f --force", "app logs foo --watch -f --force", SyncFlags{}},
		// --reason takes a value, in either form, and is removed.
		{"app deploy foo --reason=security", "app deploy foo", SyncFlags{Reason: "security"}},
		{"app --reason fix-1234 deploy foo -f", "app deploy foo -f", SyncFlags{Reason: "fix-1234"}},
		{"app run foo app -- echo --reason x", "app run foo app -- echo --reason x", SyncFlags{}},
	}
	for _, tt := range tests {
		rest, f, err := StripSyncFlags(strings.Fields(tt.args))
		if err != nil {
			t.Errorf("StripSyncFlags(%q): %v", tt.args, err)
			continue
		}
		if !slices.Equal(rest, strings.Fields(tt.rest)) || f != tt.flags {
			t.Errorf("StripSyncFlags(%q) = %q, %+v; want %q, %+v", tt.args, rest, f, tt.rest, tt.flags)
		}
	}
	// The input is not modified.
	in := []string{"app", "--force-sync", "deploy", "foo"}
	StripSyncFlags(in)
	if !slices.Equal(in, []string{"app", "--force-sync", "deploy", "foo"}) {
		t.Errorf("StripSyncFlags changed its input: %q", in)
	}
	// An empty line is an empty line, not nil trouble.
	if rest, f, err := StripSyncFlags(nil); err != nil || len(rest) != 0 || f != (SyncFlags{}) {
		t.Errorf("StripSyncFlags(nil) = %q, %+v, %v", rest, f, err)
	}
}

func TestStripSyncFlagsRefusesNearMisses(t *testing.T) {
	for typed, want := range map[string]string{
		"--no-operator-snyc":  "--no-operator-sync",
		"--no-operator-syncs": "--no-operator-sync",
		"--no-opertor-log":    "--no-operator-log",
		"--force-synk":        "--force-sync",
		"--forcesync":         "--force-sync",
		"--reasn=x":           "--reason",
		"--no-leas":           "--no-lease",
		"-no-operator-sync":   "--no-operator-sync",
	} {
		_, _, err := StripSyncFlags([]string{"app", "deploy", "foo", typed})
		if err == nil || !strings.Contains(err.Error(), "did you mean "+want+"?") {
			t.Errorf("StripSyncFlags(%q) = %v; want a refusal suggesting %s", typed, err, want)
		}
	}
}

func TestStripSyncFlagsReasonNeedsAValue(t *testing.T) {
	for _, args := range [][]string{{"app", "deploy", "foo", "--reason"}, {"app", "deploy", "foo", "--reason="}, {"app", "deploy", "foo", "--reason", "--"}} {
		if _, _, err := StripSyncFlags(args); err == nil || !strings.Contains(err.Error(), "--reason") {
			t.Errorf("StripSyncFlags(%q) = %v; want a refusal naming --reason", args, err)
		}
	}
}

func TestStripSyncFlagsBadValue(t *testing.T) {
	for _, a := range []string{"--no-operator-sync=maybe", "--force-sync=", "--no-operator-log=2"} {
		_, _, err := StripSyncFlags([]string{"app", "deploy", "foo", a})
		if err == nil {
			t.Errorf("StripSyncFlags(%q) succeeded, want an error", a)
			continue
		}
		name, _, _ := strings.Cut(a, "=")
		if !strings.Contains(err.Error(), name) || !strings.Contains(err.Error(), "true or false") {
			t.Errorf("StripSyncFlags(%q) error %q should name the flag and its values", a, err)
		}
	}
}

func TestSyncFlagsFromEnv(t *testing.T) {
	tests := []struct {
		opsync, force string
		want          SyncFlags
		bad           string // part of the error, "" when none
	}{
		{"", "", SyncFlags{}, ""},
		{"on", "", SyncFlags{}, ""},
		{"ON", "", SyncFlags{}, ""},
		{"1", "", SyncFlags{}, ""},
		{"true", "", SyncFlags{}, ""},
		{"off", "", SyncFlags{NoSync: true}, ""},
		{" Off ", "", SyncFlags{NoSync: true}, ""},
		{"0", "", SyncFlags{NoSync: true}, ""},
		{"false", "", SyncFlags{NoSync: true}, ""},
		{"no-sync", "", SyncFlags{NoSync: true}, ""},
		{"nolog", "", SyncFlags{NoSync: true, NoLog: true}, ""},
		{"no-log", "", SyncFlags{NoSync: true, NoLog: true}, ""},
		{"", "1", SyncFlags{ForceSync: true}, ""},
		{"", "true", SyncFlags{ForceSync: true}, ""},
		{"", "0", SyncFlags{}, ""},
		{"off", "yes", SyncFlags{NoSync: true, ForceSync: true}, ""},
		{"bogus", "", SyncFlags{}, `OPSYNC is "bogus"`},
		{"", "sometimes", SyncFlags{}, `OPSYNC_FORCE_SYNC is "sometimes"`},
	}
	for _, tt := range tests {
		env := map[string]string{"OPSYNC": tt.opsync, "OPSYNC_FORCE_SYNC": tt.force}
		f, err := SyncFlagsFromEnv(func(k string) string { return env[k] })
		if tt.bad != "" {
			if err == nil || !strings.Contains(err.Error(), tt.bad) {
				t.Errorf("SyncFlagsFromEnv(%q, %q) error = %v, want one containing %q", tt.opsync, tt.force, err, tt.bad)
			}
			continue
		}
		if err != nil || f != tt.want {
			t.Errorf("SyncFlagsFromEnv(%q, %q) = %+v, %v; want %+v", tt.opsync, tt.force, f, err, tt.want)
		}
	}
}

func TestSyncFlagsMerge(t *testing.T) {
	a := SyncFlags{NoSync: true}
	b := SyncFlags{ForceSync: true}
	if got := a.Merge(b); got != (SyncFlags{NoSync: true, ForceSync: true}) {
		t.Errorf("Merge = %+v", got)
	}
	if got := (SyncFlags{}).Merge(SyncFlags{NoLog: true, NoSync: true}); got != (SyncFlags{NoLog: true, NoSync: true}) {
		t.Errorf("Merge = %+v", got)
	}
}

// opsync's flags are stripped from every abra command line, so none may be
// a flag abra itself has (abra would never see it).
func TestSyncFlagsCollideWithNoAbraFlag(t *testing.T) {
	for _, f := range syncFlagNames {
		if abraKnowsFlag(strings.TrimPrefix(f, "--")) {
			t.Errorf("opsync's %s is also a flag of abra's", f)
		}
	}
}
