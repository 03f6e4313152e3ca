package cli

import (
	"context"
	"errors"
	"os"

	"github.com/spf13/cobra"

	"coopcloud.tech/opsync/internal/config"
	"coopcloud.tech/opsync/internal/engine"
	"coopcloud.tech/opsync/internal/setup"
	"coopcloud.tech/opsync/internal/ui"
)

type initOptions struct {
	remote       string
	serverRemote string
	teamLease    bool
}

func newInitCmd(e *env) *cobra.Command {
	var o initOptions
	cmd := &cobra.Command{
		Use:   "init [DIR] [--remote URL | --server-remote SERVER]",
		Short: "Set up operator sync: make servers/ a git repository, connect it to a remote, turn sync on",
		Long: `Set up operator sync in one command, from nothing:

  1. make DIR (default: $ABRA_DIR/servers, ~/.abra/servers) a git repository, unless
     it is in one already (an existing history is never re-initialised or rewritten);
  2. connect it to the remote: clone it when DIR is empty and the remote has history,
     push DIR's first commit when the remote is empty, fast-forward or push when one
     side contains the other, and refuse (saying what to do) when they differ;
  3. commit what is in DIR (listing every file) and push it with the upstream set;
  4. write "sync: true" into the abra.yml abra reads (the project's abra.yml found
     from the working directory, else ~/.abra/abra.yml), keeping the rest of the file.

Running it again changes nothing and says so; after a failure, fix what it says and
run it again: it picks up where it stopped.

--remote URL is any git remote (https://, ssh://, git@host:path).
--server-remote SERVER keeps the log on a server you already reach over ssh: it
creates the bare repository ~/.abra/operator-sync.git there unless it exists
(another operator may have made it: you then get their history), and uses it as
the remote. SERVER is what you would give ssh: a Host alias of ~/.ssh/config,
user@host, or ssh://user@host:port; your ssh config, keys and agent are used.
Without a remote, the log is kept in the local repository only.`,
		Example: `  # the first operator, keeping the log on a server the team reaches over ssh
  opsync init --server-remote server1.example.org

  # a teammate on a fresh machine: the same command clones the log
  opsync init --server-remote server1.example.org

  # or with a repository on a forge
  opsync init --remote git@git.example.org:our-coop/servers.git`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := ""
			if len(args) == 1 {
				dir = args[0]
			}
			interactive := false
			if f, ok := e.stdin.(*os.File); ok {
				interactive = ui.IsTerminal(f)
			}
			ctx, stop := interruptible()
			defer stop()
			err := setup.Init(ctx, setup.Options{
				Dir:          dir,
				Remote:       o.remote,
				ServerRemote: o.serverRemote,
				TeamLease:    o.teamLease,
				Getenv:       e.getenv,
				Stderr:       e.stderr,
				Interactive:  interactive,
				RecordMergeDriver: func(ctx context.Context, workTree string) (bool, error) {
					return engine.InstallMergeDriver(ctx, workTree, engine.RecordedMergeDriverCommand())
				},
			})
			var se *setup.Error
			var ce *config.Error
			switch {
			case err == nil:
				return nil
			case errors.As(err, &se), errors.As(err, &ce):
				return &exitError{code: 1, msg: err.Error()}
			}
			ui.Say(e.stderr, "error: "+err.Error())
			return &exitError{code: 1}
		},
	}
	cmd.Flags().StringVar(&o.remote, "remote", "", "the git remote to share the log through (a URL git understands)")
	cmd.Flags().StringVar(&o.serverRemote, "server-remote", "", "keep the log in ~/.abra/operator-sync.git on this ssh `SERVER`, creating it if needed")
	cmd.Flags().BoolVar(&o.teamLease, "team-lease", false, "turn leasing on for the whole team: write lease: true into the repository's .opsync.yml, commit and push it")
	return cmd
}
