#!/usr/bin/env python3
"""Runs `meson compile pier-pot` and checks what it extracted into po/pier.pot.

  check-pot.py BUILD_DIR SOURCE_ROOT FILE=MSGID ...

Each FILE=MSGID is a string that must be in pier.pot with FILE among its references: strings
of the engine, of a program's main and of a .ui template, so that a source that falls out of
the extraction (a keyword xgettext no longer knows, a .ui file it cannot read) is noticed.

Prints one line per finding and exits 1 when there is any."""

import ast
import os
import subprocess
import sys


def read_pot(path):
    """{msgid: set of the files its '#:' references name}."""
    entries = {}
    with open(path, encoding='utf-8') as f:
        blocks = f.read().split('\n\n')
    for block in blocks:
        refs, msgid, in_msgid = set(), None, False
        for line in block.splitlines():
            if line.startswith('#: '):
                refs.update(ref.rsplit(':', 1)[0] for ref in line[3:].split())
            elif line.startswith('msgid '):
                msgid, in_msgid = ast.literal_eval(line[len('msgid '):]), True
            elif line.startswith('"') and in_msgid:
                msgid += ast.literal_eval(line)
            else:
                in_msgid = False
        if msgid:
            entries.setdefault(msgid, set()).update(refs)
    return entries


def main():
    build, root, wanted = sys.argv[1], sys.argv[2], sys.argv[3:]
    pot = os.path.join(root, 'po', 'pier.pot')
    if os.path.exists(pot):
        os.unlink(pot)
    run = subprocess.run(['meson', 'compile', '-C', build, 'pier-pot'], capture_output=True,
                         text=True)
    if run.returncode != 0:
        print(f'meson compile -C {build} pier-pot failed:\n{run.stdout}{run.stderr}')
        return 1
    if not os.path.isfile(pot):
        print(f'meson compile -C {build} pier-pot wrote no {pot}')
        return 1
    entries = read_pot(pot)
    findings = []
    for item in wanted:
        source, msgid = item.split('=', 1)
        if msgid not in entries:
            findings.append(f'{pot}: no msgid "{msgid}" (from {source})')
        elif source not in entries[msgid]:
            findings.append(f'{pot}: msgid "{msgid}" is not referenced from {source} '
                            f'(only {", ".join(sorted(entries[msgid]))})')
        else:
            print(f'ok - {source}: "{msgid}"')
    for finding in findings:
        print(finding)
    print(f'{len(entries)} strings in {pot}')
    return 1 if findings else 0


if __name__ == '__main__':
    sys.exit(main())
