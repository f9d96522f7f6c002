#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# pull and push against a real registry nobody here wrote (Debian's docker-registry) on
# 127.0.0.1, plain HTTP; images put there and read back by skopeo, built by podman.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/test-registry-lib.sh"

command -v podman >/dev/null || fail "podman is not installed (scripts/deps.sh installs it)"

# Nothing of the person running the tests is read: credentials, registries file, certificates.
export HOME="$SCRATCH/home" XDG_CONFIG_HOME="$SCRATCH/config" XDG_RUNTIME_DIR="$SCRATCH/xdg-run"
unset REGISTRY_AUTH_FILE DOCKER_CONFIG http_proxy https_proxy HTTP_PROXY HTTPS_PROXY
mkdir -p "$HOME" "$XDG_CONFIG_HOME/pier" "$XDG_RUNTIME_DIR"

registry_start "$SCRATCH/registry"
on_exit "kill $REGISTRY_PID"
STORAGE="$SCRATCH/registry/storage"
printf '[registry "%s"]\ninsecure=true\n' "$REGISTRY" >"$XDG_CONFIG_HOME/pier/registries.conf"

PODMAN=(podman --root "$SCRATCH/podman" --runroot "$SCRATCH/podman-run" --storage-driver vfs)
SKOPEO_TO=(skopeo copy -q --dest-tls-verify=false)
py() { /usr/bin/python3 -c "$@"; }
inspect_field() { pierctl inspect "$1" | py "import json,sys; d=json.load(sys.stdin)[0]; print($2)"; }
registry_digest() { skopeo inspect --tls-verify=false --format '{{.Digest}}' "docker://$REGISTRY/$1"; }

# A second, empty store to pull into.
fresh_store() {
  ROOT="$SCRATCH/$1"
  RUNROOT="$SCRATCH/$1-run"
}

# ---- pull what skopeo pushed ----
pierctl save -o "$SCRATCH/busybox.tar" busybox
bb_id=$(inspect_field busybox 'd["Id"]')
"${SKOPEO_TO[@]}" "docker-archive:$SCRATCH/busybox.tar" "docker://$REGISTRY/library/busybox:1.0"

fresh_store store-a
out=$(pierctl pull "$REGISTRY/library/busybox:1.0")
assert_contains "$out" "1.0: Pulling from library/busybox" "pull output"
assert_contains "$out" "Pull complete" "pull output"
assert_contains "$out" "Status: Downloaded newer image for $REGISTRY/library/busybox:1.0" "pull output"
assert_eq "$(inspect_field "$REGISTRY/library/busybox:1.0" 'd["Id"]')" "$bb_id" "image id after pull"
assert_eq "$(inspect_field "$REGISTRY/library/busybox:1.0" 'd["RepoDigests"][0]')" \
  "$REGISTRY/library/busybox@$(registry_digest library/busybox:1.0)" "RepoDigest after pull"
out=$(pierctl pull "$REGISTRY/library/busybox:1.0")
assert_contains "$out" "Already exists" "second pull"
assert_contains "$out" "Status: Image is up to date" "second pull"
pass "an image skopeo pushed pulls with its id and digest; a second pull fetches nothing"

# ---- a podman-built image of several layers, and one sharing them ----
mkdir -p "$SCRATCH/ctx"
for n in 1 2 3 4; do head -c $((n * 100000)) /dev/urandom >"$SCRATCH/ctx/f$n"; done
printf 'FROM scratch\nCOPY f1 /f1\nCOPY f2 /f2\nCOPY f3 /f3\n' >"$SCRATCH/ctx/Containerfile"
"${PODMAN[@]}" build -q -t localhost/app:1 "$SCRATCH/ctx" >/dev/null 2>&1 || fail "podman build app:1"
printf 'FROM localhost/app:1\nCOPY f4 /f4\n' >"$SCRATCH/ctx/Containerfile.2"
"${PODMAN[@]}" build -q -f "$SCRATCH/ctx/Containerfile.2" -t localhost/app:2 "$SCRATCH/ctx" >/dev/null 2>&1 ||
  fail "podman build app:2"
for tag in 1 2; do
  "${PODMAN[@]}" save -q --format docker-archive -o "$SCRATCH/app-$tag.tar" "localhost/app:$tag" 2>/dev/null
  "${SKOPEO_TO[@]}" "docker-archive:$SCRATCH/app-$tag.tar" "docker://$REGISTRY/app:$tag"
done
app1_id=sha256:$("${PODMAN[@]}" image inspect --format '{{.Id}}' localhost/app:1)
app2_id=sha256:$("${PODMAN[@]}" image inspect --format '{{.Id}}' localhost/app:2)

pierctl pull -q "$REGISTRY/app:1" >/dev/null
assert_eq "$(inspect_field "$REGISTRY/app:1" 'd["Id"]')" "$app1_id" "podman's image id after pull"
assert_eq "$(inspect_field "$REGISTRY/app:1" 'len(d["RootFS"]["Layers"])')" 3 "layers of app:1"
f2_layer=$(inspect_field "$REGISTRY/app:1" 'd["RootFS"]["Layers"][1]')
[ ! -e "$ROOT/layers/${f2_layer#sha256:}" ] || fail "the pull unpacked a layer no container needs yet"
pierctl create --name unpack-app1 "$REGISTRY/app:1" /f2 >/dev/null
cmp "$ROOT/layers/${f2_layer#sha256:}/diff/f2" "$SCRATCH/ctx/f2" || fail "f2 unpacked differs"
pierctl rm unpack-app1 >/dev/null
out=$(pierctl pull "$REGISTRY/app:2")
assert_eq "$(grep -c 'Already exists' <<<"$out")" 3 "layers app:2 shares with app:1 (output: $out)"
assert_eq "$(grep -c 'Pull complete' <<<"$out")" 1 "layers app:2 fetches (output: $out)"
assert_eq "$(inspect_field "$REGISTRY/app:2" 'd["Id"]')" "$app2_id" "podman's image id of app:2"
pass "a podman-built image pulls, its layers unpacked on first use; shared layers are not fetched again"

digest=$(registry_digest app:1)
fresh_store store-b
out=$(pierctl pull "$REGISTRY/app@$digest")
assert_contains "$out" "$digest: Pulling from app" "pull by digest"
assert_eq "$(inspect_field "$REGISTRY/app@$digest" 'd["Id"]')" "$app1_id" "image pulled by digest"
pass "pull by digest"

# ---- bad names ----
state=$(store_state)
expect_failure "unknown image $REGISTRY/nosuch:1: $REGISTRY has no repository “nosuch”" \
  pierctl pull "$REGISTRY/nosuch:1"
expect_failure "$REGISTRY/app has no tag “nosuch”" pierctl pull "$REGISTRY/app:nosuch"
expect_failure "invalid reference" pierctl pull "$REGISTRY/App:1"
assert_eq "$(store_state)" "$state" "store after failed pulls"
pass "unknown names and tags are clear errors that store nothing"

# ---- push, and skopeo reads it back ----
fresh_store store-a
out=$(pierctl push "$REGISTRY/app:2" "$REGISTRY/pushed/app:2")
assert_contains "$out" "The push refers to repository [$REGISTRY/pushed/app]" "push output"
pier_digest=$(inspect_field "$REGISTRY/app:2" 'd["Digest"]')
assert_contains "$out" "2: digest: $pier_digest" "push output"
assert_eq "$(registry_digest pushed/app:2)" "$pier_digest" "digest skopeo reads of the pushed image"
# The layers came from app on the same registry: mounted, not uploaded.
assert_eq "$(grep -c 'Mounted from app' <<<"$out")" 4 "blobs mounted from app (output: $out)"
skopeo copy -q --src-tls-verify=false "docker://$REGISTRY/pushed/app:2" "oci:$SCRATCH/back:back"
back_config=$(py "import json; m=json.load(open('$SCRATCH/back/index.json'))['manifests'][0]['digest']; print(json.load(open('$SCRATCH/back/blobs/sha256/'+m[7:]))['config']['digest'])")
assert_eq "$back_config" "$app2_id" "config of the image skopeo copied back"
out=$(pierctl push "$REGISTRY/app:2" "$REGISTRY/pushed/app:2")
assert_eq "$(grep -c 'Layer already exists' <<<"$out")" 4 "second push (output: $out)"

# An image the registry has never seen: uploaded, then pulled back by another store.
pierctl tag busybox "$REGISTRY/fresh/busybox:pushed"
out=$(pierctl push "$REGISTRY/fresh/busybox:pushed")
assert_contains "$out" "Pushed" "push of new blobs"
fresh_store store-c
pierctl pull -q "$REGISTRY/fresh/busybox:pushed" >/dev/null
assert_eq "$(inspect_field "$REGISTRY/fresh/busybox:pushed" 'd["Id"]')" "$bb_id" "pushed then pulled id"
pass "push: skopeo reads what Pier pushed; existing blobs are skipped, others mounted or uploaded"

# ---- a multi-platform index ----
py "
import gzip, hashlib, io, json, os, tarfile
out = '$SCRATCH/multi'
os.makedirs(out + '/blobs/sha256', exist_ok=True)
def blob(data):
    d = hashlib.sha256(data).hexdigest()
    open(out + '/blobs/sha256/' + d, 'wb').write(data)
    return 'sha256:' + d, len(data)
manifests = []
for arch in ('amd64', 'arm64'):
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode='w') as t:
        data = arch.encode() + b'\n'
        info = tarfile.TarInfo('arch'); info.size = len(data); info.mtime = 0
        t.addfile(info, io.BytesIO(data))
    tar = raw.getvalue()
    layer, layer_size = blob(gzip.compress(tar, mtime=0))
    config, config_size = blob(json.dumps({'architecture': arch, 'os': 'linux', 'config': {},
        'rootfs': {'type': 'layers', 'diff_ids': ['sha256:' + hashlib.sha256(tar).hexdigest()]}}).encode())
    m, m_size = blob(json.dumps({'schemaVersion': 2, 'mediaType': 'application/vnd.oci.image.manifest.v1+json',
        'config': {'mediaType': 'application/vnd.oci.image.config.v1+json', 'digest': config, 'size': config_size},
        'layers': [{'mediaType': 'application/vnd.oci.image.layer.v1.tar+gzip', 'digest': layer, 'size': layer_size}]}).encode())
    manifests.append({'mediaType': 'application/vnd.oci.image.manifest.v1+json', 'digest': m, 'size': m_size,
                      'platform': {'architecture': arch, 'os': 'linux'}})
index, index_size = blob(json.dumps({'schemaVersion': 2, 'mediaType': 'application/vnd.oci.image.index.v1+json',
                                     'manifests': manifests}).encode())
json.dump({'schemaVersion': 2, 'manifests': [{'mediaType': 'application/vnd.oci.image.index.v1+json',
           'digest': index, 'size': index_size, 'annotations': {'org.opencontainers.image.ref.name': 'multi'}}]},
          open(out + '/index.json', 'w'))
open(out + '/oci-layout', 'w').write('{\"imageLayoutVersion\": \"1.0.0\"}')
"
"${SKOPEO_TO[@]}" --all "oci:$SCRATCH/multi:multi" "docker://$REGISTRY/multi:1"
host_arch=$(uname -m | sed 's/x86_64/amd64/;s/aarch64/arm64/')
fresh_store store-d
out=$(pierctl pull "$REGISTRY/multi:1")
assert_contains "$out" "Digest: $(registry_digest multi:1)" "a multi-platform pull reports the index digest"
assert_eq "$(inspect_field "$REGISTRY/multi:1" 'd["Architecture"]')" "$host_arch" "platform chosen by default"
arch_layer=$(inspect_field "$REGISTRY/multi:1" 'd["RootFS"]["Layers"][0]')
pierctl create --name unpack-multi "$REGISTRY/multi:1" /arch >/dev/null
assert_eq "$(cat "$ROOT/layers/${arch_layer#sha256:}/diff/arch")" "$host_arch" "content of the chosen platform"
pierctl rm unpack-multi >/dev/null
pierctl pull -q --platform linux/arm64 "$REGISTRY/multi:1" >/dev/null
assert_eq "$(inspect_field "$REGISTRY/multi:1" 'd["Architecture"]')" arm64 "--platform linux/arm64"
expect_failure "has no image for linux/s390x (it has linux/amd64, linux/arm64)" \
  pierctl pull --platform linux/s390x "$REGISTRY/multi:1"
pass "a multi-platform index gives this machine's platform, or the one asked for"

# ---- a tampered blob on the registry's disk ----
printf 'FROM scratch\nCOPY f4 /only\n' >"$SCRATCH/ctx/Containerfile.t"
"${PODMAN[@]}" build -q -f "$SCRATCH/ctx/Containerfile.t" -t localhost/tamper:1 "$SCRATCH/ctx" >/dev/null 2>&1 ||
  fail "podman build tamper:1"
"${PODMAN[@]}" save -q --format docker-archive -o "$SCRATCH/tamper.tar" localhost/tamper:1 2>/dev/null
"${SKOPEO_TO[@]}" "docker-archive:$SCRATCH/tamper.tar" "docker://$REGISTRY/tamper:1"
layer=$(skopeo inspect --tls-verify=false --format '{{index .Layers 0}}' "docker://$REGISTRY/tamper:1")
data=$(registry_blob_file "$STORAGE" "$layer")
[ -f "$data" ] || fail "no blob file $data"
# Same length, one byte changed in the middle: only the digest can tell.
size=$(stat -c %s "$data")
printf '\x5a' | dd of="$data" bs=1 seek=$((size / 2)) conv=notrunc status=none
fresh_store store-e
pierctl images >/dev/null
state=$(store_state)
expect_failure "sent content for $layer that hashes to" pierctl pull "$REGISTRY/tamper:1"
assert_contains "$(cat "$SCRATCH/err")" "$REGISTRY" "the error names the registry"
assert_eq "$(store_state)" "$state" "store after the tampered pull"
assert_eq "$(ls "$ROOT/tmp" | grep -vc '\.lock$' || true)" 0 "work left in the store's tmp"
pass "a tampered blob is refused, naming registry and digest, and nothing is stored"

# ---- registries file: search list, mirrors ----
fresh_store store-f
printf '[registries]\nsearch=%s\n[registry "%s"]\ninsecure=true\n' "$REGISTRY" "$REGISTRY" \
  >"$XDG_CONFIG_HOME/pier/registries.conf"
out=$(pierctl pull -q app:1)
assert_eq "$out" "$REGISTRY/app:1" "a short name resolved through the search list"
# A mirror of a registry that does not exist: only the mirror is ever asked.
printf '[registry "registry.invalid"]\nmirrors=%s\n[registry "%s"]\ninsecure=true\n' "$REGISTRY" "$REGISTRY" \
  >"$XDG_CONFIG_HOME/pier/registries.conf"
out=$(pierctl pull -q registry.invalid/app:1)
assert_eq "$out" "registry.invalid/app:1" "pull through a mirror"
assert_eq "$(inspect_field registry.invalid/app:1 'd["Id"]')" "$app1_id" "image pulled through a mirror"
# Without the insecure mark, plain HTTP is refused; --tls-verify=false allows it.
printf '' >"$XDG_CONFIG_HOME/pier/registries.conf"
expect_failure "$REGISTRY" pierctl pull "$REGISTRY/app:1"
pierctl pull -q --tls-verify=false "$REGISTRY/app:1" >/dev/null
pass "registries file: search list, mirrors, insecure; --tls-verify=false"
printf '[registry "%s"]\ninsecure=true\n' "$REGISTRY" >"$XDG_CONFIG_HOME/pier/registries.conf"

# ---- progress bars on a terminal ----
fresh_store store-g
script -qec "$PIERCTL --root $ROOT --runroot $RUNROOT pull $REGISTRY/app:2" /dev/null >"$SCRATCH/tty" ||
  fail "pull on a terminal"
grep -q $'\033\[2K' "$SCRATCH/tty" || fail "no redrawn lines on a terminal"
grep -q 'Pull complete' "$SCRATCH/tty" || fail "no completed layers on a terminal"
pass "a terminal gets progress lines redrawn in place"

# ---- a full disk ----
fresh_store store-full
head -c 8000000 /dev/urandom >"$SCRATCH/big"
tar -C "$SCRATCH" -cf "$SCRATCH/big.tar" big
pierctl import "$SCRATCH/big.tar" "$REGISTRY/big:1" >/dev/null
pierctl push -q "$REGISTRY/big:1" >/dev/null
if unshare -rm true 2>/dev/null; then
  mkdir -p "$SCRATCH/small"
  unshare -rm bash -c "
    mount -t tmpfs -o size=6m tmpfs '$SCRATCH/small' || exit 99
    P=('$PIERCTL' --root '$SCRATCH/small/root' --runroot '$SCRATCH/small/run')
    \"\${P[@]}\" images >/dev/null || exit 98
    \"\${P[@]}\" pull '$REGISTRY/big:1' >'$SCRATCH/full.out' 2>'$SCRATCH/full.err' && exit 97
    \"\${P[@]}\" images >'$SCRATCH/full.images'
    ls '$SCRATCH/small/root/tmp' | grep -vc '\.lock\$' >'$SCRATCH/full.leftovers' || true
    df -k '$SCRATCH/small' | tail -1 >'$SCRATCH/full.df'
  "
  status=$?
  [ $status -eq 0 ] || fail "full-disk check failed (status $status): $(cat "$SCRATCH/full.err" 2>/dev/null)"
  assert_contains "$(cat "$SCRATCH/full.err")" "the disk is full" "pull onto a full disk"
  assert_not_contains "$(cat "$SCRATCH/full.images")" "big" "images after the failed pull"
  assert_eq "$(cat "$SCRATCH/full.leftovers")" 0 "work left on the full disk"
  pass "a full disk is a clear error and stores nothing"
else
  fail "full disk: no user and mount namespaces here (unshare -rm)"
fi
