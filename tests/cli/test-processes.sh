#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# A container's processes as it sees them and as the host does, checked against the kernel's
# own tools on both sides (procps ps inside, from the host's /usr, and on the host, outside
# pierctl's namespaces): as root, and rootless through run-as-user.sh, where pierctl runs in a
# user namespace of its own and its host columns must still be the host's.
. "$(dirname "$0")/lib.sh"
remove_containers_on_exit

pierctl run -d --name p1 host sh -c 'sleep 1000 & setsid sleep 1001 & exec sleep 1002' >/dev/null
pierctl run -d --name p2 host sleep 1000 >/dev/null
eventually 5 sh -c "[ \$($PIERCTL --root $ROOT --runroot $RUNROOT top p1 --format json | /usr/bin/python3 -c 'import json,sys; print(len(json.load(sys.stdin)))') -ge 3 ]" \
  || fail "p1's processes did not all start"

# Held against ps: rows of `top --format json` or `ps --processes --format json` (argv 1) with
# ps's rows on the host (argv 2 and 3: before and after pierctl ran), optionally inside (argv 4:
# ps inside, argv 5: /proc/*/stat inside). Rows are matched by PID and by the start time in
# clock ticks since boot, /proc/PID/stat's field 22 (ps's lstart is cut to whole seconds).
cat >"$SCRATCH/against_ps.py" <<'PY'
import json, os, sys, time
rows = json.load(open(sys.argv[1]))
tick = os.sysconf("SC_CLK_TCK")
# Pier gives the start as wall-clock time: back to ticks since boot by this machine's offset
# between the two clocks (the same for both to well under a tick)
offset = time.clock_gettime(time.CLOCK_REALTIME) - time.clock_gettime(time.CLOCK_BOOTTIME)
def ticks(p):
    return round((p["start_time"] / 1e6 - offset) * tick)
def stat_fields(text):
    """pid and the fields from state (field 3) on: comm may hold spaces and parentheses"""
    return int(text.split(None, 1)[0]), text[text.rindex(")") + 2:].split()
def host_stat(pid):
    """start (field 22) and whether it is a kernel thread (PF_KTHREAD in field 9)"""
    try:
        f = stat_fields(open(f"/proc/{pid}/stat").read())[1]
        return int(f[19]), bool(int(f[6]) & 0x00200000)
    except (OSError, ValueError):
        return None, None
def ps_rows(path):
    out = {}
    for line in open(path):
        f = line.split(None, 5)
        if len(f) == 6:
            # procps prints ids from 2^31 up as negative numbers
            out[int(f[0])] = (int(f[1]), int(f[2]), int(f[3]) % 2**32, f[4], f[5].rstrip("\n"))
    return out
before, after = ps_rows(sys.argv[2]), ps_rows(sys.argv[3])
UNKNOWN = 2**32 - 1
# ids the caller's user namespace maps, as [first, end) on the host; everything as root
mapped = [(0, 2**32 - 1)]
if os.environ.get("PAUSE_PID"):
    mapped = []
    for line in open(f"/proc/{os.environ['PAUSE_PID']}/uid_map"):
        first, lower, count = map(int, line.split())
        mapped.append((lower, lower + count))
checked = unknown = 0
for p in rows:
    pid = p["host_pid"]
    # only processes that stood still around the snapshot: the same in both ps runs, and the
    # same process as Pier's row
    start, kthread = host_stat(pid)
    if before.get(pid) is None or before.get(pid) != after.get(pid) or start is None:
        continue
    if abs(start - ticks(p)) > 1:
        continue
    ppid, sid, ruid, ruser, args = before[pid]
    # the kernel's threads are root of the first namespace, known to be so from inside any
    if not kthread and not any(lo <= ruid < hi for lo, hi in mapped):
        assert p["host_uid"] == UNKNOWN and p["host_user"] is None, (p, before[pid], "unmapped id")
        unknown += 1
        continue
    assert p["host_uid"] == ruid, (p, before[pid])
    assert (p["host_user"] or str(ruid)) == ruser, (p, before[pid])
    # a parent or a session changes only once (reparenting, setsid): the same before and after
    # is the same in between
    assert (p["host_ppid"], p["host_sid"]) == (ppid, sid), (p, before[pid])
    if p["command"].startswith("sleep"):
        assert p["command"] == args, (p, before[pid])
    checked += 1
print(checked, unknown)
if len(sys.argv) > 4:
    inside = ps_rows(sys.argv[4])
    stats = dict(stat_fields(line) for line in open(sys.argv[5]) if ")" in line)
    sleeps = [p for p in rows if p["command"].startswith("sleep")]
    for p in sleeps:
        cpid = p["container_pid"]
        assert cpid in inside and cpid in stats, (p, "not inside")
        ppid, sid, ruid, ruser, args = inside[cpid]
        assert (ppid, sid, args) == (p["container_ppid"], p["container_sid"], p["command"]), (p, inside[cpid])
        assert (ruid, ruser) == (p["container_uid"], p["container_user"] or str(ruid)), (p, inside[cpid])
        assert abs(int(stats[cpid][19]) - ticks(p)) <= 1, (p, stats[cpid])
    assert len(sleeps) == 3, f"{len(sleeps)} sleeps"
PY
PS_FORMAT=pid=,ppid=,sid=,ruid=,ruser:64=,args=
# The namespace rootless pierctl runs in: the ids it maps are the ones it can know.
if [ -n "$ROOTLESS" ]; then export PAUSE_PID=$(awk '{print $1}' "$RUNROOT/rootless/pause.pid"); fi

# 1. Every column, container and host side, agrees with ps on each side.
ps -eo "$PS_FORMAT" >"$SCRATCH/before.txt"
pierctl top p1 --format json >"$SCRATCH/top.json"
ps -eo "$PS_FORMAT" >"$SCRATCH/after.txt"
pierctl exec p1 ps -eo "$PS_FORMAT" >"$SCRATCH/inside.txt"
pierctl exec p1 sh -c 'cat /proc/[0-9]*/stat' >"$SCRATCH/inside-stat.txt" 2>/dev/null || true
counts=$(/usr/bin/python3 "$SCRATCH/against_ps.py" "$SCRATCH/top.json" "$SCRATCH/before.txt" \
  "$SCRATCH/after.txt" "$SCRATCH/inside.txt" "$SCRATCH/inside-stat.txt") || fail "top disagrees with ps"
assert_eq "$counts" "3 0" "p1's processes checked against ps on the host (three sleeps)"
pass "1. container and host PIDs, parents, SIDs, users and start times equal what ps prints on each side"

# 2. Each container has its init session; an exec adds a session of its own, marked exec.
s1=$(pierctl sessions p1 --format json)
s2=$(pierctl sessions p2 --format json)
echo "$s2" | /usr/bin/python3 -c 'import json,sys; s=json.load(sys.stdin); assert [x["origin"] for x in s]==["init"], s' || fail "p2's sessions: $s2"
pierctl exec -d p2 sh -c 'exec sleep 999'
eventually 5 sh -c "$PIERCTL --root $ROOT --runroot $RUNROOT sessions p2 | grep -q '^exec'" || fail "no exec session in p2"
pierctl sessions p2 --format json | /usr/bin/python3 -c '
import json,sys
s = {x["origin"]: x for x in json.load(sys.stdin)}
assert set(s) == {"init", "exec"}, s
assert s["exec"]["host_sid"] != s["init"]["host_sid"]
assert s["exec"]["container_sid"] != s["init"]["container_sid"]
' || fail "exec session in p2"
echo "$s1" | /usr/bin/python3 -c 'import json,sys; s=json.load(sys.stdin); assert len(s)==2 and s[0]["origin"]=="init", s' || fail "p1: init and a setsid session: $s1"
pass "2. init sessions in both; exec adds a session with a new host SID, marked exec"

# 3. Users: root inside is the container's root on the host, and uid 1000 inside what the
#    container's uid_map gives for it, read from the host (rootless: the user and a subordinate
#    id; as root: an unprivileged range, never 0).
init=$(inspect_field p2 'd["State"]["Pid"]')
on_host() { awk -v id="$1" '$1 <= id && id < $1 + $3 {printf "%.0f\n", $2 + id - $1}' "/proc/$init/uid_map"; }
base=$(on_host 0)
if [ -n "$ROOTLESS" ]; then
  assert_eq "$base" "$(id -u)" "rootless: root inside is the user"
else
  [ "$base" -ge 65536 ] || fail "root inside maps to host uid $base"
fi
pierctl exec -d -u 1000 p2 sleep 998
eventually 5 sh -c "$PIERCTL --root $ROOT --runroot $RUNROOT top p2 | grep -q 'sleep 998'" || fail "sleep 998"
pierctl top p2 --format json | /usr/bin/python3 -c "
import json,sys
rows = {p['command']: p for p in json.load(sys.stdin)}
root = rows['sleep 1000']; user = rows['sleep 998']
assert root['container_uid'] == 0 and root['container_user'] == 'root', root
assert root['host_uid'] == $base, root
assert user['container_uid'] == 1000 and user['host_uid'] == $(on_host 1000), user
" || fail "users inside and on the host"
name=$(getent passwd "$base" | cut -d: -f1 || true)
assert_contains "$(pierctl top p2 | grep ' sleep 1000$')" " ${name:+$name (}$base${name:+)} " "HOST USER (UID) in the table"
pass "3. root inside is host uid $base; uid 1000 inside is host uid $(on_host 1000)"

# 4. Churn: processes coming and going while top and ps --processes read them.
pierctl exec -d p2 sh -c 'while :; do /bin/true; done'
for i in $(seq 20); do
  pierctl top p2 >/dev/null || fail "top failed during churn"
  pierctl ps --processes >/dev/null || fail "ps --processes failed during churn"
done
assert_contains "$(pierctl ps --processes | grep 'sleep 1000')" "p1" "ps --processes names the container"
pass "4. top and ps --processes stay whole while processes come and go"

# 5. ps --processes: every process of the host, each host column as ps outside gives it; rootless,
#    the ids pierctl's namespace does not map are unknown, never another id.
ps -eo "$PS_FORMAT" >"$SCRATCH/before.txt"
pierctl ps --processes --format json >"$SCRATCH/all.json"
ps -eo "$PS_FORMAT" >"$SCRATCH/after.txt"
counts=$(/usr/bin/python3 "$SCRATCH/against_ps.py" "$SCRATCH/all.json" "$SCRATCH/before.txt" \
  "$SCRATCH/after.txt") || fail "ps --processes disagrees with ps"
read -r checked unknown <<<"$counts"
[ "$checked" -ge 10 ] || fail "only $checked processes checked against ps"
if [ -n "$ROOTLESS" ]; then
  [ "$unknown" -ge 1 ] || fail "rootless: no process of another user (pid 1's root) shown as unknown"
fi
pass "5. ps --processes: $checked host rows equal ps outside, $unknown unknown to pierctl's namespace"
