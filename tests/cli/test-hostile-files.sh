#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Nothing a container, an image or a build context holds can hang pierctl or lead it out: a
# FIFO where Pier reads or writes a file, a symlink out of the context, an image's own claim to
# the host's /usr. Every command that could hang runs under a timeout that fails the test.
. "$(dirname "$0")/lib.sh"
remove_containers_on_exit

# pierctl_within SECONDS ARGS...: pierctl ARGS, its status kept, failing the test if it hangs
# (said on the script's own stderr, fd 4: expect_failure redirects the command's).
exec 4>&2
pierctl_within() {
  local seconds=$1 status=0
  shift
  timeout -k 5 "$seconds" "$PIERCTL" --root "$ROOT" --runroot "$RUNROOT" "$@" || status=$?
  if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
    echo "FAIL: pierctl $* hung for ${seconds}s" >&4
    exit 1
  fi
  return "$status"
}

# A container whose /etc/passwd is a FIFO: exec, stop and start resolve the user without
# opening it for good (nothing here may read it: ls -l or id would block on it themselves).
pierctl run -d --name fifo-passwd busybox sleep 1000 >/dev/null
pierctl exec fifo-passwd sh -c 'rm /etc/passwd && mkfifo /etc/passwd && [ -p /etc/passwd ]'
assert_eq "$(pierctl_within 20 exec fifo-passwd echo ok)" ok "exec with a FIFO at /etc/passwd"
expect_failure "unable to find user nobody: /etc/passwd is not a regular file" \
  pierctl_within 20 exec -u nobody fifo-passwd echo no
pierctl_within 30 stop -t 1 fifo-passwd >/dev/null
pierctl_within 30 start fifo-passwd >/dev/null
assert_eq "$(inspect_field fifo-passwd 'd["State"]["Status"]')" running "start with a FIFO at /etc/passwd"
pass "exec, stop and start of a container whose /etc/passwd is a FIFO"

# The same FIFO in an image's layer.
mkdir -p "$SCRATCH/fifo-image"
printf 'FROM busybox\nRUN rm /etc/passwd && mkfifo /etc/passwd\n' >"$SCRATCH/fifo-image/Dockerfile"
pierctl_within 120 build -q -t fifo-passwd-image "$SCRATCH/fifo-image" >/dev/null
assert_eq "$(pierctl_within 20 run --rm fifo-passwd-image echo ran)" ran \
  "run of an image whose layer has a FIFO at /etc/passwd"
pass "run of an image whose layer has a FIFO at /etc/passwd"

# A FIFO where gui writes the container's RDP key: a clear error at once. Were it to block, the
# writer (a process in the container's namespaces) is released by reading the FIFO.
pierctl run -d --name fifo-key busybox sleep 1000 >/dev/null
pierctl exec fifo-key sh -c 'mkdir -p /run/pier-gui && mkfifo /run/pier-gui/tls.key'
init=$(inspect_field fifo-key 'd["State"]["Pid"]')
status=0
timeout -k 5 30 "$PIERCTL" --root "$ROOT" --runroot "$RUNROOT" gui fifo-key >/dev/null \
  2>"$SCRATCH/err" || status=$?
if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
  timeout 5 cat "/proc/$init/root/run/pier-gui/tls.key" >/dev/null || true
  fail "gui hung on a FIFO at /run/pier-gui/tls.key"
fi
[ "$status" -ne 0 ] || fail "gui wrote its key into a FIFO"
assert_contains "$(cat "$SCRATCH/err")" \
  "writing /run/pier-gui/tls.key in the container: something other than a regular file is there" \
  "gui with a FIFO at its key's place"
pass "gui with a FIFO where it writes the key"

# A Dockerfile and a .dockerignore that are symlinks out of the context are not read; a symlink
# that stays inside works; -f naming a file outside the context is the user's own choice.
echo "SENTINEL outside the context" >"$SCRATCH/outside"
ctx="$SCRATCH/ctx"
mkdir -p "$ctx"
ln -s "$SCRATCH/outside" "$ctx/Dockerfile"
expect_failure "in the build context: opening Dockerfile: No such file or directory" \
  pierctl_within 30 build "$ctx"
assert_not_contains "$(cat "$SCRATCH/err")" SENTINEL "the error of a Dockerfile linked out"
expect_failure "in the build context: opening Dockerfile: No such file or directory" \
  pierctl_within 30 build -f "$ctx/Dockerfile" "$ctx"
rm "$ctx/Dockerfile"
mkfifo "$ctx/Dockerfile"
expect_failure "in the build context: Dockerfile is not a regular file" pierctl_within 30 build "$ctx"
rm "$ctx/Dockerfile"
printf 'FROM busybox\nCOPY . /ctx/\n' >"$ctx/real.Dockerfile"
ln -s real.Dockerfile "$ctx/Dockerfile"
echo kept >"$ctx/secret"
echo secret >"$SCRATCH/ignore-outside"
ln -s "$SCRATCH/ignore-outside" "$ctx/.dockerignore"
pierctl_within 60 build -q -t linked-df "$ctx" >/dev/null
assert_eq "$(pierctl run --rm linked-df cat /ctx/secret)" kept "a .dockerignore linked out of the context is not read"
rm "$ctx/.dockerignore"
mkfifo "$ctx/.dockerignore"
expect_failure "in the build context: .dockerignore is not a regular file" pierctl_within 30 build "$ctx"
rm "$ctx/.dockerignore"
expect_failure "outside:1: unknown instruction SENTINEL" pierctl_within 30 build -f "$SCRATCH/outside" "$ctx"
pass "Dockerfile and .dockerignore read inside the build context"

# A wildcard through a context symlink to /etc names nothing of the host's /etc.
mkdir -p "$SCRATCH/etc-ctx"
ln -s /etc "$SCRATCH/etc-ctx/hostetc"
printf 'FROM busybox\nCOPY hostetc/os-rel* /x/\n' >"$SCRATCH/etc-ctx/Dockerfile"
expect_failure "no source files match “hostetc/os-rel*”" pierctl_within 30 build "$SCRATCH/etc-ctx"
assert_not_contains "$(cat "$SCRATCH/err")" os-release "the error of a wildcard through a symlink to /etc"
pass "a wildcard through a context symlink to /etc"

# The host's /usr: host:latest and what is built on it get it; an image saying so in a label
# does not, whether Pier built it or an archive brought it.
host_usr_inode=$(stat -c %i /usr/bin)
assert_eq "$(pierctl run --rm host:latest stat -c %i /usr/bin)" "$host_usr_inode" "host:latest runs on the host's /usr"
mkdir -p "$SCRATCH/on-host" "$SCRATCH/labelled"
printf 'FROM host:latest\nRUN stat -c %%i /usr/bin >/usr-inode\n' >"$SCRATCH/on-host/Dockerfile"
pierctl build -q -t on-host "$SCRATCH/on-host" >/dev/null
assert_eq "$(pierctl run --rm on-host cat /usr-inode)" "$host_usr_inode" "a build step on host:latest has the host's /usr"
assert_eq "$(pierctl run --rm on-host stat -c %i /usr/bin)" "$host_usr_inode" "an image built on host:latest runs on the host's /usr"
printf 'FROM busybox\nLABEL org.pier.host-usr=ro\n' >"$SCRATCH/labelled/Dockerfile"
pierctl build -q -t labelled "$SCRATCH/labelled" >/dev/null
assert_eq "$(pierctl run --rm labelled sh -c 'test -e /usr/bin/python3 && echo host || echo own')" own \
  "an image labelled org.pier.host-usr does not get the host's /usr"

command -v podman >/dev/null || fail "podman is not installed (scripts/deps.sh installs it)"
PODMAN=(podman --root "$SCRATCH/podman" --runroot "$SCRATCH/podman-run" --storage-driver vfs)
mkdir -p "$SCRATCH/podman-ctx"
cp /bin/busybox "$SCRATCH/podman-ctx/busybox"
printf 'FROM scratch\nCOPY busybox /bin/busybox\nLABEL org.pier.host-usr=ro\n' >"$SCRATCH/podman-ctx/Containerfile"
"${PODMAN[@]}" build -q -t localhost/claims-host-usr:1 "$SCRATCH/podman-ctx" >/dev/null 2>&1 || fail "podman build"
"${PODMAN[@]}" save --format oci-archive -o "$SCRATCH/claims.tar" localhost/claims-host-usr:1 2>/dev/null
pierctl load -q -i "$SCRATCH/claims.tar"
assert_eq "$(pierctl run --rm localhost/claims-host-usr:1 /bin/busybox sh -c 'test -e /usr/bin/python3 && echo host || echo own')" \
  own "an archive's image labelled org.pier.host-usr does not get the host's /usr"
pass "only host:latest and images built on it get the host's /usr"
