package git_test

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"coopcloud.tech/opsync/internal/git"
)

// configText exercises the syntax git accepts in a config file.
const configText = `# a comment
; another comment
[core]
	repositoryformatversion = 0
	bare = false
	Editor = vim   ; trailing comment
[remote "origin"]
	url = git@example.org:ops/servers.git
	fetch = +refs/heads/*:refs/remotes/origin/*
[remote "With \"Quotes\" and \\ back"]
	url = "/srv/git/with # hash;and semi.git" # a comment after
[Remote "Upper"]
	URL = https://example.org/Upper.git
[branch "main"]
	remote = origin
	merge = refs/heads/main
[branch "feature/X"]
	remote = Upper
	merge = refs/heads/feature/X
[remote.Old]
	url = old-syntax
[x]
	escaped = "tab\there \"q\" back\\slash"
	continued = one \
two
	continued-indented = "quoted" \
	two
	boolkey
	empty =
	inner = a#b
	quoted-hash = "a#b" ; comment
	spaced = a   b
	multi = first
	multi = second
	semi = "x;y"
[remote "multi"] url = inline-after-header
`

func TestParseConfigFileAgreesWithGit(t *testing.T) {
	path := filepath.Join(tempDir(t), "config")
	write(t, path, configText)
	cfg, err := git.ParseConfigFile(path)
	if err != nil {
		t.Fatal(err)
	}
	keys := []string{
		"core.repositoryformatversion", "core.bare", "core.editor",
		"remote.origin.url", "remote.origin.fetch",
		`remote.With "Quotes" and \ back.url`,
		"remote.Upper.url",
		"branch.main.remote", "branch.main.merge",
		"branch.feature/X.remote", "branch.feature/X.merge",
		"remote.old.url",
		"x.escaped", "x.continued", "x.continued-indented", "x.boolkey", "x.empty", "x.inner", "x.quoted-hash", "x.spaced", "x.multi", "x.semi",
		"remote.multi.url",
	}
	c := &git.Client{}
	for _, k := range keys {
		want, err := c.Run(ctx, "config", "-f", path, "--get", k)
		if err != nil {
			t.Fatalf("git config --get %s: %v", k, err)
		}
		want = strings.TrimSuffix(want, "\n")
		if k == "x.boolkey" {
			want = "true" // git prints nothing for a key without "="; it means true
		}
		if got := cfg.Get(k); got != want {
			t.Errorf("Get(%q) = %q, git says %q", k, got, want)
		}
	}
	if cfg.Includes {
		t.Error("Includes set for a file without include sections")
	}
	wantRemotes := []string{"Upper", `With "Quotes" and \ back`, "multi", "old", "origin"}
	if got := cfg.Remotes(); !reflect.DeepEqual(got, wantRemotes) {
		t.Errorf("Remotes() = %q, want %q", got, wantRemotes)
	}
	if r, m := cfg.Upstream("main"); r != "origin" || m != "refs/heads/main" {
		t.Errorf("Upstream(main) = %q, %q", r, m)
	}
	if r, m := cfg.Upstream("feature/X"); r != "Upper" || m != "refs/heads/feature/X" {
		t.Errorf("Upstream(feature/X) = %q, %q", r, m)
	}
	if r, m := cfg.Upstream("feature/x"); r != "" || m != "" {
		t.Errorf("Upstream(feature/x) = %q, %q; branch names are case-sensitive", r, m)
	}
	if got := cfg.Get("no.such.key"); got != "" {
		t.Errorf("Get(no.such.key) = %q", got)
	}
}

func TestParseConfigFileIncludes(t *testing.T) {
	for _, text := range []string{
		"[include]\n\tpath = extra.inc\n",
		"[core]\n\tbare = false\n[includeIf \"gitdir:/srv/\"]\n\tpath = extra.inc\n",
		"[Include]\n\tpath = extra.inc\n",
	} {
		path := filepath.Join(tempDir(t), "config")
		write(t, path, text)
		cfg, err := git.ParseConfigFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !cfg.Includes {
			t.Errorf("Includes not set for %q", text)
		}
	}
}

func TestParseConfigFileMissing(t *testing.T) {
	cfg, err := git.ParseConfigFile(filepath.Join(tempDir(t), "nope"))
	if err != nil || cfg.Get("remote.origin.url") != "" || len(cfg.Remotes()) != 0 {
		t.Errorf("missing file: %+v, %v; want an empty config", cfg, err)
	}
}

// LoadConfig reads .git/config itself; when the file includes another, it
// asks git, which follows the include.
func TestLoadConfigFollowsIncludesThroughGit(t *testing.T) {
	tm := newTeam(t, nil)
	r := findRepo(t, tm.bob)
	write(t, filepath.Join(r.GitDir, "operator-remotes.inc"),
		"[remote \"ops\"]\n\turl = /srv/ops.git\n[branch \"main\"]\n\tremote = ops\n\tmerge = refs/heads/operator-log\n")

	var calls [][]string
	c := &git.Client{Dir: tm.bob, Trace: func(args []string) { calls = append(calls, args) }}
	cfg, err := r.LoadConfig(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	if len(calls) != 0 {
		t.Errorf("LoadConfig without includes ran git: %q", calls)
	}
	if got := cfg.Remotes(); !reflect.DeepEqual(got, []string{"origin"}) {
		t.Errorf("Remotes() = %q before the include", got)
	}

	run(t, tm.bob, "config", "--local", "include.path", "operator-remotes.inc")
	cfg, err = r.LoadConfig(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	if len(calls) != 1 {
		t.Errorf("LoadConfig with an include ran %d git processes, want 1: %q", len(calls), calls)
	}
	if got := cfg.Remotes(); !reflect.DeepEqual(got, []string{"ops", "origin"}) {
		t.Errorf("Remotes() = %q, want the included remote too", got)
	}
	if got := cfg.Get("remote.ops.url"); got != "/srv/ops.git" {
		t.Errorf("remote.ops.url = %q", got)
	}
	// The include comes after the file's own [branch "main"]: git's last
	// value wins, as git itself would use it.
	if rm, m := cfg.Upstream("main"); rm != "ops" || m != "refs/heads/operator-log" {
		t.Errorf("Upstream(main) = %q, %q; want ops, refs/heads/operator-log", rm, m)
	}

	// Without a client, only the file itself is read.
	cfg, err = r.LoadConfig(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !cfg.Includes || !reflect.DeepEqual(cfg.Remotes(), []string{"origin"}) {
		t.Errorf("LoadConfig(nil client): includes %v, remotes %q", cfg.Includes, cfg.Remotes())
	}
}

// A repository whose config has an include but no remote at all: git
// config exits 1 (no key matched), which is not an error.
func TestLoadConfigIncludeWithoutRemotes(t *testing.T) {
	dir := newRepo(t, nil)
	r := findRepo(t, dir)
	write(t, filepath.Join(r.GitDir, "empty.inc"), "[core]\n\tautocrlf = false\n")
	run(t, dir, "config", "--local", "include.path", "empty.inc")
	cfg, err := r.LoadConfig(ctx, client(dir))
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Remotes()) != 0 {
		t.Errorf("Remotes() = %q, want none", cfg.Remotes())
	}
}
