#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Graphical sessions through the engine, in containers made with pierctl, under Xvfb:
#   - time from "Open graphical session" (the engine call's start) to the first frame drawn in
#     Pier's window (tests/bench/gui-window-bench), median of 3: cold (a new container: Weston
#     and the app start) and warm (the window opened again on a running session);
#   - `pierctl gui --app weston-simple-shm --size 1280x720`, then, on that one session, one
#     client after the other for SECONDS each: Pier's window with the renderer GTK picks (GL,
#     Mesa's llvmpipe in software under Xvfb), Pier's window with GSK_RENDERER=cairo, and
#     xfreerdp3: frames shown per second (xdamage-frames: X DAMAGE on the client's window) and
#     CPU (utime + stime from /proc/PID/stat).
# Targets: frames at least xfreerdp3's, CPU at most 1.2x, first frame under 1.5 s.
# Root only (real containers).
#
#   tests/bench/bench-gui.sh [-b BUILD_DIR] [-s SECONDS]
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
build=$here/../../build
seconds=10
while getopts b:s: opt; do
  case $opt in
    b) build=$OPTARG ;;
    s) seconds=$OPTARG ;;
    *) echo "usage: $0 [-b BUILD_DIR] [-s SECONDS]" >&2; exit 2 ;;
  esac
done
bench=$(readlink -f "$build/tests/bench/gui-window-bench")
counter=$(readlink -f "$build/tests/bench/xdamage-frames")
pierctl=$(readlink -f "$build/app/pierctl")
for f in "$bench" "$counter" "$pierctl"; do
  [ -x "$f" ] || { echo "no $f (build first, or pass -b)" >&2; exit 1; }
done
export PIER_MONITOR_PATH=${PIER_MONITOR_PATH:-$(readlink -f "$build/app/pier-monitor")}
export PIER_RDP_RELAY_PATH=${PIER_RDP_RELAY_PATH:-$(readlink -f "$build/app/pier-rdp-relay")}

# Short: RUNROOT/containers/<64 hex>/rdp.sock must fit in a Unix socket address.
work=$(mktemp -d /tmp/pb.XXXXXX)
pids=()
ctl() { "$pierctl" --root "$work/root" --runroot "$work/run" "$@"; }
cleanup() {
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do kill "${pids[i]}" 2>/dev/null || true; done
  wait 2>/dev/null || true
  ctl ps -a -q 2>/dev/null | while read -r id; do ctl rm -f "$id" >/dev/null 2>&1; done
  rm -rf "$work"
}
trap cleanup EXIT
export WLOG_LEVEL=ERROR

cpu_ticks() { awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"; }
ticks_per_s=$(getconf CLK_TCK)

fifo=$work/displayfd
mkfifo "$fifo"
Xvfb -displayfd 3 -screen 0 1920x1080x24 -nolisten tcp 3>"$fifo" >/dev/null 2>&1 &
pids+=($!)
read -r -t 10 display_number <"$fifo"
export DISPLAY=:$display_number GDK_BACKEND=x11 NO_AT_BRIDGE=1

echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"

median() { sort -n | awk '{ v[NR] = $1 } END { printf "runs %s %s %s ms, median %s ms\n", v[1], v[2], v[3], v[2] }'; }

echo "first frame (engine call start to first frame drawn in Pier's window, GSK_RENDERER=cairo):"
printf "  cold (new container, Weston and weston-terminal start): "
for run in 1 2 3; do
  ctl run -d --name "cold-$run" host:latest sleep 600 >/dev/null
  GSK_RENDERER=cairo "$bench" --root "$work/root" --runroot "$work/run" --app weston-terminal \
    --quit-after 4 "cold-$run" >"$work/cold-$run.out" 2>/dev/null
  grep '^first-frame-ms' "$work/cold-$run.out" | awk '{ print $2 }'
done | median
echo "    of which (cold-3): $(grep -E '^(session-open|connected)-ms' "$work/cold-3.out" | tr '\n' ' ')"
printf "  warm (the window opened again on cold-1's session):   "
for run in 1 2 3; do
  GSK_RENDERER=cairo "$bench" --root "$work/root" --runroot "$work/run" --quit-after 3 \
    cold-1 >"$work/warm-$run.out" 2>/dev/null
  grep '^first-frame-ms' "$work/warm-$run.out" | awk '{ print $2 }'
done | median
echo "    of which (run 3): $(grep -E '^(session-open|connected)-ms' "$work/warm-3.out" | tr '\n' ' ')"
for run in 1 2 3; do ctl rm -f "cold-$run" >/dev/null; done

ctl run -d --name anim host:latest sleep 600 >/dev/null
ctl gui --app weston-simple-shm --size 1280x720 anim >"$work/gui.out"
socket=$(sed -n 's/^Socket: //p' "$work/gui.out")
fingerprint=$(sed -n 's/^Fingerprint: //p' "$work/gui.out")
sleep 1

# measure NAME PID WINDOW_PATTERN: frames and CPU of the client PID over $seconds, after it
# has had 3 s to connect and settle.
measure() {
  local name=$1 pid=$2 pattern=$3 wid cpu0 cpu1 frames
  wid=$(xdotool search --sync --limit 1 --name "$pattern")
  sleep 3
  cpu0=$(cpu_ticks "$pid")
  frames=$("$counter" "$wid" "$seconds")
  cpu1=$(cpu_ticks "$pid")
  kill "$pid"
  wait "$pid" 2>/dev/null || true
  ctl top anim | grep -q weston-simple-shm || echo "  (weston-simple-shm is gone after $name)"
  python3 - "$name" "$frames" "$((cpu1 - cpu0))" "$ticks_per_s" "$seconds" <<'EOF'
import sys
name, frames, ticks, hz, seconds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
print(f"  {name:22s} {frames / seconds:6.1f} frames/s  {ticks / hz / seconds * 100:6.1f} % CPU  "
      f"({frames} frames, {ticks / hz:.2f} s CPU in {seconds:.0f} s)")
EOF
}

echo "steady state over $seconds s (weston-simple-shm in a container, 1280x720, one session):"
"$bench" --root "$work/root" --runroot "$work/run" anim >"$work/gl.out" 2>/dev/null &
measure "Pier window (GL)" $! '^anim — Graphical Session$'
grep '^desktop-size' "$work/gl.out" | tail -n 1 | sed 's/^/    /'
sleep 1
GSK_RENDERER=cairo "$bench" --root "$work/root" --runroot "$work/run" anim >"$work/cairo.out" \
  2>/dev/null &
measure "Pier window (cairo)" $! '^anim — Graphical Session$'
grep '^desktop-size' "$work/cairo.out" | tail -n 1 | sed 's/^/    /'
sleep 1
xfreerdp3 "/v:$socket" "/cert:fingerprint:$fingerprint" /sec:tls /u:pier /p: /size:1280x720 \
  /title:pier-bench-xfreerdp3 >"$work/xfreerdp.log" 2>&1 &
measure xfreerdp3 $! '^pier-bench-xfreerdp3$'
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
