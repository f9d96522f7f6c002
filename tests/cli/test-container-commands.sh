#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# pierctl's container verbs against real containers.
. "$(dirname "$0")/lib.sh"
remove_containers_on_exit

# run: output, exit code, --rm
assert_eq "$(pierctl run --rm busybox echo hello)" hello "run prints the output"
set +e; pierctl run --rm busybox sh -c 'exit 42'; code=$?; set -e
assert_eq "$code" 42 "run exits with the container's code"
eventually 3 sh -c "[ -z \"\$($PIERCTL --root $ROOT --runroot $RUNROOT ps -aq)\" ]" || fail "--rm left a container"
assert_eq "$(echo piped | pierctl run --rm -i busybox cat)" piped "run -i passes standard input"
assert_eq "$(pierctl run --rm -e A=1 -e B=two -w /tmp -u 1000:1000 busybox sh -c 'echo $A $B $(pwd) $(id -u):$(id -g)')" \
  "1 two /tmp 1000:1000" "env, workdir and user"
assert_eq "$(pierctl run --rm --hostname web busybox hostname)" web "--hostname"
pass "run: output, exit codes, --rm, -i, -e, -w, -u, --hostname"

# a pseudo-terminal, with its size and changes passed on
# pierctl's stderr goes to the terminal too: a failure says it, rather than set -e ending here
tty_out=$(script -qec "stty rows 33 cols 111; $PIERCTL --root $ROOT --runroot $RUNROOT run --rm -t busybox stty size" /dev/null | tr -d '\r') ||
  fail "run --rm -t exited $?: $tty_out"
assert_eq "$tty_out" "33 111" "-t gives a terminal of the caller's size"
/usr/bin/python3 - "$PIERCTL" "$ROOT" "$RUNROOT" <<'PY' || fail "window-size change not passed on"
import fcntl, os, pty, select, signal, struct, sys, termios, time
pierctl, root, runroot = sys.argv[1:4]
pid, fd = pty.fork()
if pid == 0:
    os.execv(pierctl, [pierctl, "--root", root, "--runroot", runroot, "run", "--rm", "-it", "busybox",
                       "sh", "-c", "trap 'stty size; exit 0' WINCH; echo ready; while :; do sleep 0.1; done"])
def read_until(word, timeout=10):
    buf, end = b"", time.time() + timeout
    while time.time() < end:
        r, _, _ = select.select([fd], [], [], 0.2)
        if r:
            try:
                buf += os.read(fd, 1024)
            except OSError:
                break
            if word in buf:
                return buf
    return buf
assert b"ready" in read_until(b"ready"), "the container did not start"
fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 41, 123, 0, 0))
os.kill(pid, signal.SIGWINCH)
out = read_until(b"41 123")
os.waitpid(pid, 0)
sys.exit(0 if b"41 123" in out else 1)
PY
pass "run -t: the terminal's size, and its changes"

# start -a: the terminal's size of this start, 0x0 included, never one an earlier start gave
pierctl create -t --name sized busybox stty size >/dev/null
sized_start() { script -qec "stty rows $1 cols $2; $PIERCTL --root $ROOT --runroot $RUNROOT start -a sized" /dev/null | tr -d '\r'; }
assert_eq "$(sized_start 33 111)" "33 111" "start -a gives the terminal's size"
assert_not_contains "$(sized_start 0 0)" "33 111" "start -a on a 0x0 terminal keeps no earlier size"
pierctl rm sized >/dev/null
pass "start -a: the terminal's size, 0x0 included"

# a store that cannot be opened is said once, however many containers are named
echo "not a store" >"$SCRATCH/not-a-store"
for verb in stop kill rm; do
  expect_failure "pierctl $verb: " "$PIERCTL" --root "$SCRATCH/not-a-store" --runroot "$RUNROOT" \
    "$verb" first second third
done
pass "stop, kill, rm: one error for a store that cannot be opened"

# create, start, ps, logs, stop, restart, kill, wait, rm
id=$(pierctl create --name svc busybox sh -c 'echo started; trap "echo bye; exit 3" TERM; while :; do sleep 0.2; done')
[ ${#id} -eq 64 ] || fail "create prints the id"
assert_contains "$(pierctl ps -a)" "Created" "ps -a shows a created container"
assert_not_contains "$(pierctl ps)" "svc" "ps hides a created container"
assert_eq "$(pierctl start svc)" svc "start prints the name"
assert_contains "$(pierctl ps)" "Up " "ps shows it up"
eventually 5 sh -c "$PIERCTL --root $ROOT --runroot $RUNROOT logs svc | grep -q started" || fail "logs"
pierctl stop -t 5 svc >/dev/null
assert_eq "$(inspect_field svc 'd["State"]["ExitCode"]')" 3 "stop lets the trap run"
assert_contains "$(pierctl logs svc)" bye "logs after stop"
assert_contains "$(pierctl ps -a)" "Exited (3)" "ps -a shows the exit code"
pierctl restart svc >/dev/null
assert_eq "$(inspect_field svc 'd["State"]["Status"]')" running "restart"
pierctl kill -s KILL svc >/dev/null
assert_eq "$(pierctl wait svc)" 137 "wait prints 128+9 after kill"
pierctl start svc >/dev/null
expect_failure "is running" pierctl rm svc
pierctl rm -f svc >/dev/null
expect_failure "no such container: svc" pierctl logs svc
pass "create, start, ps, logs, stop, restart, kill, wait, rm"

# logs -f follows until the container exits
pierctl run -d --name talker busybox sh -c 'for i in 1 2 3; do echo line$i; sleep 0.3; done' >/dev/null
assert_eq "$(pierctl logs -f talker | tr '\n' ' ')" "line1 line2 line3 " "logs -f"
pass "logs -f"

# exec: every namespace of the container, in a session of its own
pierctl run -d --name host1 busybox sleep 1000 >/dev/null
init_ns=$(pierctl exec host1 sh -c 'for n in mnt pid uts ipc net user cgroup; do readlink /proc/1/ns/$n; done')
exec_ns=$(pierctl exec host1 sh -c 'for n in mnt pid uts ipc net user cgroup; do readlink /proc/self/ns/$n; done')
assert_eq "$exec_ns" "$init_ns" "exec enters every namespace of the init"
sid_init=$(pierctl exec host1 sh -c 'cut -d" " -f6 /proc/1/stat')
sid_exec=$(pierctl exec host1 sh -c 'cut -d" " -f6 /proc/self/stat')
[ "$sid_init" != "$sid_exec" ] || fail "exec shares the init's session"
assert_eq "$(pierctl exec -u 1000 -w /tmp -e X=y host1 sh -c 'echo $(id -u) $(pwd) $X')" "1000 /tmp y" "exec -u -w -e"
assert_eq "$(echo in | pierctl exec -i host1 cat)" in "exec -i"
pierctl exec -d host1 sh -c 'sleep 1; touch /tmp/detached'
eventually 5 pierctl exec host1 test -e /tmp/detached || fail "exec -d"
set +e; pierctl exec host1 sh -c 'exit 7'; code=$?; set -e
assert_eq "$code" 7 "exec exits with the command's code"
set +e; pierctl exec host1 no-such-command --flag >/dev/null 2>"$SCRATCH/err"; code=$?; set -e
assert_eq "$code" 127 "exec exit code for a missing command"
assert_eq "$(cat "$SCRATCH/err")" 'pierctl exec: executable file not found in $PATH: no-such-command' \
  "exec's message for a missing command"
pass "exec: same namespaces, new session, -u -w -e -i -d, exit codes (127 for a missing command)"

# inspect has what Docker's has
pierctl inspect host1 | /usr/bin/python3 -c '
import json,sys
d=json.load(sys.stdin)[0]
for k in ("Id","Name","State","Config","HostConfig","NetworkSettings","GraphDriver"): assert k in d, k
assert d["Name"]=="/host1" and d["State"]["Running"] and d["State"]["Pid"]>1
assert d["GraphDriver"]["Data"]["UpperDir"].endswith("/diff")
assert d["NetworkSettings"]["IPAddress"].startswith("10.89.") or d["HostConfig"]["NetworkMode"] == "none"
' || fail "inspect of a container"
pass "inspect: Id, Name, State, Config, HostConfig, NetworkSettings, GraphDriver"

# A damaged record: listed as broken, refused for use, removed with its name and id range
# The names or id ranges claimed (rootless containers claim no range: no directory).
claims() { if [ -d "$ROOT/containers/$1" ]; then ls -A "$ROOT/containers/$1"; fi; }
# Id ranges are claimed host-wide, each claim naming the container directory that keeps it.
ranges() { if [ -d /var/lib/pier-id-ranges ]; then grep -lsF "$ROOT/containers/" /var/lib/pier-id-ranges/* || true; fi; }
ranges_before=$(ranges)
dmg_id=$(pierctl create --name dmg busybox true)
[ "$ROOTLESS" ] || [ "$(ranges)" != "$ranges_before" ] || fail "create claimed no id range"
echo '{"id": tru' >"$ROOT/containers/$dmg_id/container.json"
ps_out=$(pierctl ps -a 2>"$SCRATCH/ps-err") || fail "ps -a fails as a whole for one damaged record"
assert_contains "$(grep -F "${dmg_id:0:12}" <<<"$ps_out")" "Broken" "ps -a lists the damaged container as broken"
assert_contains "$(grep -F "${dmg_id:0:12}" <<<"$ps_out")" "dmg" "ps -a gives the broken container its name"
assert_contains "$(cat "$SCRATCH/ps-err")" "container dmg (${dmg_id:0:12}) is broken: damaged container record" \
  "ps says which container is broken and why"
assert_contains "$(cat "$SCRATCH/ps-err")" "($ROOT/containers/$dmg_id/container.json)" "ps names the damaged file"
expect_failure "container dmg is broken: damaged container record" pierctl start dmg
assert_eq "$(inspect_field dmg 'd["State"]["Dead"], d["State"]["Error"][:24]')" "True damaged container record" \
  "inspect shows the broken container and why"
assert_eq "$(pierctl rm -f dmg)" dmg "rm -f removes the broken container"
[ ! -e "$ROOT/containers/$dmg_id" ] || fail "rm -f left the broken container's directory"
assert_eq "$(ranges)" "$ranges_before" "rm -f frees the broken container's id range"
pierctl rm "$(pierctl create --name dmg busybox true)" >/dev/null || fail "the broken container's name stayed claimed"
pass "a damaged record: listed as broken, start refused, rm -f frees its name and id range"

# A run that does not start leaves nothing: not a record, not a name (an invalid STOPSIGNAL in
# an image config written here, a missing command), with or without --rm
leftovers() { ls "$ROOT/containers"; claims .names; ranges; }
pierctl save -o "$SCRATCH/bb.tar" busybox
mkdir "$SCRATCH/badstop" && tar -C "$SCRATCH/badstop" -xf "$SCRATCH/bb.tar"
/usr/bin/python3 - "$SCRATCH/badstop" <<'PY'
import json, os, sys
d = sys.argv[1]
path = os.path.join(d, "manifest.json")
manifest = json.load(open(path))
config_path = os.path.join(d, manifest[0]["Config"])
config = json.load(open(config_path))
config["config"]["StopSignal"] = "SIGFOO"
json.dump(config, open(config_path, "w"))
manifest[0]["RepoTags"] = ["badstop:1"]
json.dump(manifest, open(path, "w"))
PY
tar -C "$SCRATCH/badstop" -cf "$SCRATCH/badstop.tar" .
pierctl load -i "$SCRATCH/badstop.tar" >/dev/null
before=$(leftovers)
for rm in "" --rm; do
  expect_failure "invalid signal “SIGFOO”" pierctl run $rm badstop:1 true
  expect_failure "starting /no/such/command" pierctl run $rm busybox /no/such/command
  expect_failure "starting /no/such/command" pierctl run $rm -d busybox /no/such/command
done
assert_eq "$(leftovers)" "$before" "a run that did not start left a container"
pass "a run that does not start leaves no container"

# A run killed before it started its container leaves none either (what it made goes at the
# next look), nor one killed while its --rm container runs (its monitor removes it at the exit).
for rm in "" --rm; do
  set +e; PIER_CRASH_AT=run:created pierctl run $rm --name crashed busybox true; code=$?; set -e
  assert_eq "$code" 99 "the run died at the crash point"
  [ -e "$ROOT/containers/.names/crashed" ] || fail "the run died before it made its container"
  assert_not_contains "$(pierctl ps -a)" crashed "ps -a shows what a dead run made"
  assert_eq "$(leftovers)" "$before" "a run killed before the start left its container"
done
# The binary itself in the background (the pierctl function would put a subshell between).
"$PIERCTL" --root "$ROOT" --runroot "$RUNROOT" run --rm --name orphan busybox \
  sh -c 'while [ ! -e /tmp/go ]; do sleep 0.1; done' &
run_pid=$!
on_exit "kill -9 $run_pid 2>/dev/null"
eventually 10 pierctl exec orphan true 2>/dev/null || fail "the --rm container did not start"
orphan_id=$(inspect_field orphan 'd["Id"]')
kill -9 "$run_pid"
wait "$run_pid" || true
pierctl exec orphan touch /tmp/go
eventually 10 test ! -e "$ROOT/containers/$orphan_id" || fail "a killed run --rm left its container after the exit"
assert_eq "$(leftovers)" "$before" "a killed run --rm left its name"
pass "a killed run leaves no container: before the start, and with --rm after the exit"

# --rm with no pierctl anywhere: the monitor removes the container itself, as `pierctl rm`
# would. The caller is pierctl copied under another name, with no pierctl beside it, in the
# build tree's place or on PATH.
mkdir -p "$SCRATCH/front/bin"
cp "$PIERCTL" "$SCRATCH/front/bin/front"
no_pierctl_path=$(tr ':' '\n' <<<"$PATH" | while read -r d; do [ -x "$d/pierctl" ] || echo "$d"; done | paste -sd:)
front() {
  PATH=$no_pierctl_path PIER_MONITOR_PATH="$BUILD/app/pier-monitor" \
    "$SCRATCH/front/bin/front" --root "$ROOT" --runroot "$RUNROOT" "$@"
}
lone_id=$(front run -d --rm --name lone busybox sh -c 'while [ ! -e /tmp/go ]; do sleep 0.1; done')
pierctl exec lone touch /tmp/go
eventually 10 test ! -e "$ROOT/containers/$lone_id" || fail "the monitor left its --rm container"
assert_not_contains "$(pierctl ps -a)" lone "ps -a after the monitor's removal"
assert_eq "$(leftovers)" "$before" "the monitor's removal left the name"
assert_contains "$(grep "$lone_id" "$ROOT/events.jsonl")" '"remove"' "the monitor's removal event"
assert_not_contains "$(cat /proc/self/mountinfo)" "$lone_id" "the monitor's removal left a mount"
pierctl rm "$(pierctl create --name lone busybox true)" >/dev/null
pass "run -d --rm without pierctl: its monitor removes the container (record, name, event)"

# limits are applied and readable (root: rootless users have no cgroup delegation here)
if [ -n "$ROOTLESS" ]; then
  warn=$(pierctl run -d --name limited --memory 64m busybox sleep 1000 2>&1 >/dev/null)
  assert_contains "$warn" "WARNING" "a rootless limit that cannot be applied is said"
  pass "rootless: a limit that cannot be applied is reported"
  exit 0
fi
pierctl run -d --name limited --memory 64m --pids-limit 50 --cpus 0.5 busybox sleep 1000 >/dev/null
assert_eq "$(inspect_field limited 'd["HostConfig"]["Memory"]')" $((64 * 1024 * 1024)) "memory in inspect"
lid=$(inspect_field limited 'd["Id"]')
# The container's cgroup sits under the caller's own, wherever that is.
cg() { find /sys/fs/cgroup/$1 /sys/fs/cgroup -maxdepth 6 -type d -name "$lid" 2>/dev/null | head -1; }
limit=$(cat "$(cg memory)/memory.limit_in_bytes" 2>/dev/null || cat "$(cg unified)/memory.max")
assert_eq "$limit" $((64 * 1024 * 1024)) "memory limit in the cgroup"
pids=$(cat "$(cg pids)/pids.max" 2>/dev/null || cat "$(cg unified)/pids.max")
assert_eq "$pids" 50 "pids limit in the cgroup"
pass "--memory, --pids-limit, --cpus applied to the container's cgroup"

