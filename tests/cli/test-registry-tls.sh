#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# login, pull and push against a real registry (Debian's docker-registry) on 127.0.0.1 with TLS
# from a test CA and htpasswd basic authentication.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/test-registry-lib.sh"

command -v htpasswd >/dev/null || fail "htpasswd is not installed (apache2-utils; scripts/deps.sh installs it)"

export HOME="$SCRATCH/home" XDG_CONFIG_HOME="$SCRATCH/config" XDG_RUNTIME_DIR="$SCRATCH/xdg-run"
unset REGISTRY_AUTH_FILE DOCKER_CONFIG http_proxy https_proxy HTTP_PROXY HTTPS_PROXY
mkdir -p "$HOME" "$XDG_CONFIG_HOME" "$XDG_RUNTIME_DIR"

CERTS="$SCRATCH/certs"
make_test_ca "$CERTS"
htpasswd -Bbn tester 's3cret!' >"$SCRATCH/htpasswd" 2>/dev/null
registry_start "$SCRATCH/registry" htpasswd "$SCRATCH/htpasswd" tls "$CERTS/server.crt" "$CERTS/server.key"
on_exit "kill $REGISTRY_PID"
# skopeo wants the CA alone in its certificate directory.
mkdir -p "$SCRATCH/skopeo-certs"
cp "$CERTS/ca.crt" "$SCRATCH/skopeo-certs/ca.crt"
mkdir -p "$SCRATCH/ca"
cp "$CERTS/ca.crt" "$SCRATCH/ca/test-ca.crt"
AUTH_JSON="$XDG_RUNTIME_DIR/containers/auth.json"

pierctl save -o "$SCRATCH/busybox.tar" busybox
bb_id=$(pierctl inspect busybox | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["Id"])')
skopeo copy -q --dest-cert-dir "$SCRATCH/skopeo-certs" --dest-creds 'tester:s3cret!' \
  "docker-archive:$SCRATCH/busybox.tar" "docker://$REGISTRY/team/busybox:1"

# ---- TLS ----
expect_failure "the certificate of $REGISTRY is not trusted" \
  pierctl pull --creds 'tester:s3cret!' "$REGISTRY/team/busybox:1"
pierctl pull -q --creds 'tester:s3cret!' --tls-verify=false "$REGISTRY/team/busybox:1" >/dev/null
pierctl rmi "$REGISTRY/team/busybox:1" >/dev/null
pass "an untrusted certificate is refused; --tls-verify=false skips the check"

# ---- authentication ----
expect_failure "$REGISTRY denied access to team/busybox: it needs a login" \
  pierctl pull --cert-dir "$SCRATCH/ca" "$REGISTRY/team/busybox:1"
expect_failure "$REGISTRY refused the credentials of tester" \
  pierctl login --cert-dir "$SCRATCH/ca" -u tester -p wrong "$REGISTRY"
[ ! -e "$AUTH_JSON" ] || fail "a refused login wrote $AUTH_JSON"
pass "no credentials, or wrong ones, are clear errors"

out=$(printf 's3cret!\n' | pierctl login --cert-dir "$SCRATCH/ca" -u tester --password-stdin "https://$REGISTRY/")
assert_eq "$out" "Login Succeeded!" "login"
assert_eq "$(stat -c %a "$AUTH_JSON")" 600 "mode of $AUTH_JSON"
assert_eq "$(stat -c %a "$(dirname "$AUTH_JSON")")" 700 "mode of $(dirname "$AUTH_JSON")"
auth=$(/usr/bin/python3 -c "import json; print(json.load(open('$AUTH_JSON'))['auths']['$REGISTRY']['auth'])")
assert_eq "$(base64 -d <<<"$auth")" 'tester:s3cret!' "credentials in auth.json"
# Podman reads what Pier wrote.
podman login --get-login --authfile "$AUTH_JSON" "$REGISTRY" >"$SCRATCH/podman-login" 2>&1 ||
  fail "podman does not read Pier's auth.json: $(cat "$SCRATCH/podman-login")"
assert_eq "$(cat "$SCRATCH/podman-login")" tester "podman's view of the login"
pass "login checks the credentials, then stores them where Podman reads them, mode 0600"

# Certificates from the per-registry directory Podman uses.
mkdir -p "$XDG_CONFIG_HOME/containers/certs.d/$REGISTRY"
cp "$CERTS/ca.crt" "$XDG_CONFIG_HOME/containers/certs.d/$REGISTRY/ca.crt"
out=$(pierctl pull "$REGISTRY/team/busybox:1")
assert_contains "$out" "Status: Downloaded newer image for $REGISTRY/team/busybox:1" "pull after login"
pass "pull with the stored login and the registry's CA from certs.d"

out=$(pierctl push busybox "$REGISTRY/team/pushed:2")
pier_digest=$(pierctl inspect busybox | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["Digest"])')
assert_contains "$out" "2: digest: $pier_digest" "push output"
digest=$(skopeo inspect --cert-dir "$SCRATCH/skopeo-certs" --creds 'tester:s3cret!' --format '{{.Digest}}' \
  "docker://$REGISTRY/team/pushed:2")
assert_eq "$digest" "$pier_digest" "digest of the pushed image, as skopeo reads it"
skopeo copy -q --src-cert-dir "$SCRATCH/skopeo-certs" --src-creds 'tester:s3cret!' \
  "docker://$REGISTRY/team/pushed:2" "docker-archive:$SCRATCH/back.tar:back/busybox:1"
fresh="$SCRATCH/fresh"
"$PIERCTL" --root "$fresh" --runroot "$fresh-run" load -i "$SCRATCH/back.tar" >/dev/null
assert_eq "$("$PIERCTL" --root "$fresh" --runroot "$fresh-run" inspect back/busybox:1 |
  /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["Id"])')" "$bb_id" "id after the round trip"
pass "push over TLS with basic auth; skopeo copies it back with the same id"

out=$(pierctl logout "$REGISTRY")
assert_eq "$out" "Removed login credentials for $REGISTRY" "logout"
expect_failure "not logged in to $REGISTRY" pierctl logout "$REGISTRY"
expect_failure "needs a login" pierctl pull "$REGISTRY/team/busybox:1"
pass "logout removes the credentials"

# Docker's file is read, and logout says whose it is.
mkdir -p "$HOME/.docker"
printf '{"auths": {"https://%s/v1/": {"auth": "%s"}}}\n' "$REGISTRY" "$(printf 'tester:s3cret!' | base64)" \
  >"$HOME/.docker/config.json"
pierctl rmi "$REGISTRY/team/busybox:1" >/dev/null
pierctl pull -q "$REGISTRY/team/busybox:1" >/dev/null
expect_failure "came from docker login" pierctl logout "$REGISTRY"
pass "credentials from ~/.docker/config.json are used"
