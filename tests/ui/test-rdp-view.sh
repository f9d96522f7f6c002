#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# PierRdpView and PierRdpSession (through tests/ui/rdp-viewer) against real RDP servers nobody
# here wrote: Weston 14's RDP backend running weston-terminal, and FreeRDP's shadow server; with
# FreeRDP's own xfreerdp3 as a second client. Everything runs on loopback under Xvfb; each test
# starts what it needs and stops it by PID. Screenshots go to $PIER_BUILD_DIR/rdp-view-shots.
#
#   test-rdp-view.sh RDP_VIEWER [TEST_NAME...]
set -u

VIEWER=$(readlink -f "$1")
shift
ONLY=("$@")
BUILD_DIR=${PIER_BUILD_DIR:-$PWD}
SHOTS=$BUILD_DIR/rdp-view-shots
WORK=$(mktemp -d /tmp/pier-rdp-test.XXXXXX)
mkdir -p "$SHOTS"
export WLOG_LEVEL=ERROR

# Colours of the Weston desktop set up below (seen in screenshots): its panel, and the
# background this weston.ini asks for.
PANEL_RGB="11,21,32"
BACKGROUND_RGB="32,64,96"

PIDS=()
passed=0
failed=0

for tool in weston weston-terminal socat Xvfb xdotool import convert xfreerdp3 \
            freerdp-shadow-cli3 wl-copy display; do
  if ! command -v "$tool" >/dev/null; then
    echo "FAIL: $tool is not installed (scripts/deps.sh installs it)"
    exit 1
  fi
done

stop_all() {
  local i
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
    kill "${PIDS[i]}" 2>/dev/null
  done
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
    wait "${PIDS[i]}" 2>/dev/null
  done
  PIDS=()
}
trap 'stop_all; rm -rf "$WORK"' EXIT

log() { echo "# $*"; }

. "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/wait-for.sh"
. "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/screenshots.sh"

has_line() { grep -qE "$2" "$1" 2>/dev/null; }

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

listening() { ss -ltnH "sport = :$1" | grep -q .; }

# start_xvfb: sets DISPLAY to a new Xvfb's. -noreset: else the server starts over as the check
# below, its only client then, leaves, and a client that comes meanwhile fails to open the
# display (the shadow server did, under load).
start_xvfb() {
  local fifo=$WORK/displayfd.$RANDOM
  mkfifo "$fifo"
  Xvfb -displayfd 3 -noreset -screen 0 1280x800x24 -nolisten tcp 3>"$fifo" >"$WORK/xvfb.log" 2>&1 &
  PIDS+=($!)
  read -r -t 10 display_number <"$fifo" || return 1
  rm -f "$fifo"
  export DISPLAY=:$display_number
  # Seen once in CI: a client right after -displayfd's answer could not open the display.
  wait_for 10 xdpyinfo_ok || return 1
}

xdpyinfo_ok() { xdpyinfo >/dev/null 2>&1; }

# start_weston PORT: Weston's RDP backend on 127.0.0.1:PORT with weston-terminal, using the key
# and certificate made by Pier's own code (rdp-viewer --make-certificate).
start_weston() {
  local port=$1
  export XDG_RUNTIME_DIR=$WORK/xdg-$port
  mkdir -m 0700 -p "$XDG_RUNTIME_DIR"
  cat >"$WORK/weston.ini" <<EOF
[core]
shell=desktop-shell.so
[shell]
panel-position=top
background-color=0xff204060
[autolaunch]
path=/usr/bin/weston-terminal
EOF
  weston --backend=rdp --rdp-tls-cert="$WORK/cert.pem" --rdp-tls-key="$WORK/key.pem" \
    --port="$port" --address=127.0.0.1 --width=1024 --height=768 \
    --config="$WORK/weston.ini" --socket="wayland-pier-$port" \
    >"$WORK/weston-$port.log" 2>&1 &
  PIDS+=($!)
  wait_for 30 listening "$port" || { log "weston did not listen on $port"; return 1; }
  # weston-terminal's shell is ready once its window is up; give it a moment.
  sleep 1
}

start_relay() {
  socat "UNIX-LISTEN:$1,fork,mode=0600" "TCP:127.0.0.1:$2" 2>"$WORK/socat.log" &
  PIDS+=($!)
  wait_for 5 test -S "$1"
}

# start_viewer OUTPUT ARGS...: rdp-viewer, its reports in OUTPUT.
start_viewer() {
  local out=$1
  shift
  "$VIEWER" --title pier-rdp-viewer "$@" >"$out" 2>"$out.err" &
  PIDS+=($!)
  VIEWER_PID=$!
}

viewer_window() {
  xdotool search --sync --limit 1 --name '^pier-rdp-viewer$' 2>/dev/null
}

# expect_pixel SHOT X,Y R,G,B: each channel within 6 of the expected.
expect_pixel() {
  local got
  got=$(pixel "$1" "$2")
  close_to "$got" "$3" || { log "$1.png at $2: got rgb($got), expected rgb($3)"; return 1; }
}

make_certificate() {
  FINGERPRINT=$("$VIEWER" --make-certificate "$WORK/key.pem" "$WORK/cert.pem") || return 1
  [[ $(stat -c %a "$WORK/key.pem") == 600 ]] || { log "key mode is not 0600"; return 1; }
}

# A Weston desktop reached through a Unix socket relayed to its TCP port, on a fresh Xvfb.
setup_weston_desktop() {
  make_certificate || return 1
  start_xvfb || return 1
  WESTON_PORT=$(free_port)
  start_weston "$WESTON_PORT" || return 1
  SOCKET=$WORK/rdp-$WESTON_PORT.sock
  start_relay "$SOCKET" "$WESTON_PORT"
}

# Types a shell command into weston-terminal through the viewer window.
type_command() {
  xdotool type --delay 40 "$1"
  xdotool key Return
}

focus_viewer() {
  local wid
  wid=$(viewer_window) || return 1
  xdotool windowfocus --sync "$wid" 2>/dev/null || xdotool windowfocus "$wid"
  # A click gives the view keyboard focus, as a user's would; it lands in weston-terminal
  # (centred on the 1024x768 desktop), which takes Weston's keyboard focus.
  xdotool mousemove --window "$wid" 580 460 click 1
}

test_weston_socket_screenshot() {
  setup_weston_desktop || return 1
  start_viewer "$WORK/viewer.out" --fingerprint "$FINGERPRINT" "$SOCKET"
  wait_for 20 has_line "$WORK/viewer.out" '^first-frame-ms' || { cat "$WORK/viewer.out"; return 1; }
  sleep 1.5
  shot weston-socket
  log "$(grep -E '^(state connected|first-frame)' "$WORK/viewer.out" | tr '\n' ' ')"
  expect_pixel weston-socket 300,10 "$PANEL_RGB" || return 1
  expect_pixel weston-socket 60,120 "$BACKGROUND_RGB" || return 1
  # The terminal window (text, frame, title) makes a desktop of more than a few colours.
  (($(colour_count weston-socket 1024x768+0+0) > 20)) || { log "desktop looks blank"; return 1; }

  # FreeRDP's own client, pinned to the same fingerprint, through the same socket.
  kill "$VIEWER_PID"
  xfreerdp3 "/v:$SOCKET" "/cert:fingerprint:$FINGERPRINT" /sec:tls /u:pier /p:pier /d:pier \
    /size:1024x768 >"$WORK/xfreerdp.log" 2>&1 &
  PIDS+=($!)
  sleep 4
  shot weston-socket-xfreerdp3
  # Wherever xfreerdp3 placed its window, most of the desktop's background shows.
  (($(colour_pixels weston-socket-xfreerdp3 "$BACKGROUND_RGB") > 200000)) || {
    log "xfreerdp3 shows no Weston desktop"
    return 1
  }
  stop_all
}

test_weston_keys() {
  setup_weston_desktop || return 1
  local marker=$WORK/typed-$RANDOM$RANDOM
  start_viewer "$WORK/viewer.out" --fingerprint "$FINGERPRINT" "$SOCKET"
  wait_for 20 has_line "$WORK/viewer.out" '^first-frame-ms' || return 1
  sleep 1
  focus_viewer || return 1
  type_command "touch $marker"
  wait_for 10 test -e "$marker" || { shot weston-keys-failed; log "$marker was not created"; return 1; }
  shot weston-keys
  stop_all
}

# terminal_corner SHOT: the right and top edges of weston-terminal's black body, which covers
# the middle of the desktop (580,460), as "X Y": Weston places the window anew each time.
terminal_corner() {
  python3 - "$SHOTS/$1.png" <<'PY'
import subprocess, sys
w, h = 1024, 768
raw = subprocess.run(["convert", sys.argv[1], "-crop", f"{w}x{h}+0+0", "+repage", "-depth", "8",
                      "rgb:-"], capture_output=True, check=True).stdout
def black(x, y):
    return max(raw[(y * w + x) * 3:(y * w + x) * 3 + 3]) <= 8
x, y = 580, 460
if not black(x, y):
    sys.exit(1)
while x + 1 < w and black(x + 1, y):
    x += 1
right = x
while y > 0 and black(right - 4, y - 1):
    y -= 1
print(right, y)
PY
}

# weston-terminal's maximise button, the middle of three at the right of its title bar, 43
# pixels left of the body's right edge and 14 above its top (in the screenshots): its face
# light grey, the top edge of its icon black. Sets BUTTON_X and BUTTON_Y.
maximise_button_shown() {
  local right top
  shot weston-mouse && read -r right top < <(terminal_corner weston-mouse) || return 1
  BUTTON_X=$((right - 43)) BUTTON_Y=$((top - 14))
  close_to "$(pixel weston-mouse $BUTTON_X,$BUTTON_Y)" "225,225,225" &&
    close_to "$(pixel weston-mouse $BUTTON_X,$((top - 18)))" "0,0,0"
}

test_weston_mouse() {
  setup_weston_desktop || return 1
  start_viewer "$WORK/viewer.out" --fingerprint "$FINGERPRINT" "$SOCKET"
  wait_for 20 has_line "$WORK/viewer.out" '^first-frame-ms' || return 1
  # the terminal (black, over the desktop's middle, wherever Weston placed it) and its title
  # bar are drawn before a button of it is clicked
  wait_for 20 shows weston-mouse root 580,460 "0,0,0" || { log "weston-terminal did not show"; return 1; }
  wait_for 20 maximise_button_shown || { log "weston-terminal's maximise button did not show"; return 1; }
  # a left click on that button, through the view, maximises the terminal over the desktop's
  # background
  xdotool mousemove --window "$(viewer_window)" "$BUTTON_X" "$BUTTON_Y" click 1
  wait_for 10 shows weston-mouse root 60,120 "0,0,0" || expect_pixel weston-mouse 60,120 "0,0,0" ||
    return 1
  expect_pixel weston-mouse 300,10 "$PANEL_RGB" || return 1
  stop_all
}

test_weston_resize() {
  setup_weston_desktop || return 1
  start_viewer "$WORK/viewer.out" --fingerprint "$FINGERPRINT" "$SOCKET"
  wait_for 20 has_line "$WORK/viewer.out" '^first-frame-ms' || return 1
  wait_for 5 has_line "$WORK/viewer.out" '^desktop-size 1024x768' || return 1
  xdotool windowsize "$(viewer_window)" 800 600
  wait_for 10 has_line "$WORK/viewer.out" '^desktop-size 800x600$' || {
    log "the remote desktop did not become 800x600: $(grep desktop-size "$WORK/viewer.out" | tr '\n' ' ')"
    return 1
  }
  sleep 1.5
  shot weston-resized
  # The panel now spans 800 pixels, its clock at the right edge: right of x=800 is the Xvfb
  # root (black), left of it the panel.
  expect_pixel weston-resized 790,2 "$PANEL_RGB" || return 1
  expect_pixel weston-resized 60,120 "$BACKGROUND_RGB" || return 1
  expect_pixel weston-resized 900,2 "0,0,0" || return 1
  stop_all
}

test_weston_scale_to_fit() {
  setup_weston_desktop || return 1
  # 1024x768 shown in 512x600: scaled by 1/2 to 512x384, letterboxed with 108 rows above.
  start_viewer "$WORK/viewer.out" --scale --width 512 --height 600 --fingerprint "$FINGERPRINT" \
    "$SOCKET"
  wait_for 20 has_line "$WORK/viewer.out" '^first-frame-ms' || return 1
  sleep 1.5
  shot weston-scaled
  grep -q '^desktop-size 1024x768' "$WORK/viewer.out" || return 1
  expect_pixel weston-scaled 256,50 "0,0,0" || return 1
  expect_pixel weston-scaled 150,112 "$PANEL_RGB" || return 1
  expect_pixel weston-scaled 30,170 "$BACKGROUND_RGB" || return 1
  expect_pixel weston-scaled 256,550 "0,0,0" || return 1
  stop_all
}

test_weston_clipboard() {
  setup_weston_desktop || return 1
  local local_text=pier-local-$RANDOM$RANDOM remote_text=pier-remote-$RANDOM$RANDOM
  local pasted=$WORK/pasted-$RANDOM
  start_viewer "$WORK/viewer.out" --set-clipboard "$local_text" --fingerprint "$FINGERPRINT" \
    "$SOCKET"
  wait_for 20 has_line "$WORK/viewer.out" '^first-frame-ms' || return 1
  sleep 1
  focus_viewer || return 1
  # Client to server: weston-terminal pastes (ctrl+shift+v) what the view announced.
  type_command "cat > $pasted"
  xdotool key ctrl+shift+v
  sleep 0.5
  xdotool key Return ctrl+d
  wait_for 10 grep -qx "$local_text" "$pasted" || {
    shot weston-clipboard-failed
    log "pasted: $(cat "$pasted" 2>/dev/null)"
    return 1
  }
  # Server to client: wl-copy in the Weston session; the view puts it on the local clipboard.
  type_command "wl-copy $remote_text"
  wait_for 10 has_line "$WORK/viewer.out" "^remote-clipboard $remote_text\$" || {
    shot weston-clipboard-failed
    log "no remote clipboard text: $(grep remote-clipboard "$WORK/viewer.out")"
    return 1
  }
  shot weston-clipboard
  stop_all
}

test_wrong_fingerprint_refused() {
  setup_weston_desktop || return 1
  # A fingerprint of another certificate made the same way.
  local other
  other=$("$VIEWER" --make-certificate "$WORK/other-key.pem" "$WORK/other-cert.pem") || return 1
  start_viewer "$WORK/viewer.out" --fingerprint "$other" "$SOCKET"
  wait_for 20 has_line "$WORK/viewer.out" '^state error' || return 1
  grep -qx "error the server's certificate does not match the one Pier made for this container" \
    "$WORK/viewer.out" || { cat "$WORK/viewer.out"; return 1; }
  ! grep -q '^first-frame-ms' "$WORK/viewer.out" || return 1
  sleep 1
  shot wrong-fingerprint
  # The view shows the message: white text over the dark view, nothing of the desktop.
  (($(colour_count wrong-fingerprint 1024x768+0+0) > 2)) || { log "no message shown"; return 1; }
  expect_pixel wrong-fingerprint 300,10 "0,0,0" || return 1
  stop_all
}

test_shadow_server() {
  make_certificate || return 1
  start_xvfb || return 1
  local shadow_display=$DISPLAY port
  port=$(free_port)
  # The shadow server takes its TLS key and certificate from its configuration folder; give it
  # the ones Pier made, through a HOME of its own alone (the X clients here keep theirs, and
  # with it their XAUTHORITY), and the display it shadows by name.
  local shadow_home=$WORK/shadow-home
  mkdir -p "$shadow_home/.config/freerdp/shadow"
  cp "$WORK/key.pem" "$shadow_home/.config/freerdp/shadow/shadow.key"
  cp "$WORK/cert.pem" "$shadow_home/.config/freerdp/shadow/shadow.crt"
  HOME=$shadow_home DISPLAY=$shadow_display \
    freerdp-shadow-cli3 "/port:$port" /bind-address:127.0.0.1 -auth /sec:tls \
    >"$WORK/shadow.log" 2>&1 &
  PIDS+=($!)
  wait_for 30 listening "$port" || { log "shadow server did not listen: $(tail -3 "$WORK/shadow.log")"; return 1; }

  start_xvfb || return 1
  start_viewer "$WORK/viewer.out" --scale --width 1280 --height 800 \
    --fingerprint "$FINGERPRINT" "127.0.0.1:$port"
  wait_for 20 has_line "$WORK/viewer.out" '^first-frame-ms' || { cat "$WORK/viewer.out"; return 1; }
  # Something recognisable on the shadowed display: the root window in two colours. Drawn once
  # the client is there, because the shadow server sends what changes, not a first full frame.
  convert -size 1280x400 xc:'#c02080' -size 1280x400 xc:'#20c040' -append "$WORK/pattern.png"
  DISPLAY=$shadow_display display -window root "$WORK/pattern.png" &
  PIDS+=($!)
  wait_for 15 shows shadow root 640,200 "192,32,128" || expect_pixel shadow 640,200 "192,32,128" ||
    return 1
  grep -q '^desktop-size 1280x800' "$WORK/viewer.out" || return 1
  expect_pixel shadow 640,600 "32,192,64" || return 1
  stop_all
}

TESTS=(weston_socket_screenshot weston_keys weston_mouse weston_resize weston_scale_to_fit weston_clipboard
       wrong_fingerprint_refused shadow_server)
for name in "${TESTS[@]}"; do
  if ((${#ONLY[@]} > 0)) && [[ ! " ${ONLY[*]} " == *" $name "* ]]; then
    continue
  fi
  log "--- $name"
  (
    # Each test in a subshell: its environment (DISPLAY, HOME, …) and PIDs stay its own.
    PIDS=()
    trap 'stop_all' EXIT
    "test_$name"
  )
  rc=$?
  if ((rc == 0)); then
    echo "ok $name"
    ((passed++))
  else
    echo "not ok $name"
    ((failed++))
  fi
done

echo "$passed passed, $failed failed"
((failed == 0))
