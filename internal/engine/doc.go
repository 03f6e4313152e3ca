// Package engine is opsync's engine, behind the root package (the embedding
// contract, coopcloud.tech/opsync) and the operator commands.
//
// A Plan (Engine.Plan, Engine.PlanIn) reads one abra command line with
// abra's command table, finds abra.yml as abra does and the env files and
// repositories the command concerns, and decides what happens around it,
// without running git: nothing (Active false, Reason why); a pull before a
// read-only command unless the repository was pulled within the cooldown;
// for a command that changes a server (Modifies) a pull that must succeed
// before it, then a log entry after it — a commit of only the app's env
// file(s), even when unchanged — pushed, pulling and retrying when someone
// pushed first. The plan never changes afterwards.
//
// A Run (Plan.Run) carries it out: Before, the command, After; run.go reads
// as the pipeline, one file per step (see ARCHITECTURE.md). A lock in the
// repository's git directory is held while git runs, never while abra runs;
// every git process has a timeout; nothing the operator had is lost on any
// path (no reset, no stash, no force push; a failed retry merge is aborted,
// leaving only the new log commit). Env files merge by key (mergedriver.go,
// mergefiles.go); app leases (leases.go) tell teammates who is changing
// what. What the engine tells the operator goes to Options.Report as
// Events.
//
// The operator commands use the same engine: Engine.Repos (the one
// discovery of repositories from server directories), Repository.Status,
// Repository.Sync, Engine.Log, Engine.ListLeases and Engine.BreakLease,
// Engine.CommitEdit.
package engine
