package engine_test

import (
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// A command that stops on a bug after Before took its lease gives the
// lease back: Abandon (called by the CLI when it recovers from a panic)
// deletes it from the remote, so teammates are not refused for an app
// nobody is changing.
func TestAbandonReleasesLeases(t *testing.T) {
	w := newPlanWorld(t, "sync: true\noperator_sync:\n  lease: true\n")
	remote := filepath.Join(w.root, "remote.git")
	leaseRefs := func() string {
		out, err := exec.Command("git", "-C", remote, "for-each-ref", "--format=%(refname)", "refs/opsync/").Output()
		if err != nil {
			t.Fatal(err)
		}
		return strings.TrimSpace(string(out))
	}
	p, err := w.engine().Plan([]string{"app", "deploy", "foo.example.org", "-f"})
	if err != nil {
		t.Fatal(err)
	}
	run := p.Run()
	if err := run.Before(context.Background()); err != nil {
		t.Fatalf("Before: %v\n%s", err, w.said())
	}
	if refs := leaseRefs(); !strings.Contains(refs, "foo.example.org") {
		t.Fatalf("no lease on the remote after Before: %q", refs)
	}
	run.Abandon(context.Background())
	if refs := leaseRefs(); refs != "" {
		t.Errorf("lease refs left on the remote after Abandon: %q", refs)
	}
	run.Abandon(context.Background()) // twice is harmless
}

// A URL on the command line (abra takes a recipe as a git URL) keeps no
// credentials in the log line, which is the commit subject and the lease's
// command.
func TestLineRedactsURLCredentials(t *testing.T) {
	w := newPlanWorld(t, "sync: true\n")
	p, err := w.engine().Plan([]string{"app", "new", "https://SECRETTOKEN@git.example.org/r.git", "-s", "s1", "-D", "x.example.org"})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(p.Line, "SECRETTOKEN") || !strings.Contains(p.Line, "https://<redacted>@git.example.org/r.git") {
		t.Errorf("Line %q: want the URL's token redacted", p.Line)
	}
}
