#!/usr/bin/env bash
# A container's processes as it sees them and as the host does, checked against the kernel's
# own tools on both sides (procps ps inside, from the host's /usr, and on the host).
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" -eq 0 ] || fail "runs as root (CI does)"
remove_containers_on_exit

pierctl run -d --name p1 host sh -c 'sleep 1000 & setsid sleep 1001 & exec sleep 1002' >/dev/null
pierctl run -d --name p2 host sleep 1000 >/dev/null
eventually 5 sh -c "[ \$($PIERCTL --root $ROOT --runroot $RUNROOT top p1 --format json | /usr/bin/python3 -c 'import json,sys; print(len(json.load(sys.stdin)))') -ge 3 ]" \
  || fail "p1's processes did not all start"

# 1. PIDs and SIDs agree with ps inside and with ps on the host, matched by start time and
#    command.
pierctl top p1 --format json >"$SCRATCH/top.json"
pierctl exec -e TZ=UTC p1 ps -eo pid=,sid=,lstart=,args= >"$SCRATCH/inside.txt"
TZ=UTC ps -eo pid=,sid=,lstart=,args= >"$SCRATCH/host.txt"
/usr/bin/python3 - "$SCRATCH/top.json" "$SCRATCH/inside.txt" "$SCRATCH/host.txt" <<'PY' || fail "top disagrees with ps"
import calendar, json, sys, time
top = json.load(open(sys.argv[1]))
def table(path):
    rows = []
    for line in open(path):
        f = line.split(None, 7)
        if len(f) < 8:
            continue
        start = calendar.timegm(time.strptime(" ".join(f[2:7]), "%a %b %d %H:%M:%S %Y"))
        rows.append((int(f[0]), int(f[1]), start, f[7].strip()))
    return rows
inside, host = table(sys.argv[2]), table(sys.argv[3])
def match(rows, p):
    # ps and Pier each round a start time counted in clock ticks since boot: allow a second.
    return [(pid, sid) for pid, sid, start, args in rows
            if args == p["command"] and abs(start - p["start_time"] / 1e6) <= 1.5]
checked = 0
for p in top:
    if not p["command"].startswith("sleep"):
        continue
    assert (p["container_pid"], p["container_sid"]) in match(inside, p), (p, "inside")
    assert (p["host_pid"], p["host_sid"]) in match(host, p), (p, "host")
    checked += 1
assert checked == 3, f"checked {checked} sleeps"
PY
pass "1. container and host PIDs and SIDs equal what ps prints on each side"

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

# 3. Users: root inside is the container's unprivileged host uid; -u 1000 is that + 1000.
base=$(pierctl exec p2 cat /proc/self/uid_map | awk '{print $2}')
pierctl exec -d -u 1000 p2 sleep 998
eventually 5 sh -c "$PIERCTL --root $ROOT --runroot $RUNROOT top p2 | grep -q 'sleep 998'" || fail "sleep 998"
pierctl top p2 --format json | /usr/bin/python3 -c "
import json,sys
rows = {p['command']: p for p in json.load(sys.stdin)}
root = rows['sleep 1000']; user = rows['sleep 998']
assert root['container_uid'] == 0 and root['container_user'] == 'root', root
assert root['host_uid'] == $base, root
assert user['container_uid'] == 1000 and user['host_uid'] == $base + 1000, user
" || fail "users inside and on the host"
pass "3. root inside is host uid $base; uid 1000 inside is host uid $((base + 1000))"

# 4. Churn: processes coming and going while top and ps --processes read them.
pierctl exec -d p2 sh -c 'while :; do /bin/true; done'
for i in $(seq 20); do
  pierctl top p2 >/dev/null || fail "top failed during churn"
  pierctl ps --processes >/dev/null || fail "ps --processes failed during churn"
done
assert_contains "$(pierctl ps --processes | grep 'sleep 1000')" "p1" "ps --processes names the container"
pass "4. top and ps --processes stay whole while processes come and go"
