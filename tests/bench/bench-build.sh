#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# bench-build.sh [ROUNDS]: as root, builds a three-step Dockerfile (COPY of 50 MB in 800 files,
# RUN, CMD) with pierctl, `buildah bud` and `podman build`, cold (no cache, and for Pier no
# remembered file hashes either) and fully cached, and measures RUN's cost as the difference
# between that Dockerfile with and without its RUN step (no cache, a small COPY). Prints the
# median of ROUNDS runs (5 by default) of each, with hyperfine.
#
# Podman and Buildah get storage of their own (--root/--runroot in the scratch folder, the
# overlay driver) and busybox imported from Pier's own busybox; their RUN uses --isolation
# chroot, because crun refuses this machine's hybrid cgroup layout ("cgroups in hybrid mode not
# supported"). Buildah runs with --layers (a layer and a cache entry per step, as Podman and
# Pier do; without it `buildah bud` keeps no cache at all). PIERCTL defaults to app/pierctl of the build directory beside this script's
# tests/bench.
set -euo pipefail

ROUNDS=${1:-5}
HERE=$(cd "$(dirname "$0")" && pwd)
PIERCTL=${PIERCTL:-${PIER_BUILD_DIR:-$HERE/../../build}/app/pierctl}
[ "$(id -u)" -eq 0 ] || { echo "bench-build: run as root (RUN starts containers)" >&2; exit 2; }
[ -x "$PIERCTL" ] || { echo "bench-build: no pierctl at $PIERCTL (set PIERCTL)" >&2; exit 2; }
for tool in hyperfine podman buildah python3; do
  command -v "$tool" >/dev/null || { echo "bench-build: $tool is missing" >&2; exit 2; }
done

SCRATCH=$(mktemp -d /var/tmp/pier-bench-build-XXXXXX)
trap 'rm -rf "$SCRATCH"' EXIT
PIER="$PIERCTL --root $SCRATCH/pier/root --runroot $SCRATCH/pier/run"
PODMAN="podman --root $SCRATCH/podman/root --runroot $SCRATCH/podman/run --storage-driver overlay"
BUILDAH="buildah --root $SCRATCH/buildah/root --runroot $SCRATCH/buildah/run --storage-driver overlay"
BUILDAH_IMPORT="podman --root $SCRATCH/buildah/root --runroot $SCRATCH/buildah/run --storage-driver overlay"

# The context: 50 MB of incompressible data in 800 files of 64 KiB, 16 directories.
CTX="$SCRATCH/ctx"
mkdir -p "$CTX"
for d in $(seq -w 1 16); do
  mkdir -p "$CTX/data/d$d"
  for f in $(seq -w 1 50); do head -c 65536 /dev/urandom >"$CTX/data/d$d/f$f"; done
done
cat >"$CTX/Dockerfile" <<'EOF'
FROM busybox
COPY data /data
RUN echo built > /built
CMD ["cat", "/built"]
EOF
# RUN's cost: the same without the 50 MB, with and without the RUN step.
SMALL="$SCRATCH/small"
mkdir -p "$SMALL"
echo small >"$SMALL/file"
printf 'FROM busybox\nCOPY file /file\nRUN echo built > /built\nCMD ["cat", "/built"]\n' >"$SMALL/with-run"
printf 'FROM busybox\nCOPY file /file\nCMD ["cat", "/built"]\n' >"$SMALL/without-run"

# busybox for Podman and Buildah: Pier's own, exported from a container of it.
$PIER create --name bench-busybox busybox true >/dev/null
$PIER export -o "$SCRATCH/busybox.tar" bench-busybox
$PIER rm bench-busybox >/dev/null
$PODMAN import -q "$SCRATCH/busybox.tar" docker.io/library/busybox:latest >/dev/null
$BUILDAH_IMPORT import -q "$SCRATCH/busybox.tar" docker.io/library/busybox:latest >/dev/null

# Each tool builds it once first: a broken setup shows here, and the cached runs have a cache.
$PIER build -q -t bench "$CTX" >/dev/null
$PODMAN build -q --isolation chroot -t bench "$CTX" >/dev/null
$BUILDAH bud -q --layers --isolation chroot -t bench "$CTX" >/dev/null
[ "$($PIER run --rm bench)" = built ] || { echo "bench-build: pier's image does not run" >&2; exit 1; }

declare -A MEDIAN
measure() {
  local name=$1 prepare=$2 command=$3
  hyperfine --style none --runs "$ROUNDS" --prepare "$prepare" --export-json "$SCRATCH/$name.json" \
    "$command" >/dev/null 2>&1 || { echo "bench-build: «$command» failed" >&2; $command; exit 1; }
  MEDIAN[$name]=$(python3 -c 'import json,sys; print("%.3f" % json.load(open(sys.argv[1]))["results"][0]["median"])' "$SCRATCH/$name.json")
}

measure pier-cold "rm -rf $SCRATCH/pier/root/build-cache" "$PIER build -q --no-cache -t bench $CTX"
measure pier-cached "true" "$PIER build -q -t bench $CTX"
measure buildah-cold "true" "$BUILDAH bud -q --layers --isolation chroot --no-cache -t bench $CTX"
measure buildah-cached "true" "$BUILDAH bud -q --layers --isolation chroot -t bench $CTX"
measure podman-cold "true" "$PODMAN build -q --isolation chroot --no-cache -t bench $CTX"
measure podman-cached "true" "$PODMAN build -q --isolation chroot -t bench $CTX"
for tool in pier buildah podman; do
  for variant in with-run without-run; do
    case $tool in
      pier) cmd="$PIER build -q --no-cache -f $SMALL/$variant -t small $SMALL" ;;
      buildah) cmd="$BUILDAH bud -q --layers --isolation chroot --no-cache -f $SMALL/$variant -t small $SMALL" ;;
      podman) cmd="$PODMAN build -q --isolation chroot --no-cache -f $SMALL/$variant -t small $SMALL" ;;
    esac
    measure "$tool-$variant" "true" "$cmd"
  done
done
# Pier's own account of its RUN step, from the build's progress.
run_step=$($PIER build --no-cache -f "$SMALL/with-run" -t small "$SMALL" | awk '/^Step 3\/4/ {s=1} s && /---> layer/ {print $NF; exit}')

overhead() { python3 -c "print('%.3f' % (float('$1') - float('$2')))"; }
echo "bench-build: $ROUNDS runs each, medians in seconds (COPY of 50 MB in 800 files, RUN, CMD)"
printf '%-8s %8s %8s %14s\n' tool cold cached "RUN overhead"
for tool in pier buildah podman; do
  printf '%-8s %8s %8s %14s\n' "$tool" "${MEDIAN[$tool-cold]}" "${MEDIAN[$tool-cached]}" \
    "$(overhead "${MEDIAN[$tool-with-run]}" "${MEDIAN[$tool-without-run]}")"
done
echo "pier's RUN step as its progress reports it: $run_step"
echo "targets: pier cold <= buildah cold; pier RUN overhead <= podman's / 10; pier cached < 0.1 s"
