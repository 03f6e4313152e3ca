package engine

import (
	"bytes"
	"context"
	"os"
	"strings"

	"coopcloud.tech/opsync/internal/envmerge"
	"coopcloud.tech/opsync/internal/git"
)

// maxEnvMergeSize: larger files (or binary ones) are not env files as abra
// writes them; git's own line merge handles them.
const maxEnvMergeSize = 4 << 20

// MergeFiles is opsync's env-aware merge driver: it merges the files git
// gives a merge driver (%O base, %A ours, %B theirs), writes the result
// into ours, and names the conflicts it marked there — by key, never by
// value, since values may be secrets — none for a clean merge. Files that
// are not env files as abra writes them (large or binary) get git's own
// line merge (then a conflict is named "lines").
func MergeFiles(ctx context.Context, basePath, oursPath, theirsPath string) ([]string, error) {
	var data [3][]byte
	for i, p := range []string{basePath, oursPath, theirsPath} {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		data[i] = b
	}
	for _, b := range data {
		if len(b) > maxEnvMergeSize || bytes.IndexByte(b, 0) >= 0 {
			clean, err := lineMerge(ctx, basePath, oursPath, theirsPath)
			if err != nil || clean {
				return nil, err
			}
			return []string{"lines"}, nil
		}
	}
	merged, conflicts := envmerge.Merge(data[0], data[1], data[2])
	if len(conflicts) > 0 {
		// Never worse than git: where git's own line merge is clean, take it.
		if out, ok := gitMergeClean(ctx, basePath, oursPath, theirsPath); ok {
			merged, conflicts = out, nil
		}
	}
	fi, err := os.Stat(oursPath)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(oursPath, merged, fi.Mode().Perm()); err != nil {
		return nil, err
	}
	// Names only: values may be secrets.
	var what []string
	for _, c := range conflicts {
		switch {
		case c.Key == "" && len(c.Names) > 0:
			what = append(what, "the lines of "+strings.Join(c.Names, ", "))
		case c.Key == "":
			what = append(what, "lines that are not KEY=VALUE")
		default:
			what = append(what, c.Key)
		}
	}
	return what, nil
}

// gitMergeClean is git's own merge of the three files, printed: ok when it
// is clean.
func gitMergeClean(ctx context.Context, base, ours, theirs string) ([]byte, bool) {
	c := &git.Client{}
	out, err := c.MergeFilePrint(ctx, ours, base, theirs)
	if err != nil {
		return nil, false
	}
	return []byte(out), true
}

// lineMerge is git's own merge of the three files, into ours.
func lineMerge(ctx context.Context, base, ours, theirs string) (clean bool, err error) {
	c := &git.Client{}
	err = c.MergeFileInPlace(ctx, ours, base, theirs)
	if err == nil {
		return true, nil
	}
	if code := git.ExitCode(err); code > 0 {
		return false, nil // that many conflicts, marked
	}
	return false, err
}
