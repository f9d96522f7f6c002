#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# test-gui.sh PIER PIERCTL RDP_VIEWER: graphical sessions end to end, against containers made
# with the real pierctl, on an X display of its own (run-under-xvfb.sh gives one):
#
#  1. `pierctl gui --app weston-terminal` in a host:latest container; FreeRDP's xfreerdp3
#     connects through the printed socket and shows Weston's desktop with the terminal.
#  2. The real `pier`, driven with xdotool (the row's menu → Open Graphical Session), joins the
#     same session in its graphical session window: Weston's panel and desktop, pinned to the
#     engine's fingerprint.
#  3. Keys typed into that window reach the shell in weston-terminal: the file it touches
#     exists inside the container, not on the host.
#  5. Resizing the window resizes the remote desktop; text goes through the clipboard both ways.
#  4. FreeRDP's shadow server (over an Xvfb) as the container's own RDP server on 3389: Pier's
#     window shows what is drawn on that Xvfb.
#  6. The socket is 0600 and another user cannot connect; no host TCP port opened; a wrong
#     fingerprint is refused with the view's message.
#  7. The seed's demo: lxtask (a GUI process viewer) in a container over RDP, beside an exec
#     session; `pierctl sessions` lists init, exec and graphical sessions with host SIDs.
#
# Root only (real containers). Every tool it uses must be there: a missing one fails the test.
# Screenshots go to $PIER_BUILD_DIR/gui-shots.
set -u

PIER=$(readlink -f "$1")
PIERCTL=$(readlink -f "$2")
VIEWER=$(readlink -f "$3")
SHOTS=${PIER_BUILD_DIR:-$PWD}/gui-shots
export WLOG_LEVEL=ERROR

# Weston's desktop as Pier's weston.ini sets it up (engine/pier-gui.c): panel and background.
PANEL_RGB="11,21,32"
BACKGROUND_RGB="32,64,96"
# Where the remote desktop starts inside Pier's graphical session window: below its header
# bar, inside the frame GTK draws around a window of its own without a window manager.
VIEW_X=5
VIEW_Y=52

fail() {
	echo "FAIL: $*"
	import -window root "$SHOTS/gui-failure.png" 2>/dev/null
	exit 1
}

[ "$(id -u)" = 0 ] || fail "needs root (real containers)"
[ -n "${DISPLAY:-}" ] || fail "no X display (run it under tests/ui/run-under-xvfb.sh)"
for tool in xdotool import convert xfreerdp3 freerdp-shadow-cli3 Xvfb weston weston-terminal \
	xclip wl-copy wayland-info lxtask socat runuser ss python3; do
	command -v "$tool" >/dev/null || fail "$tool is not installed (scripts/deps.sh installs it)"
done

# Short: the socket RUNROOT/containers/<64 hex>/rdp.sock must fit in a Unix socket address.
WORK=$(mktemp -d /tmp/pg.XXXXXX)
mkdir -p "$SHOTS"
rm -f "$SHOTS"/*.png
ctl() { "$PIERCTL" --root "$WORK/root" --runroot "$WORK/run" "$@"; }
PIDS=()
cleanup() {
	local i
	for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do kill "${PIDS[i]}" 2>/dev/null; done
	for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do wait "${PIDS[i]}" 2>/dev/null; done
	ctl ps -a -q 2>/dev/null | while read -r id; do ctl rm -f "$id" >/dev/null 2>&1; done
	rm -rf "$WORK"
}
trap cleanup EXIT

log() { echo "# $*"; }

. "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/wait-for.sh"
. "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/screenshots.sh"

# expect_pixel SHOT X,Y R,G,B
expect_pixel() {
	local got
	got=$(pixel "$1" "$2")
	close_to "$got" "$3" || fail "$1.png at $2: got rgb($got), expected rgb($3)"
}

# await_pixel SHOT WINDOW X,Y R,G,B: screenshots until that pixel comes (15 s at most).
await_pixel() {
	wait_for 15 shows "$@" || fail "$1.png at $3: got rgb($(pixel "$1" "$3")), expected rgb($4) within 15 s"
}

# window NAME: the id of the visible window whose title is exactly NAME.
window() { xdotool search --onlyvisible --name "^$1\$" 2>/dev/null | head -n 1; }
has_window() { [ -n "$(window "$1")" ]; }

# gui_field CONTAINER FIELD: a line of `pierctl gui`'s output kept in $WORK/gui-CONTAINER.
gui_field() { sed -n "s/^$2: //p" "$WORK/gui-$1"; }

# open_in_pier NAME: "Open Graphical Session" from the menu of the first row of Pier's
# containers list (the newest container), then waits for NAME's window and its first frame.
open_in_pier() {
	local X Y WIDTH HEIGHT SCREEN WINDOW
	eval "$(xdotool getwindowgeometry --shell "$(window Pier)")"
	# Listed once the window has followed the event journal.
	wait_for 20 settled root || fail "Pier's window did not settle"
	after_change root xdotool mousemove $((X + WIDTH - 31)) $((Y + 111)) click 1 ||
		fail "the row's menu did not open"
	shot "menu-$1"
	# The fifth item of the popover under the menu button.
	xdotool mousemove $((X + WIDTH - 31)) $((Y + 304)) click 1
	wait_for 10 has_window "$1 — Graphical Session" || fail "no graphical session window for $1"
	GUI_WINDOW=$(window "$1 — Graphical Session")
}

# close_gui_window: its close button, at the right end of its header bar.
close_gui_window() {
	local X Y WIDTH HEIGHT SCREEN WINDOW
	eval "$(xdotool getwindowgeometry --shell "$GUI_WINDOW")"
	xdotool mousemove $((X + WIDTH - 29)) $((Y + 27)) click 1
	wait_for 5 sh -c "! xdotool getwindowname $GUI_WINDOW >/dev/null 2>&1" ||
		fail "the graphical session window did not close"
}

listeners() { ss -ltnH | awk '{print $4}' | sort -u; }
listeners >"$WORK/ports-before"

# A caret that does not blink: a window with a text entry then stands still once drawn, and
# two screenshots in a row tell that (settled).
mkdir -p "$WORK/config/gtk-4.0"
printf '[Settings]\ngtk-cursor-blink=false\n' >"$WORK/config/gtk-4.0/settings.ini"
XDG_CONFIG_HOME=$WORK/config "$PIER" --root "$WORK/root" --runroot "$WORK/run" >"$WORK/pier.log" 2>&1 &
PIDS+=($!)
PIER_PID=$!
wait_for 20 has_window Pier || fail "Pier's window did not appear: $(cat "$WORK/pier.log")"

# ---- 1: weston-terminal through `pierctl gui`, seen by xfreerdp3 ----
ctl run -d --name gui-term host:latest sleep 600 >/dev/null || fail "pierctl run"
ctl gui --app weston-terminal gui-term >"$WORK/gui-gui-term" || fail "pierctl gui"
SOCKET=$(gui_field gui-term Socket)
FINGERPRINT=$(gui_field gui-term Fingerprint)
grep -q '^Server: Weston, host pid [0-9]* (started)$' "$WORK/gui-gui-term" ||
	fail "pierctl gui did not start Weston: $(cat "$WORK/gui-gui-term")"
grep -q '^App: host pid [0-9]*' "$WORK/gui-gui-term" || fail "no app started"
[ -S "$SOCKET" ] || fail "no socket at $SOCKET"
xfreerdp3 "/v:$SOCKET" "/cert:fingerprint:$FINGERPRINT" /sec:tls /u:pier /p: /size:1024x768 \
	/title:pier-xfreerdp3 >"$WORK/xfreerdp3.log" 2>&1 &
PIDS+=($!)
XFREERDP=$!
wait_for 15 has_window pier-xfreerdp3 || fail "xfreerdp3 did not connect: $(tail -5 "$WORK/xfreerdp3.log")"
await_pixel 1-xfreerdp3 "$(window pier-xfreerdp3)" 300,10 "$PANEL_RGB"
# weston-terminal: a black window of about 700x380 pixels in the middle of the desktop.
terminal_shown() {
	shot 1-xfreerdp3 "$(window pier-xfreerdp3)" && (($(colour_pixels 1-xfreerdp3 0,0,0 1024x768+0+0) > 150000))
}
wait_for 15 terminal_shown || fail "xfreerdp3 shows no terminal"
expect_pixel 1-xfreerdp3 60,120 "$BACKGROUND_RGB"
expect_pixel 1-xfreerdp3 512,500 0,0,0
kill "$XFREERDP"
wait "$XFREERDP" 2>/dev/null
echo "ok 1: xfreerdp3 shows weston-terminal in the container's Weston, through $SOCKET"

# ---- 2: Pier's own window joins the same session ----
open_in_pier gui-term
await_pixel 2-pier-view "$GUI_WINDOW" $((VIEW_X + 300)),$((VIEW_Y + 10)) "$PANEL_RGB"
# Weston takes the view's size (a reconnection) before the app has redrawn: until the terminal
# shows again, and the view stands still.
await_pixel 2-pier-view "$GUI_WINDOW" $((VIEW_X + 512)),$((VIEW_Y + 500)) 0,0,0
wait_for 15 settled "$GUI_WINDOW" || fail "Pier's view did not settle"
shot 2-pier-view "$GUI_WINDOW"
expect_pixel 2-pier-view $((VIEW_X + 300)),$((VIEW_Y + 10)) "$PANEL_RGB"
expect_pixel 2-pier-view $((VIEW_X + 60)),$((VIEW_Y + 120)) "$BACKGROUND_RGB"
expect_pixel 2-pier-view $((VIEW_X + 512)),$((VIEW_Y + 500)) 0,0,0
(($(colour_count 2-pier-view "1024x768+$VIEW_X+$VIEW_Y") > 20)) || fail "Pier's view looks blank"
# The same session, not a new one: still one weston-terminal in the container.
(($(ctl top gui-term 2>/dev/null | grep -c weston-terminal) == 1)) ||
	fail "joining started another app: $(ctl top gui-term)"
echo "ok 2: Pier's graphical session window shows the same Weston desktop"

# ---- 3: keys typed into Pier's window reach the shell in the container ----
MARKER=/tmp/typed-$RANDOM$RANDOM
# Keys typed just after the view has settled can still be lost (2 of 5 runs under load, the
# view then taking its new size, it seems): the line is typed again, after Ctrl+U has cleared
# what came of it, until the file is there (touch does no harm twice).
type_touch() {
	xdotool mousemove --window "$GUI_WINDOW" $((VIEW_X + 512)) $((VIEW_Y + 500)) click 1
	xdotool key ctrl+u
	xdotool type --delay 40 "touch $MARKER"
	xdotool key Return
	wait_for 5 ctl exec gui-term test -e "$MARKER"
}
wait_for 30 type_touch || { shot 3-keys-failed "$GUI_WINDOW"; fail "$MARKER was not created in the container"; }
[ ! -e "$MARKER" ] || fail "$MARKER appeared on the host"
shot 3-keys "$GUI_WINDOW"
echo "ok 3: typing \"touch $MARKER\" Enter into Pier's window created it inside the container only"

# ---- 5: resize and clipboard ----
# The view becomes 800x600; Weston takes a new size when a client connects, so the session
# reconnects at it. Its output's mode, as a Wayland client in the container sees it, says so.
output_mode() {
	ctl exec gui-term env XDG_RUNTIME_DIR=/run/pier-gui/runtime WAYLAND_DISPLAY=wayland-0 \
		wayland-info -i wl_output 2>/dev/null | grep -Eo 'width: [0-9]+ px, height: [0-9]+ px' | head -n 1
}
BEFORE=$(output_mode)
[ -n "$BEFORE" ] && [ "$BEFORE" != "width: 800 px, height: 600 px" ] ||
	fail "Weston's output is \"$BEFORE\" before the resize"
xdotool windowsize "$GUI_WINDOW" 810 657
output_is_800x600() { [ "$(output_mode)" = "width: 800 px, height: 600 px" ]; }
wait_for 10 output_is_800x600 || fail "Weston's output is $(output_mode) after resizing Pier's view to 800x600"
log "Weston's output: $BEFORE, then $(output_mode)"
await_pixel 5-resized "$GUI_WINDOW" $((VIEW_X + 798)),$((VIEW_Y + 28)) "$PANEL_RGB"
expect_pixel 5-resized $((VIEW_X + 60)),$((VIEW_Y + 120)) "$BACKGROUND_RGB"
echo "ok 5a: resizing Pier's window to an 800x600 view resized the remote desktop"

LOCAL_TEXT=pier-local-$RANDOM$RANDOM
REMOTE_TEXT=pier-remote-$RANDOM$RANDOM
PASTED=/tmp/pasted-$RANDOM
printf %s "$LOCAL_TEXT" | xclip -selection clipboard
clipboard_is_local() { [ "$(timeout 2 xclip -o -selection clipboard 2>/dev/null)" = "$LOCAL_TEXT" ]; }
wait_for 10 clipboard_is_local || fail "xclip did not take the clipboard"
# The terminal, cut by the smaller desktop, still covers its middle.
xdotool mousemove --window "$GUI_WINDOW" $((VIEW_X + 500)) $((VIEW_Y + 450)) click 1
xdotool type --delay 40 "cat > $PASTED"
xdotool key Return
# the pasted text drawn by the terminal before the line ends
after_change "$GUI_WINDOW" xdotool key ctrl+shift+v || fail "ctrl+shift+v pasted nothing"
xdotool key Return ctrl+d
wait_for 10 sh -c "$(printf '%q ' "$PIERCTL" --root "$WORK/root" --runroot "$WORK/run" exec gui-term cat "$PASTED") | grep -qx '$LOCAL_TEXT'" ||
	fail "the host's clipboard text did not paste in the container: $(ctl exec gui-term cat "$PASTED" 2>&1)"
xdotool type --delay 40 "wl-copy $REMOTE_TEXT"
xdotool key Return
clipboard_is_remote() { [ "$(timeout 2 xclip -o -selection clipboard 2>/dev/null)" = "$REMOTE_TEXT" ]; }
wait_for 10 clipboard_is_remote || fail "the container's clipboard text did not reach the host's"
echo "ok 5b: clipboard text went host → container and container → host"
close_gui_window

# ---- 4: FreeRDP's shadow server inside a container ----
# Xvfb's socket appears before it takes clients: the shadow server starts once xdpyinfo gets in.
# -noreset: else the server starts over as xdpyinfo, its only client, leaves, and a client that
# comes meanwhile fails to open the display (the shadow server did, under load).
ctl run -d --name gui-shadow host:latest sh -c \
	'Xvfb :5 -noreset -screen 0 1024x768x24 -nolisten tcp & until xdpyinfo -display :5 >/dev/null 2>&1; do sleep 0.1; done; DISPLAY=:5 exec freerdp-shadow-cli3 /port:3389 /bind-address:127.0.0.1 -auth /sec:tls' \
	>/dev/null || fail "pierctl run (shadow server)"
# pierctl gui starts Weston where nothing listens on 3389 yet: wait for the shadow server.
shadow_listening() { ctl exec gui-shadow ss -ltnH 'sport = :3389' 2>/dev/null | grep -q .; }
wait_for 20 shadow_listening || fail "the shadow server did not listen in gui-shadow: $(ctl logs gui-shadow 2>&1 | tail -3)"
ctl gui gui-shadow >"$WORK/gui-gui-shadow" 2>&1 || fail "pierctl gui gui-shadow: $(cat "$WORK/gui-gui-shadow")"
grep -q "^Server: the image's own on port 3389" "$WORK/gui-gui-shadow" ||
	fail "the shadow server was not taken as the image's own: $(cat "$WORK/gui-gui-shadow")"
open_in_pier gui-shadow
# The shadow server sends what changes once the client is there: the pattern is drawn on the
# container's Xvfb, and while the view does not show it, drawn again after its colours swapped.
draw_pattern() {
	ctl exec gui-shadow sh -c "convert-im6.q16 -size 1024x384 xc:'$1' -size 1024x384 xc:'$2' -append /tmp/pattern.png && DISPLAY=:5 display-im6.q16 -window root /tmp/pattern.png" >/dev/null 2>&1
}
pattern_shown() {
	local attempt
	for attempt in 1 2 3 4 5 6; do
		draw_pattern '#c02080' '#20c040'
		wait_for 5 shows 4-shadow "$GUI_WINDOW" $((VIEW_X + 700)),$((VIEW_Y + 200)) 192,32,128 && return 0
		draw_pattern '#20c040' '#c02080'
	done
	return 1
}
pattern_shown || fail "4-shadow.png at $((VIEW_X + 700)),$((VIEW_Y + 200)): got rgb($(pixel 4-shadow $((VIEW_X + 700)),$((VIEW_Y + 200)))), expected rgb(192,32,128)"
expect_pixel 4-shadow $((VIEW_X + 700)),$((VIEW_Y + 600)) 32,192,64
echo "ok 4: Pier's window shows FreeRDP's shadow server running in a container"
close_gui_window

# ---- 6: the way in ----
[ "$(stat -c %a "$SOCKET")" = 600 ] || fail "the socket's mode is $(stat -c %a "$SOCKET"), not 600"
if runuser -u nobody -- socat -u OPEN:/dev/null "UNIX-CONNECT:$SOCKET" 2>"$WORK/nobody.err"; then
	fail "user nobody could connect to $SOCKET"
fi
grep -q "Permission denied" "$WORK/nobody.err" || fail "nobody's connection failed otherwise: $(cat "$WORK/nobody.err")"
listeners >"$WORK/ports-after"
NEW_PORTS=$(comm -13 "$WORK/ports-before" "$WORK/ports-after")
# Ours: a Pier process's, or one in the PID namespace of a container of this test (suites running
# beside this one open ports of their own, with the same programs).
our_pid_namespaces=""
for c in gui-term gui-shadow; do
	pid=$(ctl inspect "$c" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["State"]["Pid"])')
	our_pid_namespaces+=" $(readlink "/proc/$pid/ns/pid")"
done
for port in $NEW_PORTS; do
	owner=$(ss -ltnpH "sport = :${port##*:}" | grep -o 'users:.*')
	for pid in $(grep -o 'pid=[0-9]*' <<<"$owner" | cut -d= -f2); do
		ns=$(readlink "/proc/$pid/ns/pid" 2>/dev/null) || continue
		case "$(cat "/proc/$pid/comm" 2>/dev/null)" in
		pier*) fail "a host TCP port opened by Pier: $port $owner" ;;
		esac
		[[ " $our_pid_namespaces " != *" $ns "* ]] || fail "a host TCP port opened by a container: $port $owner"
	done
done
! ss -ltnH | awk '{print $4}' | grep -q ':3389$' || fail "something listens on the host's 3389"
# The same fingerprint with its last byte changed.
last=${FINGERPRINT##*:}
WRONG=${FINGERPRINT%:*}:$(printf %02x $(((16#$last + 1) % 256)))
timeout 20 "$VIEWER" --title pier-wrong --fingerprint "$WRONG" --quit-after 8 "$SOCKET" >"$WORK/wrong.out" 2>&1
grep -qx "error the server's certificate does not match the one Pier made for this container" "$WORK/wrong.out" ||
	fail "a wrong fingerprint was not refused with the message: $(grep -E '^(state|error)' "$WORK/wrong.out")"
! grep -q '^first-frame-ms' "$WORK/wrong.out" || fail "a frame was drawn despite the wrong fingerprint"
echo "ok 6: socket 0600, nobody refused, no host TCP port, a wrong fingerprint refused"

# ---- 7: the seed's demo: a process viewer in a container, over RDP ----
ctl run -d --name gui-seed host:latest sleep 600 >/dev/null || fail "pierctl run (seed)"
ctl exec -d gui-seed sleep 600 >/dev/null || fail "pierctl exec -d"
ctl gui --x11 --app lxtask gui-seed >"$WORK/gui-gui-seed" || fail "pierctl gui --x11 --app lxtask"
grep -q '^Display: :' "$WORK/gui-gui-seed" || fail "no X display for lxtask: $(cat "$WORK/gui-gui-seed")"
open_in_pier gui-seed
await_pixel 7-seed "$GUI_WINDOW" $((VIEW_X + 300)),$((VIEW_Y + 10)) "$PANEL_RGB"
# lxtask's window covers a good part of the desktop; nothing else is on it.
lxtask_shown() {
	shot 7-seed "$GUI_WINDOW" &&
		(($(colour_pixels 7-seed "$BACKGROUND_RGB" "1024x768+$VIEW_X+$VIEW_Y") < 1024 * 768 - 30000))
}
wait_for 20 lxtask_shown ||
	fail "no lxtask window on the desktop ($(colour_pixels 7-seed "$BACKGROUND_RGB" "1024x768+$VIEW_X+$VIEW_Y") background pixels)"
grep -q lxtask <(ctl top gui-seed) || fail "lxtask does not run in gui-seed: $(ctl top gui-seed)"
ctl sessions gui-seed >"$WORK/sessions"
cat "$WORK/sessions"
for origin in init exec graphical; do
	grep -Eq "^$origin +[0-9]+ +[0-9]+ " "$WORK/sessions" || fail "no $origin session with a host SID listed"
done
grep -Eq '^graphical .*lxtask' "$WORK/sessions" || fail "lxtask's session is not the graphical one"
echo "ok 7: lxtask runs in a graphical session of gui-seed, shown over RDP; init, exec and graphical sessions listed"
close_gui_window

kill -0 "$PIER_PID" || fail "pier exited: $(cat "$WORK/pier.log")"
echo "all passed"
