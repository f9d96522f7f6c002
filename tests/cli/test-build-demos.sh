#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The seed's build demos (issue 4), with real containers: build, images, run, rollback with the
# loader's own error, history read back as a Dockerfile; then build --check, commit, diff,
# export, the read-back Dockerfile rebuilt to the same layers, and a failed build leaving
# nothing behind.
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" -eq 0 ] || fail "these demos run as root (CI does): RUN starts real containers"
command -v gcc >/dev/null || fail "gcc is needed to build the demo's app"
remove_containers_on_exit

layers_of() { pierctl inspect "$1" | /usr/bin/python3 -c 'import json,sys; print(" ".join(json.load(sys.stdin)[0]["RootFS"]["Layers"]))'; }

APP="$SCRATCH/app"
mkdir -p "$APP"
cat >"$APP/app.c" <<'EOF'
#include <stdio.h>
int main (void) { puts ("Hello from app v1"); return 0; }
EOF
gcc -o "$APP/app" "$APP/app.c"

# 1. The four-line Dockerfile: four steps, a layer for WORKDIR and COPY, listed, and it runs.
cat >"$APP/Dockerfile" <<'EOF'
FROM host:latest
WORKDIR /app
COPY app /app/app
CMD ["/app/app"]
EOF
out=$(pierctl build -t app:1 "$APP")
for step in "Step 1/4 : FROM host:latest" "Step 2/4 : WORKDIR /app" "Step 3/4 : COPY app /app/app" \
            'Step 4/4 : CMD ["/app/app"]' "Successfully tagged app:1"; do
  assert_contains "$out" "$step" "build output of app:1"
done
[ "$(echo "$out" | grep -c '^ ---> layer ')" -eq 2 ] || fail "WORKDIR and COPY each add a layer: $out"
assert_contains "$(pierctl images)" "app          1" "images lists app:1"
assert_eq "$(pierctl run --rm app:1)" "Hello from app v1" "run app:1"
pass "1. the four-line Dockerfile builds in four steps; images lists app:1; it prints its message"

# 2. Rollback: v2 needs libgreet.so, which the Dockerfile forgets; the build succeeds, the run
#    fails with the loader's message, app:1 still runs; the fixed Dockerfile reuses the cache.
cat >"$APP/greet.c" <<'EOF'
#include <stdio.h>
void greet (void) { puts ("Hello from app v2, with libgreet"); }
EOF
cat >"$APP/app.c" <<'EOF'
void greet (void);
int main (void) { greet (); return 0; }
EOF
mkdir -p "$APP/lib"
gcc -shared -fPIC -o "$APP/lib/libgreet.so" "$APP/greet.c"
gcc -o "$APP/app" "$APP/app.c" -L"$APP/lib" -lgreet -Wl,-rpath,'$ORIGIN/lib'
pierctl build -q -t app:2 "$APP" >/dev/null
set +e
pierctl run --rm app:2 >"$SCRATCH/out" 2>&1
code=$?
set -e
[ "$code" -ne 0 ] || fail "app:2 ran without its library"
assert_contains "$(cat "$SCRATCH/out")" "error while loading shared libraries: libgreet.so" "the loader's message"
assert_eq "$(pierctl run --rm app:1)" "Hello from app v1" "app:1 after app:2"
cat >"$APP/Dockerfile" <<'EOF'
FROM host:latest
WORKDIR /app
COPY app /app/app
COPY lib /app/lib
CMD ["/app/app"]
EOF
out=$(pierctl build -t app:3 "$APP")
assert_contains "$out" "$(printf 'Step 2/5 : WORKDIR /app\n ---> Using cache')" "WORKDIR from the cache"
assert_contains "$out" "$(printf 'Step 3/5 : COPY app /app/app\n ---> Using cache')" "COPY app from the cache"
assert_not_contains "$(echo "$out" | grep -A1 'Step 4/5')" "Using cache" "the new COPY is built"
assert_eq "$(pierctl run --rm app:3)" "Hello from app v2, with libgreet" "run app:3"
l2=($(layers_of app:2)) l3=($(layers_of app:3))
assert_eq "${l3[1]} ${l3[2]}" "${l2[1]} ${l2[2]}" "app:3 shares app:2's WORKDIR and COPY layers"
pass "2. app:2 fails with the loader's message, app:1 still runs, app:3 fixes it from the cache"

# 3. History: MAINTAINER, WORKDIR, COPY, USER and CMD, in order, and back as a Dockerfile.
HIST="$SCRATCH/hist"
mkdir -p "$HIST"
printf '#!/bin/sh\necho hello\n' >"$HIST/run.sh"
chmod 755 "$HIST/run.sh"
cat >"$HIST/Dockerfile" <<'EOF'
FROM busybox
MAINTAINER Jane Doe <jane@example.com>
WORKDIR /app
COPY run.sh /app/run.sh
USER nobody
CMD ["/app/run.sh"]
EOF
pierctl build -q -t hist:1 "$HIST" >/dev/null
history=$(pierctl history --no-trunc hist:1 | awk 'NR > 1 && NR <= 6')
expected=("CMD [\"/app/run.sh\"]" "USER nobody" "COPY file:" "WORKDIR /app" "MAINTAINER Jane Doe <jane@example.com>")
for i in 0 1 2 3 4; do
  assert_contains "$(echo "$history" | sed -n "$((i + 1))p")" "${expected[$i]}" "history row $((i + 1))"
done
assert_contains "$(echo "$history" | sed -n 1p)" '/bin/sh -c #(nop)  CMD ["/app/run.sh"]' "classic created_by"
assert_eq "$(inspect_field hist:1 'd["Author"]')" "Jane Doe <jane@example.com>" "author"
readback=$(pierctl history --dockerfile hist:1)
assert_eq "$readback" "$(cat "$HIST/Dockerfile")" "history --dockerfile"
pass "3. history shows MAINTAINER, WORKDIR, COPY, USER and CMD in order; --dockerfile gives them back"

# The read-back Dockerfile, rebuilt without the cache from the same context: the same layers.
echo "$readback" >"$SCRATCH/readback.Dockerfile"
pierctl build -q --no-cache -f "$SCRATCH/readback.Dockerfile" -t hist:rebuilt "$HIST" >/dev/null
assert_eq "$(layers_of hist:rebuilt)" "$(layers_of hist:1)" "diff_ids of the rebuilt read-back"
pierctl history --dockerfile app:3 >"$SCRATCH/app3.Dockerfile"
pierctl build -q --no-cache -f "$SCRATCH/app3.Dockerfile" -t app:rebuilt "$APP" >/dev/null
assert_eq "$(layers_of app:rebuilt)" "$(layers_of app:3)" "diff_ids of app:3 rebuilt from its history"
pass "the read-back Dockerfiles rebuild (--no-cache) to the same layer diff_ids"

# A cached rebuild costs next to nothing and gives the same image.
id1=$(pierctl build -q -t app:3 "$APP")
start=$(date +%s%N)
id2=$(pierctl build -q -t app:3 "$APP")
ms=$(( ($(date +%s%N) - start) / 1000000 ))
assert_eq "$id2" "$id1" "image id of a cached rebuild"
[ "$ms" -lt 1000 ] || fail "a fully cached rebuild took $ms ms"
pass "a fully cached rebuild gives the same image in $ms ms"

# build --check: the parse as JSON; a bad Dockerfile is FILE:LINE: message and nothing else.
check=$(pierctl build --check "$HIST")
assert_eq "$(echo "$check" | /usr/bin/python3 -c 'import json,sys; d=json.load(sys.stdin); print(" ".join(i["instruction"] for i in d["instructions"]))')" \
  "from maintainer workdir copy user cmd" "instructions of --check"
mkdir -p "$SCRATCH/bad"
printf 'FROM busybox\nCOPY\nRUN true\n' >"$SCRATCH/bad/Dockerfile"
expect_failure "Dockerfile:2: " pierctl build --check "$SCRATCH/bad"
printf 'FROM busybox\nRUN true\nBOGUS x\n' >"$SCRATCH/bad/Dockerfile"
expect_failure "Dockerfile:3: " pierctl build --check "$SCRATCH/bad"
printf 'FROM busybox\nSTOPSIGNAL SIGFOO\n' >"$SCRATCH/bad/Dockerfile"
expect_failure 'Dockerfile:2: STOPSIGNAL: invalid signal “SIGFOO”' pierctl build --check "$SCRATCH/bad"
expect_failure 'Dockerfile:2: STOPSIGNAL: invalid signal “SIGFOO”' pierctl build -q "$SCRATCH/bad"
printf 'FROM busybox\nARG SIG=SIGFOO\nSTOPSIGNAL $SIG\n' >"$SCRATCH/bad/Dockerfile"
expect_failure 'Dockerfile:3: step 3/3: STOPSIGNAL $SIG: invalid signal “SIGFOO”' pierctl build -q "$SCRATCH/bad"
printf 'FROM busybox\nSTOPSIGNAL sigrtmin+3\n' >"$SCRATCH/bad/Dockerfile"
pierctl build -q -t stopsignal:rt "$SCRATCH/bad" >/dev/null
assert_eq "$(inspect_field stopsignal:rt 'd["Config"]["StopSignal"]')" "sigrtmin+3" "STOPSIGNAL kept as written"
expect_failure '--signal: invalid signal “SIGFOO”' pierctl kill --signal SIGFOO nosuchcontainer
pass "build --check prints the parse as JSON; invalid input, an unknown STOPSIGNAL too, is one FILE:LINE: message line"

# A failing step says file, line, step and the command's code, shows its output, and leaves
# nothing: no image, no name, no blob, no layer.
FAILCTX="$SCRATCH/failing"
mkdir -p "$FAILCTX"
head -c 200000 /dev/urandom >"$FAILCTX/data"
printf 'FROM busybox\nCOPY data /data\nRUN echo the output of the failing step; exit 2\nCMD true\n' >"$FAILCTX/Dockerfile"
before=$(store_state)
set +e
pierctl build -t failing:1 "$FAILCTX" >"$SCRATCH/out" 2>"$SCRATCH/err"
code=$?
set -e
[ "$code" -ne 0 ] || fail "a failing RUN built"
assert_contains "$(cat "$SCRATCH/err")" "Dockerfile:3: step 3/4: RUN echo the output of the failing step; exit 2: the command returned a non-zero code: 2" "the failure"
assert_contains "$(cat "$SCRATCH/out")" "the output of the failing step" "the step's output"
assert_eq "$(store_state)" "$before" "the store after a failed build"
printf 'FROM busybox\nCOPY missing /x\n' >"$FAILCTX/Dockerfile"
expect_failure "Dockerfile:2: step 2/2: COPY missing /x: “missing”: no such file or directory in the build context" \
  pierctl build -q -t failing:1 "$FAILCTX"
assert_eq "$(store_state)" "$before" "the store after a missing COPY source"
pass "a failed step names file, line and step, shows its output and leaves the store as it was"

# commit, diff, export.
pierctl run --name changer busybox sh -c 'echo hi > /etc/motd-pier; rm /bin/ls; echo x >> /etc/passwd; mkdir -p /srv/new && echo y > /srv/new/file' >/dev/null
diff_out=$(pierctl diff changer)
assert_eq "$diff_out" "$(printf 'C /bin\nD /bin/ls\nC /etc\nA /etc/motd-pier\nC /etc/passwd\nA /srv\nA /srv/new\nA /srv/new/file')" "diff"
pierctl commit -m "added motd" -c 'CMD ["cat", "/etc/motd-pier"]' changer changed:1 >/dev/null
assert_eq "$(pierctl run --rm changed:1)" hi "run the committed image"
if pierctl run --rm changed:1 test -e /bin/ls; then fail "the deletion was not committed"; fi
assert_contains "$(pierctl history changed:1 | sed -n 3p)" "added motd" "commit message in the history"
pierctl export -o "$SCRATCH/changer.tar" changer
listing=$(tar tf "$SCRATCH/changer.tar")
assert_contains "$listing" "etc/motd-pier" "export holds the new file"
assert_contains "$listing" "srv/new/file" "export holds the new directory"
assert_contains "$listing" "bin/busybox" "export holds the image's files"
if echo "$listing" | grep -qx 'bin/ls'; then fail "export holds the deleted /bin/ls"; fi
assert_eq "$(tar xOf "$SCRATCH/changer.tar" etc/motd-pier)" hi "exported content"
pass "diff lists A/C/D; commit makes a runnable image with the change; export writes the flattened tree"

# FROM scratch, the Dockerfile of every static binary and base image: each writing instruction
# works on an empty stage and the result runs. The program is the host's static busybox.
BUSYBOX=/bin/busybox
file -L "$BUSYBOX" | grep -q 'statically linked' || fail "$BUSYBOX (busybox-static) is needed, statically linked"
SCR="$SCRATCH/scratch"
mkdir -p "$SCR/rootfs/bin"
cp "$BUSYBOX" "$SCR/rootfs/bin/busybox"
tar -czf "$SCR/rootfs.tar.gz" -C "$SCR/rootfs" .
echo "from the context" >"$SCR/a.txt"
cat >"$SCR/Dockerfile" <<'DOCKERFILE'
FROM scratch AS base
ADD rootfs.tar.gz /
CMD ["/bin/busybox", "echo", "added"]
FROM scratch
COPY a.txt /a.txt
COPY --from=base /bin/busybox /busybox
WORKDIR /work
RUN ["/busybox", "touch", "/work/made-by-run"]
ENTRYPOINT ["/busybox"]
CMD ["sh", "-c", "cat /a.txt; pwd; ls /work"]
DOCKERFILE
pierctl build -q --target base -t scratch:add "$SCR" >/dev/null
assert_eq "$(pierctl run --rm scratch:add)" "added" "run of FROM scratch + ADD rootfs.tar.gz /"
pierctl build -q -t scratch:copy "$SCR" >/dev/null
assert_eq "$(pierctl run --rm scratch:copy)" "$(printf 'from the context\n/work\nmade-by-run')" \
  "run of FROM scratch + COPY, COPY --from, WORKDIR, RUN (exec form)"
printf 'FROM scratch\nRUN echo hi\n' >"$SCR/Dockerfile"
expect_failure "Dockerfile:2: step 2/2: RUN echo hi: the stage has no files yet (FROM scratch): the shell form needs /bin/sh" \
  pierctl build -q -t scratch:run "$SCR"
pass "FROM scratch: ADD of a tar, COPY, COPY --from, WORKDIR and RUN's exec form build an image that runs; RUN on nothing says why"

# history --dockerfile of images other builders made: every created_by format of the classic
# builder and of BuildKit reads back to its instruction (what records none, as a comment), and
# build --check accepts the whole. The image is an OCI layout made here with those entries.
FORMATS="$SCRATCH/formats"
mkdir -p "$FORMATS/layout" "$FORMATS/ctx"
/usr/bin/python3 - "$FORMATS" <<'PY'
import hashlib, json, os, sys
root = sys.argv[1]
cases = [
    ("/bin/sh -c #(nop) ADD file:a3bc1e842b69636f in / ", "ADD file:a3bc1e842b69636f /"),
    ("/bin/sh -c #(nop)  CMD [\"nginx\" \"-g\" \"daemon off;\"]", "CMD [\"nginx\", \"-g\", \"daemon off;\"]"),
    ("/bin/sh -c #(nop)  LABEL maintainer=NGINX Docker Maintainers <docker-maint@nginx.com>",
     "LABEL maintainer=\"NGINX Docker Maintainers <docker-maint@nginx.com>\""),
    ("/bin/sh -c #(nop)  HEALTHCHECK &{[\"CMD-SHELL\" \"curl -f http://localhost/ || exit 1\"] \"5s\" \"3s\" \"0s\" '\\x03'}",
     "HEALTHCHECK --interval=5s --timeout=3s --retries=3 CMD curl -f http://localhost/ || exit 1"),
    ("|2 A=1 B=x /bin/sh -c echo $A", "RUN echo $A"),
    ("RUN |2 A=1 B=x /bin/sh -c echo \"$B\" # buildkit", "RUN echo \"$B\""),
    ("SHELL [/bin/bash -o pipefail -c]", "SHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]"),
    ("EXPOSE [80/tcp 443/tcp]", "EXPOSE 80/tcp 443/tcp"),
    ("VOLUME [/data]", "VOLUME [\"/data\"]"),
    ("HEALTHCHECK {Test:[CMD-SHELL curl -f http://localhost/] Interval:5s Timeout:0s StartPeriod:0s StartInterval:0s Retries:3}",
     "HEALTHCHECK --interval=5s --retries=3 CMD curl -f http://localhost/"),
    ("LABEL a=b c", "LABEL a=\"b c\""),
    ("RUN /bin/bash -o pipefail -c set -e\necho one # buildkit", "RUN <<EOF\nset -e\necho one\nEOF"),
    ("COPY --chown=1000:1000 app.sh /usr/local/bin/ # buildkit", "COPY --chown=1000:1000 app.sh /usr/local/bin/"),
    ("bazel build ...", "# bazel build ..."),
]
config = {"architecture": "amd64", "os": "linux",
          "config": {"Env": ["PATH=/usr/bin:/bin"], "Shell": ["/bin/bash", "-o", "pipefail", "-c"]},
          "rootfs": {"type": "layers", "diff_ids": []},
          "history": [{"created_by": c, "empty_layer": True} for c, _ in cases]}
layout = os.path.join(root, "layout")
def blob(obj, media_type):
    data = json.dumps(obj).encode()
    digest = hashlib.sha256(data).hexdigest()
    os.makedirs(os.path.join(layout, "blobs", "sha256"), exist_ok=True)
    with open(os.path.join(layout, "blobs", "sha256", digest), "wb") as f:
        f.write(data)
    return {"mediaType": media_type, "digest": "sha256:" + digest, "size": len(data)}
manifest = blob({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                 "config": blob(config, "application/vnd.oci.image.config.v1+json"), "layers": []},
                "application/vnd.oci.image.manifest.v1+json")
manifest["annotations"] = {"org.opencontainers.image.ref.name": "formats"}
with open(os.path.join(layout, "index.json"), "w") as f:
    json.dump({"schemaVersion": 2, "manifests": [manifest]}, f)
with open(os.path.join(layout, "oci-layout"), "w") as f:
    json.dump({"imageLayoutVersion": "1.0.0"}, f)
with open(os.path.join(root, "expected"), "w") as f:
    f.write("FROM scratch\n" + "".join(e + "\n" for _, e in cases))
PY
pierctl load -i "$FORMATS/layout" >/dev/null
pierctl history --dockerfile formats >"$FORMATS/Dockerfile"
assert_eq "$(cat "$FORMATS/Dockerfile")" "$(cat "$FORMATS/expected")" "history --dockerfile of classic and BuildKit entries"
pierctl build --check -f "$FORMATS/Dockerfile" "$FORMATS/ctx" >/dev/null
pass "history --dockerfile reads back what the classic builder and BuildKit wrote; build --check accepts it"

# The same for real images from the public test material (Bazel's, go-containerregistry's).
if require_testdata go-containerregistry build-demos-testdata-history; then
  G="$TESTDATA/go-containerregistry/pkg/v1"
  pierctl load -i "$G/tarball/testdata/test_image_1.tar" >/dev/null
  pierctl load -i "$G/layout/testdata/test_index_one_image" >/dev/null
  pierctl history --dockerfile bazel/v1/tarball:test_image_1 >"$FORMATS/bazel.Dockerfile"
  assert_eq "$(cat "$FORMATS/bazel.Dockerfile")" "$(printf 'FROM scratch\n# bazel build ...')" "history of a Bazel-made image"
  pierctl history --dockerfile 381d958b5558 >"$FORMATS/layout.Dockerfile"
  assert_eq "$(cat "$FORMATS/layout.Dockerfile")" \
    "$(printf 'FROM scratch\nCOPY file:a34f6c104b4cb0668083b4de122deebb3e3629e212f82c32fec316dd8e3a1931 /')" \
    "history of go-containerregistry's layout image"
  for f in bazel layout; do
    pierctl build --check -f "$FORMATS/$f.Dockerfile" "$FORMATS/ctx" >/dev/null
  done
  pass "history --dockerfile of the test material's images reads back and passes build --check"
fi
