// Package shim puts opsync in front of abra: a symbolic link named abra,
// pointing at opsync, in a directory that comes before the real abra's on
// PATH. Invoked under that name, opsync is the wrapper, so operators keep
// typing `abra app …`. The shim never replaces a real abra: it only ever
// creates, and removes, a link to opsync.
package shim

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"coopcloud.tech/opsync/internal/abra"
)

// DefaultDir is where the shim goes unless told otherwise, relative to the
// home directory: the per-user bin directory most distributions put on PATH.
const DefaultDir = ".local/bin"

// FallbackDir is the shim's directory, relative to the home directory, when
// DefaultDir holds the real abra (abra's own installer puts it there): a
// directory of opsync's own, which then must come first on PATH.
const FallbackDir = ".local/share/opsync/bin"

// Dir returns the shim directory: dir if given, else the default for this
// machine (DefaultFor).
func Dir(dir string, getenv func(string) string) (string, error) {
	if dir == "" {
		home := getenv("HOME")
		if home == "" {
			return "", errors.New("$HOME is not set, so there is no default shim directory; give one with --dir")
		}
		self, _ := Self()
		return DefaultFor(home, self, getenv), nil
	}
	if dir == "~" || strings.HasPrefix(dir, "~/") {
		dir = filepath.Join(getenv("HOME"), dir[1:])
	}
	return filepath.Abs(dir)
}

// DefaultFor chooses the shim directory when none is given: ~/.local/bin,
// unless the real abra is there (abra's installer puts it there, and the
// shim can never replace it). Then, a directory of the operator's on PATH
// before the real abra's that has no abra of its own, or else FallbackDir,
// which the operator then puts first on PATH. A shim installed already is
// found where it is.
func DefaultFor(home, self string, getenv func(string) string) string {
	local := filepath.Join(home, DefaultDir)
	if r := Inspect(local, self, getenv); r.State != "other" {
		if fr := Inspect(filepath.Join(home, FallbackDir), self, getenv); fr.State == "installed" && r.State != "installed" {
			return fr.Dir
		}
		return local
	}
	for _, d := range filepath.SplitList(getenv("PATH")) {
		ad, err := filepath.Abs(d)
		if err != nil || ad == local {
			break // the real abra's directory: anything later would not come first
		}
		if rel, err := filepath.Rel(home, ad); err != nil || strings.HasPrefix(rel, "..") || rel == "." {
			continue // only directories of the operator's own
		}
		if r := Inspect(ad, self, getenv); r.State != "other" && writableDir(ad) {
			return ad
		}
	}
	return filepath.Join(home, FallbackDir)
}

func writableDir(d string) bool {
	f, err := os.CreateTemp(d, ".opsync-probe-")
	if err != nil {
		return false
	}
	f.Close()
	os.Remove(f.Name())
	return true
}

// Self is opsync's own program, symlinks resolved: what the shim links to.
func Self() (string, error) {
	p, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("cannot tell where the opsync program is: %v", err)
	}
	if rp, err := filepath.EvalSymlinks(p); err == nil {
		p = rp
	}
	return p, nil
}

// Report is the state of the shim in one directory and of PATH.
type Report struct {
	Dir  string // the shim directory
	Link string // Dir/abra
	// What Link is: "installed" (a link to opsync), "copy" (a copy of
	// opsync), "absent", "stale" (a link to an opsync that is gone) or
	// "other" (something else: a real abra, or another program).
	State  string
	Target string // where Link points, when it is a link

	OnPath    bool   // Dir is on PATH
	FirstAbra string // the first abra on PATH, "" when none
	// Active: running `abra` runs opsync (the first abra on PATH is opsync).
	Active bool
	// RealAbra is the first abra on PATH that is not opsync: the one the
	// wrapper runs. "" when there is none.
	RealAbra string
	// Shadowing is the real abra that comes before Dir on PATH, "" when
	// none does.
	Shadowing string
}

// Inspect looks at the shim in dir and at PATH.
func Inspect(dir, self string, getenv func(string) string) Report {
	r := Report{Dir: dir, Link: filepath.Join(dir, "abra"), State: "absent"}
	if fi, err := os.Lstat(r.Link); err == nil {
		if fi.Mode()&os.ModeSymlink != 0 {
			r.Target, _ = os.Readlink(r.Link)
		}
		switch {
		case abra.SameProgram(r.Link, self) && r.Target != "":
			r.State = "installed"
		case abra.SameProgram(r.Link, self):
			r.State = "copy"
		case r.Target != "" && isDangling(r.Link) && filepath.Base(r.Target) == "opsync":
			r.State = "stale"
		default:
			r.State = "other"
		}
	}
	for _, d := range filepath.SplitList(getenv("PATH")) {
		if d == "" {
			d = "."
		}
		ad, _ := filepath.Abs(d)
		if ad == dir {
			r.OnPath = true
		}
		p := filepath.Join(d, "abra")
		if !isExecutable(p) {
			continue
		}
		isOpsync := abra.SameProgram(p, self)
		if r.FirstAbra == "" {
			r.FirstAbra = p
			r.Active = isOpsync
		}
		if !isOpsync && r.RealAbra == "" {
			r.RealAbra = p
			if !r.OnPath {
				r.Shadowing = p
			}
		}
	}
	return r
}

func isDangling(p string) bool {
	_, err := os.Stat(p)
	return errors.Is(err, os.ErrNotExist)
}

func isExecutable(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0
}

// Install links dir/abra to self. It reports whether it changed anything;
// it refuses when dir/abra is anything but opsync.
func Install(dir, self string, getenv func(string) string) (changed bool, err error) {
	r := Inspect(dir, self, getenv)
	switch r.State {
	case "installed", "copy":
		return false, nil
	case "other":
		what := "a program that is not opsync (perhaps the real abra)"
		if r.Target != "" {
			what = "a link to " + r.Target + ", which is not opsync"
		}
		return false, fmt.Errorf("%s already exists: it is %s, and opsync never replaces it. Install the shim into another "+
			"directory that comes before %s on PATH: opsync shim install --dir DIR", r.Link, what, dir)
	case "stale":
		// A link to an opsync that was moved or removed: ours, and broken.
		if err := os.Remove(r.Link); err != nil {
			return false, fmt.Errorf("cannot replace the broken link %s: %v", r.Link, err)
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return false, fmt.Errorf("cannot create %s: %v", dir, err)
	}
	if err := os.Symlink(self, r.Link); err != nil {
		return false, fmt.Errorf("cannot create the link %s: %v", r.Link, err)
	}
	return true, nil
}

// Uninstall removes dir/abra when it is a link to opsync (or a broken link
// to an opsync). It refuses to remove anything else.
func Uninstall(dir, self string, getenv func(string) string) (changed bool, err error) {
	r := Inspect(dir, self, getenv)
	switch r.State {
	case "absent":
		return false, nil
	case "copy":
		return false, fmt.Errorf("%s is a copy of opsync, not a link that opsync shim install made; remove it yourself if "+
			"you want it gone: rm %s", r.Link, r.Link)
	case "other":
		return false, fmt.Errorf("%s is not opsync (it may be the real abra), so opsync leaves it alone", r.Link)
	}
	if err := os.Remove(r.Link); err != nil {
		return false, fmt.Errorf("cannot remove %s: %v", r.Link, err)
	}
	return true, nil
}

// PathAdvice tells the operator exactly what to add to their shell's
// start-up file so that dir comes first on PATH.
func PathAdvice(dir string, getenv func(string) string) string {
	home := getenv("HOME")
	shown := dir
	if rel, err := filepath.Rel(home, dir); home != "" && err == nil && !strings.HasPrefix(rel, "..") {
		shown = "$HOME/" + rel
	}
	shell := filepath.Base(getenv("SHELL"))
	switch shell {
	case "fish":
		return fmt.Sprintf("add this line to ~/.config/fish/config.fish, then open a new terminal:\n"+
			"    set -gx PATH %s $PATH", strings.Replace(shown, "$HOME", "~", 1))
	case "zsh":
		return fmt.Sprintf("add this line at the end of ~/.zshrc, then open a new terminal (or run `rehash`):\n"+
			"    export PATH=\"%s:$PATH\"", shown)
	case "bash":
		return fmt.Sprintf("add this line at the end of ~/.bashrc, then open a new terminal (or run `hash -r`):\n"+
			"    export PATH=\"%s:$PATH\"", shown)
	}
	return fmt.Sprintf("add this line at the end of your shell's start-up file (~/.profile for sh), then open a new terminal:\n"+
		"    export PATH=\"%s:$PATH\"", shown)
}
