#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# save and load of a ~200 MB image: Pier against Podman (Debian's), in one run, alternating.
#
#   tests/bench/bench-archive.sh [-n ROUNDS] [-b BUILD_DIR]
#
# Each round times, one after the other: pierctl save, podman save, pierctl load into an empty
# store, podman load into an empty storage. Prints medians and the Pier/Podman ratios.
set -euo pipefail

rounds=5
. "$(dirname "$(readlink -f "$0")")/rounds-options.sh"
pierctl=$build/app/pierctl
[ -x "$pierctl" ] || { echo "no pierctl in $build (build first)" >&2; exit 1; }
scratch=$(mktemp -d /var/tmp/pier-bench-archive-XXXXXX)
trap 'rm -rf "$scratch"' EXIT

# The image: the first ~200 MB of /usr/lib/x86_64-linux-gnu, as one rootfs layer.
find /usr/lib/x86_64-linux-gnu -xdev -type f -links 1 -printf '%s %P\n' | sort -k2 |
  awk '$1 + total <= 200 * 1024 * 1024 { total += $1; print $2 }' >"$scratch/files"
tar -C /usr/lib/x86_64-linux-gnu -cf "$scratch/rootfs.tar" -T "$scratch/files"
size_mb=$(( $(stat -c %s "$scratch/rootfs.tar") / 1024 / 1024 ))

pier() { "$pierctl" --root "$scratch/pier-$1" --runroot "$scratch/pier-$1-run" "${@:2}"; }
podman_in() { podman --root "$scratch/podman-$1" --runroot "$scratch/podman-$1-run" "${@:2}"; }

pier src import "$scratch/rootfs.tar" bench/big:1 >/dev/null
podman_in src import "$scratch/rootfs.tar" localhost/bench/big:1 >/dev/null 2>&1

now() { date +%s.%N; }
timed() { local t0; t0=$(now); "$@" >/dev/null 2>&1; echo "$(now) - $t0" | bc; }

declare -a pier_save podman_save pier_load podman_load
for ((r = 0; r < rounds; r++)); do
  rm -f "$scratch"/*.out.tar
  pier_save+=("$(timed pier src save -o "$scratch/pier.out.tar" bench/big:1)")
  podman_save+=("$(timed podman_in src save -o "$scratch/podman.out.tar" localhost/bench/big:1)")
  rm -rf "$scratch"/pier-dst* "$scratch"/podman-dst*
  # An empty Pier store is made (with its built-in images) before the clock starts.
  pier dst images >/dev/null
  pier_load+=("$(timed pier dst load -i "$scratch/pier.out.tar")")
  podman_load+=("$(timed podman_in dst load -i "$scratch/podman.out.tar")")
done

median() { printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
report() {
  local what=$1 p q
  p=$(median "${@:2:$rounds}")
  q=$(median "${@:$((rounds + 2))}")
  printf '%-6s pier %6.3f s   podman %6.3f s   ratio %.2f\n' "$what" "$p" "$q" "$(echo "$p / $q" | bc -l)"
}
echo "image: ${size_mb} MB, one layer; $rounds rounds, medians"
report save "${pier_save[@]}" "${podman_save[@]}"
report load "${pier_load[@]}" "${podman_load[@]}"
