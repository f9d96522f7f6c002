#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# pull of a ~200 MB, 5-layer image from a registry on 127.0.0.1 (Debian's docker-registry,
# plain HTTP): `pierctl pull` into an empty store against `skopeo copy docker://… oci:DIR` into
# an empty directory, in one run, alternating. Prints medians and the Pier/skopeo ratio.
#
#   tests/bench/bench-pull.sh [-n ROUNDS] [-b BUILD_DIR] [-c random|files]
#
# Two images, each measured (or only the one -c names):
#   random: 200 MB of incompressible bytes, so both move the same 200 MB over the wire;
#   files:  the first ~200 MB of /usr/lib/x86_64-linux-gnu, gzip -6 (what images are made
#           of: ~40 MB on the wire; Pier inflates and unpacks 200 MB, skopeo stores 40 MB).
# Pier's work is more than skopeo's either way: it also unpacks each layer, hashes it twice
# (blob and diff_id) and syncs everything to disk before the image is visible.
set -euo pipefail

rounds=5
contents="random files"
here=$(cd "$(dirname "$0")" && pwd)
build=$here/../../build
while getopts n:b:c: opt; do
  case $opt in
    n) rounds=$OPTARG ;;
    b) build=$OPTARG ;;
    c) contents=$OPTARG ;;
    *) echo "usage: $0 [-n ROUNDS] [-b BUILD_DIR] [-c random|files]" >&2; exit 2 ;;
  esac
done
pierctl=$build/app/pierctl
[ -x "$pierctl" ] || { echo "no pierctl in $build (build first)" >&2; exit 1; }
. "$here/../cli/test-registry-lib.sh"
scratch=$(mktemp -d /var/tmp/pier-bench-pull-XXXXXX)
REGISTRY_PID=""
trap '[ -n "$REGISTRY_PID" ] && kill "$REGISTRY_PID"; rm -rf "$scratch"' EXIT
export HOME="$scratch/home" XDG_CONFIG_HOME="$scratch/config"
mkdir -p "$HOME" "$XDG_CONFIG_HOME/pier"

registry_start "$scratch/registry"
printf '[registry "%s"]\ninsecure=true\n' "$REGISTRY" >"$XDG_CONFIG_HOME/pier/registries.conf"

# make_image CONTENT: five layers of ~40 MB each, as an OCI layout that skopeo puts on the
# registry as bench:CONTENT. Prints the bytes on the wire.
make_image() {
  local content=$1 layout=$scratch/layout-$1 i
  mkdir -p "$layout/blobs/sha256"
  if [ "$content" = files ]; then
    find /usr/lib/x86_64-linux-gnu -xdev -type f -links 1 -printf '%s %P\n' | sort -k2 |
      awk '$1 + total <= 200 * 1024 * 1024 { print int(total / (40 * 1024 * 1024)), $2; total += $1 }' \
      >"$scratch/files"
    for i in 0 1 2 3 4; do
      sed -n "s/^$i //p" "$scratch/files" >"$scratch/part$i"
      tar -C /usr/lib/x86_64-linux-gnu -cf "$scratch/layer$i.tar" -T "$scratch/part$i"
    done
  else
    for i in 0 1 2 3 4; do
      head -c $((40 * 1024 * 1024)) /dev/urandom >"$scratch/data$i"
      tar -C "$scratch" -cf "$scratch/layer$i.tar" "data$i"
      rm "$scratch/data$i"
    done
  fi
  for i in 0 1 2 3 4; do
    gzip -6 -n -c "$scratch/layer$i.tar" >"$scratch/layer$i.tar.gz"
  done
  /usr/bin/python3 - "$scratch" "$layout" <<'EOF'
import hashlib, json, os, shutil, sys
scratch, layout = sys.argv[1], sys.argv[2]
def sha(path):
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        for chunk in iter(lambda: f.read(1 << 20), b''):
            h.update(chunk)
    return 'sha256:' + h.hexdigest()
def put_file(path):
    d = sha(path)
    shutil.move(path, layout + '/blobs/sha256/' + d[7:])
    return d, os.path.getsize(layout + '/blobs/sha256/' + d[7:])
def put(data):
    d = 'sha256:' + hashlib.sha256(data).hexdigest()
    open(layout + '/blobs/sha256/' + d[7:], 'wb').write(data)
    return d, len(data)
diff_ids, layers = [], []
for i in range(5):
    diff_ids.append(sha('%s/layer%d.tar' % (scratch, i)))
    os.remove('%s/layer%d.tar' % (scratch, i))
    d, n = put_file('%s/layer%d.tar.gz' % (scratch, i))
    layers.append({'mediaType': 'application/vnd.oci.image.layer.v1.tar+gzip', 'digest': d, 'size': n})
config = put(json.dumps({'architecture': 'amd64', 'os': 'linux', 'config': {},
                         'rootfs': {'type': 'layers', 'diff_ids': diff_ids}}).encode())
manifest = put(json.dumps({'schemaVersion': 2, 'mediaType': 'application/vnd.oci.image.manifest.v1+json',
                           'config': {'mediaType': 'application/vnd.oci.image.config.v1+json',
                                      'digest': config[0], 'size': config[1]},
                           'layers': layers}).encode())
json.dump({'schemaVersion': 2, 'manifests': [{'mediaType': 'application/vnd.oci.image.manifest.v1+json',
           'digest': manifest[0], 'size': manifest[1],
           'annotations': {'org.opencontainers.image.ref.name': 'bench'}}]}, open(layout + '/index.json', 'w'))
open(layout + '/oci-layout', 'w').write('{"imageLayoutVersion": "1.0.0"}')
EOF
  skopeo copy -q --dest-tls-verify=false "oci:$layout:bench" "docker://$REGISTRY/bench:$content"
  du -sb "$layout/blobs" | cut -f1
  rm -rf "$layout"
}

now() { date +%s.%N; }
timed() { local t0; t0=$(now); "$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; exit 1; }; echo "$(now) - $t0" | bc; }
median() { tr ' ' '\n' | grep . | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

pier_run() {
  rm -rf "$scratch/store" "$scratch/store-run"
  # The empty store (with its built-in images) is made before the clock starts.
  "$pierctl" --root "$scratch/store" --runroot "$scratch/store-run" images >/dev/null
  sync
  pier_times+="$(timed "$pierctl" --root "$scratch/store" --runroot "$scratch/store-run" pull "$REGISTRY/bench:$content") "
}
skopeo_run() {
  rm -rf "$scratch/oci"
  sync
  skopeo_times+="$(timed skopeo copy -q --src-tls-verify=false "docker://$REGISTRY/bench:$content" "oci:$scratch/oci:bench") "
}
for content in $contents; do
  wire=$(make_image "$content")
  echo
  echo "image: 5 layers ($content), $((wire / 1000000)) MB on the wire; $rounds rounds"
  pier_times="" skopeo_times=""
  for ((r = 0; r < rounds; r++)); do
    if ((r % 2 == 0)); then pier_run; skopeo_run; else skopeo_run; pier_run; fi
  done
  rm -rf "$scratch/store" "$scratch/store-run" "$scratch/oci"
  pier_med=$(echo "$pier_times" | median)
  skopeo_med=$(echo "$skopeo_times" | median)
  printf '  pierctl pull   median %6.3f s   (runs: %s)\n' "$pier_med" "${pier_times% }"
  printf '  skopeo copy    median %6.3f s   (runs: %s)\n' "$skopeo_med" "${skopeo_times% }"
  printf '  pier/skopeo    %.2f   (target: at most 1.2)\n' "$(echo "$pier_med / $skopeo_med" | bc -l)"
done
