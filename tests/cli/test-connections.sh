# SPDX-License-Identifier: GPL-3.0-or-later
# Connections: pierctl connection add/ls/rm/default in a scratch HOME, the saved file (mode,
# content, a kill in the middle of a write), --connection and PIER_CONNECTION, and what is found
# on this machine: a Docker context the docker CLI made, Podman service destinations `podman
# system connection add` wrote, sockets that answer, and hostile files among them.
source "$(dirname "$0")/lib.sh"

export HOME="$SCRATCH/home" XDG_CONFIG_HOME="$SCRATCH/config" DOCKER_CONFIG="$SCRATCH/docker"
export CONTAINERS_CONF="$SCRATCH/containers.conf" XDG_RUNTIME_DIR="$SCRATCH/xdg-run"
unset DOCKER_HOST PIER_CONNECTION
mkdir -p "$HOME" "$XDG_RUNTIME_DIR"
SAVED="$XDG_CONFIG_HOME/pier/connections.json"
DOCKER_CLI=/usr/local/bin/docker
for tool in "$DOCKER_CLI" podman strace python3; do
  command -v "$tool" >/dev/null || fail "$tool is needed by this test and is not installed"
done

conn() { "$PIERCTL" connection "$@"; }
# A field of the connection called $1 in `connection ls --format json` ("" when absent).
field() {
  conn ls --format json 2>/dev/null | python3 -c '
import json, sys
rows = [r for r in json.load(sys.stdin) if r["Name"] == sys.argv[1]]
print(rows[0].get(sys.argv[2], "") if rows else "ABSENT")' "$1" "$2"
}
names() { conn ls --format json 2>/dev/null | python3 -c 'import json,sys; print(" ".join(r["Name"] for r in json.load(sys.stdin)))'; }

# --- The embedded engine alone, first and the default ---
assert_eq "$(names | cut -d' ' -f1)" "pier" "first connection"
assert_eq "$(field pier Origin)" "embedded" "pier's origin"
assert_eq "$(field pier Default)" "True" "pier is the default"
[ ! -e "$SAVED" ] || fail "ls wrote $SAVED"
pass "a fresh HOME lists the embedded engine, the default"

# --- add, ls, the saved file ---
ssh-keygen -q -t ed25519 -N '' -C pier-test -f "$SCRATCH/key"
conn add d "unix://$SCRATCH/docker.sock"
conn add r ssh://me@127.0.0.1:2222 --identity "$SCRATCH/key" --kind podman --default
assert_eq "$(field d Kind) $(field d URI) $(field d Origin)" "docker unix://$SCRATCH/docker.sock saved" "d"
assert_eq "$(field r Kind) $(field r Identity) $(field r Default)" "podman $SCRATCH/key True" "r"
assert_eq "$(field pier Default)" "False" "pier after --default"
table=$(conn ls)
for col in NAME KIND URI ORIGIN DEFAULT; do assert_contains "$(head -1 <<<"$table")" "$col" "ls header"; done
assert_contains "$(grep '^r ' <<<"$table")" "*" "the default's row"
assert_eq "$(stat -c %a "$SAVED") $(stat -c %a "$(dirname "$SAVED")")" "600 700" "modes of the saved file and its folder"
python3 - "$SAVED" "$SCRATCH" <<'EOF' || fail "saved file content"
import json, sys
d = json.load(open(sys.argv[1]))
s = sys.argv[2]
assert d == {"default": "r", "connections": [
    {"name": "d", "kind": "docker", "uri": f"unix://{s}/docker.sock"},
    {"name": "r", "kind": "podman", "uri": "ssh://me@127.0.0.1:2222", "identity": f"{s}/key"}]}, d
EOF
grep -q "PRIVATE KEY" "$SAVED" && fail "the key itself is in $SAVED"
pass "add saves name, kind, URI and the key file's name (no key) in a 0600 file; ls shows them"

# --- bad input names the argument ---
expect_failure "“pier” is the embedded engine" conn add pier unix:///x.sock
expect_failure "“d” is saved already" conn add d unix:///x.sock
expect_failure "“a b”" conn add "a b" unix:///x.sock
expect_failure "“tcp://10.0.0.1:2375”" conn add t tcp://10.0.0.1:2375
expect_failure "“ssh://”" conn add t ssh://
expect_failure "$SCRATCH/missing-key" conn add t ssh://h --identity "$SCRATCH/missing-key"
expect_failure "is for ssh:// connections" conn add t unix:///x.sock --identity "$SCRATCH/key"
expect_failure "“lxd”" conn add t unix:///x.sock --kind lxd
expect_failure "“nope”" conn rm nope
expect_failure "“nope”" conn default nope
expect_failure "embedded engine, which cannot be removed" conn rm pier
expect_failure "“frob”" conn frob
expect_failure "longer than 1024 bytes" conn add t "ssh://$(head -c 100000 /dev/zero | tr '\0' a)"
assert_eq "$(names)" "pier d r" "connections after the refused changes"
pass "bad names, URIs, kinds and identity files are refused, each named"

# --- choosing: --connection, then PIER_CONNECTION, then the saved default ---
# A verb on another connection fails naming it (its engine cannot, or cannot reach its peer),
# exit 1, nothing on stdout.
expect_on() {
  local name=$1; shift
  local code=0
  "$@" >"$SCRATCH/verb.out" 2>"$SCRATCH/verb.err" || code=$?
  assert_eq "$code" 1 "exit of «$*»"
  [ ! -s "$SCRATCH/verb.out" ] || fail "«$*» printed to stdout: $(cat "$SCRATCH/verb.out")"
  assert_contains "$(cat "$SCRATCH/verb.err")" "connection “$name”" "error of «$*»"
  assert_eq "$(wc -l <"$SCRATCH/verb.err")" 1 "lines on stderr of «$*»"
}
expect_on r pierctl ps -a
expect_on d pierctl --connection d ps -a
# Verbs that say each name's failure on its own line name the connection too.
expect_on d pierctl --connection d rmi busybox
expect_on d pierctl --connection d start nosuch
expect_on d env PIER_CONNECTION=d "$PIERCTL" --root "$ROOT" --runroot "$RUNROOT" images
expect_on r env PIER_CONNECTION=d "$PIERCTL" --connection r --root "$ROOT" --runroot "$RUNROOT" images
expect_on d "$PIERCTL" --connection=d --root "$ROOT" --runroot "$RUNROOT" images
expect_failure "no connection is called “nope”" "$PIERCTL" --connection nope ps
pierctl --connection pier images -q >/dev/null
PIER_CONNECTION=pier pierctl images -q >/dev/null
conn default pier
assert_eq "$(field pier Default) $(field r Default)" "True False" "defaults after default pier"
# JSON, whose times are absolute ("Less than a second ago" becomes "1 second ago").
for verb in "images --format json" "ps -a" "inspect busybox" "rmi nosuch"; do
  pierctl $verb >"$SCRATCH/plain.out" 2>"$SCRATCH/plain.err" || true
  pierctl --connection pier $verb >"$SCRATCH/pier.out" 2>"$SCRATCH/pier.err" || true
  cmp "$SCRATCH/plain.out" "$SCRATCH/pier.out" && cmp "$SCRATCH/plain.err" "$SCRATCH/pier.err" ||
    fail "--connection pier changed the output of $verb"
done
conn default d
conn rm d
assert_eq "$(names) $(field pier Default)" "pier r True" "after rm of the default"
pass "--connection wins over PIER_CONNECTION, which wins over the default; pier is as before"

# --- a kill in the middle of a write leaves the old file ---
cp "$SAVED" "$SCRATCH/saved.before"
# glibc's renameat2() without flags is the renameat system call.
for syscall in fsync rename,renameat,renameat2; do
  code=0
  strace -f -o /dev/null -e trace="$syscall" -e inject="$syscall":signal=SIGKILL \
    "$PIERCTL" connection add k unix:///k.sock || code=$?
  assert_eq "$code" 137 "pierctl killed at $syscall"
  cmp "$SAVED" "$SCRATCH/saved.before" || fail "a kill at $syscall changed $SAVED"
  assert_eq "$(names)" "pier r" "connections after a kill at $syscall"
done
conn add k unix:///k.sock
assert_eq "$(names)" "pier r k" "connections after the add that ran to its end"
conn rm k
pass "a kill at the temporary file's sync or its rename leaves the saved file as it was"

# --- found: a Docker context made by the docker CLI ---
"$DOCKER_CLI" context create ctx1 --docker host=ssh://u@127.0.0.1:2222 >/dev/null
assert_eq "$(field ctx1 Kind) $(field ctx1 URI) $(field ctx1 Origin)" \
  "docker ssh://u@127.0.0.1:2222 docker-context" "the context ctx1"
assert_eq "$(field default URI) $(field default Origin)" "unix:///var/run/docker.sock docker-context" \
  "Docker's default context"
expect_on ctx1 "$PIERCTL" --connection ctx1 ps
pass "a Docker context the docker CLI made is found, and the default context"

# --- found: Podman service destinations written by podman ---
touch "$CONTAINERS_CONF"
podman system connection add --identity "$SCRATCH/key" pd \
  ssh://core@127.0.0.1:2222/run/podman/podman.sock
podman system connection add pu "unix://$SCRATCH/nowhere.sock" 2>/dev/null
podman system connection add "a.b c" unix:///x/y.sock 2>/dev/null
assert_eq "$(field pd Kind) $(field pd URI) $(field pd Identity) $(field pd Origin)" \
  "podman ssh://core@127.0.0.1:2222/run/podman/podman.sock $SCRATCH/key podman-destination" "pd"
assert_eq "$(field pu URI)" "unix://$SCRATCH/nowhere.sock" "pu"
pass "Podman's service destinations are found, with their identity files"

# --- found: local sockets that answer (DOCKER_HOST, the user's Podman socket) ---
listen() {
  python3 -c 'import socket, sys, time
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(8)
while True: time.sleep(60)' "$1" &
  on_exit "kill $!"
  eventually 10 test -S "$1" || fail "no socket at $1"
}
listen "$SCRATCH/docker.sock"
mkdir -p "$XDG_RUNTIME_DIR/podman"
listen "$XDG_RUNTIME_DIR/podman/podman.sock"
python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$SCRATCH/stale.sock"
export DOCKER_HOST="unix://$SCRATCH/docker.sock"
assert_eq "$(field docker URI) $(field docker Origin)" "unix://$SCRATCH/docker.sock socket" "DOCKER_HOST"
assert_eq "$(field podman-user URI) $(field podman-user Kind)" \
  "unix://$XDG_RUNTIME_DIR/podman/podman.sock podman" "the user's Podman socket"
# Docker's default context is DOCKER_HOST now: the same engine, listed once.
assert_eq "$(field default Name)" "ABSENT" "the default context beside the same socket"
DOCKER_HOST="unix://$SCRATCH/stale.sock" conn ls >/dev/null 2>"$SCRATCH/ls.err"
assert_contains "$(cat "$SCRATCH/ls.err")" "DOCKER_HOST: unix://$SCRATCH/stale.sock does not answer" "a stale socket"
pass "sockets that answer are found, named docker and podman-user; a stale one is a warning"

# --- names: a found one yields to a saved one, and the same engine is listed once ---
conn add ctx1 ssh://other@127.0.0.1
conn add same ssh://core@127.0.0.1:2222/run/podman/podman.sock --kind podman
assert_eq "$(field ctx1 Origin) $(field ctx1-2 Origin) $(field ctx1-2 URI)" \
  "saved docker-context ssh://u@127.0.0.1:2222" "a found name that clashes"
assert_eq "$(field pd Name)" "ABSENT" "a destination saved under another name"
expect_failure "docker-context" conn rm ctx1-2
conn default ctx1-2
assert_eq "$(field ctx1-2 Default)" "True" "a found connection as the default"
expect_on ctx1-2 pierctl ps
conn default "a.b c"
assert_eq "$(field "a.b c" Default) $(field "a.b c" URI)" "True unix:///x/y.sock" \
  "a found name no saved one could have, as the default"
conn default pier
pass "a found name that clashes takes a suffix; one saved is not listed twice"

# --- hostile files: a warning naming the file, the list still whole ---
before=$(names)
meta="$DOCKER_CONFIG/contexts/meta"
mkdir -p "$meta/huge" "$meta/types" "$meta/loop" "$meta/fifo" "$meta/tcp"
head -c 3000000 /dev/zero | tr '\0' ' ' >"$meta/huge/meta.json"
echo '{"Name": 5, "Endpoints": {"docker": {"Host": ["x"]}}}' >"$meta/types/meta.json"
ln -s loop2 "$meta/loop/meta.json"; ln -s meta.json "$meta/loop/loop2"
mkfifo "$meta/fifo/meta.json"
echo '{"Name": "tcp", "Endpoints": {"docker": {"Host": "tcp://10.0.0.1:2375"}}}' >"$meta/tcp/meta.json"
cat >>"$CONTAINERS_CONF" <<'EOF'
[engine.service_destinations.typed]
  uri = 5
[engine.service_destinations.broken]
  uri = "ssh://never
EOF
timeout 20 "$PIERCTL" connection ls >"$SCRATCH/ls.out" 2>"$SCRATCH/ls.err" || fail "ls failed: $(cat "$SCRATCH/ls.err")"
err=$(cat "$SCRATCH/ls.err")
assert_contains "$err" "$meta/huge/meta.json" "warning for a huge file"
assert_contains "$err" "$meta/types/meta.json: not a Docker context" "warning for wrong types"
assert_contains "$err" "$meta/loop/meta.json" "warning for a symlink loop"
assert_contains "$err" "$meta/fifo/meta.json is not a regular file" "warning for a FIFO"
assert_contains "$err" "“tcp://10.0.0.1:2375”" "warning for a tcp:// context"
assert_contains "$err" "$CONTAINERS_CONF: the uri of the destination “typed” is not a string" "warning for uri = 5"
assert_contains "$err" "$CONTAINERS_CONF: line " "warning for an unterminated string"
for name in pier ctx1 ctx1-2 pu docker podman-user; do
  assert_contains " $(names) " " $name " "$name in the list beside hostile files"
done
assert_eq "$(names)" "$before" "the list beside hostile files"
head -c 3000000 /dev/zero >"$CONTAINERS_CONF"
conn ls >/dev/null 2>"$SCRATCH/ls.err"
assert_contains "$(cat "$SCRATCH/ls.err")" "$CONTAINERS_CONF is 3000000 bytes" "a huge containers.conf"
pass "huge files, wrong types, a link loop, a FIFO: warnings naming them, and the list"

# --- a broken saved file: warned about, never overwritten ---
cp "$SAVED" "$SCRATCH/saved.good"
echo '{"connections": {"name": "x"}}' >"$SAVED"
cp "$SAVED" "$SCRATCH/saved.bad"
conn ls >"$SCRATCH/ls.out" 2>"$SCRATCH/ls.err"
assert_contains "$(cat "$SCRATCH/ls.err")" "$SAVED" "warning for a broken saved file"
assert_eq "$(names | cut -d' ' -f1)" "pier" "the list beside a broken saved file"
expect_failure "$SAVED" conn add n unix:///n.sock
expect_failure "$SAVED" conn rm ctx1
cmp "$SAVED" "$SCRATCH/saved.bad" || fail "a refused change rewrote the broken file"
rm "$SAVED"; ln -s connections.json "$SAVED"
conn ls >/dev/null 2>"$SCRATCH/ls.err"
assert_contains "$(cat "$SCRATCH/ls.err")" "$SAVED" "warning for a saved file that is a link loop"
pierctl images -q 2>"$SCRATCH/images.err" >/dev/null
assert_contains "$(cat "$SCRATCH/images.err")" "$SAVED" "a verb's warning for a broken saved file"
pierctl --connection pier images -q 2>"$SCRATCH/images.err" >/dev/null
[ ! -s "$SCRATCH/images.err" ] || fail "--connection pier read the saved file: $(cat "$SCRATCH/images.err")"
pass "a broken saved file is a warning for ls and refused for changes, left as it was"

# Twenty adds at once, and removes beside them: each change builds on the others, none is lost.
rm -f "$SAVED"
pids=()
for i in $(seq 1 20); do conn add "many$i" "unix:///many$i.sock" >/dev/null & pids+=($!); done
for pid in "${pids[@]}"; do wait "$pid" || fail "an add beside nineteen others failed"; done
assert_eq "$(names | tr ' ' '\n' | grep -c '^many')" 20 "saved after twenty adds at once"
pids=()
for i in $(seq 1 10); do conn rm "many$i" >/dev/null & pids+=($!); done
conn default many20 & pids+=($!)
for pid in "${pids[@]}"; do wait "$pid" || fail "a change beside the others failed"; done
assert_eq "$(names | tr ' ' '\n' | grep -c '^many')" 10 "left after ten removes at once"
assert_contains "$(cat "$SAVED")" '"default": "many20"' "the default set beside the removes"
pass "changes made at once each keep the others' (the saved file is locked while it changes)"
