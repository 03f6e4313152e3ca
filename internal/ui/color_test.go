package ui

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

func env(kv map[string]string) func(string) string {
	return func(k string) string { return kv[k] }
}

func TestUseColorExplicitModesWinOverEnvironment(t *testing.T) {
	var buf bytes.Buffer
	on, err := UseColor(&buf, "always", env(map[string]string{"NO_COLOR": "1"}))
	if err != nil || !on {
		t.Errorf(`"always" with NO_COLOR: got %v, %v; want colour`, on, err)
	}
	on, err = UseColor(&buf, "never", env(nil))
	if err != nil || on {
		t.Errorf(`"never": got %v, %v; want no colour`, on, err)
	}
	if _, err := UseColor(&buf, "sometimes", env(nil)); err == nil {
		t.Error(`"sometimes" was accepted`)
	}
}

func TestUseColorAutoNeverColoursPipesOrFiles(t *testing.T) {
	var buf bytes.Buffer
	if on, _ := UseColor(&buf, "auto", env(nil)); on {
		t.Error("a buffer got colour")
	}
	f, err := os.Create(filepath.Join(t.TempDir(), "out"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if on, _ := UseColor(f, "auto", env(nil)); on {
		t.Error("a regular file got colour")
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	if on, _ := UseColor(w, "auto", env(nil)); on {
		t.Error("a pipe got colour")
	}
	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer null.Close()
	if on, _ := UseColor(null, "auto", env(nil)); on {
		t.Error("/dev/null got colour")
	}
}

func TestPalette(t *testing.T) {
	off := Palette{}
	if got := off.Bad("failed"); got != "failed" {
		t.Errorf("off palette changed the text: %q", got)
	}
	on := Palette{On: true}
	if got := on.Bad("failed"); got != "\x1b[31mfailed\x1b[0m" {
		t.Errorf("Bad: %q", got)
	}
	if got := on.Good(""); got != "" {
		t.Errorf("empty text got escape codes: %q", got)
	}
}
