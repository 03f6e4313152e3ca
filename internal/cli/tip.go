package cli

import (
	"errors"
	"path/filepath"

	"coopcloud.tech/opsync/internal/engine"
	"coopcloud.tech/opsync/internal/git"
)

// setupTip is the one line `abra server add` is followed by when operator
// sync is not set up yet: a server was just added, and its app configs could
// be kept in git from the start. It is a tip, not a prompt: nothing waits
// for an answer, on a terminal or not.
const setupTip = `tip: run "opsync init" to keep this server's app configs in git (operator sync)`

// wantsSetupTip reports whether plan is an `abra server add` for which sync
// is not set up: no sync: true, or $ABRA_DIR/servers in no git work tree.
func wantsSetupTip(plan *engine.Plan) bool {
	if plan.Inv.CommandName() != "server add" || plan.Inv.Help() || plan.Config == nil {
		return false
	}
	if !plan.Config.Sync {
		return true
	}
	dir, err := filepath.EvalSymlinks(filepath.Join(plan.Config.AbraDir, "servers"))
	if err != nil {
		return true
	}
	_, err = git.FindRepo(dir)
	return errors.Is(err, git.ErrNotRepo)
}
