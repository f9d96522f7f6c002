#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# run-under-xvfb.sh COMMAND [ARG...]: runs COMMAND on an X server of its own (Xvfb, on a
# display it picks itself, so parallel runs never collide), then stops that server by PID.
# GSK_RENDERER=cairo: GTK 4.8's GL renderer is software under Xvfb and costs far more;
# GDK_DEBUG=gl-disable: nor does GDK then load Mesa's software driver (LLVM) to probe GL, which
# costs a GTK app 400 ms of CPU and 60 MB at start.
set -u

if ! command -v Xvfb >/dev/null; then
	echo "FAILED: Xvfb is not installed (scripts/deps.sh installs it)"
	exit 1
fi
displayfile=$(mktemp)
# -noreset: the server does not start over whenever its last client leaves, while the next one
# (the app, after a tool's look) comes.
Xvfb -displayfd 3 -noreset -screen 0 1400x900x24 -nolisten tcp 3>"$displayfile" 2>/dev/null &
xvfb=$!
trap 'kill "$xvfb" 2>/dev/null; wait "$xvfb" 2>/dev/null; rm -f "$displayfile"' EXIT
i=0
while [ ! -s "$displayfile" ]; do
	i=$((i + 1))
	if [ $i -gt 100 ] || ! kill -0 "$xvfb" 2>/dev/null; then
		echo "Xvfb did not start"
		exit 1
	fi
	sleep 0.1
done
DISPLAY=:$(cat "$displayfile") GSK_RENDERER=cairo GDK_DEBUG=gl-disable GDK_BACKEND=x11 NO_AT_BRIDGE=1 "$@"
