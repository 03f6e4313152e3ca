#!/usr/bin/env bash
# opsync end to end, on one machine, with no abra server at hand: two
# operators (Alice and Bob) share a bare git repository as the remote and
# drive the stand-in abra (internal/testsupport/fakeabra) through opsync's `abra` shim.
# Needs: go, git. Leaves nothing behind unless KEEP=1.
set -euo pipefail
cd "$(dirname "$0")"

work=$(mktemp -d "${TMPDIR:-/tmp}/opsync-demo.XXXXXX")
if [ "${KEEP:-}" = 1 ]; then
  echo "demo files kept in $work"
else
  trap 'rm -rf "$work"' EXIT
fi

say() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
run() { printf '\033[2m$ %s\033[0m\n' "$(printf '%q ' "$@")"; "$@"; }

say "Building opsync and the stand-in abra"
mkdir -p "$work/bin" "$work/realbin" "$work/home"
go build -o "$work/bin/opsync" ./cmd/opsync
go build -o "$work/realbin/abra" ./internal/testsupport/fakeabra/cmd/fake-abra
# The shim: opsync under the name abra, first on PATH. The real (stand-in)
# abra comes after it on PATH, which is where opsync looks for it.
ln -s opsync "$work/bin/abra"
export PATH="$work/bin:$work/realbin:$PATH"
export HOME="$work/home" GIT_CONFIG_NOSYSTEM=1
export FAKEABRA_STATE="$work/server-state" # the "servers" both operators deploy to
git config --global advice.detachedHead false

as() { # as NAME: become that operator (own ~/.abra, own git identity)
  local name=$1 Name
  Name="$(tr '[:lower:]' '[:upper:]' <<<"${name:0:1}")${name:1}"
  export ABRA_DIR="$work/$name/.abra"
  export GIT_AUTHOR_NAME="$Name" GIT_AUTHOR_EMAIL="$name@example.org"
  export GIT_COMMITTER_NAME="$Name" GIT_COMMITTER_EMAIL="$name@example.org"
}

say "The shared remote: a plain bare repository (on a forge or a server in real life; its HEAD names git's default branch)"
run git init -q --bare "$work/remote.git"

say "Alice keeps her servers/ directory in git and turns operator sync on"
as alice
mkdir -p "$ABRA_DIR/servers/server1.example.org" "$ABRA_DIR/servers/server2.example.org"
cat >"$ABRA_DIR/servers/server1.example.org/wiki.example.org.env" <<'EOF'
TYPE=custom-html:1.0.0+1.0
DOMAIN=wiki.example.org
LETS_ENCRYPT_ENV=production
SECRET_DB_PASSWORD_VERSION=v1
EOF
cat >"$ABRA_DIR/servers/server2.example.org/chat.example.org.env" <<'EOF'
TYPE=custom-html:1.0.0+1.0
DOMAIN=chat.example.org
EOF
run git -C "$ABRA_DIR/servers" init -q
run git -C "$ABRA_DIR/servers" add -A
run git -C "$ABRA_DIR/servers" commit -qm "servers: start the operator log"
run git -C "$ABRA_DIR/servers" branch -M main
run git -C "$ABRA_DIR/servers" remote add origin "$work/remote.git"
run git -C "$ABRA_DIR/servers" push -qu origin main
echo "sync: true" >"$ABRA_DIR/abra.yml"
echo "$ABRA_DIR/abra.yml:"; sed 's/^/    /' "$ABRA_DIR/abra.yml"

say "Bob joins with opsync init: it clones the branch that holds the log, whatever the remote's HEAD says"
as bob
run opsync init --remote "$work/remote.git"

say "Alice deploys the wiki: opsync pulls, abra deploys, opsync commits the env file and pushes"
as alice
run abra app deploy wiki.example.org 1.2.0+1.1 --force

say "Bob's next command pulls first, so he sees the version Alice deployed"
as bob
run abra app ls
run grep TYPE "$ABRA_DIR/servers/server1.example.org/wiki.example.org.env"

say "At the same moment, Bob upgrades chat and Alice inserts a secret: both entries land"
as bob
FAKEABRA_SLEEP=1s abra app upgrade chat.example.org 1.3.0+1.1 --force &
bob=$!
as alice
run abra app secret insert wiki.example.org db_password v2 'correct horse battery staple'
wait "$bob"

say "What opsync would do, without doing it (explain): aliases resolved, secrets redacted"
run opsync explain -- a s i wiki.example.org db_password v3 hunter2

say "The operator log: who ran what, on which app, with what result (Bob's clone, newest first)"
as bob
run opsync sync
run opsync log
say "The same, for one app, as JSON for scripts"
run opsync log --app wiki.example.org --json

say "Each repository's state"
run opsync status

say "No secret value is in the log"
if git -C "$work/remote.git" log -p main | grep -q 'correct horse'; then
  echo "FOUND A SECRET IN THE LOG"; exit 1
else
  echo "ok: 'correct horse battery staple' appears nowhere in the history"
fi
