# SPDX-License-Identifier: GPL-3.0-or-later
# Sourced by the window's benchmarks: times, medians, and the marks `pier` prints with
# PIER_BENCH set (ui/pier-bench.c). wait_mark needs $app, the pid of the running `pier`.

now_us() { echo $(($(date +%s%N) / 1000)); }
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ms() { awk -v us="$1" 'BEGIN { printf "%.1f", us / 1000 }'; }

# Waits for a line starting with $2 in file $1 (at most $3 seconds) and prints it.
wait_mark() {
  local i=0
  while ! grep -q "^$2" "$1"; do
    i=$((i + 1))
    if [ $i -gt $(($3 * 20)) ] || ! kill -0 "$app" 2>/dev/null; then
      echo "pier never printed “$2”; its output:" >&2
      cat "$1" >&2
      return 1
    fi
    sleep 0.05
  done
  grep "^$2" "$1" | head -1
}
