package cli

import (
	"encoding/json"

	"github.com/spf13/cobra"

	"coopcloud.tech/opsync"
)

// explanation is explain's JSON; the keys are part of opsync's interface.
type explanation struct {
	Command  string   `json:"command"`
	App      string   `json:"app"`
	Server   string   `json:"server"`
	Modifies bool     `json:"modifies"`
	Pull     bool     `json:"pull"`
	Commit   bool     `json:"commit"`
	Push     bool     `json:"push"`
	Paths    []string `json:"paths"`
	Message  string   `json:"message"`
	AbraArgs []string `json:"abra_args"`
}

func newExplainCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "explain [--show-secrets] -- ABRA-ARGS...",
		Short: "Print, as JSON, what opsync would do around an abra command, without running anything",
		Long: `Print, without running git or abra, what opsync would do for an abra command line:

  command    the canonical command path, aliases resolved ("a d" is "app deploy")
  app        the app (domain) it acts on
  server     the server directory that holds the app's env file
  modifies   whether the command changes what is on a server (and is logged)
  pull       whether opsync pulls before it (false inside the cooldown)
  commit     whether opsync commits a log entry after it
  push       whether opsync pushes that entry
  paths      the env files the entry commits
  message    the log entry's subject: the command, canonical and redacted
  abra_args  the arguments abra is given, with what the log hides (secret
             insert's data, what app run runs on the server) replaced by
             <redacted>; with --show-secrets exactly what abra is given

--show-secrets goes before the "--". A command line opsync would refuse
makes explain fail with the same error.`,
		Example: `  opsync explain -- app deploy foo.example.org
  opsync explain -- a s i foo.example.org db_password v1 hunter2
  opsync explain --show-secrets -- a s i foo.example.org db_password v1 hunter2`,
		DisableFlagParsing: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
				return cmd.Help()
			}
			showSecrets := false
			if len(args) > 0 && args[0] == "--show-secrets" {
				showSecrets, args = true, args[1:]
			}
			if len(args) > 0 && args[0] == "--" {
				args = args[1:]
			}
			args = dropProgramName(args)
			eng := opsync.New(opsync.Options{Version: Version(), Getenv: e.getenv, Now: e.now, After: e.after, Reporter: e.reporter()})
			plan, err := eng.PlanArgs(args)
			if err != nil {
				return err
			}
			x := explanation{
				Command:  plan.CommandName(),
				App:      plan.App(),
				Server:   plan.Server(),
				Modifies: plan.Modifies(),
				Pull:     plan.Pulls(),
				Commit:   plan.Commits(),
				Push:     plan.Pushes(),
				Paths:    plan.Paths(),
				Message:  plan.Line(),
				AbraArgs: plan.RedactedAbraArgs(),
			}
			if showSecrets {
				x.AbraArgs = plan.AbraArgs()
			}
			if x.AbraArgs == nil {
				x.AbraArgs = []string{}
			}
			enc := json.NewEncoder(e.stdout)
			enc.SetIndent("", "  ")
			enc.SetEscapeHTML(false)
			return enc.Encode(x)
		},
	}
}
