#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Work that dies cleans up, and id ranges are the host's (issue 12): a `pierctl build` killed
# during a RUN step (kill -9, or Ctrl+C's SIGINT) takes the step with it (its processes, cgroup
# and state) and its id range goes to the next claim; two stores at once never give their
# containers the same ids, and uid_map and gid_map say exactly what was claimed; rootless, the
# pause process has a name of its own. As root and, through run-as-user.sh, rootless.
CLAIMS=/var/lib/pier-id-ranges
if [ "$(id -u)" -eq 0 ] && [ -z "${PIER_TEST_OWN_CLAIMS:-}" ]; then
  # The host's claims directory, empty and this script's own (a tmpfs in a mount namespace of
  # its own): suites running at the same time claim from the real one, and what is asserted
  # here is which range comes next.
  mkdir -p "$CLAIMS"
  exec env PIER_TEST_OWN_CLAIMS=1 unshare --mount --propagation private -- \
    bash -c 'mount -t tmpfs -o mode=0700 pier-test-claims "$1" && exec bash "$0"' "$0" "$CLAIMS"
fi
. "$(dirname "$0")/lib.sh"
remove_containers_on_exit

# Not running: gone, or a zombie its reaper has not collected yet.
not_running() { [ ! -e "/proc/$1" ] || grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null; }
# /proc/PID/uid_map or gid_map, one "inside outside count" line per range.
id_map() { awk '{print $1, $2, $3}' "/proc/$1/$2"; }

mkdir -p "$SCRATCH/ctx" "$SCRATCH/done"
printf 'FROM busybox\nRUN echo step-running; sleep 30\n' >"$SCRATCH/ctx/Dockerfile"
printf 'FROM busybox\nRUN echo finished >/finished\n' >"$SCRATCH/done/Dockerfile"

# Starts a build, waits for its RUN step to run, sends $1 to the builder, and checks that
# nothing of the step is left. CLAIM: the builder's claim file (root).
interrupt_build() {
  local signal=$1 out="$SCRATCH/build-$1.out" builder state monitor init dir
  # Ctrl+C reaches a foreground job as SIGINT at its default action; a script's background job
  # would ignore it unless told otherwise.
  env --default-signal=INT "$PIERCTL" --root "$ROOT" --runroot "$RUNROOT" build -t interrupted \
    "$SCRATCH/ctx" >"$out" 2>&1 &
  builder=$!
  on_exit "kill -9 $builder 2>/dev/null"
  eventually 60 grep -qx step-running "$out" || fail "the RUN step did not start: $(cat "$out")"
  state=$(echo "$RUNROOT"/builds/*/state)
  [ -f "$state" ] || fail "no state of the RUN step in $RUNROOT/builds"
  monitor=$(awk '$1 == "monitor" {print $2}' "$state")
  init=$(awk '$1 == "init" {print $2}' "$state")
  CLAIM=
  if [ -z "$ROOTLESS" ]; then
    CLAIM=$(grep -lx "process $builder" "$CLAIMS"/*) || fail "no claim of the builder $builder in $CLAIMS"
  fi
  kill -"$signal" "$builder"
  wait "$builder" && fail "the build survived SIG$signal"
  eventually 10 not_running "$monitor" || fail "SIG$signal: the RUN step's monitor ($monitor) still runs"
  not_running "$init" || fail "SIG$signal: the RUN step ($init) still runs"
  for dir in $(awk '$1 == "cgroup-dir" {print $2}' "$state"); do
    [ ! -e "$dir" ] || fail "SIG$signal: the RUN step's cgroup $dir is left"
  done
  [ ! -e "$(dirname "$state")" ] || fail "SIG$signal: the RUN step's state $(dirname "$state") is left"
  ! grep -qF "$SCRATCH" /proc/self/mountinfo || fail "SIG$signal: a mount of the RUN step is left"
  if [ -n "$CLAIM" ]; then
    flock -n "$CLAIM" true || fail "SIG$signal: the dead builder's claim $CLAIM is still held"
  fi
}

interrupt_build KILL
killed_claim=$CLAIM
interrupt_build INT
if [ -z "$ROOTLESS" ]; then
  # The next claim took the dead builder's range over: a loop of killed builds leaves one
  # claim, not one per build.
  assert_eq "$CLAIM" "$killed_claim" "the claim after a killed build"
  assert_eq "$(ls "$CLAIMS")" "$(basename "$CLAIM")" "claims after two interrupted builds"
fi
pierctl build -t done "$SCRATCH/done" >/dev/null
[ -z "$(ls "$CLAIMS" 2>/dev/null)" ] || fail "claims left after a finished build: $(ls "$CLAIMS")"
assert_eq "$(ls "$ROOT/tmp")" "" "work directories after the builds"
pass "a build killed (SIGKILL, SIGINT) in a RUN step takes the step along; its id range is taken over"

if [ -n "$ROOTLESS" ]; then
  # One to one: the container's maps are the rootless namespace's, both of them whole.
  pierctl run -d --name maps busybox sleep 300 >/dev/null
  pid=$(inspect_field maps 'd["State"]["Pid"]')
  read -r pause _ <"$RUNROOT/rootless/pause.pid"
  for map in uid_map gid_map; do
    assert_eq "$(id_map "$pid" "$map")" "$(id_map "$pause" "$map")" "$map of a rootless container"
  done
  pierctl rm -f maps >/dev/null
  assert_eq "$(cat "/proc/$pause/comm")" pier-pause "the pause process's name"
  assert_eq "$(tr '\0' ' ' <"/proc/$pause/cmdline")" "pier-pause " "the pause process's command line"
  pass "rootless: the container's uid_map and gid_map are its namespace's; the pause process is pier-pause"
  exit 0
fi

# Two stores at once: the ranges are the host's.
ROOT2="$SCRATCH/root2"
RUNROOT2="$SCRATCH/run2"
pierctl2() { "$PIERCTL" --root "$ROOT2" --runroot "$RUNROOT2" "$@"; }
on_exit 'for c in $("$PIERCTL" --root "$ROOT2" --runroot "$RUNROOT2" ps -aq 2>/dev/null); do "$PIERCTL" --root "$ROOT2" --runroot "$RUNROOT2" rm -f "$c" >/dev/null 2>&1; done'
base_of() { "$@" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["HostConfig"]["IDMappings"]["UidMap"][0].split(":")[1])'; }
pool=$(awk -F: '$1 == "containers" {print $2; exit}' /etc/subuid)
pierctl run -d --name one busybox sleep 300 >/dev/null
pierctl2 run -d --name two busybox sleep 300 >/dev/null
one=$(base_of pierctl inspect one)
two=$(base_of pierctl2 inspect two)
assert_eq "$one" "$pool" "the first range"
assert_eq "$two" $((pool + 65536)) "the second store's container: the next range, not the same"
# What the kernel was told, read back from the host: root is the base, 65536 ids, no more.
for store in 1 2; do
  if [ $store = 1 ]; then name=one base=$one; pid=$(inspect_field one 'd["State"]["Pid"]')
  else name=two base=$two; pid=$(pierctl2 inspect two | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["State"]["Pid"])'); fi
  for map in uid_map gid_map; do
    assert_eq "$(id_map "$pid" "$map")" "0 $base 65536" "$map of $name"
  done
done
# Removed, a container gives its range back to any store; a store deleted whole with a
# container in it, too.
pierctl rm -f one >/dev/null
assert_eq "$(base_of pierctl2 inspect "$(pierctl2 create --name three busybox true)")" "$pool" "after rm"
pierctl create --name four busybox true >/dev/null
four=$(base_of pierctl inspect four)
assert_eq "$four" $((pool + 2 * 65536)) "the third range"
rm -rf "$ROOT" "$RUNROOT"
assert_eq "$(base_of pierctl2 inspect "$(pierctl2 create busybox true)")" "$four" "after the store's removal"
pass "two stores share the host's ranges: never the same, given back on rm and when a store is deleted"
