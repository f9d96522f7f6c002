#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Times Pier's layer unpacking against GNU tar and bsdtar on the same ~200 MB layer (system
# libraries and data: many small files in nested directories and some big ones), plain and
# gzip, on disk and on tmpfs. Runs as root (owners are restored, as for real layers).
# "pier" goes through PierLayerStream, which also computes the layer's digests (what an import
# does); "pier-raw" (plain layers only) is extraction alone, reading the tar's descriptor.
#
#   tests/bench/bench-unpack.sh [-n ROUNDS] [-s SIZE_MB] [-b BENCH_UNPACK]
#
# BENCH_UNPACK defaults to build/tests/bench/bench-unpack. The layer is made once in
# $SCRATCH (default /var/tmp/pier-bench-unpack) and kept for later runs.
set -euo pipefail

rounds=5
size_mb=200
here=$(cd "$(dirname "$0")" && pwd)
bench=$here/../../build/tests/bench/bench-unpack
scratch=${SCRATCH:-/var/tmp/pier-bench-unpack}

while getopts n:s:b: opt; do
  case $opt in
    n) rounds=$OPTARG ;;
    s) size_mb=$OPTARG ;;
    b) bench=$OPTARG ;;
    *) echo "usage: $0 [-n ROUNDS] [-s SIZE_MB] [-b BENCH_UNPACK]" >&2; exit 2 ;;
  esac
done
[ -x "$bench" ] || { echo "no bench-unpack at $bench (build first, or pass -b)" >&2; exit 1; }

mkdir -p "$scratch"
layer=$scratch/layer-${size_mb}mb.tar

# Half from the big shared libraries, half from /usr/share's many small files, directories
# listed before what they hold, as in a real layer.
make_layer() {
  local budget=$(( size_mb * 1024 * 1024 / 2 ))
  local list=$scratch/files.list
  : >"$list"
  for src in /usr/lib/x86_64-linux-gnu /usr/share; do
    find "$src" -xdev \( -type f -o -type d -o -type l \) -printf '%s %p\n' 2>/dev/null |
      awk -v budget="$budget" '{ total += $1 } total <= budget { sub(/^[0-9]+ \//, ""); print }' \
      >>"$list"
  done
  tar -C / --no-recursion -cf "$layer.tmp" -T "$list"
  mv "$layer.tmp" "$layer"
}

if [ ! -f "$layer" ]; then
  echo "making $layer ..."
  make_layer
fi
if [ ! -f "$layer.gz" ] || [ "$layer.gz" -ot "$layer" ]; then
  echo "compressing ..."
  gzip -c "$layer" >"$layer.gz.tmp"
  mv "$layer.gz.tmp" "$layer.gz"
fi

layer_bytes=$(stat -c %s "$layer")
entries=$(tar -tf "$layer" | wc -l)
echo "layer: $(( layer_bytes / 1024 / 1024 )) MiB uncompressed, $entries entries," \
     "$(( $(stat -c %s "$layer.gz") / 1024 / 1024 )) MiB gzip; $rounds rounds"

now() { date +%s.%N; }

# run TOOL FORMAT DEST: prints the seconds it took.
run() {
  local tool=$1 format=$2 dest=$3 file=$layer start end
  [ "$format" = gzip ] && file=$layer.gz
  rm -rf "$dest"
  mkdir "$dest"
  sync
  start=$(now)
  case $tool/$format in
    pier/*) "$bench" "$file" "$dest" >/dev/null ;;
    pier-raw/plain) "$bench" --raw "$file" "$dest" >/dev/null ;;
    gnutar/plain) tar -xf "$file" -C "$dest" ;;
    gnutar/gzip) tar -xzf "$file" -C "$dest" ;;
    bsdtar/*) bsdtar -xf "$file" -C "$dest" ;;
  esac
  end=$(now)
  echo "$end - $start" | bc
}

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

tmpfs_dir=/dev/shm/pier-bench-unpack-$$
trap 'rm -rf "$tmpfs_dir" "$scratch/dest"' EXIT

ratio() { echo "$1 / $2" | bc -l; }

for place in disk tmpfs; do
  if [ $place = disk ]; then dest=$scratch/dest; else dest=$tmpfs_dir; fi
  for format in plain gzip; do
    tools="pier gnutar bsdtar"
    [ $format = plain ] && tools="pier pier-raw gnutar bsdtar"
    unset times med
    declare -A times=() med=()
    for round in $(seq "$rounds"); do
      # Alternate the order, so that no tool always runs after the same one.
      order=$tools
      [ $(( round % 2 )) = 0 ] && order=$(echo $tools | tr ' ' '\n' | tac | tr '\n' ' ')
      for tool in $order; do
        times[$tool]+="$(run $tool $format "$dest") "
      done
    done
    rm -rf "$dest"
    printf '\n%s, %s:\n' "$place" "$format"
    for tool in $tools; do
      med[$tool]=$(echo "${times[$tool]}" | tr ' ' '\n' | grep . | median)
      printf '  %-8s median %6.3f s  %7.1f MB/s   (runs: %s)\n' "$tool" "${med[$tool]}" \
        "$(echo "$layer_bytes / 1000000 / ${med[$tool]}" | bc -l)" "${times[$tool]% }"
    done
    printf '  pier/gnutar %.2f   pier/bsdtar %.2f' "$(ratio "${med[pier]}" "${med[gnutar]}")" \
      "$(ratio "${med[pier]}" "${med[bsdtar]}")"
    if [ $format = plain ]; then
      printf '   pier-raw/gnutar %.2f   pier-raw/bsdtar %.2f' \
        "$(ratio "${med[pier-raw]}" "${med[gnutar]}")" "$(ratio "${med[pier-raw]}" "${med[bsdtar]}")"
    fi
    echo
  done
done
