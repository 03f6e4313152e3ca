package engine_test

import (
	"bytes"
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"coopcloud.tech/opsync/internal/engine"
	"coopcloud.tech/opsync/oplog"
)

// TestAppsJSONDocumented holds docs/json.md to what `opsync apps --json`
// prints: every key, in the order printed, and every flag.
func TestAppsJSONDocumented(t *testing.T) {
	printed, b := printedKeys(t, engine.AppState{})
	documented, section := documentedKeys(t, "## opsync apps --json")
	if !slices.Equal(printed, documented) {
		t.Errorf("opsync apps --json prints the keys\n  %q\ndocs/json.md lists\n  %q", printed, documented)
	}
	for _, f := range []string{engine.FlagFailed, engine.FlagInterrupted, engine.FlagUndeployedChange,
		engine.FlagUncommitted, engine.FlagUnpushed, engine.FlagLeased} {
		if !strings.Contains(section, `"`+f+`"`) {
			t.Errorf("docs/json.md does not name the flag %q", f)
		}
	}
	if !bytes.Contains(b, []byte(`"flags":[]`)) || !bytes.Contains(b, []byte(`"last_entry":null`)) {
		t.Errorf("an app with nothing known should print flags [] and last_entry null: %s", b)
	}
}

// appsWorld is planWorld with entries committed by hand, as opsync would
// have made them, so that each flag's rule can be shown on its own.
type appsWorld struct{ *planWorld }

func newAppsWorld(t *testing.T) *appsWorld { return &appsWorld{newPlanWorld(t, "sync: true\n")} }

func (w *appsWorld) dir() string { return filepath.Join(w.abraDir, "servers") }

// logEntry commits the app's env file (content, when not "") with an
// entry of command on s1 that exited with exit.
func (w *appsWorld) logEntry(app, command string, exit int, content string) {
	w.t.Helper()
	if content != "" {
		writeFile(w.t, w.env1(app), content)
		w.git(w.dir(), "add", "--", "s1/"+app+".env")
	}
	msg := oplog.Format(oplog.Entry{Line: "abra " + command + " " + app, Command: command, App: app, Server: "s1",
		Exit: exit, Operator: "Plan Tester <plan@example.org> on testhost", Version: "test"})
	w.git(w.dir(), "commit", "-q", "--allow-empty", "-m", msg)
}

// apps returns the flags of each app of s1, and the states.
func (w *appsWorld) apps(q engine.AppsQuery) map[string][]string {
	w.t.Helper()
	e := w.engine()
	rs, err := e.Repos()
	if err != nil {
		w.t.Fatal(err)
	}
	out := map[string][]string{}
	for _, a := range e.Apps(context.Background(), rs, q) {
		if a.Error != "" {
			w.t.Errorf("%s: %s", a.App, a.Error)
		}
		out[a.App] = a.Flags
	}
	return out
}

func (w *appsWorld) flags(app string) []string {
	w.t.Helper()
	return w.apps(engine.AppsQuery{})[app]
}

func (w *appsWorld) want(app string, flags ...string) {
	w.t.Helper()
	if got := w.flags(app); !slices.Equal(got, flags) {
		w.t.Errorf("%s: flags %q, want %q", app, got, flags)
	}
}

const (
	fooV1 = "TYPE=custom-html:1.0.0\nDOMAIN=foo.example.org\n"
	fooV2 = "TYPE=custom-html:1.2.0\nDOMAIN=foo.example.org\n"
)

func TestAppsUndeployedChangeIsTheFileAgainstItsLastDeploy(t *testing.T) {
	w := newAppsWorld(t)
	// No deploy in the log: nothing to compare with, no flag.
	w.logEntry("foo.example.org", "app config", 0, fooV1+"SMTP=a\n")
	w.want("foo.example.org", engine.FlagUnpushed)
	w.git(w.dir(), "push", "-q")
	w.want("foo.example.org")

	w.logEntry("foo.example.org", "app deploy", 0, fooV2+"SMTP=a\n")
	w.git(w.dir(), "push", "-q")
	w.want("foo.example.org")
	// a config edit, logged and pushed, not deployed
	w.logEntry("foo.example.org", "app config", 0, fooV2+"SMTP=b\n")
	w.git(w.dir(), "push", "-q")
	w.want("foo.example.org", engine.FlagUndeployedChange)
	// edited back by hand, not committed: the file is what was deployed
	writeFile(t, w.env1("foo.example.org"), fooV2+"SMTP=a\n")
	w.want("foo.example.org", engine.FlagUncommitted)
	writeFile(t, w.env1("foo.example.org"), fooV2+"SMTP=c\n")
	w.want("foo.example.org", engine.FlagUndeployedChange, engine.FlagUncommitted)
	// an upgrade deploys it
	w.logEntry("foo.example.org", "app upgrade", 0, fooV2+"SMTP=c\n")
	w.git(w.dir(), "push", "-q")
	w.want("foo.example.org")
	// a failed deploy is not the one that deployed it: the upgrade is
	w.logEntry("foo.example.org", "app rollback", 1, fooV1+"SMTP=c\n")
	w.git(w.dir(), "push", "-q")
	w.want("foo.example.org", engine.FlagFailed, engine.FlagUndeployedChange)
	// after an undeploy nothing runs to be out of date
	w.logEntry("foo.example.org", "app undeploy", 0, "")
	w.logEntry("foo.example.org", "app config", 0, fooV1+"SMTP=d\n")
	w.git(w.dir(), "push", "-q")
	w.want("foo.example.org")
	// bar, untouched by all this, needs nothing
	w.want("bar.example.org")
}

func TestAppsFailedIsTheLastCommandThatChangesTheServer(t *testing.T) {
	w := newAppsWorld(t)
	w.logEntry("foo.example.org", "app deploy", 0, fooV2)
	w.logEntry("foo.example.org", "app secret insert", 1, "")
	w.git(w.dir(), "push", "-q")
	w.want("foo.example.org", engine.FlagFailed)
	// a later config edit (it changes no server) does not hide the failure
	w.logEntry("foo.example.org", "app config", 0, fooV2+"A=1\n")
	w.git(w.dir(), "push", "-q")
	w.want("foo.example.org", engine.FlagFailed, engine.FlagUndeployedChange)
	// a later secret insert that works does
	w.logEntry("foo.example.org", "app secret insert", 0, "")
	w.git(w.dir(), "push", "-q")
	w.want("foo.example.org", engine.FlagUndeployedChange)
}

func TestAppsInterruptedAndUnpushed(t *testing.T) {
	w := newAppsWorld(t)
	w.logEntry("foo.example.org", "app deploy", 0, fooV2)
	w.logEntry("foo.example.org", "app upgrade", oplog.ExitUnknown, "")
	// interrupted, not failed: its end is not known
	w.want("foo.example.org", engine.FlagInterrupted, engine.FlagUnpushed)
	w.git(w.dir(), "push", "-q")
	w.want("foo.example.org", engine.FlagInterrupted)
	w.logEntry("foo.example.org", "app deploy", 0, "")
	w.want("foo.example.org", engine.FlagUnpushed)
	// only the app whose last entry is unpushed
	w.want("bar.example.org")
}

func TestAppsMatchesEntriesInAnyCaseAndFilters(t *testing.T) {
	w := newAppsWorld(t)
	w.logEntry("foo.example.org", "app deploy", 0, fooV2)
	w.git(w.dir(), "push", "-q")
	msg := oplog.Format(oplog.Entry{Line: "abra app deploy FOO.example.org", Command: "app deploy", App: "FOO.example.org",
		Server: "S1", Exit: 2, Operator: "x", Version: "test"})
	w.git(w.dir(), "commit", "-q", "--allow-empty", "-m", msg)
	w.git(w.dir(), "push", "-q")
	w.want("foo.example.org", engine.FlagFailed)

	got := w.apps(engine.AppsQuery{Attention: true})
	if len(got) != 1 || got["foo.example.org"] == nil {
		t.Errorf("--attention: %v, want only foo", got)
	}
	if got := w.apps(engine.AppsQuery{App: "bar.example.org"}); len(got) != 1 || got["bar.example.org"] != nil {
		t.Errorf("--app bar: %v", got)
	}
	if got := w.apps(engine.AppsQuery{Server: "s2"}); len(got) != 0 {
		t.Errorf("--server s2 (no app): %v", got)
	}
	if got := w.apps(engine.AppsQuery{App: "foo"}); len(got) != 0 {
		t.Errorf("--app foo is not foo.example.org: %v", got)
	}
}

// After `app move`, the app's env file is in the new server directory; its
// move entry (Opsync-Moved-To) is its last entry there.
func TestAppsMovedAppKeepsItsMoveEntry(t *testing.T) {
	w := newAppsWorld(t)
	w.logEntry("foo.example.org", "app deploy", 0, fooV2)
	w.git(w.dir(), "mv", "s1/foo.example.org.env", "s2/foo.example.org.env")
	msg := oplog.Format(oplog.Entry{Line: "abra app move foo.example.org s2", Command: "app move", App: "foo.example.org",
		Server: "s1", MovedTo: "s2", Exit: 0, Operator: "x", Version: "test"})
	w.git(w.dir(), "commit", "-q", "-m", msg)
	w.git(w.dir(), "push", "-q")
	e := w.engine()
	rs, err := e.Repos()
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range e.Apps(context.Background(), rs, engine.AppsQuery{App: "foo.example.org"}) {
		if a.Server != "s2" || a.Last == nil || a.Last.Entry.Command != "app move" || len(a.Flags) != 0 {
			t.Errorf("%s on %s: last %+v, flags %q", a.App, a.Server, a.Last, a.Flags)
		}
	}
}
