package cli

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"coopcloud.tech/opsync/internal/envmerge"
	"coopcloud.tech/opsync/internal/git"
	"coopcloud.tech/opsync/internal/ui"
)

// maxEnvMergeSize: larger files (or binary ones) are not env files as abra
// writes them; git's own line merge handles them.
const maxEnvMergeSize = 4 << 20

func newMergeDriverCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "merge-driver BASE OURS THEIRS [PATH]",
		Short: "git merge driver for env files: git's line merge, by key where keys are unique",
		Long: `A git merge driver for abra's env files, called by git as
"opsync merge-driver %O %A %B %P". It merges the three versions line by line
as git does, and where both sides changed lines that touch, by variable when
every variable there is defined once in each version: each side's added,
changed and removed variables apply, and a conflict is marked around the
variable both changed differently alone. Repeated variables (COMPOSE_FILE
overlay lists) and commented alternatives merge as lines, as in git; where
git's own line merge is clean, the result is clean. Comments, blank lines,
line endings and the final newline are kept. The result is written to OURS;
the exit status is 0 for a clean merge and 1 for a conflict.

opsync passes it to git for its own pulls; "opsync init" records it in the
repository for pulls typed by hand.`,
		Args:   cobra.RangeArgs(3, 4),
		Hidden: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			path := args[1]
			if len(args) == 4 {
				path = args[3]
			}
			code, err := mergeDriver(cmd.Context(), e, args[0], args[1], args[2], path)
			if err != nil {
				return &exitError{code: 2, msg: fmt.Sprintf("merge-driver: %s: %v", path, err)}
			}
			if code != 0 {
				return &exitError{code: code}
			}
			return nil
		},
	}
}

// mergeDriver merges the files and returns the exit status for git.
func mergeDriver(ctx context.Context, e *env, basePath, oursPath, theirsPath, name string) (int, error) {
	var data [3][]byte
	for i, p := range []string{basePath, oursPath, theirsPath} {
		b, err := os.ReadFile(p)
		if err != nil {
			return 0, err
		}
		data[i] = b
	}
	for _, b := range data {
		if len(b) > maxEnvMergeSize || bytes.IndexByte(b, 0) >= 0 {
			return lineMerge(ctx, basePath, oursPath, theirsPath)
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
		return 0, err
	}
	if err := os.WriteFile(oursPath, merged, fi.Mode().Perm()); err != nil {
		return 0, err
	}
	if len(conflicts) == 0 {
		return 0, nil
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
	ui.Say(e.stderr, fmt.Sprintf("merge-driver: %s: both sides changed %s differently; marked with conflict markers", name, strings.Join(what, ", ")))
	return 1, nil
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
func lineMerge(ctx context.Context, base, ours, theirs string) (int, error) {
	c := &git.Client{}
	err := c.MergeFileInPlace(ctx, ours, base, theirs)
	if err == nil {
		return 0, nil
	}
	if code := git.ExitCode(err); code > 0 {
		return 1, nil // that many conflicts, marked
	}
	return 0, err
}
