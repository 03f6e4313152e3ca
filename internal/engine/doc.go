// Package engine is opsync's engine behind the root package (the embedding
// contract) and the operator commands: operator sync for abra. It keeps the
// directory of app env files ($ABRA_DIR/servers) in sync through git around
// every `abra app` command, and makes the git log an operator log.
//
// The engine has three steps, and abra can call them around its own
// commands as well as the opsync wrapper does around the abra program:
//
//	eng := opsync.New(opsync.Options{Version: version, ShareSSH: true})
//	defer eng.Close()                   // ends the shared ssh connection, if any
//	plan, err := eng.Plan(os.Args[1:]) // no git, no abra: only reads files
//	if err != nil { ... }               // a refused command line (*opsync.Error)
//	if err := plan.Before(ctx); err != nil {
//		... // pull failed before a modifying command: do not run it
//	}
//	start := time.Now()
//	exit := runTheCommand(plan.AbraArgs)  // abra's own work
//	out := plan.After(ctx, exit, time.Since(start))
//	os.Exit(out.ExitCode(exit))
//
// Plan parses the command line with abra's command table (aliases, value
// flags, opsync's own --no-operator-sync, --no-operator-log and --force-sync,
// which it removes), finds abra.yml as abra does, and decides:
//
//   - not enabled (no `sync: true`, the app's server directory is not in a
//     git work tree, or the command is not `abra app …`): Plan.Active is
//     false and the caller runs abra with nothing around it;
//   - a command that changes server state (Plan.Modifies): Before pulls
//     (`git pull --no-rebase`) and fails if it cannot; After commits only
//     the app's env file with `git commit --only` semantics, even when
//     unchanged (an empty commit is still a log entry), then pushes,
//     pulling and retrying when someone pushed first;
//   - any other app command: Before pulls unless the repository was pulled
//     within the cooldown, and a failed pull is only a warning.
//
// Before and After hold a lock in the repository's git directory while git
// runs, never while abra runs. Every git process has a timeout. Nothing the
// operator had is lost on any path: no reset, no stash, no force push; a
// failed retry merge is aborted, leaving only the new log commit.
//
// Env files merge by key: with Options.MergeDriver set (MergeDriverCommand
// of the opsync program), every pull passes git an env-aware merge driver
// (internal/envmerge), and the pull that retries a rejected push settles a
// conflict on the version line the command just wrote for the local side,
// noting it in the entry (Opsync-Resolved). InstallMergeDriver records the
// driver in a repository for hand-typed pulls.
//
// App leases (operator_sync: lease, --lease): Before takes a lease on each
// app on its repository's remote (internal/lease) before pulling, renews it
// while abra runs, and After releases it; a lease someone else holds stops
// the command before abra runs. Engine.ListLeases and Engine.BreakLease
// serve the operator commands.
//
// Outcome carries the log entries made (oplog.Entry, JSON-ready, with the
// commit id and whether it was pushed), for whatever reports them.
//
// The operator commands use the same engine, and abra could too:
// Engine.Repos lists the repositories holding server directories (sync on
// or off, and why); Repository.Status reports on one without changing
// anything (Engine.Status on all); Repository.Sync pulls and pushes one
// under its lock, refusing a repository mid-merge, mid-rebase or detached
// (Engine.Sync on all, SyncExitCode for the exit status); Engine.Log
// streams the operator log of some repositories, newest first, filtered by
// a LogQuery. RepoStatus, SyncResult and LogEntry marshal to the JSON the
// README documents.
package engine
