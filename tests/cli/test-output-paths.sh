#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# A file a person names for pierctl to write (-o of save and export, --authfile) that exists
# and is not a regular file is written in place: a device stays the device, a FIFO the FIFO, a
# symlink the symlink. Only regular files are replaced whole. The devices written are the
# test's own; /dev/null and /dev/stdout are tried only in a /dev of the test's own, in a
# private mount namespace, so that not even a broken pierctl can touch the host's.
. "$(dirname "$0")/lib.sh"
remove_containers_on_exit
[ "$(id -u)" -eq 0 ] || fail "run as root: the test makes a character device of its own"

# Type, inode, device numbers and link target: what must not change when writing in place.
identity() { stat -c '%F %i %t:%T %N' "$1"; }
# The archive's member list, which any valid tar from save or export has.
tar_lists() { tar -tf "$1" >/dev/null 2>&1; }

pierctl create --name exported busybox true >/dev/null
for verb in save export; do
  case $verb in
    save) write=(save busybox) ;;
    export) write=(export exported) ;;
  esac
  out="$SCRATCH/outputs-$verb"
  mkdir "$out"
  mknod "$out/null" c 1 3
  mkfifo "$out/fifo"
  echo old >"$out/target"
  ln -s target "$out/link"
  ln -s null "$out/link-to-null"

  # A character device of the test's own (what /dev/null is), directly and through a link.
  link_before=$(identity "$out/link-to-null")
  for name in null link-to-null; do
    before=$(identity "$out/null")
    pierctl "${write[@]}" -o "$out/$name"
    assert_eq "$(identity "$out/null")" "$before" "$verb -o $name: the device"
    assert_eq "$(identity "$out/link-to-null")" "$link_before" "$verb -o $name: the link to the device"
  done

  # A FIFO: read by whoever waits at the other end.
  before=$(identity "$out/fifo")
  cat "$out/fifo" >"$out/from-fifo" &
  reader=$!
  on_exit "kill $reader 2>/dev/null"
  timeout -k 5 60 "$PIERCTL" --root "$ROOT" --runroot "$RUNROOT" "${write[@]}" -o "$out/fifo" || fail "$verb -o a FIFO"
  if [ "$(identity "$out/fifo")" != "$before" ]; then
    kill "$reader"
    fail "$verb -o a FIFO replaced it: $(identity "$out/fifo")"
  fi
  wait "$reader"
  tar_lists "$out/from-fifo" || fail "$verb -o a FIFO: the reader did not get the archive"

  # A symlink to a regular file: the link stays, the file it leads to gets the archive.
  pierctl "${write[@]}" -o "$out/link"
  [ -L "$out/link" ] && [ "$(readlink "$out/link")" = target ] || fail "$verb -o replaced the symlink"
  tar_lists "$out/target" || fail "$verb -o a symlink: its target does not hold the archive"

  # A regular file that a failed write leaves whole, with nothing beside it.
  cp "$out/target" "$out/expected"
  expect_failure "no such" pierctl "${verb}" -o "$out/target" no-such-name
  cmp -s "$out/target" "$out/expected" || fail "a failed $verb -o changed the file"
  assert_eq "$(ls -A "$out" | tr '\n' ' ')" "expected fifo from-fifo link link-to-null null target " \
    "what a failed $verb -o leaves in the folder"

  # A descriptor named through /proc: written where it is open.
  pierctl "${write[@]}" -o /dev/fd/1 >"$out/from-fd"
  tar_lists "$out/from-fd" || fail "$verb -o /dev/fd/1"
  pass "$verb -o: a device, a FIFO, a symlink, a descriptor are written in place"
done

# /dev/null and /dev/stdout themselves, in a /dev of the test's own.
unshare --mount --propagation private -- bash -euo pipefail -s "$PIERCTL" "$ROOT" "$RUNROOT" <<'EOF' || fail "save and export -o /dev/null and /dev/stdout"
pierctl() { "$1" --root "$2" --runroot "$3" "${@:4}"; }
args=("$1" "$2" "$3")
mount -t tmpfs -o mode=0755 pier-test-dev /dev
mknod -m 0666 /dev/null c 1 3
mknod -m 0666 /dev/urandom c 1 9
ln -s /proc/self/fd /dev/fd
ln -s /proc/self/fd/1 /dev/stdout
null_before=$(stat -c '%F %i %t:%T' /dev/null)
stdout_before=$(stat -c '%F %i %N' /dev/stdout)
for write in "save busybox" "export exported"; do
  pierctl "${args[@]}" $write -o /dev/null
  [ "$(stat -c '%F %i %t:%T' /dev/null)" = "$null_before" ] || { echo "FAIL: $write -o /dev/null replaced it" >&2; exit 1; }
  pierctl "${args[@]}" $write -o /dev/stdout | tar -tf - >/dev/null
  [ "$(stat -c '%F %i %N' /dev/stdout)" = "$stdout_before" ] || { echo "FAIL: $write -o /dev/stdout replaced it" >&2; exit 1; }
done
EOF
pass "save and export -o /dev/null and /dev/stdout write to them"

# The credentials file, through a symlink (as dotfile managers make them): rewritten where the
# link leads.
mkdir -p "$SCRATCH/dotfiles"
echo '{"auths": {"registry.invalid": {"auth": "dTpw"}, "other.invalid": {"auth": "dTpw"}}}' \
  >"$SCRATCH/dotfiles/auth.json"
ln -s dotfiles/auth.json "$SCRATCH/auth.json"
pierctl logout --authfile "$SCRATCH/auth.json" registry.invalid >/dev/null
[ -L "$SCRATCH/auth.json" ] || fail "logout --authfile replaced the symlink"
auths=$(/usr/bin/python3 -c 'import json,sys; print(" ".join(sorted(json.load(open(sys.argv[1]))["auths"])))' "$SCRATCH/dotfiles/auth.json")
assert_eq "$auths" other.invalid "logout --authfile writes through a symlink"
pass "--authfile through a symlink"
