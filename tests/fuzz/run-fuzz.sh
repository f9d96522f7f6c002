#!/bin/sh
# Builds the libFuzzer harnesses with clang's fuzzer, address and undefined-behaviour sanitizers,
# runs each, then merges what it found into a fresh minimised corpus that replaces
# tests/fuzz/corpus/TARGET/:
#   dockerfile  the Dockerfile parser, its expansion, JSON rendering and .dockerignore
#               (fuzz-dockerfile.c)
#   values      the parsers of sizes, decimals and counts, the container name, host name and
#               variable checks, and the JSON writer (fuzz-values.c; also with the sanitizer
#               for unsigned overflow, since a wrapped number is the bug it looks for)
#
#   tests/fuzz/run-fuzz.sh [SECONDS [TARGET...]]     default 600 each, both targets, one core
#
# Work files go to build-fuzz/ (PIER_FUZZ_DIR to change). A crash leaves build-fuzz/crash-*:
# copy it to tests/fuzz/regressions/ (a Dockerfile: test-dockerfile replays those) or to
# tests/fuzz/corpus/values/ (meson's fuzz-values test replays that on every `meson test`).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${PIER_FUZZ_DIR:-$root/build-fuzz}
seconds=${1:-600}
[ $# -gt 0 ] && shift
targets=${*:-dockerfile values}
cc=${CC:-clang}
engine=$root/engine

# -max_total_time is wall-clock time: on a busy machine the CPU time (reported) is less.
timed () {
  if [ -x /usr/bin/time ]; then
    /usr/bin/time -f "fuzzing took %U s of CPU (user) in %e s" "$@"
  else
    "$@"
  fi
}

for target in $targets; do
  case $target in
    dockerfile)
      sources="pier-dockerfile.c pier-dockerfile-line.c pier-dockerfile-check.c
               pier-dockerfile-expand.c pier-dockerfile-json.c pier-shell-words.c
               pier-dockerignore.c pier-json.c pier-error.c"
      sanitize=fuzzer,address,undefined
      max_len=4096 ;;
    values)
      sources="pier-quantity.c pier-container-options.c pier-json.c pier-error.c"
      sanitize=fuzzer,address,undefined,unsigned-integer-overflow
      max_len=256 ;;
    *)
      echo "unknown target $target: dockerfile or values" >&2
      exit 2 ;;
  esac
  work=$out/work-$target
  mkdir -p "$work" "$here/corpus/$target"
  # shellcheck disable=SC2046,SC2086
  "$cc" -g -O1 -std=c11 -D_GNU_SOURCE -DGLIB_VERSION_MIN_REQUIRED=GLIB_VERSION_2_74 \
    -fsanitize=$sanitize -fno-sanitize-recover=all \
    -fno-omit-frame-pointer -Wall -Wextra -Wno-unused-parameter \
    -Wno-missing-field-initializers \
    -I"$engine" $(pkg-config --cflags gio-2.0 jansson) \
    "$here/fuzz-$target.c" $(for s in $sources; do echo "$engine/$s"; done) \
    $(pkg-config --libs gio-2.0 jansson) -o "$out/fuzz-$target"

  # Seeds: the kept corpus, and for the Dockerfile parser the Dockerfiles of its tests.
  if [ "$target" = dockerfile ]; then
    for f in "$root"/tests/data/dockerfiles/*.Dockerfile; do
      [ -e "$f" ] || continue
      cp "$f" "$work/seed-$(basename "$f")"
    done
  fi

  timed "$out/fuzz-$target" -max_total_time="$seconds" -max_len=$max_len -len_control=0 \
    -timeout=10 -dict="$here/$target.dict" -artifact_prefix="$out/" -print_final_stats=1 \
    "$work" "$here/corpus/$target"

  # Edge coverage only (no hit counters), so the kept corpus stays a few hundred files.
  rm -rf "$out/merged"
  mkdir -p "$out/merged"
  "$out/fuzz-$target" -merge=1 -use_counters=0 -max_len=$max_len "$out/merged" "$work" \
    "$here/corpus/$target"
  rm -rf "$here/corpus/$target"
  mv "$out/merged" "$here/corpus/$target"
  echo "corpus: $(ls "$here/corpus/$target" | wc -l) files in tests/fuzz/corpus/$target"
done
