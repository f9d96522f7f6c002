#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Checks the translations' sources (po/).

  check-i18n.py potfiles SOURCE_ROOT
  check-i18n.py pot BUILD_DIR SOURCE_ROOT FILE=MSGID ...

potfiles: po/POTFILES.in lists every file with translatable strings, and nothing else. A C
file or header under the source folders that marks a string with _(), N_(), C_() or NC_(), or a
.ui file with a translatable="yes" property, must be listed, else `meson compile pier-pot`
leaves its strings out of pier.pot and no translator ever sees them. A listed file must exist
(xgettext stops at the first one that does not). A name the code looks up, never shown (the row
property a column of pier_column_set_text() reads), is never marked: translated, it would name
no property and the column would stay empty.

pot: `meson compile pier-pot` runs, and each FILE=MSGID is a string in po/pier.pot with FILE
among its references: strings of the engine, of a program's main and of a .ui template, so that
a source that falls out of the extraction (a keyword xgettext no longer knows, a .ui file it
cannot read) is noticed.

Prints one line per finding and exits 1 when there is any."""

import ast
import os
import re
import subprocess
import sys

SOURCE_FOLDERS = ['app', 'cli', 'engine', 'rdpclient', 'resources', 'ui']
# A marker preceded by neither a letter, a digit nor an underscore: g_(...) is not one.
C_MARKER = re.compile(r'(?<![A-Za-z0-9_])(?:N|C|NC)?_\s*\(')
# Comments, which may name the markers without marking anything (string and character literals
# first, so that a "/*" or '"' inside one does not start a comment or a string).
C_COMMENT = re.compile(r'"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'|/\*.*?\*/|//[^\n]*', re.S)
UI_MARKER = re.compile(r'translatable\s*=\s*"yes"')
# pier_column_set_text (COLUMN, ROW_TYPE, PROPERTY, ...) with PROPERTY marked.
MARKED_PROPERTY = re.compile(r'pier_column_set_text\s*\([^,;]+,[^,;]+,\s*(?:N|C|NC)?_\s*\(')


def translatable(path):
    with open(path, encoding='utf-8') as f:
        text = f.read()
    if path.endswith('.ui'):
        return UI_MARKER.search(text) is not None
    code = C_COMMENT.sub(lambda m: m.group(0) if m.group(0)[0] in '"\'' else ' ', text)
    return C_MARKER.search(code) is not None


def marked_properties(root):
    findings = []
    for folder in SOURCE_FOLDERS:
        for dirpath, _dirs, names in os.walk(os.path.join(root, folder)):
            for name in sorted(names):
                if not name.endswith('.c'):
                    continue
                path = os.path.join(dirpath, name)
                with open(path, encoding='utf-8') as f:
                    text = f.read()
                for m in MARKED_PROPERTY.finditer(text):
                    line = text.count('\n', 0, m.start()) + 1
                    findings.append(f'{os.path.relpath(path, root)}:{line}: a column\'s property '
                                    'name is marked for translation: translated, it names no '
                                    'property')
    return findings


def marked_files(root):
    found = set()
    for folder in SOURCE_FOLDERS:
        for dirpath, _dirs, names in os.walk(os.path.join(root, folder)):
            for name in names:
                if name.endswith(('.c', '.h', '.ui')):
                    path = os.path.join(dirpath, name)
                    if translatable(path):
                        found.add(os.path.relpath(path, root))
    return found


def listed_files(root):
    listed = set()
    with open(os.path.join(root, 'po', 'POTFILES.in'), encoding='utf-8') as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith('#'):
                listed.add(line)
    return listed


def check_potfiles(root):
    marked = marked_files(root)
    listed = listed_files(root)
    findings = marked_properties(root)
    for path in sorted(marked - listed):
        findings.append(f'{path}: has translatable strings but po/POTFILES.in does not list it')
    for path in sorted(listed):
        if not os.path.isfile(os.path.join(root, path)):
            findings.append(f'po/POTFILES.in: lists {path}, which does not exist')
    return findings, f'{len(marked)} files with translatable strings, {len(listed)} listed'


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


def check_pot(build, root, wanted):
    pot = os.path.join(root, 'po', 'pier.pot')
    if os.path.exists(pot):
        os.unlink(pot)
    run = subprocess.run(['meson', 'compile', '-C', build, 'pier-pot'], capture_output=True,
                         text=True)
    if run.returncode != 0:
        return [f'meson compile -C {build} pier-pot failed:\n{run.stdout}{run.stderr}'], ''
    if not os.path.isfile(pot):
        return [f'meson compile -C {build} pier-pot wrote no {pot}'], ''
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
    return findings, f'{len(entries)} strings in {pot}'


def main():
    if sys.argv[1] == 'potfiles':
        findings, summary = check_potfiles(sys.argv[2])
    else:
        findings, summary = check_pot(sys.argv[2], sys.argv[3], sys.argv[4:])
    for finding in findings:
        print(finding)
    print(summary)
    return 1 if findings else 0


if __name__ == '__main__':
    sys.exit(main())
