#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# test-pier-clicks.sh PIER PIERCTL: the real `pier` binary used as a person uses it, through
# xdotool's mouse and keyboard on an X display (run-under-xvfb.sh gives one): click Run… in
# the header bar, type a command into the Run dialog, click its Run button; the container must
# then run, as pierctl sees it. Then a double click on its row opens its page, whose Stop button
# stops it; back in the list, Delete on the selected row asks, and Remove removes it.
# Screenshots go to $PIER_BUILD_DIR/ui-shots. Root only (real containers).
set -u

PIER=$(readlink -f "$1")
PIERCTL=$(readlink -f "$2")
SHOTS=${PIER_BUILD_DIR:-$PWD}/ui-shots

if [ "$(id -u)" != 0 ]; then
	echo "FAILED: needs root (real containers)"
	exit 1
fi
for tool in xdotool import; do
	if ! command -v "$tool" >/dev/null; then
		echo "FAILED: $tool is not installed (scripts/deps.sh installs it)"
		exit 1
	fi
done

WORK=$(mktemp -d /tmp/pier-clicks.XXXXXX)
mkdir -p "$SHOTS"
ctl() { "$PIERCTL" --root "$WORK/root" --runroot "$WORK/run" "$@"; }
app=""
cleanup() {
	ctl ps -a -q 2>/dev/null | while read -r id; do ctl rm -f "$id" >/dev/null 2>&1; done
	if [ -n "$app" ]; then
		kill "$app" 2>/dev/null
		wait "$app" 2>/dev/null
	fi
	rm -rf "$WORK"
}
trap cleanup EXIT

fail() {
	echo "FAIL: $*"
	import -window root "$SHOTS/ui-clicks-failure.png" 2>/dev/null
	exit 1
}

. "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/wait-for.sh"
. "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/screenshots.sh"

# window_geometry NAME: sets X Y WIDTH HEIGHT of the visible window titled NAME.
window_geometry() {
	local win
	win=$(xdotool search --onlyvisible --name "^$1\$" | head -n 1)
	[ -n "$win" ] || return 1
	eval "$(xdotool getwindowgeometry --shell "$win")"
}

running_sleeper() { ctl ps | grep -q '"sleep 600"'; }
sleeper_gone() { ! running_sleeper; }
no_confirmation() { ! window_geometry 'Remove “.*”\?'; }

# row_listed: the band of the window's first row differs from the first screenshot, taken when
# there was no container (X, Y, WIDTH: the window's).
row_listed() {
	shot ui-clicks-listed
	local band="${WIDTH}x30+${X}+$((Y + 95))"
	[ "$(compare -metric AE "$SHOTS/ui-clicks-start.png[$band]" "$SHOTS/ui-clicks-listed.png[$band]" null: 2>&1)" != 0 ]
}

# A caret that does not blink: a window with a text entry then stands still once drawn, and
# two screenshots in a row tell that (settled).
mkdir -p "$WORK/config/gtk-4.0"
printf '[Settings]\ngtk-cursor-blink=false\n' >"$WORK/config/gtk-4.0/settings.ini"
XDG_CONFIG_HOME=$WORK/config "$PIER" --root "$WORK/root" --runroot "$WORK/run" >"$WORK/pier.log" 2>&1 &
app=$!
wait_for 20 window_geometry Pier || fail "the window did not appear"
# The store opens (and gets its built-in images) off the main thread; then the list shows.
wait_for 20 test -s "$WORK/root/index.json" || fail "the store was not created"
wait_for 20 settled root || fail "the window did not settle"
shot ui-clicks-start

# Run… is the first button of the header bar, at its left end.
window_geometry Pier || fail "the window is gone"
xdotool mousemove $((X + 45)) $((Y + 26)) click 1
wait_for 10 window_geometry "Run a Container" || fail "Run… did not open the Run dialog"
wait_for 10 settled root || fail "the Run dialog did not settle"
xdotool mousemove $((X + WIDTH / 2)) $((Y + HEIGHT / 2))
xdotool type --delay 20 "sleep 600"
shot ui-clicks-run-dialog
# Run is the suggested button at the right end of the dialog's header bar.
xdotool mousemove $((X + WIDTH - 35)) $((Y + 26)) click 1
wait_for 20 running_sleeper || fail "no container runs \"sleep 600\" after clicking Run"
echo "ok: clicking Run… then Run started a container"
window_geometry Pier || fail "the window is gone"
wait_for 20 row_listed || fail "the window did not list the new container"
wait_for 10 settled root || fail "the list did not settle"

# Its row is the first of the list: a double click opens its page, whose header bar has Stop
# left of the terminal and menu buttons and the window's own three.
after_change root xdotool mousemove $((X + 60)) $((Y + 110)) click --repeat 2 --delay 80 1 ||
	fail "a double click on the row did not open its page"
shot ui-clicks-page
xdotool mousemove $((X + WIDTH - 223)) $((Y + 26)) click 1
# "sleep" as PID 1 ignores SIGTERM: the stop kills it after its ten seconds.
wait_for 20 sleeper_gone ||
	fail "clicking Stop on the container's page did not stop it"
echo "ok: the container's page opened, and its Stop button stopped it"
shot ui-clicks-stopped

# Back to the list (Alt+Left), a click selects the row, Delete asks first: Escape keeps the
# container; Delete again and a click on the dialog's Remove (its right half) removes it.
container_count() { ctl ps -a -q | wc -l; }
after_change root xdotool key alt+Left || fail "Alt+Left did not go back to the list"
window_geometry Pier || fail "the window is gone"
# (the row may be selected already: nothing need change)
xdotool mousemove $((X + 60)) $((Y + 110)) click 1
wait_for 10 settled root || fail "the list did not settle"
xdotool key Delete
wait_for 5 window_geometry 'Remove “.*”\?' || fail "Delete on the selected row asked nothing"
shot ui-clicks-remove-confirmation
xdotool key Escape
wait_for 5 no_confirmation || fail "Escape did not close the confirmation"
[ "$(container_count)" = 1 ] || fail "Escape in the confirmation removed the container anyway"
xdotool key Delete
wait_for 5 window_geometry 'Remove “.*”\?' || fail "Delete asked nothing the second time"
xdotool mousemove $((X + WIDTH * 3 / 4)) $((Y + HEIGHT - 20)) click 1
wait_for 15 test "$(container_count)" = 0 || fail "clicking Remove in the confirmation did not remove the container"
echo "ok: Delete on the selected row asked first, Escape kept it, Remove removed it"
kill -0 "$app" || fail "pier exited: $(cat "$WORK/pier.log")"
echo "pier log:"
cat "$WORK/pier.log"
