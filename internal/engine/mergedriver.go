package engine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"coopcloud.tech/opsync/internal/fileutil"
	"coopcloud.tech/opsync/internal/git"
)

// MergeDriverName is the name opsync's env-aware merge driver has in git's
// configuration (merge.opsync-env.*) and attributes (merge=opsync-env).
const MergeDriverName = "opsync-env"

// MergeDriverAttribute is the attributes line that sends env files to it.
const MergeDriverAttribute = "*.env merge=" + MergeDriverName

const mergeDriverTitle = "opsync env-aware merge"

// MergeDriverCommand is the git merge driver command line for the opsync
// program at exe (an absolute path, quoted for the shell git runs it
// with). OPSYNC_NOT_SHIM makes the program act as opsync even when exe
// is the shim under the name abra.
func MergeDriverCommand(exe string) string {
	return "OPSYNC_NOT_SHIM=1 " + shellQuote(exe) + " merge-driver %O %A %B %P"
}

// RecordedMergeDriverCommand is the merge driver command opsync init records
// in a clone's own git config, for the `git pull`s an operator types by
// hand. Unlike MergeDriverCommand (the running program, by path, which
// opsync's own pulls pass), it finds opsync by name on PATH when git runs
// it, so a reinstall elsewhere does not break it; and when there is no
// opsync on PATH it falls back to git's own line merge (git merge-file),
// which leaves conflict markers. A driver that cannot run at all makes git
// keep our side without markers: the teammate's change silently missing.
func RecordedMergeDriverCommand() string {
	return recordedDriverScript + " opsync-merge-driver %O %A %B %P"
}

// recordedDriverScript: $1 base, $2 ours (the result), $3 theirs, $4 path.
const recordedDriverScript = `sh -c 'if command -v opsync >/dev/null 2>&1; then OPSYNC_NOT_SHIM=1 exec opsync merge-driver "$@"; fi; ` +
	`exec git merge-file -L ours -L base -L theirs "$2" "$1" "$3"'`

// RecordedByName reports whether a merge driver command from a clone's
// config is the one RecordedMergeDriverCommand records (an older opsync
// recorded its own path, which breaks when opsync moves).
func RecordedByName(driver string) bool { return driver == RecordedMergeDriverCommand() }

func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// mergeConfig prepares the git -c settings opsync's pulls carry so that
// env files merge by key with no set-up: the driver's definition, and an
// attributes file naming it for *.env. git reads only one
// core.attributesFile, so the file opsync points it at (in opsync's
// directory in the git dir) starts with opsync's line and then holds a
// copy of the operator's own attributes file: their settings still apply,
// and, coming later, win over opsync's. The work tree's .gitattributes and
// $GIT_DIR/info/attributes are read by git as always and win over both.
func (r *repo) mergeConfig(ctx context.Context) []string {
	driver := r.e.o.MergeDriver
	if driver == "" {
		return nil
	}
	path := filepath.Join(r.r.OpsyncDir(), "attributes")
	theirs, err := r.r.AttributesFile(ctx, r.c, r.e.o.Getenv)
	if err != nil {
		r.e.warn("cannot read your git configuration for core.attributesFile (%v); env files merge line by line this time", err)
		return nil
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "# Written by opsync for its own pulls (git -c core.attributesFile=<this file>).\n"+
		"# Env files merge by key with opsync's merge driver:\n%s\n", MergeDriverAttribute)
	if theirs != "" {
		content, err := os.ReadFile(theirs)
		switch {
		case err == nil:
			fmt.Fprintf(&b, "# A copy of your own attributes file, %s, so that it still applies:\n", theirs)
			b.Write(content)
			if len(content) > 0 && content[len(content)-1] != '\n' {
				b.WriteByte('\n')
			}
		case !errors.Is(err, os.ErrNotExist):
			r.e.warn("cannot read your git attributes file %s (%v); env files merge line by line this time", theirs, err)
			return nil
		}
	}
	if old, err := os.ReadFile(path); err != nil || !bytes.Equal(old, b.Bytes()) {
		if err := fileutil.WriteAtomic(path, b.Bytes(), 0o644); err != nil {
			r.e.warn("cannot write %s (%v); env files merge line by line this time", path, err)
			return nil
		}
	}
	return []string{
		"merge." + MergeDriverName + ".name=" + mergeDriverTitle,
		"merge." + MergeDriverName + ".driver=" + driver,
		"core.attributesFile=" + path,
	}
}

// InstallMergeDriver records opsync's merge driver in a work tree, for the
// `git pull`s an operator types by hand (opsync's own pulls pass it on the
// command line and need none of this): it appends the attributes line to
// the work tree's .gitattributes unless it is there (the rest of the file
// is kept as it is), and sets merge.opsync-env.name and .driver in the
// repository's own config (never the global one). driver is
// MergeDriverCommand's result. It reports whether .gitattributes changed,
// so the caller can commit it.
func InstallMergeDriver(ctx context.Context, workTree, driver string) (changed bool, err error) {
	path := filepath.Join(workTree, ".gitattributes")
	old, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return false, err
	}
	if !hasLine(old, MergeDriverAttribute) {
		content := append([]byte(nil), old...)
		if len(content) > 0 && content[len(content)-1] != '\n' {
			content = append(content, '\n')
		}
		content = append(content, MergeDriverAttribute+"\n"...)
		mode := os.FileMode(0o644)
		if fi, err := os.Stat(path); err == nil {
			mode = fi.Mode().Perm()
		}
		if err := fileutil.WriteAtomic(path, content, mode); err != nil {
			return false, err
		}
		changed = true
	}
	c := &git.Client{Dir: workTree}
	for _, kv := range [][2]string{
		{"merge." + MergeDriverName + ".name", mergeDriverTitle},
		{"merge." + MergeDriverName + ".driver", driver},
	} {
		if err := c.SetLocalConfig(ctx, kv[0], kv[1]); err != nil {
			return changed, err
		}
	}
	return changed, nil
}

func hasLine(content []byte, want string) bool {
	for _, l := range strings.Split(string(content), "\n") {
		if strings.Join(strings.Fields(l), " ") == want {
			return true
		}
	}
	return false
}
