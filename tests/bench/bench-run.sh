#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Container start → exit, in one run, alternating: `pierctl run --rm --network none busybox true`
# against bwrap, crun and podman on the same busybox root filesystem, and the bare unshare
# floor. Then 50 containers started at once (total time) and the host memory each idle one
# costs, monitor included (PSS, so shared pages are split fairly).
#
#   tests/bench/bench-run.sh [-n ROUNDS] [-b BUILD_DIR]
set -euo pipefail

rounds=15
. "$(dirname "$(readlink -f "$0")")/rounds-options.sh"
[ "$(id -u)" -eq 0 ] || { echo "run as root" >&2; exit 1; }
pierctl_bin=$build/app/pierctl
scratch=$(mktemp -d /var/tmp/pier-bench-run-XXXXXX)
pier() { "$pierctl_bin" --root "$scratch/root" --runroot /run/pier-bench-run "$@"; }
podman_() { podman --root "$scratch/podman" --runroot "$scratch/podman-run" --storage-driver overlay "$@"; }
cleanup() {
  pier ps -aq 2>/dev/null | xargs -r "$pierctl_bin" --root "$scratch/root" --runroot /run/pier-bench-run rm -f >/dev/null 2>&1 || true
  podman_ rmi -af >/dev/null 2>&1 || true
  grep -o " $scratch[^ ]*" /proc/mounts | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
  rm -rf "$scratch" /run/pier-bench-run
}
trap cleanup EXIT

# One busybox root filesystem for everyone: Pier's built-in image, flattened.
pier create --name src busybox >/dev/null
pier export -o "$scratch/rootfs.tar" src
pier rm src >/dev/null
mkdir -p "$scratch/bundle/rootfs"
tar -C "$scratch/bundle/rootfs" -xf "$scratch/rootfs.tar"
rootfs=$scratch/bundle/rootfs
(cd "$scratch/bundle" && crun spec)
/usr/bin/python3 - "$scratch/bundle/config.json" <<'PY'
import json, sys
p = sys.argv[1]; c = json.load(open(p))
c["process"]["args"] = ["/bin/true"]; c["process"]["terminal"] = False
c["linux"]["namespaces"] = [n for n in c["linux"]["namespaces"] if n["type"] != "network"] + [{"type": "network"}]
c["linux"].pop("resources", None)
json.dump(c, open(p, "w"))
PY
pier save -o "$scratch/busybox.tar" busybox
podman_ load -i "$scratch/busybox.tar" >/dev/null 2>&1

now() { date +%s%N; }
ms() { echo "scale=2; ($2 - $1) / 1000000" | bc; }

declare -A t
run_pier() { pier run --rm --network none busybox true; }
run_bwrap() { bwrap --unshare-all --ro-bind "$rootfs" / --proc /proc --dev /dev /bin/true; }
# crun refuses hybrid cgroups; in a mount namespace of its own without the v2 mount it runs.
run_crun() { unshare -m sh -c "umount /sys/fs/cgroup/unified 2>/dev/null; cd $scratch/bundle && crun run bench-\$\$ >/dev/null"; }
run_podman() { unshare -m sh -c "umount /sys/fs/cgroup/unified 2>/dev/null; exec podman --root $scratch/podman --runroot $scratch/podman-run --storage-driver overlay run --rm --network none --ulimit nofile=20000:20000 --ulimit nproc=32768:32768 docker.io/library/busybox true"; }
run_floor() { unshare --pid --mount --uts --ipc --net --fork /bin/true; }
tools=(floor bwrap pier crun podman)
for tool in "${tools[@]}"; do
  if ! "run_$tool" >/dev/null 2>"$scratch/$tool.err"; then
    echo "$tool does not run here: $(tail -1 "$scratch/$tool.err")"
    tools=("${tools[@]/$tool}")
  fi
done
for ((r = 0; r < rounds; r++)); do
  for tool in ${tools[@]}; do
    s=$(now); "run_$tool" >/dev/null 2>&1; e=$(now)
    t[$tool]+="$(ms "$s" "$e") "
  done
done
median() { tr ' ' '\n' | grep . | sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
echo "start → exit of /bin/true, median of $rounds alternating rounds (ms):"
declare -A med
for tool in ${tools[@]}; do
  med[$tool]=$(echo "${t[$tool]}" | median)
  printf '  %-7s %8.2f\n' "$tool" "${med[$tool]}"
done
[ -n "${med[bwrap]:-}" ] && printf '  pier / bwrap  %.2f\n' "$(echo "${med[pier]} / ${med[bwrap]}" | bc -l)"
[ -n "${med[crun]:-}" ] && printf '  pier / crun   %.2f\n' "$(echo "${med[pier]} / ${med[crun]}" | bc -l)"
[ -n "${med[podman]:-}" ] && printf '  pier / podman %.2f\n' "$(echo "${med[pier]} / ${med[podman]}" | bc -l)"

# 50 at once, then what each costs idle.
s=$(now)
for i in $(seq 50); do pier run -d --network none --name idle$i busybox sleep 1000 >/dev/null & done
wait
e=$(now)
printf '50 containers started at once: %.0f ms in all\n' "$(ms "$s" "$e")"
pss=0
for i in $(seq 50); do
  id=$(pier inspect idle$i | /usr/bin/python3 -c 'import json,sys; d=json.load(sys.stdin)[0]["State"]; print(d["Pid"], d["MonitorPid"])')
  for pid in $id; do
    kb=$(awk '/^Pss:/ {print $2}' /proc/$pid/smaps_rollup 2>/dev/null || echo 0)
    pss=$((pss + kb))
  done
done
printf 'host memory per idle container (PSS of its monitor and init): %d kB\n' $((pss / 50))
