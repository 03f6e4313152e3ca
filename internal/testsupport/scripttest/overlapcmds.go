package scripttest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"
)

// overlapScript is the git of `traceoverlap`: it runs the real git and,
// for the git processes opsync starts (opsync always gives -C), notes in
// $WORK/gitrun/running which are running, under flock(1) on
// $WORK/gitrun/lock. A process that starts while one of another parent
// process (another opsync) is running is an overlap, logged to
// $WORK/gitrun/overlaps with the command lines it ran alongside. Processes of one opsync
// may overlap each other (its git status runs alongside its commit) and
// are not counted.
const overlapScript = `#!/bin/sh
real=%q
d=%q
if [ "$1" != "-C" ]; then
	exec "$real" "$@"
fi
me="$$ $PPID $*"
(
	flock 9
	others=$(awk -v p="$PPID" '$2 != p { print "    while " $0 }' "$d/running")
	if [ -n "$others" ]; then
		printf '%%s\n%%s\n' "$me" "$others" >> "$d/overlaps"
	fi
	printf '%%s\n' "$me" >> "$d/running"
	printf '%%s\n' "$me" >> "$d/all"
) 9>>"$d/lock"
"$real" "$@"
rc=$?
(
	flock 9
	grep -v "^$$ " "$d/running" > "$d/running.new"
	mv "$d/running.new" "$d/running"
) 9>>"$d/lock"
exit $rc
`

// traceoverlap: from now on the git processes opsync starts are watched
// for overlaps between opsync processes (see overlapScript), for
// `gitoverlaps`.
func cmdTraceOverlap(ts *testscript.TestScript, neg bool, args []string) {
	if _, err := exec.LookPath("flock"); err != nil {
		ts.Fatalf("traceoverlap needs flock(1) (util-linux): %v", err)
	}
	real, err := exec.LookPath("git")
	ts.Check(err)
	d := ts.MkAbs("gitrun")
	ts.Check(os.MkdirAll(filepath.Join(d, "bin"), 0o755))
	for _, f := range []string{"running", "overlaps", "all"} {
		ts.Check(os.WriteFile(filepath.Join(d, f), nil, 0o644))
	}
	ts.Check(os.WriteFile(filepath.Join(d, "bin", "git"), []byte(fmt.Sprintf(overlapScript, real, d)), 0o755))
	ts.Setenv("PATH", filepath.Join(d, "bin")+string(filepath.ListSeparator)+ts.Getenv("PATH"))
}

// gitoverlaps N [MIN]: exactly N git processes of one opsync started while
// another opsync's git was running in the watched scripts since
// traceoverlap, out of at least MIN watched processes (default 1).
func cmdGitOverlaps(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 1 || len(args) > 2 {
		ts.Fatalf("usage: gitoverlaps N [MIN]")
	}
	want, least := 0, 1
	fmt.Sscanf(args[0], "%d", &want)
	if len(args) == 2 {
		fmt.Sscanf(args[1], "%d", &least)
	}
	d := ts.MkAbs("gitrun")
	all := ts.ReadFile(filepath.Join(d, "all"))
	overlaps := ts.ReadFile(filepath.Join(d, "overlaps"))
	n := strings.Count(all, "\n")
	o := 0
	for _, l := range strings.Split(overlaps, "\n") {
		if l != "" && !strings.HasPrefix(l, " ") {
			o++
		}
	}
	ts.Logf("%d git processes of opsync, %d started while another opsync's git ran\n%s", n, o, overlaps)
	if n < least {
		ts.Fatalf("only %d git processes were watched, want at least %d", n, least)
	}
	if o != want {
		ts.Fatalf("%d git processes overlapped another opsync's, want %d", o, want)
	}
}
