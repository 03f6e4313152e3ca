#!/usr/bin/env bash
# bench/run.sh — what opsync costs an operator, measured on this machine in
# one go, every figure a ratio against the same work without opsync (or
# typed by hand), with the git processes each side starts.
#
#   bench/run.sh            the full run (about 15 minutes on 2 cores)
#   bench/run.sh --quick    a few runs of each, to check the script works
#   bench/run.sh --out FILE   write the report to FILE
#   bench/run.sh --only modify,ssh   only those rows (names: floor, startup, cooldown,
#                           pull, modify, lease, notify, scale, status, log, apps, concurrency, ssh)
#   KEEP=1 bench/run.sh     keep the work directory
#
# Needs go, git, hyperfine (Debian: apt install hyperfine) and, for the ssh
# row, openssh-server and openssh-client (the tests' sshd, internal/testsupport/sshtest,
# is started on 127.0.0.1). The stand-in abra (internal/testsupport/fakeabra) plays abra;
# remotes are local bare repositories, or one reached over ssh.
#
# It prints a Markdown report (machine, then one table row per figure) and
# writes it to $TMPDIR/opsync-bench-<date>.md, or to --out FILE.
# docs/benchmarks.md holds the results of a full run and explains them.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

quick=0
only=""
out=""
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=1 ;;
    --only) only=",$2,"; shift ;;
    --out) out=$2; shift ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "bench/run.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
for tool in go git hyperfine; do
  command -v "$tool" >/dev/null || { echo "bench/run.sh needs $tool (hyperfine: apt install hyperfine)" >&2; exit 2; }
done

if [ "$quick" = 1 ]; then
  runs=6 rounds=2 warmup=1 slow_runs=1 conc_clones=8 conc_each=3
else
  runs=40 rounds=4 warmup=3 slow_runs=3 conc_clones=8 conc_each=25
fi
[ -n "$out" ] || out="${TMPDIR:-/tmp}/opsync-bench-$(date -u +%Y%m%d-%H%M).md"

work=$(mktemp -d "${TMPDIR:-/tmp}/opsync-bench.XXXXXX")
sshd_pid=""
cleanup() {
  # The sshd helper of the ssh row (which runs in a subshell) writes its pid here.
  [ -s "$work/sshd.pid" ] && sshd_pid=$(cat "$work/sshd.pid")
  if [ -n "$sshd_pid" ]; then kill "$sshd_pid" 2>/dev/null || true; sleep 0.2; fi
  if [ "${KEEP:-}" = 1 ]; then echo "bench: files kept in $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT

log() { printf 'bench: %s\n' "$*" >&2; }
wants() { [ -z "$only" ] || [[ "$only" == *",$1,"* ]]; }

# --- build --------------------------------------------------------------
log "building opsync (as go install builds it, and static with CGO_ENABLED=0), the stand-in abra and benchtool"
mkdir -p "$work"/{bin,static,realbin,home,json,hand}
go build -o "$work/bin/opsync" ./cmd/opsync
CGO_ENABLED=0 go build -o "$work/static/opsync" ./cmd/opsync
CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o "$work/static/opsync-stripped" ./cmd/opsync
go build -o "$work/realbin/abra" ./internal/testsupport/fakeabra/cmd/fake-abra
go build -o "$work/benchtool" ./bench/benchtool
# The floor (bench/floor): a static Go program that only finds the real abra
# and execs it; the least any wrapper that is a program of its own costs.
mkdir -p "$work/floorbin" "$work/floorshim"
CGO_ENABLED=0 go build -o "$work/floorbin/abra" ./bench/floor
cp "$work/static/opsync" "$work/floorshim/opsync"
ln -s opsync "$work/floorshim/abra"
ln -s opsync "$work/bin/abra"
bt="$work/benchtool"
realabra="$work/realbin/abra"

# A clean environment: nothing of the developer's git, abra or opsync set-up.
for v in $(env | sed -n 's/^\(GIT_[A-Z_]*\|OPSYNC[A-Z_]*\|ABRA_DIR\|FAKEABRA_[A-Z_]*\)=.*/\1/p'); do unset "$v"; done
export HOME="$work/home" GIT_CONFIG_NOSYSTEM=1 LC_ALL=C
syspath=$PATH
export PATH="$work/bin:$work/realbin:$PATH"
export FAKEABRA_STATE="$work/server-state"
cat >"$HOME/.gitconfig" <<'EOF'
[init]
	defaultBranch = main
[user]
	name = Bench Operator
	email = bench@example.org
[advice]
	detachedHead = false
EOF

# git processes are counted by a git first on PATH that logs each call; it
# is used only for counting, never while timing.
mkdir -p "$work/tracebin"
cat >"$work/tracebin/git" <<EOF
#!/bin/sh
printf '%s\n' "\$*" >> "$work/git.log"
exec $(command -v git) "\$@"
EOF
chmod +x "$work/tracebin/git"
# count_git CMD...: runs CMD once with the counting git; prints the number
# of git processes started (directly, by opsync or by a hand-typed script).
count_git() {
  : >"$work/git.log"
  PATH="$work/tracebin:$PATH" "$@" >/dev/null 2>&1 || { log "count_git: $* failed"; }
  wc -l <"$work/git.log" | tr -d ' '
}

# measure NAME [hyperfine options] -- CMD_A CMD_B...: hyperfine in several
# rounds, all commands in each round, so that a change in the machine's
# load during the run affects both sides alike. Prints the JSON files.
measure() {
  local name=$1; shift
  local opts=() cmds=()
  while [ "$1" != "--" ]; do opts+=("$1"); shift; done
  shift
  cmds=("$@")
  local files=() r
  local per=$(( (runs + rounds - 1) / rounds ))
  for r in $(seq 1 "$rounds"); do
    local f="$work/json/$name.$r.json"
    hyperfine -N --style none --warmup "$warmup" --runs "$per" "${opts[@]}" --export-json "$f" "${cmds[@]}" >/dev/null 2>"$work/json/$name.$r.err" ||
      { cat "$work/json/$name.$r.err" >&2; log "hyperfine failed for $name"; return 1; }
    files+=("$f")
  done
  echo "${files[@]}"
}

rows="$work/rows.md"
: >"$rows"
notes="$work/notes.md"
: >"$notes"
row() { "$bt" row "$@" | tee -a "$rows" >&2; }
note() { printf -- '- %s\n' "$*" | tee -a "$notes" >&2; }
skip() { printf '| %s | skipped: %s | | | | | | |\n' "$1" "$2" | tee -a "$rows" >&2; }

# operator DIR REMOTE [abra.yml line...]: an ABRA_DIR at DIR whose servers/
# is a clone of REMOTE, with abra.yml saying sync: true plus the lines given.
operator() {
  local dir=$1 remote=$2; shift 2
  mkdir -p "$dir"
  git clone -q "$remote" "$dir/servers"
  { echo "sync: true"; [ $# -eq 0 ] || echo "operator_sync:"; for l in "$@"; do echo "  $l"; done; } >"$dir/abra.yml"
}

# bump FILE: a prepare step; changes the env file without committing it, so
# that the log entry of every timed run (opsync's and the hand-typed one)
# commits a real change.
cat >"$work/hand/bump" <<'EOF'
#!/bin/sh
echo "# bench $(date +%s%N)" >> "$1"
EOF
chmod +x "$work/hand/bump"
bump="$work/hand/bump"

# The seed: a remote with 10 apps in one server directory and 100 entries.
"$bt" fixture -apps 10 -servers 1 -entries 100 "$work/small.git"
app=app0001.example.org
appfile=server01.example.org/$app.env

# --- rows -----------------------------------------------------------------

row_floor() {
  log "the floor: opsync's pass-through paths vs a static Go program that only execs abra"
  # opsync built static as the README installs it, its shim first on PATH;
  # the floor program sees the same search path with its own directory in
  # place of the shim's (OPSYNC_FLOOR_PATH), so both skip themselves once
  # and find the stand-in abra second. Everything by full path, so that no
  # command pays a PATH search the others do not.
  export PATH="$work/floorshim:$work/realbin:$syspath"
  export OPSYNC_FLOOR_PATH="$work/floorbin:$work/realbin:$syspath"
  local floor="$work/floorbin/abra" shim="$work/floorshim/abra" run="$work/floorshim/opsync run --"
  mkdir -p "$work/floorplain/servers/s1"
  printf 'TYPE=custom-html:1.0.0+1.0\nDOMAIN=foo.example.org\n' >"$work/floorplain/servers/s1/foo.example.org.env"
  export ABRA_DIR="$work/floorplain"
  # Runs of a few milliseconds, whose medians move with the machine's load:
  # three times the usual number of runs, in rounds of five (one warm-up
  # run each), so that the four commands take turns often and a change in
  # the load hits them alike (this function runs in a subshell: the counts
  # go back to the others' after it).
  runs=$((runs * 3)); rounds=$((runs / 5)) warmup=1
  files=$(measure floor -- "$realabra app ls" "$floor app ls" "$shim app ls" "$run app ls")
  "$bt" row -name "floor: the exec-only Go program in front of the stand-in abra vs the stand-in abra alone" -a 1 -b 0 $files | tee -a "$rows" >&2
  "$bt" row -name "floor: not opted in, \`abra app ls\` through the shim vs the floor" -target 1.10 -a 2 -b 1 $files | tee -a "$rows" >&2
  "$bt" row -name "floor: not opted in, \`opsync run -- app ls\` vs the floor" -target 1.10 -a 3 -b 1 $files | tee -a "$rows" >&2
  "$bt" row -cpu -name "floor, CPU time: not opted in, through the shim vs the floor" -target 1.10 -a 2 -b 1 $files | tee -a "$rows" >&2
  "$bt" row -cpu -name "floor, CPU time: not opted in, \`opsync run --\` vs the floor" -target 1.10 -a 3 -b 1 $files | tee -a "$rows" >&2
  operator "$work/floorcool" "$work/small.git" "cooldown: 1h"
  export ABRA_DIR="$work/floorcool"
  "$shim" app ls >/dev/null 2>&1 # the pull that starts the cooldown
  local git_a git_b
  git_a=$(count_git "$shim" app ls); git_b=$(count_git "$floor" app ls)
  files=$(measure floor-cooldown -- "$realabra app ls" "$floor app ls" "$shim app ls" "$run app ls")
  "$bt" row -name "floor: cooldown hit (opted in, read-only, within the cooldown), \`abra app ls\` through the shim vs the floor" -target 1.10 -git "$git_a" -git-baseline "$git_b" -a 2 -b 1 $files | tee -a "$rows" >&2
  "$bt" row -name "floor: cooldown hit, \`opsync run -- app ls\` vs the floor" -target 1.10 -a 3 -b 1 $files | tee -a "$rows" >&2
  "$bt" row -cpu -name "floor, CPU time: cooldown hit, through the shim vs the floor" -target 1.10 -a 2 -b 1 $files | tee -a "$rows" >&2
  "$bt" row -cpu -name "floor, CPU time: cooldown hit, \`opsync run --\` vs the floor" -target 1.10 -a 3 -b 1 $files | tee -a "$rows" >&2
  note "the floor program (bench/floor) is $(stat -c %s "$floor") bytes, static; opsync static $(stat -c %s "$work/floorshim/opsync") bytes."
  unset ABRA_DIR OPSYNC_FLOOR_PATH
}

row_startup() {
  log "sync not configured: the shim passes straight through to abra"
  mkdir -p "$work/plain/servers/s1"
  printf 'TYPE=custom-html:1.0.0+1.0\nDOMAIN=foo.example.org\n' >"$work/plain/servers/s1/foo.example.org.env"
  export ABRA_DIR="$work/plain"
  local git_a git_b
  git_a=$(count_git abra app ls); git_b=$(count_git "$realabra" app ls)
  files=$(measure startup -- "abra app ls" "$realabra app ls")
  row -name "sync not configured: \`abra app ls\` through the shim vs the stand-in abra" -target 1.05 -git "$git_a" -git-baseline "$git_b" $files
  cp "$work/static/opsync" "$work/bin/opsync.static" && mv "$work/bin/opsync" "$work/bin/opsync.dynamic" && mv "$work/bin/opsync.static" "$work/bin/opsync"
  files=$(measure startup-static -- "abra app ls" "$realabra app ls")
  row -name "the same, opsync built with CGO_ENABLED=0 (static)" -target 1.05 $files
  mv "$work/bin/opsync" "$work/bin/opsync.static" && mv "$work/bin/opsync.dynamic" "$work/bin/opsync" && rm "$work/bin/opsync.static"
  files=$(measure version -- "opsync version" "$realabra --version" "$work/static/opsync version" "$work/static/opsync-stripped version")
  row -name "start-up alone: \`opsync version\` vs \`abra --version\` (stand-in)" $files
  "$bt" row -name "start-up alone, static (CGO_ENABLED=0)" -a 2 -b 1 $files | tee -a "$rows" >&2
  "$bt" row -name "start-up alone, static and stripped (-ldflags='-s -w')" -a 3 -b 1 $files | tee -a "$rows" >&2
  note "binary sizes: opsync as go install builds it $(stat -c %s "$work/bin/opsync") bytes (dynamically linked: $(file -b "$work/bin/opsync" | grep -o 'dynamically linked' || echo no)), static $(stat -c %s "$work/static/opsync"), static and stripped $(stat -c %s "$work/static/opsync-stripped"); the stand-in abra $(stat -c %s "$realabra")."
  unset ABRA_DIR
}

row_cooldown() {
  log "read-only command within the cooldown"
  operator "$work/cool" "$work/small.git" "cooldown: 1h"
  export ABRA_DIR="$work/cool"
  abra app ls >/dev/null 2>&1 # the pull that starts the cooldown
  local git_a git_b
  git_a=$(count_git abra app ls); git_b=$(count_git "$realabra" app ls)
  files=$(measure cooldown -- "abra app ls" "$realabra app ls")
  row -name "read-only within the cooldown: \`abra app ls\` vs the stand-in abra" -target 1.05 -git "$git_a" -git-baseline "$git_b" $files
  unset ABRA_DIR
}

row_pull() {
  log "read-only command outside the cooldown: one pull"
  operator "$work/pull" "$work/small.git" "cooldown: 0"
  export ABRA_DIR="$work/pull"
  cat >"$work/hand/pull-ls" <<EOF
#!/bin/sh
cd "$work/pull/servers" && git pull --no-rebase -q && "$realabra" app ls
EOF
  chmod +x "$work/hand/pull-ls"
  local git_a git_b
  git_a=$(count_git abra app ls); git_b=$(count_git "$work/hand/pull-ls")
  files=$(measure pull -- "abra app ls" "$work/hand/pull-ls")
  row -name "read-only outside the cooldown: \`abra app ls\` (one pull) vs \`git pull --no-rebase && abra app ls\`" -git "$git_a" -git-baseline "$git_b" $files
  unset ABRA_DIR
}

# hand_modify NAME SERVERS: the modifying command typed by hand.
hand_modify() {
  cat >"$work/hand/$1" <<EOF
#!/bin/sh
cd "$2" && git pull --no-rebase -q && ABRA_DIR="$(dirname "$2")" "$realabra" app deploy $app 1.2.0+1.1 -f >/dev/null &&
  git add $appfile && git commit -q -m "abra app deploy $app 1.2.0+1.1 --force" && git push -q
EOF
  chmod +x "$work/hand/$1"
}

row_modify() {
  log "modifying command vs the same work typed by hand"
  operator "$work/mod" "$work/small.git"
  export ABRA_DIR="$work/mod"
  hand_modify modify "$work/mod/servers"
  local f="$work/mod/servers/$appfile" git_a git_b
  "$bump" "$f"; git_a=$(count_git abra app deploy $app 1.2.0+1.1 -f)
  "$bump" "$f"; git_b=$(count_git "$work/hand/modify")
  files=$(measure modify --prepare "$bump $f" -- "abra app deploy $app 1.2.0+1.1 -f" "$work/hand/modify")
  row -name "modifying: \`abra app deploy\` vs \`git pull --no-rebase && abra … && git add F && git commit && git push\`" -target 1.0 -git "$git_a" -git-baseline "$git_b" $files
  unset ABRA_DIR
}

row_lease() {
  if ! opsync lease --help >/dev/null 2>&1; then
    skip "modifying command with leases on (operator_sync: lease: true)" "command not available (opsync lease)"
    return
  fi
  log "modifying command with leases on vs off"
  operator "$work/lease-on" "$work/small.git" "lease: true"
  operator "$work/lease-off" "$work/small.git"
  local a2=app0002.example.org a3=app0003.example.org git_a git_b
  local f2="$work/lease-on/servers/server01.example.org/$a2.env" f3="$work/lease-off/servers/server01.example.org/$a3.env"
  # Each clone catches up first, so that neither count includes a merge of
  # the other side's entries (the timed runs merge alike on both sides).
  ABRA_DIR="$work/lease-on" abra app ls --force-sync >/dev/null 2>&1
  "$bump" "$f2"; git_a=$(ABRA_DIR="$work/lease-on" count_git abra app deploy $a2 1.2.0+1.1 -f)
  ABRA_DIR="$work/lease-off" abra app ls --force-sync >/dev/null 2>&1
  "$bump" "$f3"; git_b=$(ABRA_DIR="$work/lease-off" count_git abra app deploy $a3 1.2.0+1.1 -f)
  files=$(measure lease --prepare "$bump $f2" --prepare "$bump $f3" -- \
    "env ABRA_DIR=$work/lease-on abra app deploy $a2 1.2.0+1.1 -f" "env ABRA_DIR=$work/lease-off abra app deploy $a3 1.2.0+1.1 -f")
  row -name "modifying command with leases on (operator_sync: lease: true) vs off" -git "$git_a" -git-baseline "$git_b" $files
}

row_notify() {
  log "modifying command with one notify hook vs none"
  # A command hook that reads the entry and exits: what a hook costs opsync
  # itself (reading the entry back, starting it, waiting for it), not what
  # the hook does.
  operator "$work/notify-on" "$work/small.git" "notify:" "  - command: cat >/dev/null"
  operator "$work/notify-off" "$work/small.git"
  local a4=app0004.example.org a5=app0005.example.org git_a git_b
  local f4="$work/notify-on/servers/server01.example.org/$a4.env" f5="$work/notify-off/servers/server01.example.org/$a5.env"
  # A first deploy on each side adds what a clone's first entry for a server
  # directory adds (its .opsync/keep), so that neither count includes it.
  "$bump" "$f4"; ABRA_DIR="$work/notify-on" abra app deploy $a4 1.2.0+1.1 -f >/dev/null 2>&1
  "$bump" "$f5"; ABRA_DIR="$work/notify-off" abra app deploy $a5 1.2.0+1.1 -f >/dev/null 2>&1
  ABRA_DIR="$work/notify-on" abra app ls --force-sync >/dev/null 2>&1
  "$bump" "$f4"; git_a=$(ABRA_DIR="$work/notify-on" count_git abra app deploy $a4 1.2.0+1.1 -f)
  ABRA_DIR="$work/notify-off" abra app ls --force-sync >/dev/null 2>&1
  "$bump" "$f5"; git_b=$(ABRA_DIR="$work/notify-off" count_git abra app deploy $a5 1.2.0+1.1 -f)
  files=$(measure notify --prepare "$bump $f4" --prepare "$bump $f5" -- \
    "env ABRA_DIR=$work/notify-on abra app deploy $a4 1.2.0+1.1 -f" "env ABRA_DIR=$work/notify-off abra app deploy $a5 1.2.0+1.1 -f")
  row -name "modifying command with one notify command hook vs none" -git "$git_a" -git-baseline "$git_b" $files
}

scale_fixtures() {
  [ -d "$work/scale-large" ] && return
  log "scale fixtures: 10 apps / 100 entries, and 2,000 apps in 20 server dirs / 20,000 entries (git fast-import)"
  "$bt" fixture -apps 2000 -servers 20 -entries 20000 "$work/large.git"
  operator "$work/scale-small" "$work/small.git"
  operator "$work/scale-large" "$work/large.git"
  # Both have pulled once (the state opsync status reads).
  ABRA_DIR="$work/scale-small" abra app ls --force-sync >/dev/null 2>&1
  ABRA_DIR="$work/scale-large" abra app ls --force-sync >/dev/null 2>&1
}

row_scale() {
  scale_fixtures
  log "scale: the modifying command, large vs small"
  local fs="$work/scale-small/servers/$appfile" fl="$work/scale-large/servers/$appfile" git_a git_b
  "$bump" "$fl"; git_a=$(ABRA_DIR="$work/scale-large" count_git abra app deploy $app 1.2.0+1.1 -f)
  "$bump" "$fs"; git_b=$(ABRA_DIR="$work/scale-small" count_git abra app deploy $app 1.2.0+1.1 -f)
  files=$(measure scale-modify --prepare "$bump $fl" --prepare "$bump $fs" -- \
    "env ABRA_DIR=$work/scale-large abra app deploy $app 1.2.0+1.1 -f" "env ABRA_DIR=$work/scale-small abra app deploy $app 1.2.0+1.1 -f")
  row -name "scale: \`abra app deploy\` at 2,000 apps/20,000 entries vs 10 apps/100 entries" -target 1.3 -git "$git_a" -git-baseline "$git_b" $files
  # The same growth without opsync: how much of it is git's own.
  hand_modify scale-hand-large "$work/scale-large/servers"
  hand_modify scale-hand-small "$work/scale-small/servers"
  files=$(measure scale-hand --prepare "$bump $fl" --prepare "$bump $fs" -- "$work/hand/scale-hand-large" "$work/hand/scale-hand-small")
  row -name "scale, for comparison: the hand-typed sequence at 2,000 apps/20,000 entries vs 10 apps/100 entries" $files
}

row_status() {
  if ! opsync status --help >/dev/null 2>&1; then
    skip "scale: \`opsync status\` at 2,000 apps/20,000 entries vs 10 apps/100 entries" "command not available (opsync status)"
    return
  fi
  scale_fixtures
  log "scale: opsync status, large vs small"
  local git_a git_b
  git_a=$(ABRA_DIR="$work/scale-large" count_git opsync status); git_b=$(ABRA_DIR="$work/scale-small" count_git opsync status)
  files=$(measure scale-status -i -- "env ABRA_DIR=$work/scale-large opsync status" "env ABRA_DIR=$work/scale-small opsync status")
  row -name "scale: \`opsync status\` at 2,000 apps/20,000 entries vs 10 apps/100 entries" -target 1.3 -git "$git_a" -git-baseline "$git_b" $files
}

row_log() {
  if ! opsync log --help >/dev/null 2>&1; then
    skip "\`opsync log --json\` of 20,000 entries vs \`git log\` of the same" "command not available (opsync log)"
    return
  fi
  scale_fixtures
  log "opsync log --json vs git log, 20,000 entries"
  local git_a git_b
  git_a=$(ABRA_DIR="$work/scale-large" count_git opsync log --json)
  git_b=$(count_git git -C "$work/scale-large/servers" log -z "--format=%H%x1f%P%x1f%an%x1f%ae%x1f%aI%x1f%cI%x1f%B" main)
  files=$(measure log --output=pipe -- "env ABRA_DIR=$work/scale-large opsync log --json" \
    "env git -C $work/scale-large/servers log -z --format=%H%x1f%P%x1f%an%x1f%ae%x1f%aI%x1f%cI%x1f%B main")
  row -name "\`opsync log --json\` of 20,000 entries vs \`git log\` of the same (all fields opsync reads)" -target 1.5 -git "$git_a" -git-baseline "$git_b" $files
}

row_apps() {
  if ! opsync apps --help >/dev/null 2>&1; then
    skip "\`opsync apps --json\` at 2,000 apps/20,000 entries vs \`git log\` of the same" "command not available (opsync apps)"
    return
  fi
  scale_fixtures
  log "opsync apps --json vs git log, 2,000 apps / 20,000 entries"
  local git_a git_b
  git_a=$(ABRA_DIR="$work/scale-large" count_git opsync apps --json)
  git_b=$(count_git git -C "$work/scale-large/servers" log -z "--format=%H%x1f%P%x1f%an%x1f%ae%x1f%aI%x1f%cI%x1f%B" main)
  files=$(measure apps --output=pipe -- "env ABRA_DIR=$work/scale-large opsync apps --json" \
    "env git -C $work/scale-large/servers log -z --format=%H%x1f%P%x1f%an%x1f%ae%x1f%aI%x1f%cI%x1f%B main")
  row -name "\`opsync apps --json\` at 2,000 apps/20,000 entries vs \`git log\` of the same (all fields opsync reads)" -target 1.5 -git "$git_a" -git-baseline "$git_b" $files
}

row_concurrency() {
  log "concurrency: $conc_clones clones × $conc_each modifying commands, in parallel vs serially"
  "$bt" fixture -apps "$conc_clones" -servers 1 -entries 0 "$work/conc.git"
  local i
  for i in $(seq 1 "$conc_clones"); do operator "$work/conc/op$i" "$work/conc.git"; done
  cat >"$work/hand/conc" <<EOF
#!/bin/bash
# conc parallel|serial: every clone runs its $conc_each modifying commands on
# its own app, the clones at the same time or one after the other; then
# counts the entries that reached the remote.
set -u
before=\$(git -C "$work/conc.git" rev-list --no-merges --count main)
one() {
  local i=\$1 j v
  for j in \$(seq 1 $conc_each); do
    if [ \$((j % 2)) = 0 ]; then v=1.2.0+1.1; else v=1.3.0+1.1; fi
    ABRA_DIR="$work/conc/op\$i" abra app deploy \$(printf 'app%04d.example.org' \$i) \$v -f >/dev/null 2>>"$work/conc.err" || echo "op\$i run \$j failed" >>"$work/conc.err"
  done
}
for i in \$(seq 1 $conc_clones); do
  if [ "\$1" = parallel ]; then one \$i & else one \$i; fi
done
wait
after=\$(git -C "$work/conc.git" rev-list --no-merges --count main)
# An entry whose push lost the race push_retries times stays committed in
# its clone (exit 75; opsync sync pushes it later): counted, not an error.
echo "\$1 \$((after - before)) $((conc_clones * conc_each))" >>"$work/conc.stats"
EOF
  chmod +x "$work/hand/conc"
  : >"$work/conc.err"; : >"$work/conc.stats"
  local saved_runs=$runs saved_rounds=$rounds saved_warmup=$warmup
  runs=$slow_runs rounds=1 warmup=0
  files=$(measure concurrency -- "$work/hand/conc parallel" "$work/hand/conc serial")
  runs=$saved_runs rounds=$saved_rounds warmup=$saved_warmup
  row -name "concurrency: $conc_clones clones × $conc_each \`abra app deploy\`, all clones at once vs one after the other" $files
  local merges problems failed
  merges=$(git -C "$work/conc.git" rev-list --merges --count main)
  problems=$(grep -c '^opsync: \(warning\|error\)' "$work/conc.err" || true)
  failed=$(grep -c '^op[0-9]* run [0-9]* failed$' "$work/conc.err" || true)
  note "concurrency: log entries that reached the remote, per run (mode, pushed, made): $(tr '\n' ';' <"$work/conc.stats" | sed 's/;$//; s/;/; /g'). An entry whose push lost the race more than push_retries (default 6) times in a row stays committed in its clone (exit 75, \`opsync sync\` pushes it). Merge commits left by pulls after rejected pushes: $merges. Commands that exited non-zero: $failed; opsync warnings or errors: $problems$( [ "$problems" = 0 ] || echo " (first: $(grep -m1 '^opsync: \(warning\|error\)' "$work/conc.err" | cut -c1-140))")."
}

row_ssh() {
  if ! [ -x /usr/sbin/sshd ] || ! command -v ssh >/dev/null; then
    skip "over ssh: \`abra app deploy\` vs the hand-typed sequence" "no sshd (apt install openssh-server openssh-client)"
    return
  fi
  log "over ssh to a local sshd: the modifying command vs the hand-typed sequence"
  mkdir -p "$work/sshd"
  coproc SSHD { exec "$bt" sshd -dir "$work/sshd" -home "$HOME" -bin "$work/sshbin" opsync-bench 2>&1; }
  sshd_pid=$SSHD_PID
  echo "$sshd_pid" >"$work/sshd.pid"
  local ready sshlog
  read -r ready sshlog <&"${SSHD[0]}" || { log "the test sshd did not start"; return 1; }
  export PATH="$work/sshbin:$PATH"
  git clone -q --bare "$work/small.git" "$work/ssh-remote.git"
  operator "$work/sshop" "opsync-bench:$work/ssh-remote.git"
  export ABRA_DIR="$work/sshop"
  hand_modify ssh-modify "$work/sshop/servers"
  local f="$work/sshop/servers/$appfile" n0 n1 n2 n3 git_a git_b
  n0=$("$bt" logins "$sshlog")
  "$bump" "$f"; git_a=$(count_git abra app deploy $app 1.2.0+1.1 -f)
  n1=$("$bt" logins "$sshlog")
  "$bump" "$f"; git_b=$(count_git "$work/hand/ssh-modify")
  n2=$("$bt" logins "$sshlog")
  "$bump" "$f"; GIT_SSH_COMMAND=ssh abra app deploy $app 1.2.0+1.1 -f >/dev/null 2>&1
  n3=$("$bt" logins "$sshlog")
  files=$(measure ssh --prepare "$bump $f" -- "abra app deploy $app 1.2.0+1.1 -f" "$work/hand/ssh-modify" \
    "env GIT_SSH_COMMAND=ssh abra app deploy $app 1.2.0+1.1 -f")
  row -name "over ssh: \`abra app deploy\` (one shared connection) vs the hand-typed sequence" -target 0.8 -git "$git_a" -git-baseline "$git_b" $files
  "$bt" row -name "over ssh, sharing turned off (GIT_SSH_COMMAND=ssh) vs the hand-typed sequence" -a 2 -b 1 $files | tee -a "$rows" >&2
  note "ssh handshakes (sshd 'Accepted publickey' lines) for one command: opsync $((n1 - n0)), hand-typed $((n2 - n1)), opsync with GIT_SSH_COMMAND=ssh $((n3 - n2))."
  # What one handshake costs here: a new connection vs a session over an
  # existing one (what opsync's push uses).
  local sock="$work/sshd/bench-master"
  ssh -o ControlMaster=yes -o ControlPath="$sock" -o ControlPersist=600 -f -N opsync-bench
  files=$(measure ssh-handshake -- "ssh opsync-bench true" "ssh -o ControlPath=$sock opsync-bench true" "ssh -G opsync-bench" "ssh -o ControlPath=$sock -O check opsync-bench")
  "$bt" row -name "for comparison: \`ssh host true\` (new connection) vs the same over a shared connection" $files | tee -a "$rows" >&2
  "$bt" row -name "for comparison: \`ssh -G host\` (opsync's check) vs a session over a shared connection" -a 2 -b 1 $files | tee -a "$rows" >&2
  "$bt" row -name "for comparison: \`ssh -O check\` (as cheap as opsync's \`-O exit\`) vs a session over a shared connection" -a 3 -b 1 $files | tee -a "$rows" >&2
  ssh -o ControlPath="$sock" -O exit opsync-bench 2>/dev/null || true
  unset ABRA_DIR
  kill "$sshd_pid"; wait "$sshd_pid" 2>/dev/null || true; sshd_pid=""; : >"$work/sshd.pid"
}

# --- run ------------------------------------------------------------------
started=$(date -u '+%Y-%m-%d %H:%M UTC')
for r in floor startup cooldown pull modify lease notify scale status log apps concurrency ssh; do
  if wants "$r"; then
    # A row that fails is reported as such; the others still run.
    ( "row_$r" ) || skip "$r" "FAILED (see the messages above)"
  fi
done

cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null | head -1)
{
  echo "## Results: $started"
  echo
  echo "Machine: $(nproc) CPUs (${cpu:-unknown CPU}), Linux $(uname -r), $(go version | cut -d' ' -f3-), $(git --version), $(hyperfine --version)$(command -v ssh >/dev/null && echo ", $(ssh -V 2>&1 | cut -d, -f1)"). Load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)."
  echo
  echo "Mode: $([ "$quick" = 1 ] && echo "--quick (few runs: a smoke test, not a result)" || echo "full"): $runs runs per command in $rounds rounds (each round runs every command of the row), $warmup warm-up runs; the concurrency row $slow_runs run(s)."
  echo
  echo "| Figure | opsync: median (IQR) | baseline: median (IQR) | added | ratio | target | | git processes (opsync vs baseline) |"
  echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
  cat "$rows"
  echo
  cat "$notes"
} >"$out"
log "report written to $out"
cat "$out"
