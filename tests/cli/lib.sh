# SPDX-License-Identifier: GPL-3.0-or-later
# Shared by the end-to-end scripts: a scratch store, pierctl, assertions that say what failed.
set -euo pipefail
[ -n "${PIER_TEST_TRACE:-}" ] && set -x

BUILD=${PIER_BUILD_DIR:?run through meson test}
PIERCTL="$BUILD/app/pierctl"
TESTDATA=${PIER_TESTDATA:-}
SCRATCH=$(mktemp -d /tmp/pier-e2e-XXXXXX)
ROOT="$SCRATCH/root"
RUNROOT="$SCRATCH/run"
CLEANUPS=()

# Rootless, the pause process pierctl started for this runroot, by its pid and start time.
stop_pause_process() {
  local pid start
  [ -f "$RUNROOT/rootless/pause.pid" ] || return 0
  read -r pid start <"$RUNROOT/rootless/pause.pid"
  [ "$(cut -d' ' -f22 "/proc/$pid/stat" 2>/dev/null)" = "$start" ] && kill -9 "$pid"
}

cleanup() {
  local status=$?
  for c in "${CLEANUPS[@]}"; do eval "$c" || true; done
  stop_pause_process || true
  rm -rf "$SCRATCH"
  exit $status
}
trap cleanup EXIT

on_exit() { CLEANUPS+=("$1"); }

pierctl() { "$PIERCTL" --root "$ROOT" --runroot "$RUNROOT" "$@"; }

fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok - $*"; }

assert_eq() { [ "$1" = "$2" ] || fail "$3: expected «$2», got «$1»"; }
assert_contains() { case "$1" in *"$2"*) ;; *) fail "$3: «$2» not in «$1»";; esac; }
assert_not_contains() { case "$1" in *"$2"*) fail "$3: «$2» found in «$1»";; *) ;; esac; }

# Runs a command that must fail: non-zero exit, exactly one line on stderr containing $1.
expect_failure() {
  local want=$1; shift
  local err
  if "$@" >"$SCRATCH/out" 2>"$SCRATCH/err"; then fail "succeeded but should not: $*"; fi
  err=$(cat "$SCRATCH/err")
  [ "$(wc -l <"$SCRATCH/err")" -eq 1 ] || fail "not one line on stderr for «$*»: $err"
  assert_contains "$err" "$want" "error of «$*»"
}

# A listing of the store that any change would alter.
store_state() {
  (cd "$ROOT" && cat index.json && find blobs layers -maxdepth 2 | sort)
}

require_testdata() {
  if [ -z "$TESTDATA" ] || [ ! -e "$TESTDATA/$1" ]; then
    echo "SKIPPED $2: ../shared/testdata/$1 is absent"
    return 1
  fi
}

# Unprivileged runs (run-as-user.sh) skip what only root can have: a bridge, cgroup limits.
ROOTLESS=$([ "$(id -u)" -ne 0 ] && echo 1 || true)

# Containers this script started are removed even when it fails.
remove_containers_on_exit() {
  on_exit 'for c in $("$PIERCTL" --root "$ROOT" --runroot "$RUNROOT" ps -aq 2>/dev/null); do "$PIERCTL" --root "$ROOT" --runroot "$RUNROOT" rm -f "$c" >/dev/null 2>&1; done'
}

inspect_field() { pierctl inspect "$1" | /usr/bin/python3 -c "import json,sys; d=json.load(sys.stdin)[0]; print($2)"; }

# Retries a condition for up to $1 seconds.
eventually() {
  local seconds=$1; shift
  for ((i = 0; i < seconds * 10; i++)); do
    if "$@"; then return 0; fi
    sleep 0.1
  done
  return 1
}
