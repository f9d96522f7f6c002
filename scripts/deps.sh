#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Installs everything Pier needs on Debian 12 (bookworm). Idempotent: a second run installs
# nothing and takes about a second. Uses sudo when not root.
set -euo pipefail

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# Packages from bookworm itself.
MAIN_PKGS=(
  build-essential pkg-config meson ninja-build git
  libglib2.0-dev libglib2.0-bin libgtk-4-dev libadwaita-1-dev libvte-2.91-gtk4-dev
  libarchive-dev libjansson-dev libcmocka-dev libcurl4-openssl-dev libssl-dev zlib1g-dev libcap-dev
  libseccomp-dev
  libarchive-tools tar gzip
  xvfb xauth x11-utils xdotool imagemagick dbus-x11
  wl-clipboard libxdamage-dev xclip lxtask wayland-utils
  busybox-static uidmap iproute2 iptables procps psmisc util-linux bubblewrap mmdebstrap
  podman skopeo crun buildah docker-registry apache2-utils openssl socat
  docker.io openssh-server openssh-client
  desktop-file-utils appstream python3 python3-jsonschema
  hyperfine clang libclang-rt-14-dev
  gettext
)
# Packages that must come from bookworm-backports (FreeRDP 3, Weston 14).
BACKPORT_PKGS=(
  freerdp3-dev freerdp3-x11 freerdp3-shadow-x11 weston xwayland
)

BACKPORTS_LIST=/etc/apt/sources.list.d/bookworm-backports.list

missing=()
check_missing() {
  local p
  for p in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
      missing+=("$p")
    fi
  done
}

if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
  echo "deps: adding Debian bookworm-backports to $BACKPORTS_LIST"
  echo 'deb http://deb.debian.org/debian bookworm-backports main' | as_root tee "$BACKPORTS_LIST" >/dev/null
  need_update=1
fi

check_missing "${MAIN_PKGS[@]}"
main_missing=("${missing[@]}")
missing=()
check_missing "${BACKPORT_PKGS[@]}"
bp_missing=("${missing[@]}")

if [ ${#main_missing[@]} -eq 0 ] && [ ${#bp_missing[@]} -eq 0 ]; then
  exit 0
fi

# Installing a service must not start it: the tests start dockerd and sshd themselves, with
# their own sockets, and stop them after. A policy-rc.d that refuses every start does that
# during apt; one that was already there is left as it was.
POLICY=/usr/sbin/policy-rc.d
if [ ! -e "$POLICY" ]; then
  printf '#!/bin/sh\n# Pier deps.sh: no service starts while packages are installed.\nexit 101\n' | as_root tee "$POLICY" >/dev/null
  as_root chmod 0755 "$POLICY"
  trap 'as_root rm -f "$POLICY"' EXIT
fi

as_root apt-get update -q
if [ ${#main_missing[@]} -gt 0 ]; then
  echo "deps: installing ${main_missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${main_missing[@]}"
fi
if [ ${#bp_missing[@]} -gt 0 ]; then
  echo "deps: installing from bookworm-backports: ${bp_missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends -t bookworm-backports "${bp_missing[@]}"
fi
