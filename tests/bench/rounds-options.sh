# SPDX-License-Identifier: GPL-3.0-or-later
# Sourced by benchmarks that take `-n ROUNDS -b BUILD_DIR`: sets $rounds (default: the caller's
# $rounds), $build and $here (the benchmarks' folder).
here=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[1]}")")" && pwd)
build=$here/../../build
while getopts n:b: opt; do
  case $opt in
    n) rounds=$OPTARG ;;
    b) build=$OPTARG ;;
    *) echo "usage: $0 [-n ROUNDS] [-b BUILD_DIR]" >&2; exit 2 ;;
  esac
done
