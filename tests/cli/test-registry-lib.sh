# SPDX-License-Identifier: GPL-3.0-or-later
# Sourced by the registry tests and tests/bench/bench-pull.sh: a real registry (Debian's
# docker-registry, the CNCF distribution server) on 127.0.0.1, and a test CA for it. Nothing
# here talks to anything but the loopback interface.

command -v docker-registry >/dev/null || { echo "docker-registry is not installed (scripts/deps.sh installs it)" >&2; exit 1; }
command -v skopeo >/dev/null || { echo "skopeo is not installed (scripts/deps.sh installs it)" >&2; exit 1; }

# registry_start DIR [htpasswd FILE] [tls CERT KEY]
# Starts a registry storing under DIR/storage on a free port of 127.0.0.1; sets REGISTRY (the
# host:port) and REGISTRY_PID. The caller stops it: kill "$REGISTRY_PID".
registry_start() {
  local dir=$1; shift
  local auth="" tls=""
  while [ $# -gt 0 ]; do
    case $1 in
      htpasswd) auth="auth:
  htpasswd:
    realm: pier-test
    path: $2"; shift 2;;
      tls) tls="  tls:
    certificate: $2
    key: $3"; shift 3;;
      *) echo "registry_start: unknown option $1" >&2; return 1;;
    esac
  done
  mkdir -p "$dir/storage"
  cat >"$dir/config.yml" <<EOF
version: 0.1
log:
  level: info
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $dir/storage
  delete:
    enabled: true
http:
  addr: 127.0.0.1:0
$tls
$auth
EOF
  # there before the job's own redirection, which may come after the first look below
  : >"$dir/log"
  docker-registry serve "$dir/config.yml" >"$dir/log" 2>&1 &
  REGISTRY_PID=$!
  REGISTRY=""
  for _ in $(seq 100); do
    REGISTRY=$(sed -n 's/.*listening on \(127\.0\.0\.1:[0-9]*\).*/\1/p' "$dir/log" | head -1)
    [ -n "$REGISTRY" ] && return 0
    kill -0 "$REGISTRY_PID" 2>/dev/null || break
    sleep 0.1
  done
  echo "the registry did not start:" >&2
  cat "$dir/log" >&2
  kill "$REGISTRY_PID" 2>/dev/null
  return 1
}

# make_test_ca DIR: DIR/ca.crt (a CA) and DIR/server.{crt,key} (127.0.0.1 and localhost,
# signed by it).
make_test_ca() {
  local dir=$1
  mkdir -p "$dir"
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=Pier test CA" \
    -keyout "$dir/ca.key" -out "$dir/ca.crt" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" \
    -keyout "$dir/server.key" -out "$dir/server.csr" 2>/dev/null
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n' >"$dir/ext"
  openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" \
    -CAcreateserial -days 2 -extfile "$dir/ext" -out "$dir/server.crt" 2>/dev/null
}

# registry_blob_file STORAGE DIGEST: where the registry keeps a blob's bytes.
registry_blob_file() {
  local hex=${2#sha256:}
  echo "$1/docker/registry/v2/blobs/sha256/${hex:0:2}/$hex/data"
}
