#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Archives in and out, with hostile and real-world material: what load, import and export must
# survive and keep. Needs root (a private mount namespace for a small disk, device nodes).
. "$(dirname "$0")/lib.sh"
remove_containers_on_exit

[ "$(id -u)" -eq 0 ] || fail "needs root: a private mount namespace and device nodes (CI runs as root)"

# ---- a decompression bomb: 512 MiB of zeros in 128 members, gzipped to half a megabyte ----
/usr/bin/python3 - "$SCRATCH/bomb.tar.gz" <<'PY'
import io, sys, tarfile
zeros = bytes(4 << 20)
with tarfile.open(sys.argv[1], "w:gz", compresslevel=9) as t:
    for i in range(128):
        info = tarfile.TarInfo("zeros-%03d" % i)
        info.size = len(zeros)
        t.addfile(info, io.BytesIO(zeros))
PY
# The load runs on a 160 MiB disk of its own, so that writing more fails as "disk full"
# rather than passing unseen; the peak memory of everything it ran is measured.
small="$SCRATCH/small-disk"
mkdir -p "$small"
/usr/bin/python3 - "$SCRATCH/bomb-report" unshare --mount --propagation private sh -c '
  mount -t tmpfs -o size=160m pier-test-disk "$1" || exit 99
  "$2" --root "$1/root" --runroot "$1/run" load -i "$3" >/dev/null 2>"$1/err"
  echo "exit $?"
  echo "error $(cat "$1/err")"
  echo "left $(find "$1/root/tmp" "$1/root/layers" -mindepth 1 | wc -l)"
  echo "blobs $(ls "$1/root/blobs/sha256" | wc -l)"
' sh "$small" "$PIERCTL" "$SCRATCH/bomb.tar.gz" <<'PY'
import resource, subprocess, sys
out = subprocess.run(sys.argv[2:], capture_output=True, text=True)
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
with open(sys.argv[1], "w") as f:
    f.write(out.stdout + out.stderr + "peak_kib %d\n" % peak)
PY
report=$(cat "$SCRATCH/bomb-report")
assert_contains "$report" "exit 1" "the bomb is refused: $report"
assert_contains "$report" "expands more than 100-fold" "the bomb is refused as one: $report"
assert_contains "$report" "decompression bomb" "the bomb is named: $report"
assert_contains "$report" "left 0" "a refused load leaves no temporary layers: $report"
# As many blobs as a fresh store holds (the built-in images'), none of the bomb.
pierctl images >/dev/null
blobs_before=$(ls "$ROOT/blobs/sha256" | wc -l)
assert_contains "$report" "blobs $blobs_before" "a refused load stores no blob: $report"
peak=$(sed -n 's/^peak_kib //p' "$SCRATCH/bomb-report")
[ "$peak" -lt 102400 ] || fail "loading the bomb peaked at $peak KiB of memory (limit 100 MiB)"
pass "a decompression bomb stops early: bounded memory ($peak KiB) and disk, nothing left"

# The same inside a layer: a root filesystem of one 512 MiB file of zeros.
/usr/bin/python3 - "$SCRATCH/layer-bomb.tar.gz" <<'PY'
import sys, tarfile
class Zeros:
    left = 512 << 20
    def read(self, n=-1):
        n = self.left if n < 0 else min(n, self.left)
        self.left -= n
        return bytes(n)
with tarfile.open(sys.argv[1], "w:gz", compresslevel=9) as t:
    info = tarfile.TarInfo("zeros")
    info.size = Zeros.left
    t.addfile(info, Zeros())
PY
before=$(store_state)
expect_failure "decompression bomb" pierctl import "$SCRATCH/layer-bomb.tar.gz" bomb:1
assert_eq "$(store_state)" "$before" "a refused import leaves the store as it was"
pass "a layer that expands a thousandfold is refused on import"

# ---- a gzip archive cut short says what failed ----
pierctl save -o "$SCRATCH/busybox.tar" busybox
gzip -c "$SCRATCH/busybox.tar" >"$SCRATCH/busybox.tar.gz"
size=$(stat -c %s "$SCRATCH/busybox.tar.gz")
for cut in 5 100 $((size / 2)) $((size - 4)); do
  head -c "$cut" "$SCRATCH/busybox.tar.gz" >"$SCRATCH/cut.tar.gz"
  expect_failure "gzip data is damaged or cut short" pierctl load -i "$SCRATCH/cut.tar.gz"
  assert_not_contains "$(cat "$SCRATCH/err")" "(null)" "cut at $cut bytes"
done
pass "a truncated gzip archive: a clear message, wherever it is cut"

# ---- an OCI layout whose index holds artifacts beside images ----
/usr/bin/python3 - "$SCRATCH/layout" <<'PY'
import hashlib, io, json, os, sys, tarfile
out = sys.argv[1]
os.makedirs(out + "/blobs/sha256")
def blob(data):
    if not isinstance(data, bytes):
        data = json.dumps(data).encode()
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    with open(out + "/blobs/sha256/" + digest[7:], "wb") as f:
        f.write(data)
    return {"digest": digest, "size": len(data)}
def desc(media_type, data, **extra):
    d = blob(data)
    d["mediaType"] = media_type
    d.update(extra)
    return d
def image(text):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as t:
        info = tarfile.TarInfo("hello.txt")
        info.size = len(text)
        t.addfile(info, io.BytesIO(text))
        t.add("/bin/busybox", "busybox")
    layer = desc("application/vnd.oci.image.layer.v1.tar", buf.getvalue())
    config = desc("application/vnd.oci.image.config.v1+json", {
        "architecture": "amd64", "os": "linux", "config": {"Cmd": ["/busybox", "cat", "/hello.txt"]},
        "rootfs": {"type": "layers", "diff_ids": [layer["digest"]]}})
    return {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": config, "layers": [layer]}
def artifact(config_type, layer_type, **extra):
    m = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
         "config": desc(config_type, {}), "layers": [desc(layer_type, b"payload " + layer_type.encode())]}
    m.update(extra)
    return m
MANIFEST = "application/vnd.oci.image.manifest.v1+json"
amd64 = {"architecture": "amd64", "os": "linux"}
unknown = {"architecture": "unknown", "os": "unknown"}
app = desc(MANIFEST, image(b"app\n"), platform=amd64,
           annotations={"org.opencontainers.image.ref.name": "example/app:1"})
def attestation(subject):
    return desc(MANIFEST, artifact("application/vnd.oci.image.config.v1+json", "application/vnd.in-toto+json"),
                platform=unknown, annotations={"vnd.docker.reference.type": "attestation-manifest",
                                               "vnd.docker.reference.digest": subject["digest"]})
multi_image = desc(MANIFEST, image(b"multi\n"), platform=amd64)
nested = desc("application/vnd.oci.image.index.v1+json",
              {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
               "manifests": [multi_image, attestation(multi_image)]},
              annotations={"org.opencontainers.image.ref.name": "example/multi:2"})
index = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": [
    app, attestation(app),
    desc(MANIFEST, artifact("application/vnd.oci.image.config.v1+json", "application/vnd.dev.cosign.simplesigning.v1+json"),
         annotations={"org.opencontainers.image.ref.name": "example/app:sha256-abc.sig"}),
    desc(MANIFEST, artifact("application/vnd.cncf.helm.config.v1+json", "application/vnd.cncf.helm.chart.content.v1.tar+gzip"),
         annotations={"org.opencontainers.image.ref.name": "example/chart:0.1.0"}),
    desc(MANIFEST, artifact("application/vnd.oci.empty.v1+json", "application/spdx+json",
                            artifactType="application/spdx+json")),
    desc("application/vnd.example.unknown+json", {"what": "unknown"}),
    nested]}
json.dump(index, open(out + "/index.json", "w"))
json.dump({"imageLayoutVersion": "1.0.0"}, open(out + "/oci-layout", "w"))
PY
tar -C "$SCRATCH/layout" -cf "$SCRATCH/layout.tar" .
for input in "$SCRATCH/layout" "$SCRATCH/layout.tar"; do
  out=$(pierctl load -i "$input")
  assert_contains "$out" "Loaded image: example/app:1" "the image beside the artifacts ($input)"
  assert_contains "$out" "Loaded image: example/multi:2" "a nested index's name becomes its image's tag ($input)"
  assert_eq "$(echo "$out" | grep -c '^Skipped sha256:[0-9a-f]\{64\}: .*, not an image$')" 6 \
    "one line for each artifact ($input): $out"
  assert_contains "$out" "attestation-manifest for sha256:" "an attestation says what it is ($input)"
  assert_contains "$out" "application/vnd.dev.cosign.simplesigning.v1+json" "a signature says what it is ($input)"
  assert_contains "$out" "application/vnd.cncf.helm.config.v1+json" "a Helm chart says what it is ($input)"
  assert_contains "$out" "application/spdx+json" "an SBOM says what it is ($input)"
  assert_contains "$out" "of media type application/vnd.example.unknown+json" "an unknown entry says what it is ($input)"
  assert_eq "$(echo "$out" | wc -l)" 8 "two images, six artifacts ($input): $out"
done
assert_eq "$(pierctl run --rm example/app:1)" "app" "the loaded image runs"
assert_eq "$(pierctl run --rm example/multi:2)" "multi" "the nested index's image runs"
assert_not_contains "$(pierctl images)" "chart" "no artifact became an image"
pass "an OCI layout with attestations, signatures, SBOMs, charts and unknown entries loads its images"

# ---- export: a sparse terabyte, capabilities, device nodes; read back by GNU tar and Pier ----
mkdir -p "$SCRATCH/sparse-root/bin" "$SCRATCH/sparse-root/dev"
cp /bin/busybox "$SCRATCH/sparse-root/bin/busybox"
truncate -s 1T "$SCRATCH/sparse-root/big"
printf 'end\n' >>"$SCRATCH/sparse-root/big"
setcap cap_net_bind_service+ep "$SCRATCH/sparse-root/bin/busybox" 2>/dev/null \
  || /usr/bin/python3 -c 'import os,sys; os.setxattr(sys.argv[1], "security.capability", bytes([1,0,0,2,0,4,0,0,0,0,0,0,0,0,0,0,0,0,0,0]))' \
       "$SCRATCH/sparse-root/bin/busybox"
mknod "$SCRATCH/sparse-root/dev/null" c 1 3
tar -C "$SCRATCH/sparse-root" --sparse --xattrs --xattrs-include='*' -cf "$SCRATCH/sparse.tar" .
[ "$(stat -c %s "$SCRATCH/sparse.tar")" -lt 4000000 ] || fail "GNU tar wrote the sparse file whole?"
pierctl import "$SCRATCH/sparse.tar" sparse:1 >/dev/null
pierctl create --name sparse sparse:1 /bin/busybox true >/dev/null
# Not a terabyte of zeros: the export ends at once and is as small as the image.
start=$(date +%s)
pierctl export -o "$SCRATCH/export.tar" sparse
[ $(($(date +%s) - start)) -lt 60 ] || fail "exporting a sparse terabyte took more than a minute"
[ "$(stat -c %s "$SCRATCH/export.tar")" -lt 4000000 ] || fail "the export is $(stat -c %s "$SCRATCH/export.tar") bytes"
listing=$(tar --xattrs --xattrs-include='*' -tvf "$SCRATCH/export.tar")
assert_contains "$listing" " 1099511627780 " "GNU tar reads the sparse file's size back"
echo "$listing" | grep -q '^c.* 1,3 .* dev/null$' || fail "the device node is not exported: $listing"
mkdir "$SCRATCH/by-gnu-tar"
tar -C "$SCRATCH/by-gnu-tar" --xattrs --xattrs-include='*' -xf "$SCRATCH/export.tar" big bin/busybox
assert_eq "$(stat -c %s "$SCRATCH/by-gnu-tar/big")" 1099511627780 "GNU tar makes the terabyte again"
[ "$(stat -c %b "$SCRATCH/by-gnu-tar/big")" -lt 1024 ] || fail "GNU tar's copy is not sparse"
assert_eq "$(tail -c 4 "$SCRATCH/by-gnu-tar/big")" "end" "the data after the hole"
caps=$(/usr/bin/python3 -c 'import os,sys; print(os.getxattr(sys.argv[1], "security.capability").hex())' \
       "$SCRATCH/by-gnu-tar/bin/busybox")
assert_eq "$caps" "0100000200040000000000000000000000000000" "the file capability is exported"
# And back into Pier: imported, the export runs and holds the same terabyte.
pierctl import "$SCRATCH/export.tar" exported:1 >/dev/null
assert_eq "$(pierctl run --rm exported:1 /bin/busybox sh -c 'stat -c %s /big; tail -c 4 /big')" \
  "1099511627780
end" "Pier's import of its export"
layer=$(inspect_field exported:1 'd["GraphDriver"]["Data"]["LowerDir"]')
[ "$(stat -c %b "$layer/big")" -lt 1024 ] || fail "Pier's import of the export is not sparse"
assert_eq "$(/usr/bin/python3 -c 'import os,sys; print(os.getxattr(sys.argv[1], "security.capability").hex())' "$layer/bin/busybox")" \
  "0100000200040000000000000000000000000000" "the capability survives export and import"
pass "export writes a sparse terabyte as a sparse entry, keeps capabilities and device nodes; GNU tar and Pier read it back"

# ---- a relative symlink that climbs past the root is data, in builds, commits and loads ----
mkdir -p "$SCRATCH/climb"
printf 'FROM busybox\nRUN ln -s ../../../../srv/x /esc && mkdir -p /srv/x && echo inside >/esc/f\n' \
  >"$SCRATCH/climb/Dockerfile"
pierctl build -q -t climb:1 "$SCRATCH/climb" >/dev/null
assert_eq "$(pierctl run --rm climb:1 sh -c 'readlink /esc; cat /srv/x/f')" "../../../../srv/x
inside" "a build keeps the link, which resolves inside the container"
pierctl run --name climber busybox ln -s ../../../../../etc /up >/dev/null
pierctl commit climber climb:2 >/dev/null
assert_eq "$(pierctl run --rm climb:2 readlink /up)" "../../../../../etc" "a commit keeps the link"
pierctl save -o "$SCRATCH/climb.tar" climb:2
pierctl rmi climb:2 >/dev/null
assert_contains "$(pierctl load -i "$SCRATCH/climb.tar")" "Loaded image: climb:2" "a load takes the link"
[ ! -e /srv/x/f ] || fail "the build wrote through the link on the host"
pass "relative symlinks that climb past the root: built, committed, saved and loaded"
