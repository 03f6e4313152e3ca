package git

import (
	"bufio"
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

// Head reads HEAD: the checked-out branch ("main"), or detached=true with
// the commit id when HEAD is not a branch.
func (r *Repo) Head() (branch string, detached bool, err error) {
	b, err := os.ReadFile(filepath.Join(r.GitDir, "HEAD"))
	if err != nil {
		return "", false, err
	}
	s := strings.TrimSpace(string(b))
	if ref, ok := strings.CutPrefix(s, "ref:"); ok {
		ref = strings.TrimSpace(ref)
		return strings.TrimPrefix(ref, "refs/heads/"), false, nil
	}
	return s, true, nil
}

// ResolveRef reads a full ref name ("refs/heads/main") from the loose ref
// files or packed-refs. It returns "" when the ref does not exist (an unborn
// branch). Symbolic refs are not followed; branches are never symbolic.
func (r *Repo) ResolveRef(ref string) (string, error) {
	if b, err := os.ReadFile(filepath.Join(r.CommonDir, filepath.FromSlash(ref))); err == nil {
		return strings.TrimSpace(string(b)), nil
	}
	var found string
	err := r.packedRefs(func(id, name string) bool {
		if name == ref {
			found = id
			return false
		}
		return true
	})
	return found, err
}

// packedRefs calls each with every ref of the packed-refs file (id and
// full name, peeled lines skipped) until it returns false. No file is no
// refs.
func (r *Repo) packedRefs(each func(id, name string) bool) error {
	f, err := os.Open(filepath.Join(r.CommonDir, "packed-refs"))
	if err != nil {
		if os.IsNotExist(err) {
			return nil
		}
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' || line[0] == '^' {
			continue
		}
		if id, name, ok := strings.Cut(line, " "); ok && !each(id, name) {
			return nil
		}
	}
	return sc.Err()
}

// HeadCommit returns the commit HEAD points at, "" on an unborn branch.
func (r *Repo) HeadCommit() (string, error) {
	branch, detached, err := r.Head()
	if err != nil || detached {
		return branch, err
	}
	return r.ResolveRef("refs/heads/" + branch)
}

// FetchedIsHead reports whether what `git fetch` just fetched for merging
// (the first line of FETCH_HEAD not marked not-for-merge) is the commit
// HEAD is on, so that merging it would change nothing. FETCH_HEAD is
// looked for in this work tree's git directory and the shared one; only
// when every copy found names HEAD is the answer yes, so a stale copy can
// only cause a merge that changes nothing, never skip one that is needed.
func (r *Repo) FetchedIsHead() bool {
	head, err := r.HeadCommit()
	if err != nil || head == "" {
		return false
	}
	found := false
	for _, dir := range []string{r.GitDir, r.CommonDir} {
		b, err := os.ReadFile(filepath.Join(dir, "FETCH_HEAD"))
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			return false
		}
		id := ""
		for _, line := range strings.Split(string(b), "\n") {
			f := strings.SplitN(line, "\t", 3)
			if len(f) == 3 && f[1] == "" {
				id = f[0]
				break
			}
		}
		if id != head {
			return false
		}
		found = true
	}
	return found
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
