#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# stress.sh BUILD [RUNS [SUITE...]]: runs each test suite RUNS times (20 by default) in a row,
# every CPU kept busy meanwhile by a load generator (one busy loop per CPU, started here and
# stopped by PID), so that a test that passes only on an idle machine shows. Prints each suite's
# passes, keeps the logs of the failed runs, and exits non-zero when any run failed. SUITE is a
# name of `meson test --list` (digest, cli-processes, rdp-view, …); all of them but ui-disabled
# by default.
set -euo pipefail

build=${1:?usage: stress.sh BUILD [RUNS [SUITE...]]}
runs=${2:-20}
shift $(($# < 2 ? $# : 2))
suites=("$@")
mapfile -t known < <(meson test -C "$build" --list 2>/dev/null | sed -n 's|^[^ ]* / ||p')
[ ${#known[@]} -gt 0 ] || { echo "FAIL: no test suites in $build" >&2; exit 1; }
# By default every suite but ui-disabled: it is a second build that runs the engine and CLI
# suites this loop already runs, and would add some 45 minutes (name it to run it).
[ ${#suites[@]} -gt 0 ] || mapfile -t suites < <(printf '%s\n' "${known[@]}" | grep -vxF ui-disabled)
for suite in "${suites[@]}"; do
  # meson test runs nothing, and passes, for a name it does not know
  printf '%s\n' "${known[@]}" | grep -qxF "$suite" || { echo "FAIL: no suite $suite in $build" >&2; exit 1; }
done
logs=$(mktemp -d /tmp/pier-stress-XXXXXX)

load=()
stop_load() {
  for pid in "${load[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${load[@]}"; do wait "$pid" 2>/dev/null || true; done
  load=()
}
trap stop_load EXIT
for _ in $(seq "$(nproc)"); do
  sh -c 'while :; do :; done' &
  load+=($!)
done

failed=0
for suite in "${suites[@]}"; do
  passed=0
  for run in $(seq "$runs"); do
    if meson test -C "$build" --no-rebuild --print-errorlogs "$suite" >"$logs/$suite.$run.log" 2>&1; then
      passed=$((passed + 1))
      rm -f "$logs/$suite.$run.log"
    fi
  done
  echo "$suite: $passed of $runs passed"
  [ "$passed" -eq "$runs" ] || failed=$((failed + 1))
done
stop_load
if [ "$failed" -gt 0 ]; then
  echo "$failed suite(s) failed at least once under load; logs of the failed runs in $logs"
  exit 1
fi
rmdir "$logs"
echo "every suite passed $runs runs in a row under load"
