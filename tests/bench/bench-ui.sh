#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The window against a full store: a scratch root with 200 distinct images (each imported from
# a tiny tarball of its own) and 1,000 containers created, not running. Measures, over ROUNDS
# starts of the real `pier` (under Xvfb, as the UI tests run it): the time from exec to the
# first frame, and to the first frame with the container list populated, then the resident
# memory (VmRSS) at that point. Then the side-by-side Processes page of a container running
# 500 processes, refreshed back to back REFRESHES times: the time from the start of each /proc
# scan to the frame that shows it. The app prints its marks when PIER_BENCH is set (see
# ui/pier-bench.c). Targets: first frame < 1 s, populated < 1.5 s, refresh < 50 ms (medians).
#
#   tests/bench/bench-ui.sh [-n ROUNDS] [-r REFRESHES] [-b BUILD_DIR]
set -euo pipefail

rounds=5
refreshes=40
here=$(cd "$(dirname "$0")" && pwd)
build=$here/../../build
while getopts n:r:b: opt; do
  case $opt in
    n) rounds=$OPTARG ;;
    r) refreshes=$OPTARG ;;
    b) build=$OPTARG ;;
    *) echo "usage: $0 [-n ROUNDS] [-r REFRESHES] [-b BUILD_DIR]" >&2; exit 2 ;;
  esac
done
build=$(readlink -f "$build")
[ "$(id -u)" -eq 0 ] || { echo "run as root (real containers)" >&2; exit 1; }
# An X server of its own, the way the UI tests get one, and a session bus as a desktop has
# (without one, GLib starts one on the first start through dbus-launch, inside the timing).
if [ -z "${PIER_BENCH_UI_DISPLAY:-}" ]; then
  PIER_BENCH_UI_DISPLAY=1 exec "$here/../ui/run-under-xvfb.sh" dbus-run-session -- \
    bash "$0" -n "$rounds" -r "$refreshes" -b "$build"
fi

pier_bin=$build/app/pier
pierctl_bin=$build/app/pierctl
export PIER_MONITOR_PATH=$build/app/pier-monitor
scratch=$(mktemp -d /var/tmp/pier-bench-ui-XXXXXX)
runroot=/run/pier-bench-ui-$$
ctl() { "$pierctl_bin" --root "$scratch/root" --runroot "$runroot" "$@"; }
app=""
cleanup() {
  if [ -n "$app" ]; then kill "$app" 2>/dev/null || true; fi
  ctl rm -f procs >/dev/null 2>&1 || true
  grep -o " $scratch[^ ]*" /proc/mounts | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
  rm -rf "$scratch" "$runroot"
}
trap cleanup EXIT

. "$here/bench-lib.sh"

echo "load before set-up: $(cut -d' ' -f1-3 /proc/loadavg)"
t0=$(date +%s)
ctl images >/dev/null # a new store makes the built-in images
mkdir -p "$scratch/tars"
for i in $(seq 1 200); do
  mkdir -p "$scratch/tars/$i"
  echo "image $i" >"$scratch/tars/$i/id"
  tar -C "$scratch/tars/$i" -cf "$scratch/tars/$i.tar" id
done
seq 1 200 | xargs -P 2 -I{} "$pierctl_bin" --root "$scratch/root" --runroot "$runroot" \
  import "$scratch/tars/{}.tar" "bench/img{}:v1" >/dev/null
# Five containers per image, all created and none started.
seq 0 999 | xargs -P 2 -I{} sh -c \
  'exec "$0" --root "$1" --runroot "$2" create --name "c$3" "bench/img$(($3 % 200 + 1)):v1" /id' \
  "$pierctl_bin" "$scratch/root" "$runroot" {} >/dev/null
echo "set-up: $(ctl images -q | sort -u | wc -l) images, $(ctl ps -aq | wc -l) containers in $(($(date +%s) - t0)) s"

: >"$scratch/first" >"$scratch/populated" >"$scratch/rss"
for round in $(seq 1 "$rounds"); do
  out=$scratch/out.$round
  start=$(now_us)
  PIER_BENCH=1 "$pier_bin" --root "$scratch/root" --runroot "$runroot" >"$out" 2>"$out.err" &
  app=$!
  first=$(wait_mark "$out" "pier-bench first-frame" 30 | cut -d' ' -f3)
  populated_line=$(wait_mark "$out" "pier-bench populated" 30)
  rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$app/status")
  kill "$app"
  wait "$app" 2>/dev/null || true
  app=""
  populated=$(echo "$populated_line" | cut -d' ' -f3)
  echo "round $round: first frame $(ms $((first - start))) ms, populated $(ms $((populated - start))) ms" \
    "(${populated_line##* }), VmRSS $((rss / 1024)) MiB"
  echo $((first - start)) >>"$scratch/first"
  echo $((populated - start)) >>"$scratch/populated"
  echo "$rss" >>"$scratch/rss"
done

# 499 sleeps under the container's shell: 500 processes.
procs=$(ctl run -d --name procs busybox sh -c 'i=0; while [ $i -lt 499 ]; do sleep 100000 & i=$((i + 1)); done; wait')
i=0
while [ "$(ctl top procs | grep -c sleep)" -lt 499 ]; do
  i=$((i + 1))
  [ $i -lt 300 ] || { echo "the container did not reach 500 processes" >&2; exit 1; }
  sleep 0.1
done
out=$scratch/out.procs
PIER_BENCH=1 PIER_BENCH_PROCESSES=$procs PIER_BENCH_REFRESHES=$refreshes \
  "$pier_bin" --root "$scratch/root" --runroot "$runroot" >"$out" 2>"$out.err" &
app=$!
# Timed out: the refreshes stalled. wait would hang, so the app is stopped and its output shown.
if ! timeout 120 tail --pid="$app" -f /dev/null; then
  echo "pier did not finish $refreshes refreshes in 120 s; its output:" >&2
  cat "$out" "$out.err" >&2
  exit 1
fi
app=""
grep "^pier-bench processes-refresh" "$out" | cut -d' ' -f3 >"$scratch/refresh"
grep "^pier-bench processes-refresh" "$out" | sed 's/.*refreshed=\([0-9]*\).*/\1/' >"$scratch/refreshed"
# The first refresh opens the page (rows made, not reused): shown apart from the median.
rows=$(grep "^pier-bench processes-refresh" "$out" | tail -1 | sed 's/.*rows=//')
[ -s "$scratch/refresh" ] || { echo "no refresh measured; pier said:" >&2; cat "$out" "$out.err" >&2; exit 1; }

echo "--- $rounds starts, 200 images, 1000 containers; load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "first frame:     median $(ms "$(median <"$scratch/first")") ms (target < 1000)"
echo "populated list:  median $(ms "$(median <"$scratch/populated")") ms (target < 1500)"
echo "VmRSS populated: median $(($(median <"$scratch/rss" | cut -d. -f1) / 1024)) MiB"
echo "processes page ($rows rows), $(wc -l <"$scratch/refresh") refreshes: first $(ms "$(head -1 "$scratch/refresh")") ms," \
  "median of the rest $(ms "$(tail -n +2 "$scratch/refresh" | median)") ms," \
  "max $(ms "$(tail -n +2 "$scratch/refresh" | sort -n | tail -1)") ms (target < 50);" \
  "of which the scan and the rows, before the frame: median $(ms "$(tail -n +2 "$scratch/refreshed" | median)") ms"
echo "host processes: $(find /proc -maxdepth 1 -name '[0-9]*' | wc -l)"
