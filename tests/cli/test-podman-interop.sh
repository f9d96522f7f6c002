#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Images travel between Pier and the real Podman (Debian's) in both archive formats, keeping
# their ids (config digests).
. "$(dirname "$0")/lib.sh"

command -v podman >/dev/null || fail "podman is not installed (scripts/deps.sh installs it)"
PODMAN=(podman --root "$SCRATCH/podman" --runroot "$SCRATCH/podman-run" --storage-driver vfs)
podman_id() { "${PODMAN[@]}" image inspect --format '{{.Id}}' "$1"; }
pier_id() { pierctl inspect "$1" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["Id"])'; }

# Pier → Podman
bb=$(pier_id busybox)
for format in docker-archive oci-archive; do
  pierctl save --format "$format" -o "$SCRATCH/pier-$format.tar" busybox
  out=$("${PODMAN[@]}" load -i "$SCRATCH/pier-$format.tar" 2>&1)
  assert_contains "$out" "Loaded image: docker.io/library/busybox:latest" "podman load of Pier's $format"
  assert_eq "sha256:$(podman_id docker.io/library/busybox:latest)" "$bb" "image id after podman load of $format"
  "${PODMAN[@]}" rmi -f docker.io/library/busybox:latest >/dev/null
done
pass "archives Pier writes load in Podman with the same image id"

# Podman → Pier: a two-layer image Podman builds itself (COPY only, no container needed).
mkdir -p "$SCRATCH/ctx"
echo one >"$SCRATCH/ctx/a.txt"
echo two >"$SCRATCH/ctx/b.txt"
printf 'FROM scratch\nCOPY a.txt /a.txt\nCOPY b.txt /b.txt\nCMD ["/a.txt"]\n' >"$SCRATCH/ctx/Containerfile"
"${PODMAN[@]}" build -q -t localhost/twolayer:1 "$SCRATCH/ctx" >/dev/null 2>&1 || fail "podman build"
pid=sha256:$(podman_id localhost/twolayer:1)
for format in docker-archive oci-archive; do
  "${PODMAN[@]}" save --format "$format" -o "$SCRATCH/podman-$format.tar" localhost/twolayer:1 2>/dev/null
  out=$(pierctl load -i "$SCRATCH/podman-$format.tar")
  assert_eq "$out" "Loaded image: localhost/twolayer:1" "pierctl load of Podman's $format"
  assert_eq "$(pier_id localhost/twolayer:1)" "$pid" "image id after pierctl load of $format"
  layers=$(pierctl inspect localhost/twolayer:1 | /usr/bin/python3 -c 'import json,sys; print(len(json.load(sys.stdin)[0]["RootFS"]["Layers"]))')
  assert_eq "$layers" 2 "layers of the loaded image"
  pierctl rmi localhost/twolayer:1 >/dev/null
done
pass "archives Podman writes load in Pier with the same image id"

# And back again: what Pier loaded from Podman, Podman loads from Pier.
pierctl load -i "$SCRATCH/podman-oci-archive.tar" >/dev/null
"${PODMAN[@]}" rmi -f localhost/twolayer:1 >/dev/null
pierctl save -o "$SCRATCH/back.tar" localhost/twolayer:1
"${PODMAN[@]}" load -i "$SCRATCH/back.tar" >/dev/null 2>&1
assert_eq "sha256:$(podman_id localhost/twolayer:1)" "$pid" "round trip Podman → Pier → Podman"
pass "round trip Podman → Pier → Podman keeps the id"
