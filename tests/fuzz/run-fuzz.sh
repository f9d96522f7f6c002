#!/bin/sh
# Builds the libFuzzer harness for the Dockerfile parser (fuzz-dockerfile.c) with clang's
# fuzzer, address and undefined-behaviour sanitizers, runs it, then merges what it found into
# a fresh minimised corpus that replaces tests/fuzz/corpus/dockerfile/.
#
#   tests/fuzz/run-fuzz.sh [SECONDS]     default 600, on one core
#
# Work files go to build-fuzz/ (PIER_FUZZ_DIR to change). A crash leaves build-fuzz/crash-*:
# copy it to tests/fuzz/regressions/, which test-dockerfile replays on every `meson test`.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${PIER_FUZZ_DIR:-$root/build-fuzz}
seconds=${1:-600}
cc=${CC:-clang}
engine=$root/engine

mkdir -p "$out/work"
# shellcheck disable=SC2046
"$cc" -g -O1 -std=c11 -D_GNU_SOURCE -DGLIB_VERSION_MIN_REQUIRED=GLIB_VERSION_2_74 \
  -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  -fno-omit-frame-pointer -Wall -Wextra -Wno-unused-parameter \
  -Wno-missing-field-initializers \
  -I"$engine" $(pkg-config --cflags glib-2.0 jansson) \
  "$here/fuzz-dockerfile.c" \
  "$engine/pier-dockerfile.c" "$engine/pier-dockerfile-line.c" "$engine/pier-dockerfile-check.c" \
  "$engine/pier-dockerfile-expand.c" "$engine/pier-dockerfile-json.c" "$engine/pier-signal.c" \
  "$engine/pier-shell-words.c" "$engine/pier-dockerignore.c" "$engine/pier-error.c" \
  $(pkg-config --libs glib-2.0 jansson) -o "$out/fuzz-dockerfile"

# Seeds: the kept corpus and the Dockerfiles of the parser's tests.
mkdir -p "$here/corpus/dockerfile"
for f in "$root"/tests/data/dockerfiles/*.Dockerfile; do
  [ -e "$f" ] || continue
  cp "$f" "$out/work/seed-$(basename "$f")"
done

# -max_total_time is wall-clock time: on a busy machine the CPU time (reported) is less.
timed () {
  if [ -x /usr/bin/time ]; then
    /usr/bin/time -f "fuzzing took %U s of CPU (user) in %e s" "$@"
  else
    "$@"
  fi
}
timed "$out/fuzz-dockerfile" -max_total_time="$seconds" -max_len=4096 -len_control=0 -timeout=10 \
  -dict="$here/dockerfile.dict" -artifact_prefix="$out/" -print_final_stats=1 \
  "$out/work" "$here/corpus/dockerfile"

# Edge coverage only (no hit counters), so the kept corpus stays a few hundred files.
rm -rf "$out/merged"
mkdir -p "$out/merged"
"$out/fuzz-dockerfile" -merge=1 -use_counters=0 -max_len=4096 "$out/merged" "$out/work" \
  "$here/corpus/dockerfile"
rm -rf "$here/corpus/dockerfile"
mv "$out/merged" "$here/corpus/dockerfile"
echo "corpus: $(ls "$here/corpus/dockerfile" | wc -l) files in tests/fuzz/corpus/dockerfile"
