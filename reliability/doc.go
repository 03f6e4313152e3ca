// Package reliability is opsync's reliability harness: it proves, with
// real git, real concurrent processes and a real sshd, that operator sync
// loses nothing under load, under injected faults and with hostile input,
// and that no secret value reaches a commit message or an opsync message.
//
//   - TestLoad: N operator clones of one bare remote, each running M
//     modifying commands through opsync as real processes (half on one
//     shared app, half on their own; some clones two commands at a time),
//     over the file system and over ssh; then every entry is on the remote
//     exactly once, fsck is clean, no clone is mid-merge and every clone's
//     env files equal the remote's.
//   - TestFaults: every fault scenario, each a testscript with its expected
//     end state asserted (the new ones in testdata/faults, the others from
//     the root package's testdata/script), counted survived/tried.
//   - Both scan what they produced for the secret values they used.
//
// `go test ./reliability` (and so CI) runs the short mode: a small load
// and every fault scenario. OPSYNC_RELIABILITY=long runs the full load
// (N=8, M=25, locally and over ssh); reliability/run.sh runs the long mode
// and the fuzz targets and writes the figures into docs/reliability.md.
package reliability
