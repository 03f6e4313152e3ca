// Package opsync is operator sync for Co-op Cloud's abra, as a library: it
// keeps the directory of app env files ($ABRA_DIR/servers) in sync through
// git around every `abra app` command, and makes the git log an operator
// log. This package is the whole embedding contract; the opsync program is
// built on it, and abra could be, with a few lines of glue:
//
//	eng := opsync.New(opsync.Options{Version: version, Reporter: myReporter})
//	defer eng.Close()
//	plan, err := eng.PlanCommand(opsync.Command{ // or PlanArgs(argv)
//		Path: []string{"app", "deploy"}, Args: args, ArgsLenAtDash: -1,
//		Flags: setFlags, AbraDir: abraDir})
//	if err != nil { ... }                // a refused command (*opsync.Error)
//	if err := plan.Before(ctx); err != nil {
//		... // the pull failed before a modifying command: do not run it
//	}
//	plan.Starting()
//	start := time.Now()
//	exit := runTheCommand()              // abra's own work
//	out := plan.After(ctx, exit, time.Since(start))
//	os.Exit(out.ExitCode(exit))
//
// PlanArgs and PlanCommand decide, without running git or abra, what happens
// around the command: nothing (Active is false: sync is not on, the
// directory is not in git, not an `abra app` command…; Reason says which),
// a pull before a read-only command unless one was made within the
// cooldown, or, for a command that changes a server (Modifies), a pull that
// must succeed before it, and after it a log entry — a commit of only the
// app's env file, even when unchanged — pushed, pulling and retrying when
// someone pushed first. Nothing the operator had is lost on any path: no
// reset, no stash, no force push.
//
// What opsync tells the operator while it works (pulled, logged and pushed,
// waiting for the lock or a lease, a conflict settled, warnings) goes to the
// Reporter as Events; the opsync program prints them as `opsync:` lines.
// Outcome.Entries are the log entries made (oplog.Logged), for whatever
// reports them further. MergeDriver is the env-aware git merge driver, for
// an embedder to offer as a command of its own.
//
// The exit statuses are the opsync program's: whenever the command ran, its
// own status wins, except that a successful command whose log entry could
// not be committed or pushed ends with ExitNotLogged or ExitNotPushed.
// ARCHITECTURE.md shows what lies behind this package.
package opsync
