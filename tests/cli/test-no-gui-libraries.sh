#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# pierctl is a terminal program: neither it nor the processes it starts (the monitor) load GTK,
# libadwaita, VTE or FreeRDP, at start-up or later through dlopen. The dynamic loader itself
# says what it loaded (LD_DEBUG=libs, one file per process through LD_DEBUG_OUTPUT).
. "$(dirname "$0")/lib.sh"
remove_containers_on_exit

GUI_LIBRARIES='gtk|adwaita|vte|freerdp|winpr'

# Runs pierctl ARGS... with the loader's trace in $SCRATCH/ld-NAME.PID, one file per process.
traced() {
  local name=$1; shift
  rm -f "$SCRATCH/ld-$name".*
  LD_DEBUG=libs LD_DEBUG_OUTPUT="$SCRATCH/ld-$name" pierctl "$@"
}

# Fails when a trace names a graphical library; proves first that the trace is there at all.
assert_no_gui_libraries() {
  local name=$1 what=$2 traces offending
  traces=$(ls "$SCRATCH/ld-$name".* 2>/dev/null) || fail "$what: the loader wrote no trace"
  grep -q 'calling init: .*libglib-2.0' $traces || fail "$what: the trace shows no libglib: $traces"
  if offending=$(grep -EHi "(find library|calling init).*($GUI_LIBRARIES)" $traces); then
    fail "$what loaded a graphical library: $offending"
  fi
}

traced version --version >/dev/null
assert_no_gui_libraries version "pierctl --version"
pass "pierctl --version loads no GTK, libadwaita, VTE or FreeRDP"

traced run run --rm busybox true
assert_no_gui_libraries run "pierctl run --rm busybox"
# The monitor, which pierctl starts, left a trace of its own.
grep -q 'initialize program: .*pier-monitor' "$SCRATCH"/ld-run.* || fail "pierctl run: the monitor left no trace"
pass "pierctl run --rm and its monitor load no GTK, libadwaita, VTE or FreeRDP"
