# Sourced by the RDP benchmarks: `-b BUILD_DIR -s SECONDS` into $build and $seconds.
here=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[1]}")")" && pwd)
build=$here/../../build
seconds=10
while getopts b:s: opt; do
  case $opt in
    b) build=$OPTARG ;;
    s) seconds=$OPTARG ;;
    *) echo "usage: $0 [-b BUILD_DIR] [-s SECONDS]" >&2; exit 2 ;;
  esac
done
