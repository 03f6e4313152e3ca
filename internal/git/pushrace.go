package git

import "strings"

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

// refStatus returns the status text of ref in `git push --porcelain`
// output ("[rejected] (fetch first)"), "" when the output has no line for
// it. Porcelain lines are "<flag>\t<from>:<to>\t<summary>".
func refStatus(porcelain, ref string) string {
	for _, l := range strings.Split(porcelain, "\n") {
		f := strings.Split(l, "\t")
		if len(f) >= 3 && strings.HasSuffix(f[1], ":"+ref) {
			return f[2]
		}
	}
	return ""
}
