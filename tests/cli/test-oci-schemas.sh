#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Every manifest, config and index Pier writes validates against the OCI image-spec schemas.
. "$(dirname "$0")/lib.sh"

require_testdata image-spec/schema test-oci-schemas || exit 0
SCHEMAS="$TESTDATA/image-spec/schema"
CHECK=(/usr/bin/python3 "$PIER_SOURCE_DIR/tests/tools/oci-schema-check.py" "$SCHEMAS")

# The checker itself can fail: a broken index does not pass.
echo '{"schemaVersion":2,"manifests":[{"digest":"sha256:00","size":1}]}' >"$SCRATCH/bad.json"
if "${CHECK[@]}" index "$SCRATCH/bad.json" >/dev/null; then fail "the schema check accepts anything"; fi

mkdir -p "$SCRATCH/rootfs/etc" && echo x >"$SCRATCH/rootfs/etc/x"
tar -C "$SCRATCH/rootfs" -cf "$SCRATCH/rootfs.tar" .
pierctl import "$SCRATCH/rootfs.tar" imported:1 >/dev/null
pierctl tag busybox other:2

# The store's JSON blobs by kind: manifests have layers, configs a rootfs.
classify() {
  /usr/bin/python3 - "$1" "$ROOT"/blobs/sha256/* <<'PY'
import json, sys
kind, key = sys.argv[1], {"manifest": "layers", "config": "rootfs"}[sys.argv[1]]
for path in sys.argv[2:]:
    try:
        doc = json.load(open(path, "rb"))
    except Exception:
        continue
    if isinstance(doc, dict) and key in doc:
        print(path)
PY
}
manifests=$(classify manifest)
configs=$(classify config)
[ -n "$manifests" ] && [ -n "$configs" ] || fail "no manifests or configs found in the store"
"${CHECK[@]}" manifest $manifests || fail "store manifests"
"${CHECK[@]}" config $configs || fail "store configs"
"${CHECK[@]}" index "$ROOT/index.json" || fail "store index.json"
"${CHECK[@]}" layout "$ROOT/oci-layout" || fail "store oci-layout"
pass "the store's index, manifests and configs validate ($(echo $manifests | wc -w) manifests, $(echo $configs | wc -w) configs)"

mkdir -p "$SCRATCH/oci"
pierctl save --format oci-archive -o "$SCRATCH/saved.tar" busybox imported:1
tar -C "$SCRATCH/oci" -xf "$SCRATCH/saved.tar"
"${CHECK[@]}" index "$SCRATCH/oci/index.json" || fail "saved index.json"
"${CHECK[@]}" layout "$SCRATCH/oci/oci-layout" || fail "saved oci-layout"
for digest in $(/usr/bin/python3 -c 'import json,sys; print(" ".join(m["digest"][7:] for m in json.load(open(sys.argv[1]))["manifests"]))' "$SCRATCH/oci/index.json"); do
  m="$SCRATCH/oci/blobs/sha256/$digest"
  "${CHECK[@]}" manifest "$m" || fail "saved manifest $digest"
  c=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["config"]["digest"][7:])' "$m")
  "${CHECK[@]}" config "$SCRATCH/oci/blobs/sha256/$c" || fail "saved config $c"
done
pass "a saved OCI archive's index, manifests and configs validate"
