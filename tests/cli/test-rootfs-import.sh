#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Root filesystems made the standard way carry device nodes (/dev/console, /dev/null...):
# imported as root they are made in the layer and stay inert (container roots are mounted
# nodev); rootless, they are left out with one warning line. As root, a Debian made by
# mmdebstrap imports and runs its programs and its web server.
. "$(dirname "$0")/lib.sh"
remove_containers_on_exit

# ---- a small root filesystem with device nodes ----
/usr/bin/python3 - "$SCRATCH/devices.tar" <<'PY'
import io, sys, tarfile
with tarfile.open(sys.argv[1], "w") as t:
    for name, kind, major, minor in (("dev/console", tarfile.CHRTYPE, 5, 1),
                                     ("opt/null", tarfile.CHRTYPE, 1, 3),
                                     ("opt/disk", tarfile.BLKTYPE, 7, 0)):
        info = tarfile.TarInfo(name)
        info.type, info.devmajor, info.devminor, info.mode = kind, major, minor, 0o666
        t.addfile(info)
    t.add("/bin/busybox", "bin/busybox")
    data = b"hello from the rootfs\n"
    info = tarfile.TarInfo("etc/hello")
    info.size = len(data)
    t.addfile(info, io.BytesIO(data))
PY
pierctl import "$SCRATCH/devices.tar" devices:1 >/dev/null 2>"$SCRATCH/import-err"
layer=$(inspect_field devices:1 'd["GraphDriver"]["Data"]["LowerDir"]')
assert_eq "$(pierctl run --rm devices:1 /bin/busybox cat /etc/hello)" "hello from the rootfs" \
  "a program runs from the imported root filesystem"
if [ -z "$ROOTLESS" ]; then
  assert_eq "$(cat "$SCRATCH/import-err")" "" "a rootful import warns of nothing"
  assert_eq "$(stat -c '%F %t,%T' "$layer/dev/console")" "character special file 5,1" "/dev/console in the layer"
  assert_eq "$(stat -c '%F %t,%T' "$layer/opt/disk")" "block special file 7,0" "a block device in the layer"
  # Inside, the node is there but the kernel refuses to open it: the root is mounted nodev.
  out=$(pierctl run --rm devices:1 /bin/busybox sh -c \
        'test -c /opt/null && echo present; echo x >/opt/null && echo written; cat /opt/disk >/dev/null && echo read; true' 2>&1)
  assert_contains "$out" "present" "the device node is in the container's tree"
  assert_contains "$out" "Permission denied" "opening it is refused"
  assert_not_contains "$out" "written" "nothing is written through an image's device node"
  assert_not_contains "$out" "read" "nothing is read through an image's device node"
  pass "device nodes are made in the layer as root, and inert in containers"
else
  assert_eq "$(wc -l <"$SCRATCH/import-err")" 1 "one warning line: $(cat "$SCRATCH/import-err")"
  assert_contains "$(cat "$SCRATCH/import-err")" "WARNING: left out 3 device nodes" "the warning says what"
  assert_eq "$(find "$layer" -type c -o -type b)" "" "rootless made no device node in $layer"
  pass "rootless: device nodes are left out with one warning line"
fi

[ -n "$ROOTLESS" ] && exit 0

# ---- a Debian root filesystem, made by mmdebstrap once per build folder ----
command -v mmdebstrap >/dev/null || fail "mmdebstrap is missing (scripts/deps.sh installs it)"
cache="$BUILD/test-cache"
rootfs="$cache/bookworm-minbase-nginx-postgresql-python3.tar"
if [ ! -s "$rootfs" ]; then
  mkdir -p "$cache"
  partial=$(mktemp "$cache/.rootfs-XXXXXX.tar")
  on_exit "rm -f '$partial'"
  mmdebstrap --quiet --variant=minbase --include=nginx-light,postgresql,python3 bookworm "$partial" \
    || fail "mmdebstrap could not make a Debian root filesystem (is deb.debian.org reachable?)"
  mv "$partial" "$rootfs"
fi
tar -tvf "$rootfs" >"$SCRATCH/listing"
grep -q '^c.* \./dev/console$' "$SCRATCH/listing" || fail "the mmdebstrap root filesystem has no ./dev/console?"
id=$(pierctl import "$rootfs" debian:bookworm)
assert_contains "$id" "sha256:" "pierctl import of an mmdebstrap root filesystem"
assert_eq "$(pierctl run --rm debian:bookworm python3 -c 'import sys; print(sys.version_info[:2] == (3, 11))')" \
  "True" "Debian's python3 runs"
assert_contains "$(pierctl run --rm debian:bookworm /usr/lib/postgresql/15/bin/postgres --version)" \
  "PostgreSQL) 15" "Debian's postgres runs"

# nginx on a loopback port of the host's, fetched from here.
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
pierctl run -d --name web --network host debian:bookworm sh -c "
  mkdir -p /srv/www && echo 'served by Debian nginx' >/srv/www/index.html
  printf '%s\n' 'daemon off; pid /tmp/nginx.pid; error_log stderr;' 'events {}' \
    'http { access_log off; client_body_temp_path /tmp; proxy_temp_path /tmp; fastcgi_temp_path /tmp;' \
    '  uwsgi_temp_path /tmp; scgi_temp_path /tmp; server { listen 127.0.0.1:$port; root /srv/www; } }' \
    >/tmp/nginx.conf
  exec nginx -c /tmp/nginx.conf" >/dev/null
fetch() { curl -fsS --max-time 2 "http://127.0.0.1:$port/" >"$SCRATCH/page" 2>/dev/null; }
eventually 60 fetch || fail "nginx did not answer on 127.0.0.1:$port: $(pierctl logs web 2>&1 | tail -5)"
assert_eq "$(cat "$SCRATCH/page")" "served by Debian nginx" "the page nginx serves"
pierctl rm -f web >/dev/null
pass "an mmdebstrap-made Debian imports; python3, postgres and nginx run from it"
