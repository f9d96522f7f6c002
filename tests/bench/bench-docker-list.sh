#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Listing 500 containers of a local dockerd: PierDockerEngine (bench-docker-list, a process
# like pierctl) against `docker ps -a`, the two alternating in the same run; medians, their
# ratio (the issue asks at most 1.2) and /proc/loadavg beside. Not a test: run by hand as root,
# it starts its own dockerd (no iptables, no bridge) and removes it after.
#
#   tests/bench/bench-docker-list.sh [BUILD_DIR] [CONTAINERS] [ROUNDS]
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
count=${2:-500}
rounds=${3:-21}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../peers/peers-lib.sh"
[ "$(id -u)" -eq 0 ] || { echo "bench-docker-list.sh needs root (it starts dockerd)" >&2; exit 1; }
dir=$(mktemp -d /tmp/pier-bench-docker-XXXXXX)
trap 'dockerd_stop "$dir/dockerd"; rm -rf "$dir"' EXIT

dockerd_start "$dir/dockerd"
"$build/app/pierctl" --root "$dir/pier" --runroot "$dir/pier-run" save busybox | docker load -q >/dev/null
echo "creating $count containers..."
seq "$count" | xargs -P 4 -I{} docker create -q --network none --name "bench-{}" busybox true >/dev/null
[ "$(docker ps -aq | wc -l)" -eq "$count" ] || { echo "expected $count containers" >&2; exit 1; }
[ "$("$build/tests/bench/bench-docker-list" "$DOCKER_HOST")" -eq "$count" ] ||
  { echo "bench-docker-list does not see $count containers" >&2; exit 1; }

# Microseconds one command takes, output dropped.
us() {
  local start end
  start=$(date +%s%N)
  "$@" >/dev/null
  end=$(date +%s%N)
  echo $(((end - start) / 1000))
}
pier_times=() docker_times=()
for _ in $(seq "$rounds"); do
  pier_times+=("$(us "$build/tests/bench/bench-docker-list" "$DOCKER_HOST")")
  docker_times+=("$(us docker ps -a)")
done
median() { printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
pier=$(median "${pier_times[@]}")
docker=$(median "${docker_times[@]}")
echo "containers: $count, rounds: $rounds"
echo "PierDockerEngine list_containers (process): median $((pier / 1000)).$(printf '%03d' $((pier % 1000))) ms"
echo "docker ps -a:                               median $((docker / 1000)).$(printf '%03d' $((docker % 1000))) ms"
awk -v p="$pier" -v d="$docker" 'BEGIN { printf "ratio Pier/docker: %.2f (the issue asks <= 1.2)\n", p / d }'
echo "loadavg: $(cat /proc/loadavg)"
