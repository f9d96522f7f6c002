#!/bin/bash
# Pier's RDP view (tests/ui/rdp-viewer) against xfreerdp3 on the same Weston RDP session
# (1280x720, weston-simple-shm animating), one client after the other, under Xvfb:
#   - frames shown per second over SECONDS, counted for both clients by xdamage-frames (X
#     DAMAGE reports on the client's window; damage less than 3 ms apart is one frame);
#   - CPU (utime + stime from /proc/PID/stat) over the same SECONDS;
#   - for rdp-viewer, the time from process start to the first frame drawn (median of 3).
# rdp-viewer runs twice: with the renderer GTK picks (GL, which under Xvfb is Mesa's llvmpipe
# in software, redrawing the whole window each frame) and with GSK_RENDERER=cairo (which redraws
# only the tiles that changed, as xfreerdp3 puts up only what changed).
# Targets: frames at least xfreerdp3's, CPU at most 1.2x, first frame under 1.5 s.
#
#   tests/bench/bench-rdp.sh [-b BUILD_DIR] [-s SECONDS]
set -euo pipefail

. "$(dirname "$(readlink -f "$0")")/rdp-options.sh"
viewer=$(readlink -f "$build/tests/ui/rdp-viewer")
counter=$(readlink -f "$build/tests/bench/xdamage-frames")
for f in "$viewer" "$counter"; do
  [ -x "$f" ] || { echo "no $f (build first, or pass -b)" >&2; exit 1; }
done

work=$(mktemp -d /tmp/pier-bench-rdp.XXXXXX)
pids=()
cleanup() {
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do kill "${pids[i]}" 2>/dev/null || true; done
  wait 2>/dev/null || true
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
export DISPLAY=:$display_number

fingerprint=$("$viewer" --make-certificate "$work/key.pem" "$work/cert.pem")
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -m 0700 "$work/xdg"
cat >"$work/weston.ini" <<EOF
[core]
shell=desktop-shell.so
[autolaunch]
path=/usr/bin/weston-simple-shm
EOF
XDG_RUNTIME_DIR=$work/xdg weston --backend=rdp --rdp-tls-cert="$work/cert.pem" \
  --rdp-tls-key="$work/key.pem" --port="$port" --address=127.0.0.1 --width=1280 --height=720 \
  --config="$work/weston.ini" >"$work/weston.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do ss -ltnH "sport = :$port" | grep -q . && break; sleep 0.1; done
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
  python3 - "$name" "$frames" "$((cpu1 - cpu0))" "$ticks_per_s" "$seconds" <<'EOF'
import sys
name, frames, ticks, hz, seconds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
print(f"{name:20s} {frames / seconds:6.1f} frames/s  {ticks / hz / seconds * 100:6.1f} % CPU  "
      f"({frames} frames, {ticks / hz:.2f} s CPU in {seconds:.0f} s)")
EOF
}

echo "first frame (rdp-viewer, process start to first frame drawn):"
for run in 1 2 3; do
  "$viewer" --title pier-bench --width 1280 --height 720 --fingerprint "$fingerprint" \
    --quit-after 3 "127.0.0.1:$port" >"$work/first-$run.out" 2>/dev/null
  grep '^first-frame-ms' "$work/first-$run.out" | awk '{ print $2 }'
done | sort -n | awk '{ v[NR] = $1 } END { printf "  runs %s %s %s ms, median %s ms\n", v[1], v[2], v[3], v[2] }'

echo "steady state over $seconds s (weston-simple-shm, 1280x720):"
"$viewer" --title pier-bench --width 1280 --height 720 --fingerprint "$fingerprint" \
  "127.0.0.1:$port" >"$work/viewer.out" 2>/dev/null &
measure rdp-viewer $! '^pier-bench$'
sleep 1
GSK_RENDERER=cairo "$viewer" --title pier-bench --width 1280 --height 720 \
  --fingerprint "$fingerprint" "127.0.0.1:$port" >"$work/viewer-cairo.out" 2>/dev/null &
measure "rdp-viewer (cairo)" $! '^pier-bench$'
sleep 1

xfreerdp3 "/v:127.0.0.1:$port" "/cert:fingerprint:$fingerprint" /sec:tls /u:pier /p:pier \
  /d:pier /size:1280x720 >"$work/xfreerdp.log" 2>&1 &
measure xfreerdp3 $! 'FreeRDP'
