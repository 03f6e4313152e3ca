package engine

import (
	"coopcloud.tech/opsync/internal/git"
	"coopcloud.tech/opsync/oplog"
)

// Logged is one log entry After made (the oplog package defines it for
// embedders).
type Logged = oplog.Logged

// Outcome is what After did.
type Outcome struct {
	Entries []Logged
	// NotLogged: an entry the command needed could not be committed.
	NotLogged bool
	// NotPushed: an entry was committed but the push it needed failed.
	NotPushed bool
}

// ExitCode is the status to end with, given abra's: abra's own when it
// failed; when it succeeded, ExitNotLogged or ExitNotPushed if the log
// could not be completed.
func (o *Outcome) ExitCode(abraExit int) int {
	switch {
	case abraExit != 0:
		return abraExit
	case o == nil:
		return 0
	case o.NotLogged:
		return ExitNotLogged
	case o.NotPushed:
		return ExitNotPushed
	}
	return 0
}

func indentErr(err error) string {
	return git.Indent(err.Error())
}
