# SPDX-License-Identifier: GPL-3.0-or-later
# A real dockerd for a test, sourced by it: its own data root, exec root, pidfile and socket in a
# scratch folder, its own containerd (dockerd's managed one), no firewall rules and no bridge
# (--iptables=false --bridge=none: the host is left as it was). Stopped by its PID, everything
# it made removed. With DOCKERD_FIREWALL=1 it makes its bridge and rules as an installed
# dockerd does (tests/peers/firewall.sh puts the host back after).
#
#   dockerd_start             starts it and waits until its API answers; sets DOCKERD_DIR,
#                             DOCKERD_SOCKET (a path) and DOCKERD_PID
#   dockerd_stop              stops it (TERM, then KILL past 30 s), unmounts what it left, and
#                             removes DOCKERD_DIR
#   dockerd_cli ARGS...       the docker CLI against it
#
# A test calls dockerd_stop itself, on every exit (its trap): nothing outlives it.

DOCKERD_CLI=${DOCKERD_CLI:-/usr/local/bin/docker}

dockerd_cli() { "$DOCKERD_CLI" -H "unix://$DOCKERD_SOCKET" "$@"; }

dockerd_start() {
  local i net=(--iptables=false --ip6tables=false --bridge=none)
  [ "${DOCKERD_FIREWALL:-0}" = 1 ] && net=()
  command -v dockerd >/dev/null || { echo "dockerd_start: dockerd is not installed" >&2; return 1; }
  [ -x "$DOCKERD_CLI" ] || { echo "dockerd_start: no docker CLI at $DOCKERD_CLI" >&2; return 1; }
  # Short: containerd's sockets under the exec root must fit a socket address.
  DOCKERD_DIR=$(mktemp -d /tmp/pier-dockerd-XXXXXX)
  DOCKERD_SOCKET="$DOCKERD_DIR/docker.sock"
  dockerd --data-root "$DOCKERD_DIR/data" --exec-root "$DOCKERD_DIR/exec" \
    --pidfile "$DOCKERD_DIR/docker.pid" -H "unix://$DOCKERD_SOCKET" \
    "${net[@]}" "$@" >"$DOCKERD_DIR/dockerd.log" 2>&1 &
  DOCKERD_PID=$!
  # Up to 60 s on a loaded machine; a dockerd that exits is reported at once.
  for ((i = 0; i < 600; i++)); do
    if ! kill -0 "$DOCKERD_PID" 2>/dev/null; then
      echo "dockerd_start: dockerd exited; its log:" >&2
      cat "$DOCKERD_DIR/dockerd.log" >&2
      return 1
    fi
    [ -S "$DOCKERD_SOCKET" ] && dockerd_cli version >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "dockerd_start: dockerd's API did not answer in 60 s; its log:" >&2
  cat "$DOCKERD_DIR/dockerd.log" >&2
  return 1
}

dockerd_stop() {
  local i mount
  [ -n "${DOCKERD_DIR:-}" ] || return 0
  if [ -n "${DOCKERD_PID:-}" ] && kill -0 "$DOCKERD_PID" 2>/dev/null; then
    kill -TERM "$DOCKERD_PID"
    for ((i = 0; i < 300; i++)); do
      kill -0 "$DOCKERD_PID" 2>/dev/null || break
      sleep 0.1
    done
    kill -0 "$DOCKERD_PID" 2>/dev/null && kill -KILL "$DOCKERD_PID"
    wait "$DOCKERD_PID" 2>/dev/null || true
  fi
  # What a killed dockerd could not unmount, deepest first.
  while read -r mount; do
    umount -l "$mount" 2>/dev/null || true
  done < <(awk -v dir="$DOCKERD_DIR" 'index($5, dir) == 1 { print $5 }' /proc/self/mountinfo | sort -r)
  rm -rf "$DOCKERD_DIR"
  DOCKERD_DIR= DOCKERD_PID= DOCKERD_SOCKET=
}
