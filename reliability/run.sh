#!/usr/bin/env bash
# Runs opsync's reliability harness and writes its figures into
# docs/reliability.md (between the "figures" markers).
#
#   reliability/run.sh               short mode, as CI runs it: the figures are
#                                    printed, the document is left alone
#   reliability/run.sh --long        long mode: the load with N=8 operators and
#                                    M=25 commands each, on the file system and
#                                    over ssh; every fault scenario; each fuzz
#                                    target for 60s. Writes docs/reliability.md.
#   reliability/run.sh --long --fuzztime 10m
#
# OPSYNC_LOAD_N / OPSYNC_LOAD_M change the load's size in either mode.
# Exits non-zero when a test failed or a fuzz target found something (its
# input is then in that package's testdata/fuzz/, for `go test` to replay).
set -uo pipefail
cd "$(dirname "$0")/.."

long=0
fuzztime=60s
write=0
while [ $# -gt 0 ]; do
	case "$1" in
	--long) long=1; write=1 ;;
	--fuzztime) fuzztime="$2"; shift ;;
	--no-write) write=0 ;;
	-h|--help) sed -n '2,16p' "$0"; exit 0 ;;
	*) echo "run.sh: unknown argument $1 (see --help)" >&2; exit 64 ;;
	esac
	shift
done
mode=short
[ "$long" = 1 ] && mode=long

report=$(mktemp -d)
trap 'rm -rf "$report"' EXIT
failed=0

echo "== load and fault scenarios ($mode mode)"
start=$(date +%s)
OPSYNC_RELIABILITY=$mode OPSYNC_RELIABILITY_REPORT="$report" \
	go test -count=1 -timeout 90m -run '^(TestLoad|TestFaults)$' ./reliability/ >"$report/test.log" 2>&1
status=$?
tail -n 5 "$report/test.log"
if [ $status -ne 0 ]; then
	failed=1
	echo "run.sh: the harness failed; its log:" >&2
	grep -E -- '--- FAIL|FAIL:|load_test.go|faults_test.go' "$report/test.log" | head -n 40 >&2
fi
tests_took=$(( $(date +%s) - start ))

fuzz_rows=""
if [ "$long" = 1 ]; then
	for target in "internal/abra FuzzParse" "internal/abra FuzzCanonical" "internal/abra FuzzCobra" "oplog FuzzParse" "oplog FuzzFormatParse"; do
		set -- $target
		pkg=$1 name=$2
		echo "== fuzzing $pkg $name for $fuzztime"
		log="$report/fuzz-$(echo "$pkg" | tr / -)-$name.log"
		go test -run '^$' -fuzz "^$name\$" -fuzztime "$fuzztime" -fuzzminimizetime 10s "./$pkg" >"$log" 2>&1
		fstatus=$?
		execs=$(grep -o 'execs: [0-9]*' "$log" | tail -n 1 | cut -d' ' -f2)
		findings=$(grep -c 'Failing input written' "$log")
		if [ $fstatus -ne 0 ]; then
			failed=1
			[ "$findings" = 0 ] && findings="the run failed"
			tail -n 20 "$log" >&2
		fi
		tail -n 2 "$log"
		fuzz_rows="$fuzz_rows| \`$pkg\` | \`$name\` | $fuzztime | ${execs:-0} | $findings |"$'\n'
	done
fi

# The figures, as Markdown.
fig="$report/figures.md"
{
	echo "Measured $(date -u +%Y-%m-%d) by \`reliability/run.sh$([ "$long" = 1 ] && echo " --long")\` at commit" \
		"\`$(git rev-parse --short HEAD 2>/dev/null || echo unknown)\`$(git diff --quiet 2>/dev/null || echo " (with uncommitted changes)")," \
		"$(go version | cut -d' ' -f3), $(git --version), on $(nproc) cores; the load and fault tests took ${tests_took}s."
	echo
	for part in load load-secrets faults faults-secrets; do
		if [ -f "$report/$part.md" ]; then
			cat "$report/$part.md"
		else
			echo "($part: no figures — the test did not get that far; see its log)"
		fi
		echo
	done
	if [ -n "$fuzz_rows" ]; then
		echo "Fuzzing (each target for $fuzztime on $(nproc) workers, after its seed corpus and testdata/fuzz):"
		echo
		echo "| package | target | time | executions | findings |"
		echo "| --- | --- | --- | --- | --- |"
		printf '%s' "$fuzz_rows"
	else
		echo "Fuzzing: not run in the short mode (\`go test\` runs each target's seed corpus and testdata/fuzz only)."
	fi
} >"$fig"

echo
cat "$fig"

if [ "$write" = 1 ]; then
	doc=docs/reliability.md
	if ! grep -q '<!-- figures:begin -->' "$doc" || ! grep -q '<!-- figures:end -->' "$doc"; then
		echo "run.sh: $doc has no <!-- figures:begin --> / <!-- figures:end --> markers" >&2
		exit 1
	fi
	awk -v fig="$fig" '
		/<!-- figures:begin -->/ { print; while ((getline line < fig) > 0) print line; skip = 1; next }
		/<!-- figures:end -->/ { skip = 0 }
		!skip { print }
	' "$doc" >"$report/doc.md" && cp "$report/doc.md" "$doc"
	echo
	echo "wrote the figures into $doc"
fi
exit $failed
