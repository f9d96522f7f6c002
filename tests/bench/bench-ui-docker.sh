#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The window on a connection to a local dockerd holding 500 containers (created, not running):
# over ROUNDS starts of the real `pier` (under Xvfb) whose saved default is that connection,
# the time from exec to the first frame (which waits for no connection), and from the window's
# turn to that connection to the frame that shows its containers listed, against `docker ps -a`
# timed in the same run (medians, their ratio: the issue asks at most 1.2), with
# /proc/loadavg beside. Not a test: it
# starts its own dockerd (no iptables, no bridge) and removes it after.
#
#   tests/bench/bench-ui-docker.sh [-n ROUNDS] [-c CONTAINERS] [-b BUILD_DIR]
set -euo pipefail

rounds=7
count=500
here=$(cd "$(dirname "$0")" && pwd)
build=$here/../../build
while getopts n:c:b: opt; do
  case $opt in
    n) rounds=$OPTARG ;;
    c) count=$OPTARG ;;
    b) build=$OPTARG ;;
    *) echo "usage: $0 [-n ROUNDS] [-c CONTAINERS] [-b BUILD_DIR]" >&2; exit 2 ;;
  esac
done
build=$(readlink -f "$build")
[ "$(id -u)" -eq 0 ] || { echo "run as root (it starts dockerd)" >&2; exit 1; }
if [ -z "${PIER_BENCH_UI_DISPLAY:-}" ]; then
  PIER_BENCH_UI_DISPLAY=1 exec "$here/../ui/run-under-xvfb.sh" dbus-run-session -- \
    bash "$0" -n "$rounds" -c "$count" -b "$build"
fi
. "$here/bench-lib.sh"
. "$here/../peers/peers-lib.sh"

scratch=$(mktemp -d /tmp/pier-bench-ui-docker-XXXXXX)
app=""
cleanup() {
  if [ -n "$app" ]; then kill "$app" 2>/dev/null || true; fi
  dockerd_stop "$scratch/dockerd"
  rm -rf "$scratch"
}
trap cleanup EXIT

dockerd_start "$scratch/dockerd"
export XDG_CONFIG_HOME=$scratch/config
ctl() { "$build/app/pierctl" --root "$scratch/pier" --runroot "$scratch/pier-run" "$@"; }
ctl save busybox | docker load -q >/dev/null
seq "$count" | xargs -P 4 -I{} docker create -q --network none --name "bench-{}" busybox true >/dev/null
ctl connection add bench "$DOCKER_HOST" --default >/dev/null
[ "$(ctl ps -aq | wc -l)" -eq "$count" ] || { echo "the connection does not list $count containers" >&2; exit 1; }

: >"$scratch/first" >"$scratch/populated" >"$scratch/listing" >"$scratch/docker"
for round in $(seq 1 "$rounds"); do
  out=$scratch/out.$round
  start=$(now_us)
  PIER_BENCH=1 PIER_BENCH_CONNECTION=bench "$build/app/pier" --root "$scratch/pier" \
    --runroot "$scratch/pier-run" >"$out" 2>"$out.err" &
  app=$!
  first=$(wait_mark "$out" "pier-bench first-frame" 30 | cut -d' ' -f3)
  populated_line=$(wait_mark "$out" "pier-bench populated" 60)
  switched=$(wait_mark "$out" "pier-bench switched" 1 | cut -d' ' -f3)
  kill "$app"
  wait "$app" 2>/dev/null || true
  app=""
  populated=$(echo "$populated_line" | cut -d' ' -f3)
  [ "${populated_line##*=}" -eq "$count" ] || { echo "the window listed ${populated_line##*=}, not $count" >&2; exit 1; }
  docker_start=$(now_us)
  docker ps -a >/dev/null
  echo $(($(now_us) - docker_start)) >>"$scratch/docker"
  echo "round $round: first frame $(ms $((first - start))) ms, $count containers listed" \
    "$(ms $((populated - start))) ms from exec, $(ms $((populated - switched))) ms after the switch"
  echo $((populated - switched)) >>"$scratch/listing"
  echo $((first - start)) >>"$scratch/first"
  echo $((populated - start)) >>"$scratch/populated"
done

listed=$(median <"$scratch/listing")
docker_ms=$(median <"$scratch/docker")
echo "--- $rounds starts, $count containers on a local dockerd; load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "first frame:              median $(ms "$(median <"$scratch/first")") ms"
echo "containers listed:        median $(ms "$(median <"$scratch/populated")") ms from exec," \
  "$(ms "$listed") ms from the switch to the connection"
echo "docker ps -a:             median $(ms "$docker_ms") ms"
awk -v w="$listed" -v d="$docker_ms" 'BEGIN { printf "ratio window/docker: %.2f (the issue asks <= 1.2)\n", w / d }'
