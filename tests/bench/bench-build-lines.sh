#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# How build time grows with the number of instructions: Dockerfiles FROM scratch of 5,000,
# 10,000 and 20,000 lines of ENV, of ARG, of LABEL, and of the three mixed (each ENV reading
# the ARG before it, each LABEL the ENV), built with `pierctl build --no-cache`. Prints the
# median of ROUNDS runs (5 by default) of each, with hyperfine, and `buildah bud` once on the
# 5,000 ENV lines as the peer's point of reference (it grows too fast to run the larger ones).
# Growth should be linear: twice the lines, twice the time.
#
#   tests/bench/bench-build-lines.sh [-n ROUNDS] [-b BUILD_DIR]
set -euo pipefail

rounds=5
. "$(dirname "$(readlink -f "$0")")/rounds-options.sh"
pierctl_bin=$build/app/pierctl
[ -x "$pierctl_bin" ] || { echo "bench-build-lines: no pierctl at $pierctl_bin" >&2; exit 2; }
for tool in hyperfine buildah python3; do
  command -v "$tool" >/dev/null || { echo "bench-build-lines: $tool is missing" >&2; exit 2; }
done

scratch=$(mktemp -d /var/tmp/pier-bench-build-lines-XXXXXX)
trap 'rm -rf "$scratch"' EXIT

# write_dockerfile KIND LINES: the context $scratch/KIND-LINES with its Dockerfile.
write_dockerfile() {
  mkdir -p "$scratch/$1-$2"
  python3 - "$1" "$2" >"$scratch/$1-$2/Dockerfile" <<'PY'
import sys
kind, lines = sys.argv[1], int(sys.argv[2])
print("FROM scratch")
if kind == "mixed":
    for i in range(lines // 3):
        print(f"ARG A{i}=a{i}\nENV E{i}=$A{i}\nLABEL l{i}=$E{i}")
else:
    for i in range(lines):
        print(f"{kind.upper()} V{i}=value{i}")
PY
}

declare -A median
sizes=(5000 10000 20000)
kinds=(env arg label mixed)
for kind in "${kinds[@]}"; do
  for lines in "${sizes[@]}"; do
    write_dockerfile "$kind" "$lines"
    # A store each, so that no case pays for the cache records of the others.
    pier="$pierctl_bin --root $scratch/pier-$kind-$lines/root --runroot $scratch/pier-$kind-$lines/run"
    # Once first: a broken build shows here rather than as a timing.
    $pier build -q --no-cache "$scratch/$kind-$lines" >/dev/null
    hyperfine --style none --runs "$rounds" --export-json "$scratch/$kind-$lines.json" \
      "$pier build -q --no-cache $scratch/$kind-$lines" >/dev/null 2>&1
    median[$kind-$lines]=$(python3 -c 'import json,sys; print("%.3f" % json.load(open(sys.argv[1]))["results"][0]["median"])' "$scratch/$kind-$lines.json")
  done
done

buildah_start=$(date +%s.%N)
buildah --root "$scratch/buildah/root" --runroot "$scratch/buildah/run" --storage-driver vfs \
  bud -q -t lines "$scratch/env-5000" >/dev/null
buildah_seconds=$(python3 -c "import sys; print('%.3f' % (float(sys.argv[2]) - float(sys.argv[1])))" "$buildah_start" "$(date +%s.%N)")

echo "bench-build-lines: $rounds runs each, medians in seconds (pierctl build --no-cache, FROM scratch)"
printf '%-8s' lines
for kind in "${kinds[@]}"; do printf ' %8s' "$kind"; done
echo
for lines in "${sizes[@]}"; do
  printf '%-8s' "$lines"
  for kind in "${kinds[@]}"; do printf ' %8s' "${median[$kind-$lines]}"; done
  echo
done
echo "buildah bud, 5000 ENV lines, once: $buildah_seconds"
echo "target: 20000 ENV lines < 2 s; each size about twice the one before"
