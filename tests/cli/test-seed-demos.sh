#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The seed's demos of 2015, with Linux's own mechanisms: real containers, asserted.
. "$(dirname "$0")/lib.sh"
remove_containers_on_exit

pierctl run -d --name one busybox sleep 1000 >/dev/null
pierctl run -d --name two busybox sleep 1000 >/dev/null

# 2. Each container has its own host name, and neither is the host's.
assert_eq "$(pierctl exec one hostname)" one "hostname in one"
assert_eq "$(pierctl exec two hostname)" two "hostname in two"
[ "$(hostname)" != one ] && [ "$(hostname)" != two ] || fail "the host's name changed"
pass "2. each container has its own hostname"

# 4. Each sees itself as PID 1; the host sees the same processes under other PIDs.
assert_eq "$(pierctl exec one sh -c 'cat /proc/1/comm')" sleep "PID 1 in one"
host_pid=$(inspect_field one 'd["State"]["Pid"]')
[ "$host_pid" -gt 1 ] || fail "host pid of one: $host_pid"
assert_eq "$(cat /proc/$host_pid/comm)" sleep "the host's view of one's PID 1"
assert_eq "$(awk '/^NSpid/ {print $NF}' /proc/$host_pid/status)" 1 "NSpid of one's init"
assert_eq "$(awk '/^NSpid/ {print $2}' /proc/$host_pid/status)" "$host_pid" "host pid in NSpid"
inner=$(pierctl exec two sh -c 'echo $$')
[ "$inner" -lt 100 ] || fail "a process exec'd into two has the container's own (small) pid, not $inner"
pass "4. PID 1 inside is host PID $host_pid outside"

# 5. Root inside is an unprivileged id outside: a host file that host root owns with mode 0644,
#    bound read-write, cannot be written; /proc/self/uid_map shows the mapping.
vol=${PIER_TEST_ROOT_OWNED_DIR:-$SCRATCH/vol}
if [ -z "${PIER_TEST_ROOT_OWNED_DIR:-}" ]; then
  mkdir -p "$vol" && echo original >"$vol/file" && chmod 0644 "$vol/file"
  chmod 0755 "$vol" "$SCRATCH"
fi
[ "$(stat -c %u "$vol/file")" -eq 0 ] || fail "the demo needs a file host root owns"
pierctl run -d --name binder -v "$vol:/data" busybox sleep 1000 >/dev/null
map=$(pierctl exec binder cat /proc/self/uid_map)
read -r inside _ <<<"$map"
assert_eq "$inside" 0 "uid_map inside"
binder_pid=$(inspect_field binder 'd["State"]["Pid"]')
outside=$(awk '/^Uid:/ {print $2}' /proc/$binder_pid/status)
outside_gid=$(awk '/^Gid:/ {print $2}' /proc/$binder_pid/status)
# The maps as the host reads them (their lower ids are the host's), whole: every id of the
# container's range, and no other.
host_map() { tr -s ' ' <"/proc/$binder_pid/$1" | sed 's/^ //'; }
if [ -n "$ROOTLESS" ]; then
  assert_eq "$outside" "$(id -u)" "rootless: root inside is the user outside"
  # the user, then the user's subordinate range
  sub_ids() { awk -F: -v u="$(id -un)" '$1 == u {print $2, $3}' "$1"; }
  read -r start count <<<"$(sub_ids /etc/subuid)"
  assert_eq "$(host_map uid_map)" "$(printf '0 %s 1\n1 %s %s' "$outside" "$start" "$count")" "rootless uid_map"
  read -r start count <<<"$(sub_ids /etc/subgid)"
  assert_eq "$(host_map gid_map)" "$(printf '0 %s 1\n1 %s %s' "$(id -g)" "$start" "$count")" "rootless gid_map"
else
  [ "$outside" -ge 65536 ] || fail "root inside maps to host uid $outside"
  assert_eq "$(host_map uid_map)" "0 $outside 65536" "uid_map"
  assert_eq "$(host_map gid_map)" "0 $outside_gid 65536" "gid_map"
fi
assert_eq "$(pierctl exec binder id -u)" 0 "root inside"
if pierctl exec binder sh -c 'echo pwned >> /data/file' 2>/dev/null; then fail "root in the container wrote a host root file"; fi
assert_eq "$(cat "$vol/file")" original "host file untouched"
pass "5. root inside is host uid $outside (uid_map: $map); a host-root 0644 file stays unwritable"

# 6. Each bridged container has its own address; host and container reach each other.
if [ -n "$ROOTLESS" ]; then
  expect_failure "needs root" pierctl run --network bridge busybox true
  pass "6. rootless: no bridge (root only), said clearly"
else
ip_one=$(inspect_field one 'd["NetworkSettings"]["IPAddress"]')
ip_two=$(inspect_field two 'd["NetworkSettings"]["IPAddress"]')
case "$ip_one" in 10.89.*) ;; *) fail "address of one: «$ip_one»";; esac
[ "$ip_one" != "$ip_two" ] || fail "one and two share $ip_one"
pierctl exec -d one sh -c 'mkdir -p /www && echo from-one > /www/index.html && httpd -f -p 8080 -h /www'
eventually 5 curl -sf "http://$ip_one:8080/index.html" -o "$SCRATCH/got" || fail "host → container $ip_one"
assert_eq "$(cat "$SCRATCH/got")" from-one "host fetched from the container"
mkdir -p "$SCRATCH/www" && echo from-host >"$SCRATCH/www/index.html"
/usr/bin/python3 -m http.server 18089 --bind 10.89.0.1 --directory "$SCRATCH/www" >/dev/null 2>&1 &
server=$!
on_exit "kill $server"
eventually 5 pierctl exec two wget -q -O /tmp/got http://10.89.0.1:18089/index.html || fail "container → host"
assert_eq "$(pierctl exec two cat /tmp/got)" from-host "container fetched from the host"
assert_eq "$(pierctl exec two wget -q -O - "http://$ip_one:8080/index.html")" from-one "container → container"
pass "6. one at $ip_one, two at $ip_two; host ↔ container both ways"
fi

# 3. IPC objects of one container are invisible in the other (and on the host).
pierctl run -d --name ipc1 host sleep 1000 >/dev/null
pierctl run -d --name ipc2 host sleep 1000 >/dev/null
shm=$(pierctl exec ipc1 ipcmk -M 4096)
shmid=$(echo "$shm" | awk '{print $NF}')
pierctl exec ipc1 sh -c 'touch /dev/mqueue/pier-demo-queue'
assert_contains "$(pierctl exec ipc1 ipcs -m)" "4096" "shm visible in ipc1"
assert_not_contains "$(pierctl exec ipc2 ipcs -m | awk 'NR>3')" "4096" "shm invisible in ipc2"
pierctl exec ipc1 test -e /dev/mqueue/pier-demo-queue || fail "mq in ipc1"
if pierctl exec ipc2 test -e /dev/mqueue/pier-demo-queue; then fail "ipc1's message queue visible in ipc2"; fi
if ipcs -m -i "$shmid" >/dev/null 2>&1 && ipcs -m | grep -q " $shmid "; then fail "ipc1's shm visible on the host"; fi
pass "3. a shared memory segment and a message queue of ipc1 are invisible in ipc2"

# 1. rm -rf of everything reachable in one leaves two, the image and the host untouched.
layer=$(pierctl inspect busybox | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["GraphDriver"]["Data"]["LowerDir"])')
layer_sum() { (cd "$layer" && find . -printf '%p %y %m %U %G %s\n' | sort && find . -type f -exec sha256sum {} + | sort) | sha256sum; }
before=$(layer_sum)
touch "$SCRATCH/host-marker"
pierctl exec one sh -c 'echo only-in-one > /.marker-one'
# The guard: the destructive command runs only in a shell that, right there, sees the marker
# only this container has and not the one only the host has.
out=$(pierctl exec one sh -c "if [ -e /.marker-one ] && [ ! -e '$SCRATCH/host-marker' ]; then rm -rf /* /.[!.]* 2>/dev/null; echo wiped; else echo refused; fi")
assert_eq "$out" wiped "the guarded rm -rf ran inside one"
[ -e "$SCRATCH/host-marker" ] || fail "the host marker is gone"
[ -x /bin/busybox ] || fail "the host lost /bin/busybox"
assert_eq "$(pierctl exec two sh -c 'ls /bin/busybox && cat /etc/passwd | head -1')" "$(printf '/bin/busybox\nroot:x:0:0:root:/root:/bin/sh')" "two is untouched"
assert_eq "$(layer_sum)" "$before" "the image's layer is byte-identical"
pierctl run --rm busybox test -x /bin/busybox || fail "a new container of the image is whole"
pass "1. rm -rf / in one: two, the image (byte-identical layer) and the host untouched"

# 7. Containers outlive the pierctl that started them; kill -9 of the monitor is noticed.
id=$(pierctl run -d --name survivor busybox sleep 1000)
assert_eq "$(inspect_field survivor 'd["State"]["Status"]')" running "survivor runs after pierctl exited"
monitor=$(inspect_field survivor 'd["State"]["MonitorPid"]')
[ "$monitor" -gt 1 ] && [ "$(cat /proc/$monitor/comm)" = pier-monitor ] || fail "no monitor for survivor: $monitor"
kill -9 "$monitor"
eventually 5 sh -c "[ \"\$($PIERCTL --root $ROOT --runroot $RUNROOT inspect survivor | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)[0][\"State\"][\"Status\"])')\" = exited ]" \
  || fail "survivor still shown running after its monitor was killed"
assert_contains "$(pierctl ps -a)" "Exited" "ps shows survivor exited"
assert_not_contains "$(inspect_field survivor 'd["State"]["Error"]')" "None" "a reason is given"
pass "7. survives its pierctl; kill -9 of its monitor is reported ($(inspect_field survivor 'd["State"]["Error"]'))"

# 8. Bad input: one clear line, nothing left behind.
count_before=$(pierctl ps -aq | wc -l)
dirs_before=$(ls "$ROOT/containers" | wc -l)
expect_failure "no such image: nosuchimage" pierctl run nosuchimage
expect_failure "invalid --memory “lots”" pierctl run --memory lots busybox true
expect_failure "invalid --cpus" pierctl run --cpus -1 busybox true
expect_failure "choose bridge, none or host" pierctl run --network bogus busybox true
expect_failure "the volume source /nonexistent-pier-source does not exist" pierctl run -v /nonexistent-pier-source:/x busybox true
set +e
pierctl run --rm busybox no-such-command >/dev/null 2>"$SCRATCH/err"
code=$?
set -e
assert_eq "$code" 127 "exit code for a missing command"
assert_contains "$(cat "$SCRATCH/err")" "executable file not found" "missing command message"
[ "$(wc -l <"$SCRATCH/err")" -eq 1 ] || fail "more than one line for a missing command: $(cat "$SCRATCH/err")"
eventually 5 sh -c "[ \$($PIERCTL --root $ROOT --runroot $RUNROOT ps -aq | wc -l) -eq $count_before ]" || fail "a failed run left a container"
assert_eq "$(ls "$ROOT/containers" | wc -l)" "$dirs_before" "container directories"
pass "8. bad input: clear one-line errors, exit 127 for a missing command, nothing left"
