#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# pierctl's image verbs against a real store.
. "$(dirname "$0")/lib.sh"

out=$(pierctl images)
assert_contains "$out" "REPOSITORY   TAG      IMAGE ID" "images header"
assert_contains "$out" "busybox      latest" "busybox listed"
assert_contains "$out" "host         latest" "host listed"
bb_short=$(pierctl images -q | tail -1)
[ ${#bb_short} -eq 12 ] || fail "images -q gives 12-digit ids: $bb_short"
json=$(pierctl images --format json)
echo "$json" | /usr/bin/python3 -c 'import json,sys; d=json.load(sys.stdin); assert len(d)==2 and all(i["Id"].startswith("sha256:") for i in d)' \
  || fail "images --format json"
pass "images, -q, --format json"

inspect=$(pierctl inspect busybox)
echo "$inspect" | /usr/bin/python3 -c '
import json,sys
d=json.load(sys.stdin)
assert isinstance(d,list) and len(d)==1
o=d[0]
for k in ("Id","RepoTags","Config","RootFS","History"): assert k in o, k
assert o["RepoTags"]==["busybox:latest"]
assert o["Config"]["Cmd"]==["sh"]
assert o["RootFS"]["Type"]=="layers" and len(o["RootFS"]["Layers"])==1
assert o["History"][-1]["CreatedBy"].endswith("CMD [\"sh\"]")
' || fail "inspect fields: $inspect"
id=$(echo "$inspect" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["Id"])')
assert_eq "$(pierctl inspect "${id:7:12}" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["Id"])')" "$id" "inspect by short id"
pass "inspect"

hist=$(pierctl history busybox)
assert_contains "$hist" "IMAGE          CREATED" "history header"
assert_contains "$hist" "<missing>" "history base entry"
assert_contains "$(pierctl history --no-trunc busybox)" "$id" "history --no-trunc shows the full id"
df=$(pierctl history --dockerfile busybox)
assert_eq "$(echo "$df" | head -1)" "FROM scratch" "dockerfile starts FROM scratch"
assert_contains "$df" 'CMD ["sh"]' "dockerfile has CMD"
pass "history, --no-trunc, --dockerfile"

pierctl tag busybox example/tool:2
assert_contains "$(pierctl images)" "example/tool" "tag listed"
out=$(pierctl rmi example/tool:2)
assert_eq "$out" "Untagged: example/tool:2" "rmi of one of several names"
pierctl tag busybox again:1
expect_failure "has 2 names" pierctl rmi "$id"
out=$(pierctl rmi -f "$id")
assert_contains "$out" "Untagged: busybox:latest" "rmi -f untags"
assert_contains "$out" "Deleted: $id" "rmi -f deletes"
expect_failure "no such object: busybox" pierctl inspect busybox
pass "tag, rmi, rmi -f"

# import from a file and from standard input.
mkdir -p "$SCRATCH/rootfs/etc" && echo hello >"$SCRATCH/rootfs/etc/motd"
tar -C "$SCRATCH/rootfs" -cf "$SCRATCH/rootfs.tar" .
new_id=$(pierctl import "$SCRATCH/rootfs.tar" mine:1)
assert_contains "$new_id" "sha256:" "import prints the id"
gzip -c "$SCRATCH/rootfs.tar" | pierctl import - mine:gz >/dev/null
assert_contains "$(pierctl history mine:gz)" "Imported from -" "import from stdin, gzip"
pass "import from a file and from standard input"


# A build whose image config would be too large to read back fails and names nothing.
mkdir -p "$SCRATCH/bigenv"
/usr/bin/python3 -c 'import sys; open(sys.argv[1], "w").write("FROM mine:1\nENV A=" + "x" * 2200000 + "\n")' \
  "$SCRATCH/bigenv/Dockerfile"
index_before=$(cat "$ROOT/index.json")
if pierctl build -t bigenv:1 -t bigenv:2 "$SCRATCH/bigenv" >/dev/null 2>"$SCRATCH/err"; then
  fail "a build of a config past the document limit succeeded"
fi
assert_contains "$(cat "$SCRATCH/err")" "the image config would be" "the build says what is too large"
assert_contains "$(cat "$SCRATCH/err")" "more than the 4194304 an image document may have" "the build names the limit"
assert_eq "$(cat "$ROOT/index.json")" "$index_before" "a failed build changed the index"
pierctl images >/dev/null || fail "images after a failed build"
pass "a build past the document limit fails and leaves the index as it was"

# An image that cannot be read (an oversized config an older Pier wrote) is left out of the
# listing with a warning naming it; the rest of the store works; rmi -f removes it.
bad_config=$(/usr/bin/python3 - "$ROOT" <<'PY'
import hashlib, json, os, sys
root = sys.argv[1]
def put(data):
    hex = hashlib.sha256(data).hexdigest()
    with open(os.path.join(root, "blobs", "sha256", hex), "wb") as f:
        f.write(data)
    return "sha256:" + hex, len(data)
config = json.dumps({"architecture": "amd64", "os": "linux", "config": {"Env": ["A=" + "x" * (5 << 20)]},
                     "rootfs": {"type": "layers", "diff_ids": []}}).encode()
config_digest, config_size = put(config)
manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                       "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                                  "digest": config_digest, "size": config_size},
                       "layers": []}).encode()
manifest_digest, manifest_size = put(manifest)
path = os.path.join(root, "index.json")
index = json.load(open(path))
index["manifests"].append({"mediaType": "application/vnd.oci.image.manifest.v1+json",
                           "digest": manifest_digest, "size": manifest_size,
                           "annotations": {"org.opencontainers.image.ref.name": "docker.io/library/toobig:1"}})
json.dump(index, open(path, "w"))
print(config_digest)
PY
)
out=$(pierctl images 2>"$SCRATCH/err") || fail "images fails as a whole for one unreadable image"
assert_contains "$out" "mine " "images lists the other images"
assert_not_contains "$out" "toobig" "images lists the unreadable image"
assert_contains "$(cat "$SCRATCH/err")" "warning: left out image toobig:1 ($bad_config), which cannot be read" \
  "images names the image it leaves out"
printf 'FROM mine:1\nENV AFTER=1\n' >"$SCRATCH/Dockerfile.after"
pierctl build -t after:1 -t after:2 -f "$SCRATCH/Dockerfile.after" "$SCRATCH" >/dev/null \
  || fail "build beside an unreadable image"
assert_eq "$(pierctl inspect after:2 | /usr/bin/python3 -c 'import json,sys; print(sorted(json.load(sys.stdin)[0]["RepoTags"]))')" \
  "['after:1', 'after:2']" "a build names its image with every tag"
expect_failure "rmi -f toobig:1" pierctl history toobig:1
out=$(pierctl rmi -f toobig:1)
assert_contains "$out" "Deleted: $bad_config" "rmi -f removes the unreadable image"
[ ! -e "$ROOT/blobs/sha256/${bad_config#sha256:}" ] || fail "the unreadable image's config stayed"
assert_eq "$(pierctl images 2>&1 >/dev/null)" "" "a warning after the unreadable image went"
pass "an unreadable image: left out with a warning, the rest works, rmi -f removes it"

# rmi says each digest it deleted once (an uncompressed layer's blob and tree share one).
mkdir -p "$SCRATCH/once/etc" && echo once >"$SCRATCH/once/etc/once"
tar -C "$SCRATCH/once" -cf "$SCRATCH/once.tar" .
pierctl import "$SCRATCH/once.tar" once:1 >/dev/null
out=$(pierctl rmi once:1)
assert_eq "$(grep Deleted <<<"$out" | sort | uniq -d)" "" "rmi printed a digest twice"
pass "rmi reports each deleted digest once"

# Bad input: one clear line, non-zero exit, store untouched.
before=$(store_state)
expect_failure "no such object: nosuch" pierctl inspect nosuch
expect_failure "invalid reference" pierctl tag mine:1 'UPPER:case'
expect_failure "unknown command" pierctl frobnicate
expect_failure "Unknown option" pierctl images --bogus
expect_failure "unsupported --format" pierctl images --format yaml
expect_failure "No such file" pierctl import "$SCRATCH/absent.tar"
printf 'not an archive at all' >"$SCRATCH/junk"
expect_failure "not a tar archive" pierctl import "$SCRATCH/junk"
expect_failure "not a tar archive" pierctl load -i "$SCRATCH/junk"
head -c 2000 "$SCRATCH/rootfs.tar" >"$SCRATCH/cut.tar"
pierctl save -o "$SCRATCH/mine.tar" mine:1
head -c 3000 "$SCRATCH/mine.tar" >"$SCRATCH/cut-archive.tar"
expect_failure "layer.tar from the archive: Truncated tar archive" pierctl load -i "$SCRATCH/cut-archive.tar"
expect_failure "damaged or truncated archive after entry" pierctl import "$SCRATCH/cut.tar" cut:1
python3 - "$SCRATCH/evil.tar" <<'PY'
import io, sys, tarfile
with tarfile.open(sys.argv[1], "w") as t:
    data = b"owned"
    info = tarfile.TarInfo("../../escaped")
    info.size = len(data)
    t.addfile(info, io.BytesIO(data))
PY
expect_failure "outside" pierctl import "$SCRATCH/evil.tar" evil:1
[ ! -e "$ROOT/../escaped" ] && [ ! -e "$SCRATCH/escaped" ] || fail "hostile import wrote outside"
expect_failure "no such image" pierctl save -o "$SCRATCH/x.tar" nosuch
[ ! -e "$SCRATCH/x.tar" ] || fail "failed save left a file"
if tty_out=$(script -qec "$PIERCTL --root $ROOT --runroot $RUNROOT save mine:1" /dev/null); then
  fail "save to a terminal succeeded"
fi
assert_contains "$tty_out" "refusing to write an archive to a terminal" "save to a terminal"
# A bad --format is named before anything else is tried: no image looked up, nothing opened
# where the archive would go (a folder that is not there, a FIFO nobody reads, a terminal).
bad_format='unknown archive format “bad”: use docker-archive or oci-archive'
scratch_before=$(ls -A "$SCRATCH")
expect_failure "$bad_format" pierctl save --format bad -o "$SCRATCH/x.tar" nosuch
expect_failure "$bad_format" pierctl save --format bad -o "$SCRATCH/no-such-folder/x.tar" nosuch
mkfifo "$SCRATCH/unread"
expect_failure "$bad_format" timeout -k 5 20 "$PIERCTL" --root "$ROOT" --runroot "$RUNROOT" \
  save --format bad -o "$SCRATCH/unread" nosuch
rm "$SCRATCH/unread"
assert_eq "$(ls -A "$SCRATCH")" "$scratch_before" "files after a save with a bad --format"
if tty_out=$(script -qec "$PIERCTL --root $ROOT --runroot $RUNROOT save --format bad mine:1" /dev/null); then
  fail "save --format bad to a terminal succeeded"
fi
assert_contains "$tty_out" "$bad_format" "save --format bad to a terminal"
after=$(store_state)
assert_eq "$after" "$before" "store unchanged by bad input"
pass "bad input: one line, non-zero exit, store unchanged"
