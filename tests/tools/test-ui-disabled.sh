#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The -Dui=disabled configuration (meson_options.txt): configured and built from this source
# tree in a build folder of its own, its programs link none of GTK, libadwaita, VTE or FreeRDP,
# and its engine and CLI suites pass. The folder is removed afterwards; the Debian root
# filesystem cli-rootfs-import makes is shared with this build folder's cache so that
# mmdebstrap runs once.
set -euo pipefail

SOURCE=${PIER_SOURCE_DIR:?run through meson test}
OUTER_BUILD=${PIER_BUILD_DIR:?run through meson test}
DIR=$(mktemp -d /tmp/pier-ui-disabled-XXXXXX)
trap 'rm -rf "$DIR"' EXIT
# As readable as a build folder: the rootless tests run its programs as other users.
chmod 0755 "$DIR"

fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok - $*"; }

GUI_LIBRARIES='gtk|adwaita|vte|freerdp|winpr'

setup=$(meson setup "$DIR" "$SOURCE" -Dui=disabled 2>&1) \
  || fail "meson setup -Dui=disabled failed: $setup"
ninja -C "$DIR" >/dev/null || fail "the -Dui=disabled tree does not build (ninja -C $DIR)"
[ ! -e "$DIR/app/pier" ] || fail "-Dui=disabled built the window (app/pier)"
pass "-Dui=disabled configures and builds"

# Each program's whole closure of shared libraries (ldd), not only what it names itself.
for program in app/pierctl app/pier-monitor app/pier-rdp-relay; do
  [ -x "$DIR/$program" ] || fail "$program was not built by -Dui=disabled"
  libraries=$(ldd "$DIR/$program") || fail "ldd cannot read $program"
  grep -q 'libglib-2.0' <<<"$libraries" || fail "ldd listed no libglib for $program: $libraries"
  if offending=$(grep -Ei "$GUI_LIBRARIES" <<<"$libraries"); then
    fail "$program links a graphical library in the -Dui=disabled build: $offending"
  fi
done
pass "pierctl, pier-monitor and pier-rdp-relay link no GTK, libadwaita, VTE or FreeRDP"

mkdir -p "$OUTER_BUILD/test-cache"
ln -s "$OUTER_BUILD/test-cache" "$DIR/test-cache"
# The inner run sets these itself where its tests need them; ours would point at the outer build.
env -u PIER_BUILD_DIR -u PIER_SOURCE_DIR \
  meson test -C "$DIR" --no-rebuild --num-processes 2 --print-errorlogs --suite engine --suite cli \
  || fail "the engine and CLI suites of the -Dui=disabled build failed (their log is above)"
pass "the engine and CLI suites pass in the -Dui=disabled build"
