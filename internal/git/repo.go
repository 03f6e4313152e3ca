package git

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Repo is a git work tree found without running git: the cooldown path of a
// read-only command must not start a single process, so the few facts it
// needs (where the git directory is, which branch is checked out, whether a
// merge is in progress) are read from the files git keeps.
type Repo struct {
	WorkTree  string // top of the work tree, symlinks resolved
	GitDir    string // this work tree's git directory (.git, or .git/worktrees/x)
	CommonDir string // the shared git directory (== GitDir unless a linked worktree)
}

// ErrNotRepo means a directory is not inside a git work tree.
var ErrNotRepo = errors.New("not inside a git work tree")

// FindRepo finds the work tree that contains dir, walking up to the root.
// dir should have its symlinks resolved already. A bare repository, or a
// .git directory itself, is not a work tree.
func FindRepo(dir string) (*Repo, error) {
	dir = filepath.Clean(dir)
	for d := dir; ; {
		if filepath.Base(d) == ".git" {
			return nil, ErrNotRepo
		}
		dotgit := filepath.Join(d, ".git")
		if fi, err := os.Stat(dotgit); err == nil {
			r, err := repoAt(d, dotgit, fi)
			if err != nil {
				return nil, err
			}
			if r != nil {
				return r, nil
			}
		}
		parent := filepath.Dir(d)
		if parent == d {
			return nil, ErrNotRepo
		}
		d = parent
	}
}

func repoAt(top, dotgit string, fi os.FileInfo) (*Repo, error) {
	gitdir := dotgit
	if !fi.IsDir() {
		// A "gitdir: <path>" file: linked worktree or submodule.
		b, err := os.ReadFile(dotgit)
		if err != nil {
			return nil, err
		}
		line := strings.TrimSpace(string(b))
		p, ok := strings.CutPrefix(line, "gitdir:")
		if !ok {
			return nil, fmt.Errorf("%s is not a git directory link (no gitdir: line)", dotgit)
		}
		p = strings.TrimSpace(p)
		if !filepath.IsAbs(p) {
			p = filepath.Join(top, p)
		}
		gitdir = filepath.Clean(p)
	}
	if _, err := os.Stat(filepath.Join(gitdir, "HEAD")); err != nil {
		return nil, nil // not a git directory after all; keep walking up
	}
	common := gitdir
	if b, err := os.ReadFile(filepath.Join(gitdir, "commondir")); err == nil {
		c := strings.TrimSpace(string(b))
		if !filepath.IsAbs(c) {
			c = filepath.Join(gitdir, c)
		}
		common = filepath.Clean(c)
	}
	return &Repo{WorkTree: top, GitDir: gitdir, CommonDir: common}, nil
}

// OpsyncDir is where opsync keeps its lock and state for this repository:
// inside the git directory, so it is never part of the work tree and is
// shared by linked worktrees.
func (r *Repo) OpsyncDir() string { return filepath.Join(r.CommonDir, "opsync") }

// Rel returns path relative to the work tree, with forward slashes, as git
// names paths. path must have its symlinks resolved up to its parent.
func (r *Repo) Rel(path string) (string, error) {
	rel, err := filepath.Rel(r.WorkTree, path)
	if err != nil {
		return "", err
	}
	if rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", fmt.Errorf("%s is outside the work tree %s", path, r.WorkTree)
	}
	return filepath.ToSlash(rel), nil
}
