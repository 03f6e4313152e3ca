package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"coopcloud.tech/opsync/internal/engine"
)

func newCompletionCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "completion bash|zsh|fish",
		Short: "Print the shell completion script for opsync",
		Long: `Print a script that makes your shell complete opsync's commands and flags, and
the app and server names of "opsync log --app/--server".

bash (needs the bash-completion package):
  opsync completion bash > ~/.local/share/bash-completion/completions/opsync
zsh (a directory on your $fpath; run "compinit" in ~/.zshrc):
  opsync completion zsh > "${fpath[1]}/_opsync"
fish:
  opsync completion fish > ~/.config/fish/completions/opsync.fish

Open a new shell afterwards.`,
		Example: `  source <(opsync completion bash)
  opsync completion zsh > ~/.zfunc/_opsync`,
		ValidArgs: []string{"bash", "zsh", "fish"},
		Args:      cobra.MatchAll(cobra.ExactArgs(1), cobra.OnlyValidArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			root := cmd.Root()
			switch args[0] {
			case "bash":
				return root.GenBashCompletionV2(e.stdout, true)
			case "zsh":
				return root.GenZshCompletion(e.stdout)
			case "fish":
				return root.GenFishCompletion(e.stdout, true)
			}
			return &exitError{code: engine.ExitUsage, msg: fmt.Sprintf("no completion for shell %q; opsync has them for bash, zsh and fish", args[0])}
		},
	}
}
