package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"coopcloud.tech/opsync/internal/shim"
	"coopcloud.tech/opsync/internal/ui"
)

func newShimCmd(e *env) *cobra.Command {
	var dir string
	cmd := &cobra.Command{
		Use:   "shim install|uninstall|status [--dir DIR]",
		Short: "Make `abra` run opsync: a link named abra to opsync, first on PATH",
		Long: `The shim is a symbolic link named abra, pointing at opsync, in a directory that comes
before the real abra's on PATH (default: ~/.local/bin; when that is where the real abra
is — abra's installer puts it there — a directory of yours on PATH before it, or else
~/.local/share/opsync/bin, which install tells you to put first). Run under that name, opsync is
the wrapper, so "abra app deploy …" syncs; opsync then runs the real abra, the next
one on PATH.

  install    create the link and check the PATH order; when the directory does not
             come first, say exactly which line to add to your shell's start-up file
  uninstall  remove the link (only a link to opsync is ever removed)
  status     say whether "abra" runs opsync, and which real abra it runs; exits 1
             when the shim is not in effect

opsync never overwrites or removes a real abra.`,
		Example: `  opsync shim install
  opsync shim install --dir ~/bin
  opsync shim status`,
	}
	cmd.PersistentFlags().StringVar(&dir, "dir", "", "the shim `DIR`ectory (default ~/.local/bin, or ~/.local/share/opsync/bin when the real abra is in ~/.local/bin)")

	inspect := func() (shim.Report, string, error) {
		d, err := shim.Dir(dir, e.getenv)
		if err != nil {
			return shim.Report{}, "", err
		}
		self, err := shim.Self()
		if err != nil {
			return shim.Report{}, "", err
		}
		return shim.Inspect(d, self, e.getenv), self, nil
	}
	show := func(p string) string { return ui.HomePath(p, e.getenv("HOME")) }

	// pathWarning says why `abra` does not run opsync, and what to do.
	pathWarning := func(r shim.Report) string {
		advice := shim.PathAdvice(r.Dir, e.getenv)
		dirFlag := ""
		if dir != "" {
			dirFlag = " --dir " + show(r.Dir)
		}
		switch {
		case r.Active:
			return ""
		case r.State == "absent" || r.State == "stale":
			msg := fmt.Sprintf("there is no shim at %s, so `abra` does not run opsync: run `opsync shim install%s`", show(r.Link), dirFlag)
			switch {
			case !r.OnPath:
				msg += fmt.Sprintf("; %s is not on your PATH either: to fix that, %s", show(r.Dir), advice)
			case r.Shadowing != "":
				msg += fmt.Sprintf("; %s comes after %s on your PATH: to put it first, %s", show(r.Dir), show(r.Shadowing), advice)
			}
			return msg
		case r.State == "other":
			return fmt.Sprintf("%s is not opsync (it may be the real abra), so the shim cannot go there: install it into a "+
				"directory that comes before it on PATH (`opsync shim install --dir DIR`)", show(r.Link))
		case !r.OnPath:
			return fmt.Sprintf("%s is not on your PATH, so `abra` does not run opsync. To fix it, %s", show(r.Dir), advice)
		case r.Shadowing != "":
			return fmt.Sprintf("%s comes after %s on your PATH, so `abra` runs that abra directly, not opsync. To put the shim first, %s",
				show(r.Dir), show(r.Shadowing), advice)
		}
		return fmt.Sprintf("`abra` does not run opsync: the first abra on PATH is %s. To put the shim first, %s", show(r.FirstAbra), advice)
	}
	realWarning := func(r shim.Report) string {
		if r.RealAbra != "" {
			return ""
		}
		return "no real abra is on PATH besides the shim, so opsync has nothing to run: install abra " +
			"(https://docs.coopcloud.tech/abra/install/) in a directory on PATH after the shim, or set OPSYNC_ABRA to its path"
	}

	install := &cobra.Command{
		Use:     "install [--dir DIR]",
		Short:   "Link DIR/abra to opsync and check that DIR comes first on PATH",
		Example: "  opsync shim install\n  opsync shim install --dir ~/bin",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			r, self, err := inspect()
			if err != nil {
				return &exitError{code: 1, msg: err.Error()}
			}
			changed, err := shim.Install(r.Dir, self, e.getenv)
			if err != nil {
				return &exitError{code: 1, msg: err.Error()}
			}
			if changed {
				ui.Say(e.stderr, fmt.Sprintf("linked %s -> %s", show(r.Link), self))
			} else {
				ui.Say(e.stderr, fmt.Sprintf("%s is opsync already; nothing changed", show(r.Link)))
			}
			r, _, _ = inspect()
			if w := pathWarning(r); w != "" {
				ui.Say(e.stderr, "warning: "+w)
			} else if r.RealAbra != "" {
				ui.Say(e.stderr, fmt.Sprintf("`abra` now runs opsync, which runs the real abra at %s", show(r.RealAbra)))
			}
			if w := realWarning(r); w != "" {
				ui.Say(e.stderr, "warning: "+w)
			}
			return nil
		},
	}
	uninstall := &cobra.Command{
		Use:     "uninstall [--dir DIR]",
		Short:   "Remove the link DIR/abra to opsync",
		Example: "  opsync shim uninstall",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			r, self, err := inspect()
			if err != nil {
				return &exitError{code: 1, msg: err.Error()}
			}
			changed, err := shim.Uninstall(r.Dir, self, e.getenv)
			if err != nil {
				return &exitError{code: 1, msg: err.Error()}
			}
			if !changed {
				ui.Say(e.stderr, fmt.Sprintf("there is no shim at %s; nothing changed", show(r.Link)))
				return nil
			}
			ui.Say(e.stderr, fmt.Sprintf("removed %s", show(r.Link)))
			if r, _, _ = inspect(); r.Active {
				ui.Say(e.stderr, fmt.Sprintf("note: `abra` still runs opsync, through %s", show(r.FirstAbra)))
			}
			return nil
		},
	}
	status := &cobra.Command{
		Use:     "status [--dir DIR]",
		Short:   "Say whether `abra` runs opsync, and which real abra opsync runs",
		Example: "  opsync shim status",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			r, self, err := inspect()
			if err != nil {
				return &exitError{code: 1, msg: err.Error()}
			}
			link := map[string]string{
				"installed": fmt.Sprintf("%s -> %s", show(r.Link), r.Target),
				"copy":      fmt.Sprintf("%s (a copy of opsync)", show(r.Link)),
				"absent":    fmt.Sprintf("not installed (no %s)", show(r.Link)),
				"stale":     fmt.Sprintf("%s -> %s, which no longer exists (run opsync shim install)", show(r.Link), r.Target),
				"other":     fmt.Sprintf("%s is not opsync", show(r.Link)),
			}[r.State]
			runs := "`abra` runs opsync (" + show(r.FirstAbra) + ")"
			if !r.Active {
				runs = "`abra` does not run opsync"
				if r.FirstAbra != "" {
					runs += ": it runs " + show(r.FirstAbra)
				}
			}
			realAbra := show(r.RealAbra)
			if r.RealAbra == "" {
				realAbra = "none found on PATH"
			}
			fmt.Fprintf(e.stdout, "shim       %s\nPATH       %s\nreal abra  %s\nopsync     %s\n", link, runs, realAbra, self)
			if w := pathWarning(r); w != "" {
				ui.Say(e.stderr, w)
				return &exitError{code: 1}
			}
			if w := realWarning(r); w != "" {
				ui.Say(e.stderr, w)
				return &exitError{code: 1}
			}
			return nil
		},
	}
	cmd.AddCommand(install, uninstall, status)
	return cmd
}
