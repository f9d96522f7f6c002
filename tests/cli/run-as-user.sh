#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Runs an end-to-end script as an unprivileged user, so that the container suite runs rootless
# too. As root: makes the user pier-ci (with a subordinate id range) if missing, copies pierctl,
# pier-monitor and the scripts where that user can read them, and runs SCRIPT as pier-ci.
set -euo pipefail
script=$1
user=pier-ci
[ "$(id -u)" -eq 0 ] || { echo "FAIL: run-as-user.sh needs root to switch users" >&2; exit 1; }
if ! id "$user" >/dev/null 2>&1; then
  useradd --create-home --shell /bin/bash "$user"
fi
# A range of its own, clear of others, for newuidmap.
if ! grep -q "^$user:" /etc/subuid; then usermod --add-subuids 1200000-1265535 "$user"; fi
if ! grep -q "^$user:" /etc/subgid; then usermod --add-subgids 1200000-1265535 "$user"; fi
stage=$(mktemp -d /tmp/pier-rootless-XXXXXX)
# Only this run's processes (pierctl and pier-monitor run from $stage): other rootless suites
# may be running as the same user at the same time.
trap 'pkill -u "$user" -f "$stage/" 2>/dev/null || true; rm -rf "$stage"' EXIT
mkdir -p "$stage/app" "$stage/tests"
cp "$PIER_BUILD_DIR/app/pierctl" "$PIER_BUILD_DIR/app/pier-monitor" "$stage/app/"
cp "$(dirname "$0")"/*.sh "$stage/tests/"
mkdir -p "$stage/tests/tools"
cp "$PIER_BUILD_DIR/tests/tools/confinement-probe" "$stage/tests/tools/"
# A file only root may write, for the rootless run of the bind-mount demo.
mkdir -p "$stage/root-owned" && echo original >"$stage/root-owned/file" && chmod 0644 "$stage/root-owned/file"
chmod -R a+rX "$stage"
runtime=$(mktemp -d /tmp/pier-rootless-run-XXXXXX)
chown "$user" "$runtime"
chmod 0700 "$runtime"
trap 'pkill -u "$user" -f "$stage/" 2>/dev/null || true; rm -rf "$stage" "$runtime"' EXIT
runuser -u "$user" -- env -i PATH=/usr/local/bin:/usr/bin:/bin HOME="/home/$user" \
  XDG_RUNTIME_DIR="$runtime" PIER_BUILD_DIR="$stage" PIER_TESTDATA="${PIER_TESTDATA:-}" \
  PIER_SOURCE_DIR="$stage" PIER_TEST_ROOT_OWNED_DIR="$stage/root-owned" PIER_TEST_TRACE="${PIER_TEST_TRACE:-}" bash "$stage/tests/$(basename "$script")"
