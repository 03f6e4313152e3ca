package shim

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeOpsync writes an executable standing in for opsync.
func fakeOpsync(t *testing.T, dir string) string {
	t.Helper()
	p := filepath.Join(dir, "opsync")
	if err := os.WriteFile(p, []byte("#!/bin/sh\necho opsync\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestInstallReplacesOnlyABrokenLinkToOpsync(t *testing.T) {
	base := t.TempDir()
	self := fakeOpsync(t, base)
	dir := filepath.Join(base, "bin")
	os.MkdirAll(dir, 0o755)
	// A link to an opsync that was moved away.
	if err := os.Symlink(filepath.Join(base, "old", "opsync"), filepath.Join(dir, "abra")); err != nil {
		t.Fatal(err)
	}
	getenv := env(map[string]string{"PATH": dir})
	if r := Inspect(dir, self, getenv); r.State != "stale" {
		t.Fatalf("state %q, want stale", r.State)
	}
	changed, err := Install(dir, self, getenv)
	if err != nil || !changed {
		t.Fatalf("Install = %v, %v", changed, err)
	}
	if target, _ := os.Readlink(filepath.Join(dir, "abra")); target != self {
		t.Fatalf("link points at %q, want %q", target, self)
	}
	r := Inspect(dir, self, getenv)
	if r.State != "installed" || !r.Active || r.RealAbra != "" {
		t.Fatalf("after install: %+v", r)
	}
}

func TestInstallAndUninstallLeaveOtherProgramsAlone(t *testing.T) {
	base := t.TempDir()
	self := fakeOpsync(t, base)
	dir := filepath.Join(base, "bin")
	os.MkdirAll(dir, 0o755)
	real := filepath.Join(dir, "abra")
	os.WriteFile(real, []byte("#!/bin/sh\necho the real abra\n"), 0o755)
	getenv := env(map[string]string{"PATH": dir})
	if _, err := Install(dir, self, getenv); err == nil || !strings.Contains(err.Error(), "never replaces it") {
		t.Fatalf("Install over a real abra: %v", err)
	}
	if _, err := Uninstall(dir, self, getenv); err == nil {
		t.Fatal("Uninstall removed a real abra")
	}
	if b, _ := os.ReadFile(real); !strings.Contains(string(b), "the real abra") {
		t.Fatal("the real abra was changed")
	}
	// A copy of opsync counts as installed, but is not removed: opsync did
	// not make it.
	copyDir := filepath.Join(base, "copy")
	os.MkdirAll(copyDir, 0o755)
	b, _ := os.ReadFile(self)
	os.WriteFile(filepath.Join(copyDir, "abra"), b, 0o755)
	if changed, err := Install(copyDir, self, getenv); err != nil || changed {
		t.Fatalf("Install over a copy of opsync = %v, %v", changed, err)
	}
	if _, err := Uninstall(copyDir, self, getenv); err == nil || !strings.Contains(err.Error(), "copy of opsync") {
		t.Fatalf("Uninstall of a copy: %v", err)
	}
}

func TestInspectFindsWhatShadowsTheShim(t *testing.T) {
	base := t.TempDir()
	self := fakeOpsync(t, base)
	realDir, shimDir := filepath.Join(base, "real"), filepath.Join(base, "shim")
	os.MkdirAll(realDir, 0o755)
	os.WriteFile(filepath.Join(realDir, "abra"), []byte("#!/bin/sh\n"), 0o755)
	getenv := env(map[string]string{"PATH": realDir + string(filepath.ListSeparator) + shimDir})
	if _, err := Install(shimDir, self, getenv); err != nil {
		t.Fatal(err)
	}
	r := Inspect(shimDir, self, getenv)
	if r.Active || !r.OnPath || r.Shadowing != filepath.Join(realDir, "abra") {
		t.Fatalf("%+v", r)
	}
	getenv = env(map[string]string{"PATH": shimDir + string(filepath.ListSeparator) + realDir})
	r = Inspect(shimDir, self, getenv)
	if !r.Active || r.Shadowing != "" || r.RealAbra != filepath.Join(realDir, "abra") {
		t.Fatalf("%+v", r)
	}
}

func TestPathAdvice(t *testing.T) {
	for shell, want := range map[string]string{
		"/bin/bash":     "~/.bashrc, then open a new terminal (or run `hash -r`):\n    export PATH=\"$HOME/.local/bin:$PATH\"",
		"/usr/bin/zsh":  "~/.zshrc",
		"/usr/bin/fish": "set -gx PATH ~/.local/bin $PATH",
		"/bin/dash":     "~/.profile",
	} {
		got := PathAdvice("/home/a/.local/bin", env(map[string]string{"HOME": "/home/a", "SHELL": shell}))
		if !strings.Contains(got, want) {
			t.Errorf("%s: %q does not contain %q", shell, got, want)
		}
	}
	if got := PathAdvice("/opt/ops/bin", env(map[string]string{"HOME": "/home/a", "SHELL": "/bin/bash"})); !strings.Contains(got, `export PATH="/opt/ops/bin:$PATH"`) {
		t.Errorf("outside home: %q", got)
	}
}

func TestDir(t *testing.T) {
	getenv := env(map[string]string{"HOME": "/home/a"})
	for in, want := range map[string]string{"": "/home/a/.local/bin", "~/bin": "/home/a/bin", "/opt/x": "/opt/x"} {
		if got, err := Dir(in, getenv); err != nil || got != want {
			t.Errorf("Dir(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := Dir("", env(nil)); err == nil {
		t.Error("no HOME, no default: want an error")
	}
}
