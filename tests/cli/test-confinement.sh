#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Confinement measured inside containers with the static confinement probe, against Podman's
# defaults (the real podman, on the same busybox image, loaded from Pier's own archive): the
# seccomp filter, the capabilities, the pids limit and /sys/fs/cgroup; the flags that loosen
# each; Docker-format profiles (Podman's own file among them); and a build's RUN step.
. "$(dirname "$0")/lib.sh"

PROBE="$BUILD/tests/tools/confinement-probe"
[ -x "$PROBE" ] || fail "the confinement probe is not built at $PROBE"
remove_containers_on_exit

SYSCALLS="seccomp add_key keyctl io_uring_setup personality af_packet mknod unshare_user clone3 newer i386_add_key"
probe() { pierctl run --rm --network none -v "$PROBE:/probe:ro" "$@"; }
# A run that cannot outlast a minute, for the fork bombs.
bounded() { timeout 60 "$PIERCTL" --root "$ROOT" --runroot "$RUNROOT" "$@"; }

# 1. Pier's defaults, whatever the caller's privileges: a filter; what Podman refuses refused,
#    and keyctl, unshare and clone3 too, as Docker refuses them; no raw sockets, no devices.
PIER_DEFAULT="seccomp 2
add_key EPERM
keyctl EPERM
io_uring_setup EPERM
personality EPERM
af_packet EPERM
mknod EPERM
unshare_user EPERM
clone3 ENOSYS
newer ENOSYS
i386_add_key EPERM"
out=$(probe busybox /probe $SYSCALLS)
assert_eq "$out" "$PIER_DEFAULT" "the probe in a default container"
caps=$(probe busybox grep CapBnd /proc/self/status | tr -d '\t')
assert_eq "$caps" "CapBnd:00000000a00405fb" "bounding set: Docker's without NET_RAW and MKNOD"
pass "default container: seccomp filter, no NET_RAW, no MKNOD"

# 2. Each flag loosens what it names, nothing else.
out=$(probe --cap-add NET_RAW busybox /probe af_packet add_key)
assert_eq "$out" "af_packet ok
add_key EPERM" "--cap-add NET_RAW"
out=$(probe --security-opt seccomp=unconfined busybox /probe seccomp add_key af_packet)
assert_eq "$out" "seccomp 0
add_key ok
af_packet EPERM" "--security-opt seccomp=unconfined"
pass "--cap-add NET_RAW gives packet sockets back; seccomp=unconfined removes the filter"

# 3. A profile in Docker's format: Podman's own default file, as Podman applies it.
PODMAN_PROFILE=/usr/share/containers/seccomp.json
[ -r "$PODMAN_PROFILE" ] || fail "Podman's seccomp profile $PODMAN_PROFILE is missing (scripts/deps.sh installs podman)"
WITH_PODMAN_PROFILE=$(probe --security-opt "seccomp=$PODMAN_PROFILE" busybox /probe $SYSCALLS)
cat >"$SCRATCH/notify.json" <<'EOF'
{"defaultAction": "SCMP_ACT_ALLOW",
 "syscalls": [{"names": ["getpid"], "action": "SCMP_ACT_ALLOW"},
              {"names": ["bpf"], "action": "SCMP_ACT_NOTIFY"}]}
EOF
expect_failure "seccomp profile $SCRATCH/notify.json: syscalls[1]: action “SCMP_ACT_NOTIFY” is not supported" \
  pierctl create --security-opt "seccomp=$SCRATCH/notify.json" busybox true
expect_failure "--security-opt “apparmor=unconfined” is not supported" \
  pierctl create --security-opt apparmor=unconfined busybox true
expect_failure "--cap-add: unknown capability “FLY”" pierctl create --cap-add FLY busybox true
assert_eq "$(pierctl ps -aq)" "" "a refused create leaves no container"
pass "a bad profile, security option or capability is refused, naming it, and leaves nothing"

# 4. The profile is the container's: inspect names it, and a restart keeps it even when the
#    file has changed since.
printf '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["add_key"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13}]}' >"$SCRATCH/mine.json"
pierctl run -d --name kept --network none -v "$PROBE:/probe:ro" --security-opt "seccomp=$SCRATCH/mine.json" busybox sleep 1000 >/dev/null
pierctl create --name plain busybox true >/dev/null
pierctl create --name open --security-opt seccomp=unconfined --pids-limit -1 busybox true >/dev/null
assert_eq "$(inspect_field kept 'd["SeccompProfile"]')" "$SCRATCH/mine.json" "inspect of a profile from a file"
assert_eq "$(inspect_field kept 'd["HostConfig"]["SecurityOpt"]')" "['seccomp=$SCRATCH/mine.json']" "SecurityOpt"
assert_eq "$(inspect_field plain 'd["SeccompProfile"], d["HostConfig"]["PidsLimit"]')" "default 2048" "inspect of the defaults"
assert_eq "$(inspect_field open 'd["SeccompProfile"], d["HostConfig"]["PidsLimit"]')" "unconfined 0" "inspect of seccomp=unconfined, --pids-limit -1"
echo '{"defaultAction": "SCMP_ACT_ALLOW"}' >"$SCRATCH/mine.json"
pierctl stop -t 0 kept >/dev/null
pierctl start kept >/dev/null
assert_eq "$(pierctl exec kept /probe seccomp add_key)" "seccomp 2
add_key EACCES" "exec after a restart, the file changed meanwhile"
pass "inspect names the profile (default, a file, unconfined); a restart and exec keep the container's own"

# 5. The pids limit: 2048 by default, as Podman's; --pids-limit enforced (the probe forks at
#    most 300 children, so that nothing here can take the host's PIDs).
if [ -n "$ROOTLESS" ]; then
  # No cgroup is delegated to this user here: the default limit is left out silently, an
  # explicit one is said not to apply, and /sys/fs/cgroup shows nothing of the host's.
  err=$(pierctl run --rm --network none busybox true 2>&1)
  assert_eq "$err" "" "a rootless run without a usable pids controller says nothing of the default limit"
  err=$(pierctl run --rm --network none --pids-limit 100 busybox true 2>&1)
  assert_contains "$err" "WARNING" "an explicit rootless limit that cannot be applied"
  assert_eq "$(probe busybox ls /sys/fs/cgroup | wc -l)" 0 "rootless /sys/fs/cgroup without a cgroup of its own"
  pass "rootless: no pids controller here; the default limit is silent, an explicit one warned"
else
  pids_file() { [ -d /sys/fs/cgroup/pids ] && echo /sys/fs/cgroup/pids || echo /sys/fs/cgroup; }
  dir=$(pids_file)
  out=$(bounded run --rm --network none -v "$PROBE:/probe:ro" busybox sh -c \
    "cat $dir/pids.max; grep -qx 1 $dir/cgroup.procs && echo own; (mkdir $dir/x) 2>&1 | grep -o 'Read-only file system'; grep -c ':/\$' /proc/self/cgroup; wc -l </proc/self/cgroup")
  lines=$(echo "$out" | sed -n 4,5p | sort -u | wc -l)
  assert_eq "$(echo "$out" | sed -n 1,3p)" "2048
own
Read-only file system" "pids.max, membership and a read-only /sys/fs/cgroup"
  assert_eq "$lines" 1 "every line of /proc/self/cgroup at the root of the container's cgroup namespace"
  out=$(bounded run --rm --network none --pids-limit 100 -v "$PROBE:/probe:ro" busybox /probe forks:300)
  read -r _ forks why <<<"$out"
  [ "$forks" -gt 0 ] && [ "$forks" -lt 100 ] || fail "--pids-limit 100 let $forks processes fork: $out"
  assert_eq "$why" EAGAIN "why the forks stopped"
  pass "pids: 2048 by default, --pids-limit 100 stops a fork bomb at $forks; /sys/fs/cgroup its own, read-only"
fi

# 6. A build's RUN step is a container like the others.
mkdir -p "$SCRATCH/ctx"
cp "$PROBE" "$SCRATCH/ctx/probe"
cat >"$SCRATCH/ctx/Dockerfile" <<DOCKERFILE
FROM busybox
COPY probe /probe
RUN /probe $SYSCALLS && grep CapBnd /proc/self/status && \\
    echo "pids.max \$(cat /sys/fs/cgroup/pids/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids.max 2>/dev/null || echo none)"
DOCKERFILE
out=$(pierctl build --network none -t probed "$SCRATCH/ctx" 2>&1)
assert_contains "$out" "$PIER_DEFAULT" "the probe in a RUN step"
assert_contains "$out" "$(printf 'CapBnd:\t00000000a00405fb')" "a RUN step's bounding set"
want="pids.max $([ -n "$ROOTLESS" ] && echo none || echo 2048)"
echo "$out" | grep -qx "$want" || fail "a RUN step's pids limit: no line «$want» in «$out»"
pass "a RUN step has the default container's filter, capabilities and pids limit"

# 7. Against the real Podman (rootful: that is where it runs here), default for default.
if [ -n "$ROOTLESS" ]; then
  pass "the comparison with Podman runs in the rootful run of this script"
  exit 0
fi
command -v podman >/dev/null || fail "podman is not installed (scripts/deps.sh installs it)"
PODMAN=(podman --root "$SCRATCH/podman" --runroot "$SCRATCH/podman-run" --storage-driver vfs)
pierctl save -o "$SCRATCH/busybox.tar" busybox
"${PODMAN[@]}" load -q -i "$SCRATCH/busybox.tar" >/dev/null
# crun refuses a hybrid host whose v2 tree holds a controller (hugetlb here): Podman runs in a
# mount namespace of its own where that tree is not mounted, and sees a cgroup v1 host. Its
# default rlimits ask for more than this host's hard limits: the host's own are given.
nproc=$(ulimit -Hu); pid_max=$(cat /proc/sys/kernel/pid_max)
{ [ "$nproc" = unlimited ] || [ "$nproc" -gt "$pid_max" ]; } && nproc=$pid_max
# Podman leaves the parent of its containers' cgroups behind: removed once empty.
on_exit 'for d in /sys/fs/cgroup/*/libpod_parent; do rmdir "$d/conmon" "$d" 2>/dev/null; done'
podman_run() {
  timeout 120 unshare -m --propagation private sh -c '
    if mountpoint -q /sys/fs/cgroup/unified && [ -n "$(cat /sys/fs/cgroup/unified/cgroup.controllers)" ]; then
      umount /sys/fs/cgroup/unified || exit 97
    fi
    exec "$@"' podman-run "${PODMAN[@]}" run --rm --network none \
      --ulimit "nofile=$(ulimit -Hn):$(ulimit -Hn)" --ulimit "nproc=$nproc:$nproc" \
      -v "$PROBE:/probe:ro" "$@"
}
podman_out=$(podman_run busybox /probe $SYSCALLS)
# Whatever Podman refuses, Pier refuses.
while read -r name answer; do
  [ "$name" = seccomp ] && { assert_eq "$answer" 2 "Podman's seccomp mode"; continue; }
  [ "$answer" = ok ] || [ "$answer" = EINVAL ] && continue
  pier_answer=$(echo "$PIER_DEFAULT" | awk -v n="$name" '$1 == n { print $2 }')
  case "$pier_answer" in ok|EINVAL|"") fail "Podman refuses $name ($answer), Pier does not ($pier_answer)";; esac
done <<<"$podman_out"
assert_eq "$WITH_PODMAN_PROFILE" "$podman_out" "Pier with Podman's profile file answers as Podman does"
podman_caps=$(podman_run busybox grep CapBnd /proc/self/status | tr -d '\t')
# Podman's set is Pier's without AUDIT_WRITE (bit 29), which Docker keeps.
assert_eq "$(( 0x${podman_caps#CapBnd:} | (1 << 29) ))" "$(( 0xa00405fb ))" "Podman's bounding set and Pier's"
out=$(podman_run busybox sh -c 'cat /sys/fs/cgroup/pids/pids.max; (mkdir /sys/fs/cgroup/pids/x) 2>&1 | grep -o "Read-only file system"')
assert_eq "$out" "2048
Read-only file system" "Podman's pids limit and read-only cgroup"
out=$(podman_run --pids-limit 100 busybox /probe forks:300)
read -r _ podman_forks why <<<"$out"
[ "$podman_forks" -lt 100 ] && [ "$why" = EAGAIN ] || fail "Podman's --pids-limit 100: $out"
pass "Podman refuses nothing Pier allows; Pier runs Podman's profile file as Podman does; same pids limits ($podman_forks forks under Podman's 100)"
