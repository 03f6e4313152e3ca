package opsync_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"coopcloud.tech/opsync"
)

// An embedder's entries carry the operator's session as the wrapper's do:
// the engine reads OPSYNC_SESSION, then the session kept in the state
// directory, through Options.Getenv.
func TestEmbeddedEntriesCarrySession(t *testing.T) {
	dir := t.TempDir()
	for k, v := range map[string]string{"HOME": dir, "GIT_CONFIG_NOSYSTEM": "1",
		"GIT_AUTHOR_NAME": "Alice", "GIT_AUTHOR_EMAIL": "alice@example.org",
		"GIT_COMMITTER_NAME": "Alice", "GIT_COMMITTER_EMAIL": "alice@example.org"} {
		t.Setenv(k, v)
	}
	abraDir := filepath.Join(dir, ".abra")
	servers := filepath.Join(abraDir, "servers")
	envFile := filepath.Join(servers, "s1", "wiki.example.org.env")
	os.MkdirAll(filepath.Dir(envFile), 0o755)
	os.WriteFile(envFile, []byte("TYPE=custom-html:1.0.0+1.0\nDOMAIN=wiki.example.org\n"), 0o644)
	os.WriteFile(filepath.Join(abraDir, "abra.yml"), []byte("sync: true\n"), 0o644)
	remote := filepath.Join(dir, "remote.git")
	for _, args := range [][]string{
		{"init", "-q", "--bare", remote},
		{"-C", servers, "init", "-q"},
		{"-C", servers, "add", "-A"},
		{"-C", servers, "commit", "-qm", "start the operator log"},
		{"-C", servers, "remote", "add", "origin", remote},
		{"-C", servers, "push", "-qu", "origin", "HEAD"},
	} {
		if out, err := exec.Command("git", args...).CombinedOutput(); err != nil {
			t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	now := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	vars := map[string]string{"HOME": dir}
	deploy := func(version string) (session, trailers string) {
		t.Helper()
		eng := opsync.New(opsync.Options{Dir: dir, Now: func() time.Time { return now },
			Getenv: func(k string) string { return vars[k] }})
		defer eng.Close()
		plan, err := eng.PlanCommand(opsync.Command{Path: []string{"app", "deploy"}, Args: []string{"wiki.example.org", version},
			ArgsLenAtDash: -1, Flags: map[string]string{"force": "true"}, AbraDir: abraDir})
		if err != nil {
			t.Fatal(err)
		}
		if err := plan.Before(context.Background()); err != nil {
			t.Fatal(err)
		}
		os.WriteFile(envFile, []byte("TYPE=custom-html:"+version+"\nDOMAIN=wiki.example.org\n"), 0o644)
		out := plan.After(context.Background(), 0, time.Second)
		if len(out.Entries) != 1 || !out.Entries[0].Pushed {
			t.Fatalf("entries: %+v", out.Entries)
		}
		b, _ := exec.Command("git", "-C", remote, "log", "-1", "--format=%(trailers:key=Opsync-Session)", "HEAD").Output()
		return out.Entries[0].Session, strings.TrimSpace(string(b))
	}

	if s, tr := deploy("1.1.0+1.0"); s != "" || tr != "" {
		t.Errorf("no session, yet the entry carries %q (%q)", s, tr)
	}
	// the session `opsync session start` keeps for this user
	state := filepath.Join(dir, ".local", "state", "opsync")
	os.MkdirAll(state, 0o700)
	os.WriteFile(filepath.Join(state, "session.json"), []byte(`{"id": "20261202-0a1b2c3d", "summary": "wikis",
		"started": "2026-12-02T09:00:00Z", "until": "2026-12-02T11:00:00Z", "repos": []}`), 0o600)
	if s, tr := deploy("1.2.0+1.0"); s != "20261202-0a1b2c3d" || tr != "Opsync-Session: 20261202-0a1b2c3d" {
		t.Errorf("the stored session is not on the entry: %q (%q)", s, tr)
	}
	// OPSYNC_SESSION, from the embedder's environment, wins
	vars["OPSYNC_SESSION"] = "ci-run-7"
	if s, tr := deploy("1.3.0+1.0"); s != "ci-run-7" || tr != "Opsync-Session: ci-run-7" {
		t.Errorf("OPSYNC_SESSION is not on the entry: %q (%q)", s, tr)
	}
	// and an invalid one is refused before the command runs
	vars["OPSYNC_SESSION"] = "no good"
	eng := opsync.New(opsync.Options{Dir: dir, Getenv: func(k string) string { return vars[k] }})
	defer eng.Close()
	plan, err := eng.PlanCommand(opsync.Command{Path: []string{"app", "deploy"}, Args: []string{"wiki.example.org"},
		ArgsLenAtDash: -1, Flags: map[string]string{"force": "true"}, AbraDir: abraDir})
	if err != nil {
		t.Fatal(err)
	}
	var oe *opsync.Error
	if err := plan.Before(context.Background()); err == nil || !errors.As(err, &oe) || oe.Code != opsync.ExitConfig {
		t.Errorf("an invalid OPSYNC_SESSION: %v", err)
	}
	// past its end, the stored session is not applied
	delete(vars, "OPSYNC_SESSION")
	now = now.Add(time.Hour)
	if s, _ := deploy("1.4.0+1.0"); s != "" {
		t.Errorf("an expired session is on the entry: %q", s)
	}
}
