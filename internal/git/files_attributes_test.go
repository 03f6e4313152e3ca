package git

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

func TestAttributesFile(t *testing.T) {
	home := t.TempDir()
	dir := t.TempDir()
	if out, err := exec.Command("git", "init", "-q", dir).CombinedOutput(); err != nil {
		t.Fatalf("%v %s", err, out)
	}
	r, err := FindRepo(dir)
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"HOME": home, "GIT_CONFIG_NOSYSTEM": "1"}
	getenv := func(k string) string { return env[k] }
	c := &Client{Dir: dir, Env: []string{"HOME=" + home, "GIT_CONFIG_NOSYSTEM=1"}}
	get := func() string {
		t.Helper()
		p, err := r.AttributesFile(context.Background(), c, getenv)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	if p := get(); p != filepath.Join(home, ".config/git/attributes") {
		t.Errorf("default: %s", p)
	}
	env["XDG_CONFIG_HOME"] = filepath.Join(home, "xdg")
	if p := get(); p != filepath.Join(home, "xdg/git/attributes") {
		t.Errorf("XDG default: %s", p)
	}
	os.WriteFile(filepath.Join(home, ".gitconfig"), []byte("[core]\n\tattributesFile = ~/attrs\n"), 0o644)
	if p := get(); p != filepath.Join(home, "attrs") {
		t.Errorf("global: %s", p)
	}
	// The repository's own setting wins.
	os.WriteFile(filepath.Join(r.CommonDir, "config"), []byte("[core]\n\tattributesfile = /etc/local-attrs\n"), 0o644)
	if p := get(); p != "/etc/local-attrs" {
		t.Errorf("local: %s", p)
	}
	// With an include, git itself is asked, and agrees.
	os.WriteFile(filepath.Join(home, "inc"), []byte("[core]\n\tattributesFile = /from/include\n"), 0o644)
	os.WriteFile(filepath.Join(r.CommonDir, "config"), []byte("[include]\n\tpath = "+filepath.Join(home, "inc")+"\n"), 0o644)
	if p := get(); p != "/from/include" {
		t.Errorf("include: %s", p)
	}
}
