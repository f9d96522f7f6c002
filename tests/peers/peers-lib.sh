# SPDX-License-Identifier: GPL-3.0-or-later
# Sourced by tests that need a real peer engine. Each start takes a directory of the test's
# own and stops by the PID it recorded there.

# dockerd_start DIR [iptables]: a dockerd with its own data root, exec root and socket
# (DIR/docker.sock); without "iptables" it leaves the firewall and bridges alone. Sets
# DOCKER_SOCK.
dockerd_start() {
  local dir=$1 net=(--iptables=false --bridge=none) i
  [ "${2:-}" = iptables ] && net=()
  command -v dockerd >/dev/null || { echo "dockerd is not installed (scripts/deps.sh installs docker.io)" >&2; return 1; }
  mkdir -p "$dir"
  dockerd --data-root "$dir/data" --exec-root "$dir/exec" --pidfile "$dir/dockerd.pid" \
    -H "unix://$dir/docker.sock" "${net[@]}" >"$dir/dockerd.log" 2>&1 &
  echo $! >"$dir/dockerd.launched"
  DOCKER_SOCK=$dir/docker.sock
  for i in $(seq 300); do
    if [ -S "$DOCKER_SOCK" ] && DOCKER_HOST=unix://$DOCKER_SOCK /usr/bin/docker version >/dev/null 2>&1; then
      return 0
    fi
    kill -0 "$(cat "$dir/dockerd.launched")" 2>/dev/null || break
    sleep 0.1
  done
  echo "dockerd did not come up; its log:" >&2
  tail -20 "$dir/dockerd.log" >&2
  return 1
}

# dockerd_stop DIR: stops it (and the containerd it started) and waits for both to go.
dockerd_stop() {
  local dir=$1 pid i
  [ -f "$dir/dockerd.launched" ] || return 0
  pid=$(cat "$dir/dockerd.launched")
  kill "$pid" 2>/dev/null || true
  for i in $(seq 200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$dir/dockerd.launched"
  umount -R "$dir/data" 2>/dev/null || true
  umount -R "$dir/exec" 2>/dev/null || true
}
