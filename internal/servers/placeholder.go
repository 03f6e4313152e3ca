package servers

import (
	"errors"
	"os"
	"path/filepath"

	"coopcloud.tech/opsync/internal/fileutil"
)

// git keeps no empty directories: a server directory whose last app was
// removed, or one added with `abra server add` before any app, would vanish
// from every teammate's clone at the next pull (and `abra server ls` would
// no longer list it). A small tracked file keeps it. It sits in a
// subdirectory, since abra takes every regular file of a server directory
// for an app's env file (and lists only regular files), so a directory of
// opsync's is the one thing there abra never reads.
const (
	PlaceholderDir  = ".opsync"
	PlaceholderFile = "keep"
)

// PlaceholderRel is the placeholder of the server directory serverRel (a
// slash-separated path relative to the work tree).
func PlaceholderRel(serverRel string) string {
	return serverRel + "/" + PlaceholderDir + "/" + PlaceholderFile
}

const placeholderText = `This file keeps its server directory in the shared servers repository when
the directory holds no app env file (git keeps no empty directories). abra
does not read it. Written by opsync; remove the server directory to remove it.
`

// WritePlaceholder writes the placeholder of the server directory at real
// unless it is there already; it reports whether it wrote it.
func WritePlaceholder(real string) (bool, error) {
	dir := filepath.Join(real, PlaceholderDir)
	path := filepath.Join(dir, PlaceholderFile)
	if _, err := os.Lstat(path); err == nil {
		return false, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return false, err
	}
	if fi, err := os.Stat(real); errors.Is(err, os.ErrNotExist) || err == nil && !fi.IsDir() {
		return false, nil // the server directory itself is gone: nothing to keep
	} else if err != nil {
		return false, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return false, err
	}
	if err := fileutil.WriteAtomic(path, []byte(placeholderText), 0o644); err != nil {
		return false, err
	}
	return true, nil
}
