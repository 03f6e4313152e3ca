package cli

import (
	"github.com/spf13/cobra"
)

func newCommitCmd(e *env) *cobra.Command {
	var reason string
	cmd := &cobra.Command{
		Use:   "commit APP -m WHY",
		Short: "Log a hand edit of one app's env file, then push it",
		Long: `Log an edit of one app's env file that you made by hand (in an editor of
your own, with sed, …) as an operator log entry: authored by you, with the
same trailers as every entry (Opsync-Command: opsync commit), the reason in
the body and an Opsync-Reason trailer, and the names of the keys you added,
removed or changed (never their values). Only that file is committed; then
the entry is pushed as after any abra command, pulling and retrying when a
teammate pushed first.

"abra app config APP" needs no such step: opsync logs the edit itself.

Exit status: 0 when the entry is pushed; 75 when it is committed but not
pushed (opsync sync pushes it later); 76 when it could not be committed; 64
when the app is unknown or its file is the same as in the log.`,
		Example: `  opsync commit wiki.example.org -m "raise the upload limit for the AGM"`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, stop := interruptible()
			defer stop()
			eng := e.engine(true)
			defer eng.Close()
			out, err := eng.CommitEdit(ctx, args[0], reason)
			if err != nil {
				return err
			}
			if code := out.ExitCode(0); code != 0 {
				return &exitError{code: code}
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&reason, "message", "m", "", "why the file was edited (required)")
	cmd.MarkFlagRequired("message")
	cmd.ValidArgsFunction = func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return completeNames(e, true), cobra.ShellCompDirectiveNoFileComp
	}
	return cmd
}
