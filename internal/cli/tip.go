package cli

// setupTip is the one line `abra server add` is followed by when operator
// sync is not set up yet: a server was just added, and its app configs could
// be kept in git from the start. It is a tip, not a prompt: nothing waits
// for an answer, on a terminal or not.
const setupTip = `tip: run "opsync init" to keep this server's app configs in git (operator sync)`
