#!/usr/bin/env bash
# bench/deploypath.sh: how much of opsync one happy-path `abra app deploy`
# runs — the project functions executed, the files and packages they are
# in — read from a coverage build (go build -cover) of the opsync program
# running one deploy through the shim against a plain bare remote.
# Not a test: a figure for docs/benchmarks.md and the redesign's notes.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d "${TMPDIR:-/tmp}/opsync-deploypath.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/bin" "$work/realbin" "$work/home" "$work/cover"
pkgs=$(go list ./... | grep -v '/internal/testsupport/' | grep -v '/bench' | grep -v '/reliability' | paste -sd, -)
go build -cover -coverpkg="$pkgs" -o "$work/bin/opsync" ./cmd/opsync
go build -o "$work/realbin/abra" ./internal/testsupport/fakeabra/cmd/fake-abra
ln -s opsync "$work/bin/abra"
export PATH="$work/bin:$work/realbin:$PATH" HOME="$work/home" GIT_CONFIG_NOSYSTEM=1
export ABRA_DIR="$work/alice/.abra" FAKEABRA_STATE="$work/state"
export GIT_AUTHOR_NAME=Alice GIT_AUTHOR_EMAIL=alice@example.org GIT_COMMITTER_NAME=Alice GIT_COMMITTER_EMAIL=alice@example.org
git init -q --bare "$work/remote.git"
mkdir -p "$ABRA_DIR/servers/s1"
printf 'TYPE=custom-html:1.0.0+1.0\nDOMAIN=wiki.example.org\n' >"$ABRA_DIR/servers/s1/wiki.example.org.env"
git -C "$ABRA_DIR/servers" init -q
git -C "$ABRA_DIR/servers" add -A
git -C "$ABRA_DIR/servers" commit -qm start
git -C "$ABRA_DIR/servers" remote add origin "$work/remote.git"
git -C "$ABRA_DIR/servers" push -qu origin HEAD
echo "sync: true" >"$ABRA_DIR/abra.yml"
GOCOVERDIR="$work/cover" abra app deploy wiki.example.org 1.2.0+1.1 --force 2>"$work/stderr"
grep -q 'pushed to' "$work/stderr" || { cat "$work/stderr"; exit 1; }
go tool covdata func -i "$work/cover" | awk '$NF != "0.0%" && $1 != "total" {split($1, a, ":"); print a[1] "\t" $2}' >"$work/funcs"
funcs=$(wc -l <"$work/funcs")
files=$(cut -f1 "$work/funcs" | sort -u | wc -l)
packages=$(cut -f1 "$work/funcs" | xargs -n1 dirname | sort -u | wc -l)
echo "deploy path: $funcs functions in $files files and $packages packages"
if [ "${VERBOSE:-}" = 1 ]; then cut -f1 "$work/funcs" | sort | uniq -c | sort -rn; fi
