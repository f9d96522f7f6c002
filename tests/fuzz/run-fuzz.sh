#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Builds the libFuzzer harnesses with clang's fuzzer, address and undefined-behaviour sanitizers,
# runs each, then merges what it found into a fresh minimised corpus that replaces
# tests/fuzz/corpus/TARGET/:
#   dockerfile  the Dockerfile parser, its expansion, JSON rendering and .dockerignore
#               (fuzz-dockerfile.c)
#   values      the parsers of sizes, decimals and counts, the container name, host name and
#               variable checks, and the JSON writer (fuzz-values.c; also with the sanitizer
#               for unsigned overflow, since a wrapped number is the bug it looks for)
#   archive     layer unpacking and image archive loading (fuzz-archive.c), over the whole
#               engine built with the sanitizers; as root, as the suite runs (device nodes,
#               owners)
#
#   tests/fuzz/run-fuzz.sh [SECONDS [TARGET...]]     default 600 each, every target, one core
#
# Work files go to build-fuzz/ (PIER_FUZZ_DIR to change). A crash leaves build-fuzz/crash-*:
# copy it to tests/fuzz/regressions/ (a Dockerfile: test-dockerfile replays those) or to
# tests/fuzz/corpus/values/ or tests/fuzz/regressions-archive/ (meson's fuzz-values and
# fuzz-archive tests replay those on every `meson test`).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${PIER_FUZZ_DIR:-$root/build-fuzz}
seconds=${1:-600}
[ $# -gt 0 ] && shift
targets=${*:-dockerfile values archive}
cc=${CC:-clang}
engine=$root/engine
cflags="-g -O1 -std=c11 -D_GNU_SOURCE -DGLIB_VERSION_MIN_REQUIRED=GLIB_VERSION_2_74
  -DG_LOG_USE_STRUCTURED -fno-omit-frame-pointer -Wall -Wextra -Wno-unused-parameter
  -Wno-missing-field-initializers -I$engine"

# -max_total_time is wall-clock time: on a busy machine the CPU time (reported) is less.
timed () {
  if [ -x /usr/bin/time ]; then
    /usr/bin/time -f "fuzzing took %U s of CPU (user) in %e s" "$@"
  else
    "$@"
  fi
}

for target in $targets; do
  work=$out/work-$target
  mkdir -p "$work" "$here/corpus/$target"
  case $target in
    dockerfile)
      # shellcheck disable=SC2046,SC2086
      "$cc" $cflags -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
        $(pkg-config --cflags glib-2.0 jansson) "$here/fuzz-dockerfile.c" \
        "$engine/pier-dockerfile.c" "$engine/pier-dockerfile-line.c" \
        "$engine/pier-dockerfile-check.c" "$engine/pier-dockerfile-expand.c" \
        "$engine/pier-dockerfile-json.c" "$engine/pier-signal.c" "$engine/pier-shell-words.c" \
        "$engine/pier-dockerignore.c" "$engine/pier-json.c" "$engine/pier-error.c" \
        $(pkg-config --libs glib-2.0 jansson) -o "$out/fuzz-dockerfile"
      # Seeds: the kept corpus and the Dockerfiles of the parser's tests.
      for f in "$root"/tests/data/dockerfiles/*.Dockerfile; do
        [ -e "$f" ] || continue
        cp "$f" "$work/seed-$(basename "$f")"
      done
      options="-max_len=4096 -dict=$here/dockerfile.dict" ;;
    values)
      # shellcheck disable=SC2046,SC2086
      "$cc" $cflags -fsanitize=fuzzer,address,undefined,unsigned-integer-overflow \
        -fno-sanitize-recover=all $(pkg-config --cflags gio-2.0 jansson) "$here/fuzz-values.c" \
        "$engine/pier-quantity.c" "$engine/pier-container-options.c" "$engine/pier-json.c" \
        "$engine/pier-error.c" $(pkg-config --libs gio-2.0 jansson) -o "$out/fuzz-values"
      options="-max_len=256 -dict=$here/values.dict" ;;
    archive)
      # The whole engine as a static library, so that the harness takes what it reaches.
      deps="gio-2.0 gio-unix-2.0 jansson libarchive libcurl libcrypto libssl zlib"
      rm -rf "$out/engine-objects"
      mkdir -p "$out/engine-objects"
      for f in "$engine"/*.c; do
        # shellcheck disable=SC2046,SC2086
        "$cc" $cflags -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all \
          -DPIER_LIBEXECDIR='"/usr/local/libexec"' $(pkg-config --cflags $deps) -c "$f" \
          -o "$out/engine-objects/$(basename "$f" .c).o"
      done
      rm -f "$out/libpier-engine-fuzz.a"
      ar rcs "$out/libpier-engine-fuzz.a" "$out"/engine-objects/*.o
      # shellcheck disable=SC2046,SC2086
      "$cc" $cflags -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
        $(pkg-config --cflags $deps) "$here/fuzz-archive.c" "$out/libpier-engine-fuzz.a" \
        $(pkg-config --libs $deps) -ldl -o "$out/fuzz-archive"
      options="-max_len=65536" ;;
    *)
      echo "unknown target $target: dockerfile, values or archive" >&2
      exit 2 ;;
  esac

  # shellcheck disable=SC2086
  timed "$out/fuzz-$target" -max_total_time="$seconds" $options -len_control=0 -timeout=10 \
    -artifact_prefix="$out/" -print_final_stats=1 "$work" "$here/corpus/$target"

  # Edge coverage only (no hit counters), so the kept corpus stays a few hundred files.
  rm -rf "$out/merged"
  mkdir -p "$out/merged"
  # shellcheck disable=SC2086
  "$out/fuzz-$target" -merge=1 -use_counters=0 $options "$out/merged" "$work" \
    "$here/corpus/$target"
  rm -rf "$here/corpus/$target"
  mv "$out/merged" "$here/corpus/$target"
  echo "corpus: $(ls "$here/corpus/$target" | wc -l) files in tests/fuzz/corpus/$target"
done
