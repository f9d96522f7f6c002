# SPDX-License-Identifier: GPL-3.0-or-later
# Sourced by the tests that talk to real Docker Engine API peers: dockerd, a Podman service
# (rootful, or rootless as pier-ci) and sshd, each started on loopback or a Unix socket in a
# directory of the caller's, and stopped by its pid with everything it made removed.
# Nothing here changes the host's configuration (dockerd runs without iptables and bridge)
# unless a test asks for dockerd's firewall, and then tests/peers/firewall.sh puts it back.

peers_wait_for_socket() { # SOCKET PID WHAT LOG
  local i
  for i in $(seq 300); do
    [ -S "$1" ] && return 0
    kill -0 "$2" 2>/dev/null || break
    sleep 0.1
  done
  echo "$3 did not start:" >&2
  tail -n 30 "$4" >&2
  return 1
}

peers_kill_naming() { # TEXT: every process whose command line starts with or holds TEXT
  local p
  for p in /proc/[0-9]*; do
    { tr '\0' ' ' <"$p/cmdline" | grep -qF -- "$1"; } 2>/dev/null && [ "${p#/proc/}" != $$ ] &&
      kill -9 "${p#/proc/}" 2>/dev/null
  done
  return 0
}

peers_stop_pid() { # PID: TERM, then KILL after 20 s; waits for it either way
  local pid=$1 i
  kill "$pid" 2>/dev/null || return 0
  for i in $(seq 200); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  kill -9 "$pid" 2>/dev/null || true
}

# dockerd_start DIR [firewall]: a dockerd (and its containerd) with everything under DIR; sets
# DOCKER_HOST (unix://DIR/docker.sock) and DOCKERD_PID. No iptables, no docker0, unless
# "firewall" asks for both, as an installed dockerd makes them.
dockerd_start() {
  local dir=$1 net=(--iptables=false --ip6tables=false --bridge=none)
  [ "${2:-}" = firewall ] && net=()
  command -v dockerd >/dev/null || { echo "dockerd is not installed" >&2; return 1; }
  mkdir -p "$dir/data" "$dir/exec"
  dockerd --data-root "$dir/data" --exec-root "$dir/exec" --pidfile "$dir/docker.pid" \
    -H "unix://$dir/docker.sock" "${net[@]}" \
    --containerd-namespace "pier-test-$$" --containerd-plugins-namespace "pier-test-$$-p" \
    >"$dir/dockerd.log" 2>&1 &
  DOCKERD_PID=$!
  DOCKER_HOST="unix://$dir/docker.sock"
  export DOCKER_HOST
  peers_wait_for_socket "$dir/docker.sock" "$DOCKERD_PID" dockerd "$dir/dockerd.log" || return 1
  # The socket comes before the API answers.
  for _ in $(seq 300); do
    docker version >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "dockerd does not answer" >&2
  return 1
}

# The docker CLI against the dockerd started last.
dockerd_cli() { docker -H "$DOCKER_HOST" "$@"; }

# dockerd_stop DIR: its containers removed, dockerd stopped, DIR's mounts undone.
dockerd_stop() {
  local dir=$1
  [ -n "${DOCKERD_PID:-}" ] || return 0
  docker ps -aq 2>/dev/null | xargs -r docker rm -f >/dev/null 2>&1 || true
  peers_stop_pid "$DOCKERD_PID"
  DOCKERD_PID=""
  # A dockerd that was killed leaves its containers (found by their cgroups), its containerd
  # and the shims (which name DIR).
  local id p
  for id in $(ls "$dir/data/containers" 2>/dev/null); do
    for p in $(grep -l "/docker/$id\$" /proc/[0-9]*/cgroup 2>/dev/null); do
      p=${p#/proc/}; kill -9 "${p%/cgroup}" 2>/dev/null
    done
  done
  peers_kill_naming "$dir/"
  for id in $(ls "$dir/data/containers" 2>/dev/null); do
    rmdir /sys/fs/cgroup/*/docker/"$id" 2>/dev/null || true
  done
  grep -o " $dir/[^ ]*" /proc/self/mounts | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
}

# podman_service_start DIR [USER]: `podman system service` on DIR/podman.sock with its own
# storage under DIR (as USER, rootless, with its own XDG_RUNTIME_DIR); sets PODMAN_SOCKET and
# PODMAN_PID, and PODMAN (an array: the podman command for the same storage).
podman_service_start() {
  local dir=$1 user=${2:-}
  PODMAN_DIR=$dir
  command -v podman >/dev/null || { echo "podman is not installed" >&2; return 1; }
  mkdir -p "$dir/run" "$dir/storage" "$dir/xdg"
  cat >"$dir/storage.conf" <<CONF
[storage]
driver = "vfs"
runroot = "$dir/run"
graphroot = "$dir/storage"
CONF
  # Podman's default rlimits ask for more than this host's hard limits (and nproc above
  # pid_max): the host's own are given.
  local nproc pid_max
  nproc=$(ulimit -Hu); pid_max=$(cat /proc/sys/kernel/pid_max)
  { [ "$nproc" = unlimited ] || [ "$nproc" -gt "$pid_max" ]; } && nproc=$pid_max
  # Its own temporary folder and events log: a rootful service's defaults (/run/libpod) are
  # shared by every service running at once, whose events would mingle.
  cat >"$dir/containers.conf" <<CONF
[containers]
default_ulimits = ["nofile=$(ulimit -Hn):$(ulimit -Hn)", "nproc=$nproc:$nproc"]
[engine]
tmp_dir = "$dir/tmp"
events_logfile_path = "$dir/events.log"
CONF
  PODMAN_SOCKET="$dir/podman.sock"
  if [ -n "$user" ]; then
    chown -R "$user" "$dir"
    chmod 0700 "$dir/xdg"
    PODMAN=(runuser -u "$user" -- env -i PATH=/usr/local/bin:/usr/bin:/bin HOME="$dir"
            XDG_RUNTIME_DIR="$dir/xdg" XDG_CONFIG_HOME="$dir/config" CONTAINERS_STORAGE_CONF="$dir/storage.conf"
            CONTAINERS_CONF="$dir/containers.conf" podman --events-backend file --cgroup-manager cgroupfs)
  else
    PODMAN=(env CONTAINERS_STORAGE_CONF="$dir/storage.conf" CONTAINERS_CONF="$dir/containers.conf"
            XDG_RUNTIME_DIR="$dir/xdg"
            podman --events-backend file --cgroup-manager cgroupfs)
  fi
  # crun refuses a hybrid host whose v2 tree holds a controller: the service runs in a mount
  # namespace of its own where that tree is not mounted, and sees a cgroup v1 host.
  unshare -m --propagation private sh -c '
    if mountpoint -q /sys/fs/cgroup/unified && [ -n "$(cat /sys/fs/cgroup/unified/cgroup.controllers)" ]; then
      umount /sys/fs/cgroup/unified || exit 97
    fi
    exec "$@"' podman-service "${PODMAN[@]}" system service --time=0 "unix://$PODMAN_SOCKET" \
    >"$dir/podman.log" 2>&1 &
  PODMAN_PID=$!
  peers_wait_for_socket "$PODMAN_SOCKET" "$PODMAN_PID" "podman system service" "$dir/podman.log"
}

# podman_service_stop: its containers removed, the service stopped.
podman_service_stop() {
  [ -n "${PODMAN_PID:-}" ] || return 0
  "${PODMAN[@]}" rm -af -t 0 >/dev/null 2>&1 || true
  peers_stop_pid "$PODMAN_PID"
  PODMAN_PID=""
  # What the service leaves behind: rootless, the pause process that holds its user namespace
  # (its runtime directory is this service's); exec sessions' conmon, which lingers for
  # minutes after the exec (its command line names this service's storage).
  local p
  for p in /proc/[0-9]*; do
    { tr '\0' '\n' <"$p/environ" | grep -qx "XDG_RUNTIME_DIR=$PODMAN_DIR/xdg" ||
        tr '\0' '\n' <"$p/cmdline" | grep -q "^$PODMAN_DIR/"; } 2>/dev/null &&
      kill -9 "${p#/proc/}" 2>/dev/null
  done
  # Podman leaves the parent of its containers' cgroups behind: removed once empty.
  for d in /sys/fs/cgroup/*/libpod_parent; do rmdir "$d/conmon" "$d" 2>/dev/null || true; done
}

# sshd_start DIR: sshd on 127.0.0.1 on a free port with a host key and an authorized key
# (DIR/id, for root) of its own; sets SSHD_PORT, SSHD_PID and SSH_KEY.
sshd_start() {
  local dir=$1
  mkdir -p "$dir"
  chmod 0700 "$dir"
  ssh-keygen -q -t ed25519 -N "" -f "$dir/host_key"
  ssh-keygen -q -t ed25519 -N "" -f "$dir/id"
  SSH_KEY="$dir/id"
  cp "$dir/id.pub" "$dir/authorized_keys"
  SSHD_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  cat >"$dir/sshd_config" <<CONF
ListenAddress 127.0.0.1
Port $SSHD_PORT
HostKey $dir/host_key
AuthorizedKeysFile $dir/authorized_keys
PidFile $dir/sshd.pid
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
StrictModes no
UsePAM no
CONF
  mkdir -p /run/sshd
  "$(command -v sshd || echo /usr/sbin/sshd)" -D -e -f "$dir/sshd_config" >"$dir/sshd.log" 2>&1 &
  SSHD_PID=$!
  for _ in $(seq 100); do
    ssh-keyscan -p "$SSHD_PORT" 127.0.0.1 >"$dir/known_hosts" 2>/dev/null && [ -s "$dir/known_hosts" ] && break
    kill -0 "$SSHD_PID" 2>/dev/null || break
    sleep 0.1
  done
  [ -s "$dir/known_hosts" ] || { echo "sshd did not start:" >&2; cat "$dir/sshd.log" >&2; return 1; }
  # ssh reads the test's known hosts, not ~/.ssh.
  cat >"$dir/ssh_config" <<CONF
UserKnownHostsFile $dir/known_hosts
StrictHostKeyChecking yes
CONF
}

sshd_stop() {
  [ -n "${SSHD_PID:-}" ] || return 0
  peers_stop_pid "$SSHD_PID"
  SSHD_PID=""
}
