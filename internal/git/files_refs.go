package git

import (
	"bufio"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

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
		refs, err := readFetchHead(dir)
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			return false
		}
		id := ""
		for _, f := range refs {
			if f.ForMerge {
				id = f.ID
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

// FetchedRef is one line of FETCH_HEAD: a commit, git's description of
// it ("branch 'main' of URL", "'refs/opsync/leases/s1/app' of URL") and
// whether git marks it for merging. Descriptions come from the shared
// repository's ref names: untrusted.
type FetchedRef struct {
	ID, Desc string
	ForMerge bool
}

// FetchHead reads FETCH_HEAD as the last fetch wrote it (this work tree's
// git directory, else the shared one); nil when there is none.
func (r *Repo) FetchHead() []FetchedRef {
	for _, dir := range []string{r.GitDir, r.CommonDir} {
		if refs, err := readFetchHead(dir); err == nil {
			return refs
		}
	}
	return nil
}

// readFetchHead reads the FETCH_HEAD in a git directory, a line each
// (lines that are not id, tab, marker, tab, description are skipped).
func readFetchHead(dir string) ([]FetchedRef, error) {
	b, err := os.ReadFile(filepath.Join(dir, "FETCH_HEAD"))
	if err != nil {
		return nil, err
	}
	var out []FetchedRef
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.SplitN(line, "\t", 3)
		if len(f) != 3 {
			continue
		}
		out = append(out, FetchedRef{ID: f[0], Desc: f[2], ForMerge: f[1] == ""})
	}
	return out, nil
}

// RemoteBranches lists the branches of remote as last fetched (its
// remote-tracking refs, loose and packed), read from the files: name ->
// commit. refs/remotes/REMOTE/HEAD, a symbolic ref, is left out. Names come
// from the shared repository: untrusted.
func (r *Repo) RemoteBranches(remote string) (map[string]string, error) {
	prefix := "refs/remotes/" + remote + "/"
	out := map[string]string{}
	if err := r.packedRefs(func(id, name string) bool {
		if b, ok := strings.CutPrefix(name, prefix); ok {
			out[b] = id
		}
		return true
	}); err != nil {
		return nil, err
	}
	dir := filepath.Join(r.CommonDir, filepath.FromSlash(prefix))
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if d.IsDir() {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		id := strings.TrimSpace(string(b))
		if strings.HasPrefix(id, "ref: ") {
			return nil // refs/remotes/REMOTE/HEAD
		}
		out[filepath.ToSlash(rel)] = id
		return nil
	})
	delete(out, "HEAD")
	return out, err
}

// MergeHead returns the commit being merged in (MERGE_HEAD), "" when no
// merge is in progress.
func (r *Repo) MergeHead() string {
	b, err := os.ReadFile(filepath.Join(r.GitDir, "MERGE_HEAD"))
	if err != nil {
		return ""
	}
	first, _, _ := strings.Cut(string(b), "\n")
	return strings.TrimSpace(first)
}

// MergeMessage returns the message git prepared for the merge in progress
// (MERGE_MSG), without its comment lines.
func (r *Repo) MergeMessage() string {
	b, err := os.ReadFile(filepath.Join(r.GitDir, "MERGE_MSG"))
	if err != nil {
		return ""
	}
	var keep []string
	for _, l := range strings.Split(string(b), "\n") {
		if !strings.HasPrefix(l, "#") {
			keep = append(keep, l)
		}
	}
	return strings.TrimSpace(strings.Join(keep, "\n")) + "\n"
}
