#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# `make bench`: every benchmark in tests/bench, one after the other, against the build in
# BUILD_DIR. Benchmarks compare Pier with its peers in the same run; they are not tests, and one
# that fails does not stop the others (the summary at the end names it).
#
#   tests/bench/run-all.sh [BUILD_DIR] [BENCH_NAME...]   (bench-run, bench-ui, ...; default all)
set -u

here=$(cd "$(dirname "$0")" && pwd)
build=$(readlink -f "${1:-$here/../../build}")
shift || true
export PIER_BUILD_DIR=$build

# Each script's own way of being told where the build is.
run_bench() {
  case $1 in
    bench-processes | bench-docker-list) bash "$here/$1.sh" "$build" ;;
    bench-build) bash "$here/$1.sh" ;;
    bench-unpack) bash "$here/$1.sh" -b "$build/tests/bench/bench-unpack" ;;
    *) bash "$here/$1.sh" -b "$build" ;;
  esac
}

if (($# > 0)); then
  names=("$@")
else
  names=()
  for script in "$here"/bench-*.sh; do
    names+=("$(basename "$script" .sh)")
  done
fi

failed=()
for name in "${names[@]}"; do
  echo "=== $name ($(date +%T), load $(cut -d' ' -f1-3 /proc/loadavg))"
  run_bench "$name" || failed+=("$name")
done
if ((${#failed[@]} > 0)); then
  echo "=== failed: ${failed[*]}"
  exit 1
fi
echo "=== all ${#names[@]} benchmarks ran"
