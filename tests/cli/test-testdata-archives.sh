#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Every archive and layout in ../shared/testdata loads through pierctl.
. "$(dirname "$0")/lib.sh"

require_testdata go-containerregistry test-testdata-archives || exit 0
G="$TESTDATA/go-containerregistry/pkg/v1"
out=$(pierctl load -i "$G/mutate/testdata/whiteout_image.tar")
assert_eq "$out" "Loaded image: bazel/pkg/v1/mutate:whiteout_image" "whiteout image"
out=$(pierctl load -i "$G/tarball/testdata/test_image_1.tar")
assert_eq "$out" "Loaded image: bazel/v1/tarball:test_image_1" "test_image_1"
out=$(pierctl load -i "$G/layout/testdata/test_index_one_image")
assert_eq "$out" "Loaded image ID: sha256:381d958b555884ba59574ab5c066e9f6116b5aec3567675aa13bec63331f0810" "OCI layout directory"
# The same layout as an archive, as a tool would ship it.
tar -C "$G/layout/testdata/test_index_one_image" -cf "$SCRATCH/layout.tar" .
pierctl rmi 381d958b5558 >/dev/null
assert_contains "$(pierctl load -i "$SCRATCH/layout.tar")" "Loaded image ID: sha256:381d958b" "OCI layout archive"
pass "go-containerregistry archives and layout"

require_testdata regclient/testdata/layer-wh.tar test-testdata-archives-regclient || exit 0
id=$(pierctl import "$TESTDATA/regclient/testdata/layer-wh.tar" whiteouts:1)
layer=$(pierctl inspect whiteouts:1 | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["GraphDriver"]["Data"]["LowerDir"])')
[ -n "$(tar tf "$TESTDATA/regclient/testdata/layer-wh.tar" | grep '\.wh\.')" ] || fail "layer-wh.tar has no whiteouts?"
[ -n "$(find "$layer" -type c)" ] || fail "the whiteouts did not become overlay whiteouts in $layer"
pass "regclient's whiteout layer imports ($id)"
