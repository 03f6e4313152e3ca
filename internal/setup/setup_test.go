package setup

import (
	"errors"
	"strings"
	"testing"
)

func TestDefaultBranch(t *testing.T) {
	for _, tt := range []struct {
		name  string
		rs    remoteState
		want  string
		error string
	}{
		{"HEAD names a branch", remoteState{heads: map[string]string{"main": "a", "trunk": "b"}, head: "trunk"}, "trunk", ""},
		{"HEAD unknown, main there", remoteState{heads: map[string]string{"main": "a", "x": "b"}}, "main", ""},
		{"HEAD points at a missing branch, master there", remoteState{heads: map[string]string{"master": "a", "x": "b"}, head: "main"}, "master", ""},
		{"one branch", remoteState{heads: map[string]string{"ops": "a"}}, "ops", ""},
		{"several, none default", remoteState{heads: map[string]string{"a": "1", "b": "2"}}, "", "several branches (a, b)"},
		{"HEAD points at a missing branch, only main there", remoteState{heads: map[string]string{"main": "a"}, head: "master"}, "main", ""},
		{"HEAD points at a missing branch, main and master both there", remoteState{heads: map[string]string{"main": "a", "master": "b"}, head: "trunk"}, "", "several branches (main, master)"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.rs.defaultBranch("URL")
			if tt.error != "" {
				if err == nil || !strings.Contains(err.Error(), tt.error) {
					t.Fatalf("err = %v, want one saying %q", err, tt.error)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("defaultBranch = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestRedactRemovesTheSecretFromErrors(t *testing.T) {
	r := &run{url: "https://alice:t0k3n@git.example.org/coop/ops.git"}
	err := r.redact(errors.New("git ls-remote https://alice:t0k3n@git.example.org/coop/ops.git failed; t0k3n again"))
	if strings.Contains(err.Error(), "t0k3n") {
		t.Fatalf("secret left in %q", err)
	}
	if !strings.Contains(err.Error(), "https://<redacted>@git.example.org/coop/ops.git") {
		t.Fatalf("URL not redacted in %q", err)
	}
	// a token as the user name, in git's messages
	r.url = "https://SECRETTOKEN@git.example.org/coop/ops.git"
	err = r.redact(errors.New("git ls-remote -- https://SECRETTOKEN@git.example.org/coop/ops.git failed:\n    fatal: unable to access 'https://SECRETTOKEN@git.example.org/coop/ops.git/': 403"))
	if strings.Contains(err.Error(), "SECRETTOKEN") {
		t.Fatalf("token left in %q", err)
	}
	r.url = "git@git.example.org:coop/ops.git"
	plain := errors.New("x")
	if got := r.redact(plain); got != plain {
		t.Fatalf("an error without secrets was changed: %v", got)
	}
}

func TestSameURL(t *testing.T) {
	if !sameURL("https://h/x.git/", "https://h/x.git") || sameURL("h:x.git", "h:y.git") {
		t.Fatal("sameURL")
	}
}
