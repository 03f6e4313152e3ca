package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"coopcloud.tech/opsync"
	"coopcloud.tech/opsync/internal/ui"
)

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

// mergeDriver merges the files for git and returns the exit status for
// it: 0 when clean, 1 when conflict markers were written.
func mergeDriver(ctx context.Context, e *env, basePath, oursPath, theirsPath, name string) (int, error) {
	conflicts, err := opsync.MergeDriver(ctx, basePath, oursPath, theirsPath)
	if err != nil || len(conflicts) == 0 {
		return 0, err
	}
	ui.Say(e.stderr, fmt.Sprintf("merge-driver: %s: both sides changed %s differently; marked with conflict markers", name, strings.Join(conflicts, ", ")))
	return 1, nil
}
