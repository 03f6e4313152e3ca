package git

import (
	"errors"
	"strings"
)

// raceMarks are the ways git reports that a push lost a race for the ref
// to someone else's push, as the status of the ref (`git push
// --porcelain`) or on stderr:
//
//   - "[rejected] (fetch first)", "[rejected] (non-fast-forward)": someone
//     pushed before; our commits do not contain theirs.
//   - "cannot lock ref 'refs/heads/main': is at X but expected Y": the
//     remote checked the ref, another push moved it before ours could
//     update it (a busy remote).
//   - "failed to update ref", "[remote rejected] … (failed to lock)",
//     "cannot lock ref … File exists": another push holds the remote's lock
//     on the ref at that moment.
//   - "stale info", "already exists", "incorrect old value": a
//     compare-and-swap push (--force-with-lease, the leases') found the ref
//     changed, or created, by someone else.
//
// Each means the same to opsync: read what the other side pushed, and try
// again.
var raceMarks = []string{
	"[rejected]",
	"(fetch first)",
	"(non-fast-forward)",
	"cannot lock ref",
	"but expected",
	"failed to update ref",
	"failed to lock",
	"stale info",
	"already exists",
	"incorrect old value",
}

// RaceLost reports whether git's report of a failed push — the ref's
// status line of `git push --porcelain`, its stderr, or both — says that
// the push lost a race to someone else's push, so that fetching what they
// pushed and pushing again can succeed. Log pushes (Client.Push) and lease
// pushes (internal/lease) both decide with it.
//
// A refusal for any other reason ("[remote rejected] main (pre-receive hook
// declined)", a protected branch) is not a lost race: trying again would
// only be refused again.
func RaceLost(report string) bool {
	for _, m := range raceMarks {
		if strings.Contains(report, m) {
			return true
		}
	}
	return false
}

// PushOutcome is what became of a push of one ref: pushed (Err nil), or
// why not.
type PushOutcome struct {
	Err  error       // nil when the ref was pushed; else git's *Error (or ErrNotInstalled)
	Kind PushFailure // why the push failed (meaningless when Err is nil)
	// Status is the ref's status in the `git push --porcelain` report
	// ("[rejected] (fetch first)", "[remote rejected] (pre-receive hook
	// declined)"), "" when git printed none for it.
	Status string
	// Refused is true when that status line is flagged "!": the remote
	// (or git before sending) refused this very ref.
	Refused bool
}

// ClassifyPush is the one reading of a failed push, for log pushes
// (Client.Push) and lease pushes (Client.PushCAS) alike: porcelain is
// git's stdout of `git push --porcelain`, err its failure, ref the
// remote ref pushed.
//
//   - timed out: PushTimeout;
//   - a lost race (RaceLost) in the ref's status, or, when git printed no
//     status for it (the remote's receive-pack stopped before reporting),
//     on stderr: PushRejected — fetch and try again;
//   - "[remote rejected]" for any other reason (a hook, a protected
//     branch): PushDeclined — trying again will not help;
//   - the remote could not be reached (ClassifyRemote): PushUnreachable;
//   - anything else: PushOther.
func ClassifyPush(porcelain string, err error, ref string) PushOutcome {
	if err == nil {
		return PushOutcome{}
	}
	o := PushOutcome{Err: err, Kind: PushOther}
	o.Status, o.Refused = refStatus(porcelain, ref)
	var ge *Error
	errors.As(err, &ge)
	stderr := StderrOf(err)
	switch {
	case ge != nil && ge.TimedOut:
		o.Kind = PushTimeout
	case o.Status != "" && RaceLost(o.Status):
		o.Kind = PushRejected
	case o.Status == "" && RaceLost(stderr):
		o.Kind = PushRejected
	case strings.Contains(o.Status, "[remote rejected]"):
		o.Kind = PushDeclined
	case ClassifyRemote(stderr) != RemoteFine:
		o.Kind = PushUnreachable
	}
	return o
}

// refStatus returns the status text of ref in `git push --porcelain`
// output ("[rejected] (fetch first)"), "" when the output has no line for
// it, and whether the line is flagged "!" (refused). Porcelain lines are
// "<flag>\t<from>:<to>\t<summary>".
func refStatus(porcelain, ref string) (status string, refused bool) {
	for _, l := range strings.Split(porcelain, "\n") {
		f := strings.Split(l, "\t")
		if len(f) >= 3 && strings.HasSuffix(f[1], ":"+ref) {
			return f[2], f[0] == "!"
		}
	}
	return "", false
}
