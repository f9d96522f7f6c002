#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Arguments and text are never silently changed: what a container is given is carried exactly
# or refused with an error naming it, and no value is read as something else.
. "$(dirname "$0")/lib.sh"
remove_containers_on_exit

# Bytes as the container sees them, in hex.
hex() { od -An -tx1 | tr -d ' \n'; }

# Refused with one line naming $1, and nothing left behind: no container, no image.
expect_refused() {
  local want=$1; shift
  local before
  before=$(pierctl ps -aq; pierctl images -q)
  expect_failure "$want" "$@"
  assert_eq "$(pierctl ps -aq; pierctl images -q)" "$before" "nothing made by «$*»"
}

# 1. A command's words are never dropped: the issue's own case deleted a whole volume.
vol="$SCRATCH/vol"
mkdir -p "$vol/keep"
echo precious >"$vol/keep/file"
expect_refused "the command's argument 4, “caf\\xe9”, is not valid UTF-8 text" \
  pierctl run --rm -v "$vol:/data" busybox sh -c 'rm -rf "/data/$1"' sh $'caf\xe9'
assert_eq "$(cat "$vol/keep/file")" precious "the volume survives the refused command"
expect_refused "the command's argument 2, “\\xff”" pierctl run --rm busybox echo A $'\xff' B
expect_refused "the command's argument 1, “caf\\xe9”" pierctl create busybox echo $'caf\xe9'
pass "run, create: a word that is not UTF-8 is refused by its index and bytes, nothing runs"

# 2. exec keeps no record: it passes any bytes, each word in its place.
pierctl run -d --name box busybox sleep 1000 >/dev/null
assert_eq "$(pierctl exec box sh -c 'echo $#' sh A $'\xff' B)" 3 "exec keeps every word"
assert_eq "$(pierctl exec box printf %s $'caf\xe9' | hex)" 636166e9 "exec passes the bytes exactly"
pass "exec: bytes carried exactly"

# 3. Flags: the value named, or carried exactly; Docker's refusals.
expect_refused "the value of -e, “X=\\xff”, is not valid UTF-8 text" pierctl run --rm -e $'X=\xff' busybox true
expect_refused "the value of --env, “X=caf\\xe9”" pierctl run --rm --env=$'X=caf\xe9' busybox true
expect_refused "the value of --workdir, “/\\xff”" pierctl run --rm --workdir $'/\xff' busybox true
expect_refused "the value of --hostname, “h\\xe9”" pierctl run --rm --hostname $'h\xe9' busybox true
expect_refused "the value of -e, “X=\\xff”" pierctl exec -e $'X=\xff' box true
expect_refused "invalid host name “a\\nb”" pierctl run --rm --hostname $'a\nb' busybox true
expect_refused "invalid host name “a b”" pierctl run --rm --hostname 'a b' busybox true
expect_refused "invalid environment variable “=x”: the name is empty" pierctl run --rm -e =x busybox true
expect_refused "invalid environment variable “=x”" pierctl exec -e =x box true
expect_refused "invalid container name “a\\nb”" pierctl run --rm --name $'a\nb' busybox true
# Text that is UTF-8 arrives as it was typed, in the C locale too.
out=$(LC_ALL=C pierctl run --rm -e 'X=café ✓' -w '/tmp/é' --hostname web_1.local busybox \
      sh -c 'printf "%s|%s|%s" "$X" "$(pwd)" "$(hostname)"' | hex)
assert_eq "$out" "$(printf '%s|%s|%s' 'café ✓' '/tmp/é' web_1.local | hex)" "UTF-8 carried exactly"
pass "-e, -w, --hostname, --name: refused by name, or carried exactly"

# 4. Numbers: out of range, non-finite or malformed is an error naming the flag, never "no
#    limit"; what is taken is taken exactly.
for v in 1e30 99999999999999999999 17179869184g -1 0x10 ' 5m' 5mx ''; do
  expect_refused "invalid --memory “$v”" pierctl run --rm --memory "$v" busybox true
done
for v in nan inf -1 1e2 0.001 1025 0.1234567891 ''; do
  expect_refused "invalid --cpus “$v”" pierctl run --rm --cpus "$v" busybox true
done
expect_refused "invalid memory limit 1024 bytes" pierctl run --rm --memory 1k busybox true
for v in -1 010x 99999999999 1.5 ''; do
  expect_failure "invalid --time “$v”" pierctl stop -t "$v" box
  expect_failure "invalid --time “$v”" pierctl restart -t "$v" box
done
assert_contains "$(pierctl ps)" box "a refused --time stops nothing"
pierctl create --name limits --memory 1.5g --cpus 1.001 busybox true >/dev/null 2>&1
assert_eq "$(inspect_field limits 'd["HostConfig"]["Memory"]')" $((3 << 29)) "--memory 1.5g exactly"
assert_eq "$(inspect_field limits 'd["HostConfig"]["NanoCpus"]')" 1001000000 "--cpus 1.001 exactly"
pass "--memory, --cpus, --time: refused by flag and value, or taken exactly"

# 5. Dockerfiles: each value that would go into the image's JSON, refused with FILE:LINE.
ctx="$SCRATCH/ctx"
mkdir -p "$ctx"
build_refused() {
  printf 'FROM busybox\n%s\n' "$1" >"$ctx/Dockerfile"
  expect_refused "Dockerfile:2: $2" pierctl build -q -t refused "$ctx"
}
build_refused $'CMD ["echo", "caf\xe9"]' "CMD argument 1"
build_refused $'CMD echo \xff' "CMD argument 1 “echo \\xff” is not valid UTF-8 text"
build_refused $'ENTRYPOINT ["caf\xe9"]' "ENTRYPOINT argument 1"
build_refused $'ENV A=caf\xe9' "ENV argument 2 “caf\\xe9”"
build_refused $'LABEL a=\xff' "LABEL argument 2 “\\xff”"
build_refused $'LABEL caf\xe9=a' "LABEL argument 1 “caf\\xe9”"
build_refused $'WORKDIR /caf\xe9' "WORKDIR argument 1 “/caf\\xe9”"
build_refused $'USER caf\xe9' "USER argument 1 “caf\\xe9”"
build_refused 'CMD ["a\u0000b"]' "CMD: argument 1 holds a NUL character"
printf 'FROM busybox\nARG A\nLABEL a=$A\n' >"$ctx/Dockerfile"
expect_refused "the value of --build-arg, “A=\\xff”" pierctl build -q --build-arg $'A=\xff' "$ctx"
A=$'\xfe' expect_refused "the build argument A “\\xfe”" pierctl build -q --build-arg A "$ctx"
# And what is UTF-8 is kept to the byte, through the image's config into the container.
printf 'FROM busybox\nENV GREETING="café ✓"\nLABEL note="naïve"\nCMD ["sh", "-c", "printf %%s \\"$GREETING\\""]\n' \
  >"$ctx/Dockerfile"
pierctl build -q -t kept "$ctx" >/dev/null
assert_eq "$(pierctl run --rm kept | hex)" "$(printf %s 'café ✓' | hex)" "ENV and CMD exactly"
assert_eq "$(pierctl inspect kept | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["Config"]["Labels"]["note"])')" \
  naïve "LABEL exactly"
pass "Dockerfile CMD, ENTRYPOINT, ENV, LABEL, WORKDIR, USER, build args: FILE:LINE or exact"

# 6. commit: its message, author and changes go into the image's JSON too.
expect_refused "the value of -m, “\\xff”" pierctl commit -m $'\xff' box
expect_refused "the value of -c, “ENV A=\\xff”" pierctl commit -c $'ENV A=\xff' box
expect_refused "-c:2: CMD: argument 1 holds a NUL character" pierctl commit -c 'CMD ["a\u0000b"]' box
pass "commit: refused by name"

# 7. A record whose command holds a word that is no string is damaged, not run with the words
#    after it shifted into its place.
shifted="$SCRATCH/shifted"
mkdir -p "$shifted" && chmod 0777 "$shifted"
id=$(pierctl create --name shifty -v "$shifted:/out" busybox sh -c 'touch "/out/$1"' sh first second)
/usr/bin/python3 - "$ROOT/containers/$id/container.json" <<'PY'
import json, sys
path = sys.argv[1]
record = json.load(open(path))
record["argv"][4] = 5
json.dump(record, open(path, "w"))
PY
if pierctl start shifty >/dev/null 2>&1; then fail "a damaged record was started"; fi
assert_eq "$(ls "$shifted")" "" "nothing ran with its words shifted"
pierctl rm -f "$id" >/dev/null 2>&1 || rm -rf "$ROOT/containers/$id"
pass "a record with a word that is no string is not run"

# 8. A process shows what it shows: one whose command line is not UTF-8 is listed, not
#    dropped from the JSON (nor read past its end in the table).
pierctl exec -d box sh -c 'sleep 1000; true' $'\xff\xfe'
eventually 5 sh -c "$PIERCTL --root $ROOT --runroot $RUNROOT top box | grep -q 'sleep 1000; true'" ||
  fail "the process did not start"
pierctl top box --format json | /usr/bin/python3 -c '
import json, sys
commands = [p["command"] for p in json.load(sys.stdin)]
assert any(c.startswith("sh -c sleep 1000; true") and "\ufffd" in c for c in commands), commands
' || fail "top --format json left out the process"
assert_contains "$(pierctl top box)" "sleep 1000; true" "top's table"
pierctl ps --processes --format json | /usr/bin/python3 -c '
import json, sys
assert any("\ufffd" in p["command"] and p["container"] == "box" for p in json.load(sys.stdin))
' || fail "ps --processes --format json left out the process"
pass "top, ps --processes: a command line that is not UTF-8 is shown, not dropped"
