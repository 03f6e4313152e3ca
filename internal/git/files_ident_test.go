package git

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The identity read from the files is exactly the one git itself reports,
// in every set-up where it is read; in the others git is asked.
func TestIdentFromFilesAgreesWithGit(t *testing.T) {
	cases := []struct {
		name   string
		global string // ~/.gitconfig
		xdg    string // $XDG_CONFIG_HOME/git/config
		local  string // appended to .git/config
		env    []string
		// fromFiles: the identity can be read without git.
		fromFiles bool
	}{
		{name: "global user", global: "[user]\n\tname = Alice Operator\n\temail = alice@example.org\n", fromFiles: true},
		{name: "xdg user", xdg: "[user]\n\tname = Xavier\n\temail = x@example.org\n", fromFiles: true},
		{name: "global beats xdg", xdg: "[user]\n\tname = Xavier\n\temail = x@example.org\n",
			global: "[user]\n\tname = Gina\n", fromFiles: true},
		{name: "local beats global", global: "[user]\n\tname = Alice\n\temail = alice@example.org\n",
			local: "[user]\n\temail = alice@work.example.org\n", fromFiles: true},
		{name: "author.* beats user.*", global: "[user]\n\tname = Alice\n\temail = a@example.org\n[author]\n\tname = Ally\n",
			fromFiles: true},
		{name: "environment beats config", global: "[user]\n\tname = Alice\n\temail = a@example.org\n",
			env: []string{"GIT_AUTHOR_NAME=Bob", "GIT_AUTHOR_EMAIL=bob@example.org"}, fromFiles: true},
		{name: "environment only", env: []string{"GIT_AUTHOR_NAME=Bob", "GIT_AUTHOR_EMAIL=bob@example.org",
			"GIT_COMMITTER_NAME=Bob", "GIT_COMMITTER_EMAIL=bob@example.org"}, fromFiles: true},
		{name: "crud trimmed", global: "[user]\n\tname = \" Alice O. \"\n\temail = <alice@example.org>;\n", fromFiles: true},
		{name: "quoted and commented", global: "[user]\n\tname = \"Alice ; Operator\" # me\n\temail = alice@example.org\n", fromFiles: true},
		{name: "GIT_CONFIG_GLOBAL", env: []string{"GIT_CONFIG_GLOBAL=GLOBALFILE"},
			global: "[user]\n\tname = Ignored\n\temail = ignored@example.org\n", fromFiles: true},

		// git is asked:
		{name: "include", global: "[include]\n\tpath = other\n[user]\n\tname = Alice\n\temail = a@example.org\n"},
		{name: "includeIf", global: "[user]\n\tname = Alice\n\temail = a@example.org\n[includeIf \"gitdir:/nowhere/\"]\n\tpath = other\n"},
		{name: "committer not explicit", env: []string{"GIT_AUTHOR_NAME=Bob", "GIT_AUTHOR_EMAIL=bob@example.org"}},
		{name: "email guessed", global: "[user]\n\tname = Alice\n"},
		{name: "config from the environment", global: "[user]\n\tname = Alice\n\temail = a@example.org\n",
			env: []string{"GIT_CONFIG_COUNT=1", "GIT_CONFIG_KEY_0=user.name", "GIT_CONFIG_VALUE_0=Carol"}},
		{name: "empty variable", global: "[user]\n\tname = Alice\n\temail = a@example.org\n", env: []string{"GIT_AUTHOR_NAME="}},
		{name: "EMAIL variable", global: "[user]\n\tname = Alice\n", env: []string{"EMAIL=alice@example.org"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			base := t.TempDir()
			home := filepath.Join(base, "home")
			xdg := filepath.Join(base, "xdg")
			repo := filepath.Join(base, "repo")
			for _, d := range []string{home, filepath.Join(xdg, "git"), repo} {
				if err := os.MkdirAll(d, 0o755); err != nil {
					t.Fatal(err)
				}
			}
			env := []string{"HOME=" + home, "XDG_CONFIG_HOME=" + xdg, "GIT_CONFIG_NOSYSTEM=1", "EMAIL="}
			for _, kv := range tc.env {
				env = append(env, strings.ReplaceAll(kv, "GLOBALFILE", filepath.Join(base, "global-elsewhere")))
			}
			if tc.name == "GIT_CONFIG_GLOBAL" {
				write(t, filepath.Join(base, "global-elsewhere"), "[user]\n\tname = Elsewhere\n\temail = e@example.org\n")
			}
			write(t, filepath.Join(home, ".gitconfig"), tc.global)
			write(t, filepath.Join(xdg, "git", "config"), tc.xdg)
			gitIn(t, repo, env, "init", "-q")
			if tc.local != "" {
				f, err := os.OpenFile(filepath.Join(repo, ".git", "config"), os.O_APPEND|os.O_WRONLY, 0)
				if err != nil {
					t.Fatal(err)
				}
				f.WriteString(tc.local)
				f.Close()
			}
			c := &Client{Dir: repo, Env: env}
			got, ok := c.identFromFiles()
			if ok != tc.fromFiles {
				t.Fatalf("read from the files: %v (%q), want %v", ok, got, tc.fromFiles)
			}
			want, err := c.run(context.Background(), "var", "GIT_AUTHOR_IDENT")
			if !ok {
				return
			}
			if err != nil {
				t.Fatalf("identity %q read from the files, but git has none: %v", got, err)
			}
			want = strings.TrimSpace(want)
			want = want[:strings.LastIndex(want, ">")+1]
			if got != want {
				t.Errorf("identity from the files %q, git says %q", got, want)
			}
			if id, err := c.Ident(context.Background()); err != nil || id != want {
				t.Errorf("Ident = %q, %v; want %q", id, err, want)
			}
		})
	}
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func gitIn(t *testing.T, dir string, env []string, args ...string) {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
}

func TestWithoutCrud(t *testing.T) {
	for in, want := range map[string]string{
		"Alice":             "Alice",
		"  Alice O.  ":      "Alice O",
		"<a@example.org>":   "a@example.org",
		"\"Alice\";":        "Alice",
		"Al<i>ce":           "Alice",
		"Ålice Ōperator.,:": "Ålice Ōperator",
		"...":               "",
	} {
		if got := withoutCrud(in); got != want {
			t.Errorf("withoutCrud(%q) = %q, want %q", in, got, want)
		}
	}
}
