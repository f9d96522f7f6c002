#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Debug logging: PIER_DEBUG=1, or G_MESSAGES_DEBUG=all, makes pierctl tell on stderr the
# decisions it takes (store, rootless, image and layer, ids claimed, the container's start),
# each engine folder under its own log domain; stdout stays exactly what it is without them.
. "$(dirname "$0")/lib.sh"
remove_containers_on_exit
unset G_MESSAGES_DEBUG PIER_DEBUG

# The log domains of the debug lines in $1, one per line, sorted.
debug_domains() {
  sed -n 's/^([^)]*): \(pier-[a-z]*\)-DEBUG: .*/\1/p' "$1" | sort -u
}

# $1: how the run is made to log (env assignments, or nothing). Leaves $SCRATCH/out, err.
run_logged() {
  env "$@" "$PIERCTL" --root "$ROOT" --runroot "$RUNROOT" run --rm busybox echo 'hello, debug' \
    >"$SCRATCH/out" 2>"$SCRATCH/err" || fail "run --rm with «$*» failed: $(cat "$SCRATCH/err")"
}

# 1. Quiet by default: nothing on stderr, stdout as it always is.
run_logged
assert_eq "$(cat "$SCRATCH/out")" 'hello, debug' "stdout without debugging"
assert_eq "$(cat "$SCRATCH/err")" '' "stderr without debugging"
pass "run --rm: no debug line by default"

# 2. PIER_DEBUG=1: lines from at least three domains on stderr, stdout the same.
run_logged PIER_DEBUG=1
assert_eq "$(cat "$SCRATCH/out")" 'hello, debug' "stdout with PIER_DEBUG=1"
domains=$(debug_domains "$SCRATCH/err")
[ "$(echo "$domains" | grep -c .)" -ge 3 ] ||
  fail "PIER_DEBUG=1: debug lines from fewer than 3 domains («$(echo $domains)»): $(cat "$SCRATCH/err")"
for d in pier-store pier-runtime pier-container; do
  assert_contains "$domains" "$d" "the domains of PIER_DEBUG=1's lines"
done
assert_contains "$(cat "$SCRATCH/err")" "image busybox in the store" "PIER_DEBUG=1's lines"
assert_contains "$(cat "$SCRATCH/err")" "starting container" "PIER_DEBUG=1's lines"
pass "PIER_DEBUG=1: debug lines from $(echo $domains) on stderr, stdout unchanged"

# 3. G_MESSAGES_DEBUG=all shows the same, on stderr too (GLib's own default is stdout).
run_logged G_MESSAGES_DEBUG=all
assert_eq "$(cat "$SCRATCH/out")" 'hello, debug' "stdout with G_MESSAGES_DEBUG=all"
assert_eq "$(debug_domains "$SCRATCH/err")" "$domains" "the domains of G_MESSAGES_DEBUG=all"
pass "G_MESSAGES_DEBUG=all: the same lines on stderr, stdout unchanged"

# 4. A G_MESSAGES_DEBUG that is set stands, even with PIER_DEBUG=1.
run_logged PIER_DEBUG=1 G_MESSAGES_DEBUG=pier-store
assert_eq "$(cat "$SCRATCH/out")" 'hello, debug' "stdout with G_MESSAGES_DEBUG=pier-store"
assert_eq "$(debug_domains "$SCRATCH/err")" pier-store "the domains of G_MESSAGES_DEBUG=pier-store"
run_logged PIER_DEBUG=0
assert_eq "$(cat "$SCRATCH/err")" '' "stderr with PIER_DEBUG=0"
pass "G_MESSAGES_DEBUG=pier-store: only that domain; PIER_DEBUG=0: none"

# 5. Hostile locale settings (bytes that are no locale name, a name of 100 kB, a language with
#    no catalogue) change nothing: the same output, nothing on stderr, no container left.
long_name=$(head -c 100000 /dev/zero | tr '\0' a)
for lang in $'\xff\xfe' "$long_name" de_DE.UTF-8; do
  run_logged LC_ALL= LC_MESSAGES= LANG="$lang"
  assert_eq "$(cat "$SCRATCH/out")" 'hello, debug' "stdout with a hostile LANG (${#lang} bytes)"
  assert_eq "$(cat "$SCRATCH/err")" '' "stderr with a hostile LANG (${#lang} bytes)"
done
assert_eq "$("$PIERCTL" --root "$ROOT" --runroot "$RUNROOT" ps -aq)" '' "containers left by run --rm"
pass "hostile LANG values: output unchanged, nothing left behind"
