#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Checks the engine's layers (docs/ARCHITECTURE.md) from the sources and the built libraries.

  check-layers.py SOURCE_ROOT --layer NAME=LOWER,LOWER... ... --lib NAME=PATH.a ...

From the sources: every #include "..." of engine/FOLDER names a header of FOLDER or of a folder
FOLDER may include (those it names and, through them, theirs); a *-private.h header is included
only from its own folder (and tests); a public header of a folder is included from somewhere
outside it, else it should be *-private.h.

From the libraries (nm): no object file of a library calls another that calls it back, directly
or around a circle, and no library calls into a folder it may not include. The window's library
(--lib ui=...) is checked for circles too.

In ui/: only the window's own files (pier-window*.c), the application and the benchmark
harness it attaches (pier-bench.*) include pier-window.h; pages and dialogs reach the window through its actions (win.toast, win.back, ...).

Prints one line per finding, FILE:LINE first, and exits 1 when there is any."""

import argparse
import collections
import os
import re
import subprocess
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


def closure(layers, name, seen=None):
    seen = set() if seen is None else seen
    for lower in layers[name]:
        if lower not in seen:
            seen.add(lower)
            closure(layers, lower, seen)
    return seen


def check_dag(layers):
    """The folders and what they name: every name is a folder, and no folder reaches itself."""
    findings = []
    for name, lowers in layers.items():
        for lower in lowers:
            if lower not in layers:
                findings.append(f"layer {name} names {lower}, which is no layer")
    if findings:
        return findings
    for name in layers:
        if name in closure(layers, name):
            findings.append(f"layer {name} reaches itself: the layers form a circle")
    return findings


def sources(root, folder):
    for dirpath, _, files in os.walk(os.path.join(root, folder)):
        for f in sorted(files):
            if f.endswith((".c", ".h")):
                yield os.path.join(dirpath, f)


def includes(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        for number, line in enumerate(f, 1):
            m = INCLUDE.match(line)
            if m:
                yield number, m.group(1)


def check_includes(root, layers):
    findings = []
    owner = {}  # header name → layer
    for name in layers:
        for path in sources(root, os.path.join("engine", name)):
            if path.endswith(".h"):
                owner[os.path.basename(path)] = name
    users = collections.defaultdict(set)  # header → folders (layers, or cli/ui/app) using it
    for name in layers:
        allowed = closure(layers, name) | {name}
        for path in sources(root, os.path.join("engine", name)):
            rel = os.path.relpath(path, root)
            for number, header in includes(path):
                layer = owner.get(header)
                if layer is None:
                    continue  # generated, or not the engine's
                users[header].add(name)
                if layer not in allowed:
                    findings.append(
                        f"{rel}:{number}: includes {header} of engine/{layer}, which "
                        f"engine/{name} may not include (it may include: "
                        f"{', '.join(sorted(allowed - {name})) or 'nothing'})")
                elif layer != name and header.endswith("-private.h"):
                    findings.append(f"{rel}:{number}: includes {header}, private to engine/{layer}")
    # Above the folders: engine/ itself (PierEngine over them all) and the front ends.
    top = os.path.join(root, "engine")
    above = {"engine": [os.path.join(top, f) for f in sorted(os.listdir(top))
                        if f.endswith((".c", ".h"))]}
    for front in ("cli", "ui", "app", "rdpclient"):
        above[front] = list(sources(root, front))
    for front, paths in above.items():
        for path in paths:
            rel = os.path.relpath(path, root)
            for number, header in includes(path):
                layer = owner.get(header)
                if layer is None:
                    continue
                users[header].add(front)
                if header.endswith("-private.h"):
                    findings.append(f"{rel}:{number}: includes {header}, private to engine/{layer}")
    # A folder's public headers: those included from outside it, and what they include.
    public = {h for h, layer in owner.items() if users[h] - {layer}}
    pending = list(public)
    while pending:
        header = pending.pop()
        path = os.path.join(root, "engine", owner[header], header)
        for number, inner in includes(path):
            if owner.get(inner) != owner[header]:
                continue
            if inner.endswith("-private.h"):
                findings.append(f"engine/{owner[header]}/{header}:{number}: a public header "
                                f"includes {inner}, which is private")
            elif inner not in public:
                public.add(inner)
                pending.append(inner)
    for header, layer in sorted(owner.items()):
        if not header.endswith("-private.h") and header not in public:
            findings.append(f"engine/{layer}/{header}:1: only engine/{layer} includes it: "
                            f"name it {header[:-2]}-private.h")
    return findings


def symbols(library):
    """{object: (defined, undefined)} of a static library."""
    out = subprocess.run(["nm", "-A", library], capture_output=True, text=True, check=True).stdout
    objects = collections.defaultdict(lambda: (set(), set()))
    for line in out.splitlines():
        where, _, rest = line.rpartition(":")
        fields = rest.split()
        obj = where.split(":")[-1]
        if len(fields) == 3 and fields[1] in "TDBRV":
            objects[obj][0].add(fields[2])
        elif len(fields) == 2 and fields[0] == "U":
            objects[obj][1].add(fields[1])
    return objects


def circles(graph):
    """The strongly connected components of more than one node (Tarjan)."""
    index, low, stack, on, found, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    sys.setrecursionlimit(100000)
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def module(obj):
    """pier-build.c.o, or build_pier-build.c.o as meson names objects of a subfolder: pier-build."""
    base = obj[:-len(".c.o")] if obj.endswith(".c.o") else obj
    return os.path.basename(base).split("_")[-1]


def check_libraries(libs, layers):
    findings = []
    defined_in = {}  # symbol → (library, module)
    per_lib = {}
    for name, path in libs.items():
        per_lib[name] = symbols(path)
        for obj, (defined, _) in per_lib[name].items():
            for sym in defined:
                defined_in[sym] = (name, module(obj))
    for name, objects in per_lib.items():
        graph = collections.defaultdict(set)
        allowed = (closure(layers, name) if name in layers else set(layers)) | {name}
        for obj, (_, undefined) in objects.items():
            for sym in undefined:
                if sym not in defined_in:
                    continue
                lib, mod = defined_in[sym]
                if lib == name and mod != module(obj):
                    graph[module(obj)].add(mod)
                elif lib != name and lib in layers and lib not in allowed:
                    findings.append(f"{libs[name]}: {module(obj)}.c calls {sym} of engine/{lib}, "
                                    f"which it may not use")
        for component in circles(graph):
            findings.append(f"{libs[name]}: {', '.join(c + '.c' for c in component)} call each "
                            f"other around a circle: move what they share into a file beneath them")
    return findings


WINDOW_HEADER = "pier-window.h"


def check_window_header(root):
    findings = []
    for path in sources(root, "ui"):
        name = os.path.basename(path)
        if name.startswith(("pier-window", "pier-bench.")) or name == "pier-application.c":
            continue
        for number, header in includes(path):
            if header == WINDOW_HEADER:
                findings.append(f"{os.path.relpath(path, root)}:{number}: includes {header}: "
                                f"reach the window through its actions (gtk_widget_activate_action "
                                f"with win.toast, win.back, ...), not its header")
    return findings


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("root")
    parser.add_argument("--layer", action="append", default=[], help="NAME=LOWER,LOWER")
    parser.add_argument("--lib", action="append", default=[], help="NAME=PATH")
    args = parser.parse_args()
    layers = {}
    for spec in args.layer:
        name, _, lowers = spec.partition("=")
        layers[name] = [x for x in lowers.split(",") if x]
    libs = dict(spec.partition("=")[::2] for spec in args.lib)
    findings = check_dag(layers)
    if not findings:
        findings = (check_includes(args.root, layers) + check_libraries(libs, layers)
                    + check_window_header(args.root))
    for f in findings:
        print(f)
    if findings:
        print(f"{len(findings)} finding(s): see docs/ARCHITECTURE.md for the layers",
              file=sys.stderr)
        return 1
    print(f"{len(layers)} layers, {len(libs)} libraries: no include across the layers, no circle")
    return 0


if __name__ == "__main__":
    sys.exit(main())
