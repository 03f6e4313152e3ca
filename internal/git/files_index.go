package git

import (
	"bytes"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// SkipWorktree returns those of paths (relative to the work tree, with
// slashes) that git's index marks skip-worktree (`git update-index
// --skip-worktree`, or a sparse checkout): git then ignores the file on
// disk, so `git commit -- path` commits nothing of it and `git status`
// does not show it changed. It reads the index file, without running git;
// an index of version 2 (git's usual) cannot hold the flag and is not read
// past its header.
func (r *Repo) SkipWorktree(paths []string) ([]string, error) {
	b, err := os.ReadFile(filepath.Join(r.GitDir, "index"))
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return skipWorktreeIn(b, r.hashSize(), paths)
}

// hashSize is the length of an object id in the repository: from the id
// HEAD is on, or from extensions.objectFormat for a branch with no commit.
func (r *Repo) hashSize() int {
	if id, err := r.HeadCommit(); err == nil && len(id) == 64 {
		return 32
	} else if err == nil && len(id) == 40 {
		return 20
	}
	if cfg, err := ParseConfigFile(filepath.Join(r.CommonDir, "config")); err == nil &&
		strings.EqualFold(cfg.Get("extensions.objectformat"), "sha256") {
		return 32
	}
	return 20
}

var errBadIndex = errors.New("git's index file is not in a format opsync can read")

// skipWorktreeIn reads an index file's entries (format versions 2, 3 and
// 4, gitformat-index(5)) for the skip-worktree flag of paths.
func skipWorktreeIn(b []byte, hashSize int, paths []string) ([]string, error) {
	if len(b) < 12 || string(b[:4]) != "DIRC" {
		return nil, errBadIndex
	}
	version := binary.BigEndian.Uint32(b[4:8])
	count := binary.BigEndian.Uint32(b[8:12])
	switch version {
	case 2:
		return nil, nil // no extended flags, so no skip-worktree
	case 3, 4:
	default:
		return nil, fmt.Errorf("%w (version %d)", errBadIndex, version)
	}
	want := map[string]bool{}
	for _, p := range paths {
		want[p] = true
	}
	var found []string
	off := 12
	var prev []byte
	for range count {
		start := off
		off += 40 + hashSize // stat data, object id
		if off+2 > len(b) {
			return nil, errBadIndex
		}
		flags := binary.BigEndian.Uint16(b[off:])
		off += 2
		skip := false
		if flags&0x4000 != 0 { // extended
			if off+2 > len(b) {
				return nil, errBadIndex
			}
			skip = binary.BigEndian.Uint16(b[off:])&0x4000 != 0
			off += 2
		}
		var name []byte
		if version == 4 {
			strip, n := varint(b[off:])
			if n == 0 || strip > uint64(len(prev)) {
				return nil, errBadIndex
			}
			off += n
			end := bytes.IndexByte(b[off:], 0)
			if end < 0 {
				return nil, errBadIndex
			}
			name = append(prev[:len(prev)-int(strip):len(prev)-int(strip)], b[off:off+end]...)
			off += end + 1
		} else {
			end := bytes.IndexByte(b[off:], 0)
			if end < 0 {
				return nil, errBadIndex
			}
			name = b[off : off+end]
			// 1 to 8 NULs pad the entry to a multiple of 8 bytes.
			off = start + (off+end-start+8)&^7
		}
		prev = name
		if skip && want[string(name)] {
			found = append(found, string(name))
		}
	}
	return found, nil
}

// varint reads the offset encoding of index version 4; n is 0 when it is
// malformed.
func varint(b []byte) (val uint64, n int) {
	if len(b) == 0 {
		return 0, 0
	}
	c := b[0]
	val, n = uint64(c&127), 1
	for c&128 != 0 {
		if n >= len(b) || n > 9 {
			return 0, 0
		}
		val++
		c = b[n]
		n++
		val = val<<7 + uint64(c&127)
	}
	return val, n
}

// BlobID is the id git would give content as a blob in this repository
// (SHA-1, or SHA-256 in a repository of that object format), computed
// without starting git. It is of the bytes as they are: git hash-object
// would first apply the repository's clean filters and line-ending rules.
func (r *Repo) BlobID(content []byte) string { return blobID(r.hashSize(), content) }

// BlobHasher is BlobID with the repository's object format read once, for
// hashing many files (BlobID reads HEAD for each).
func (r *Repo) BlobHasher() func(content []byte) string {
	size := r.hashSize()
	return func(content []byte) string { return blobID(size, content) }
}

func blobID(hashSize int, content []byte) string {
	header := fmt.Sprintf("blob %d\x00", len(content))
	if hashSize == 32 {
		h := sha256.New()
		h.Write([]byte(header))
		h.Write(content)
		return hex.EncodeToString(h.Sum(nil))
	}
	h := sha1.New()
	h.Write([]byte(header))
	h.Write(content)
	return hex.EncodeToString(h.Sum(nil))
}
