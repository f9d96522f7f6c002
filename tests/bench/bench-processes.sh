#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Process scanner benchmark: 2,000 then 10,000 sleeping processes on the host, one full
# snapshot (cold and warm scanner) against procps' ps, and the CPU cost of a 1 Hz refresh over
# 60 s at 2,000 processes. Not a test: run by hand, it takes about three minutes and loads a core.
#
#   tests/bench/bench-processes.sh [BUILD_DIR] [ROUNDS] [REFRESH_SECONDS]
#
# The sleepers are killed by PID on every exit path; kernel.pid_max is raised when too low and
# restored.
set -eu

build=${1:-build}
rounds=${2:-7}
refresh_seconds=${3:-60}
bench="$build/tests/bench/bench-process-snapshot"
pidfile=$(mktemp)
holder=""
old_pid_max=""

stop_sleepers() {
	if [ -n "$holder" ]; then
		kill -TERM "$holder" 2>/dev/null || true
		wait "$holder" 2>/dev/null || true
		holder=""
	fi
	# the holder kills its children; should it have died first, kill them here
	if [ -s "$pidfile" ]; then
		xargs kill -KILL <"$pidfile" 2>/dev/null || true
		: >"$pidfile"
	fi
}

cleanup() {
	stop_sleepers
	rm -f "$pidfile"
	if [ -n "$old_pid_max" ]; then
		echo "$old_pid_max" >/proc/sys/kernel/pid_max
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

[ -x "$bench" ] || { echo "build $bench first (ninja -C $build)" >&2; exit 1; }

need=$((10000 + $(ls -d /proc/[0-9]* | wc -l) + 2000))
pid_max=$(cat /proc/sys/kernel/pid_max)
if [ "$pid_max" -lt "$need" ]; then
	old_pid_max=$pid_max
	echo "$need" >/proc/sys/kernel/pid_max
fi
ulimit -u unlimited 2>/dev/null || ulimit -u "$need" 2>/dev/null || true

for n in 2000 10000; do
	: >"$pidfile"
	"$bench" --hold "$n" "$pidfile" &
	holder=$!
	while [ "$(wc -l <"$pidfile")" -lt "$n" ]; do
		kill -0 "$holder" 2>/dev/null || { echo "the sleepers did not start" >&2; exit 1; }
		sleep 0.2
	done
	# past the scanner's young-process window, as on a host that has been up a while
	sleep 6
	echo "== $n sleeping processes"
	"$bench" --measure "$rounds"
	if [ "$n" -eq 2000 ]; then
		"$bench" --refresh "$refresh_seconds"
	fi
	stop_sleepers
done
