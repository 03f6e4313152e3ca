package engine

import (
	"context"

	"coopcloud.tech/opsync/internal/config"
	"coopcloud.tech/opsync/internal/git"
)

// Upstream says where a repository syncs to, exactly as a command's Before
// and After decide it: the operator_sync: remote if set, else the branch's
// upstream, else the only remote. remote is "" when the repository has no
// remote at all (a local log). For inspection commands (doctor, status).
func (e *Engine) Upstream(ctx context.Context, r *git.Repo, s config.Settings) (remote, ref string, err error) {
	return e.newRepo(r, s).upstream(ctx)
}
