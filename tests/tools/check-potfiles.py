#!/usr/bin/env python3
"""Checks that po/POTFILES.in lists every file with translatable strings, and nothing else.

  check-potfiles.py SOURCE_ROOT

A C file or header under the source folders that marks a string with _(), N_(), C_() or NC_(),
or a .ui file with a translatable="yes" property, must be listed, else `meson compile pier-pot`
leaves its strings out of pier.pot and no translator ever sees them. A listed file must exist
(xgettext stops at the first one that does not).

Prints one line per finding, naming the file, and exits 1 when there is any."""

import os
import re
import sys

SOURCE_FOLDERS = ['app', 'cli', 'engine', 'rdpclient', 'resources', 'ui']
# A marker preceded by neither a letter, a digit nor an underscore: g_(...) is not one.
C_MARKER = re.compile(r'(?<![A-Za-z0-9_])(?:N|C|NC)?_\s*\(')
# Comments, which may name the markers without marking anything (string and character literals
# first, so that a "/*" or '"' inside one does not start a comment or a string).
C_COMMENT = re.compile(r'"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'|/\*.*?\*/|//[^\n]*', re.S)
UI_MARKER = re.compile(r'translatable\s*=\s*"yes"')


def translatable(path):
    with open(path, encoding='utf-8') as f:
        text = f.read()
    if path.endswith('.ui'):
        return UI_MARKER.search(text) is not None
    code = C_COMMENT.sub(lambda m: m.group(0) if m.group(0)[0] in '"\'' else ' ', text)
    return C_MARKER.search(code) is not None


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


def main():
    root = sys.argv[1]
    marked = marked_files(root)
    listed = listed_files(root)
    findings = []
    for path in sorted(marked - listed):
        findings.append(f'{path}: has translatable strings but po/POTFILES.in does not list it')
    for path in sorted(listed):
        if not os.path.isfile(os.path.join(root, path)):
            findings.append(f'po/POTFILES.in: lists {path}, which does not exist')
    for finding in findings:
        print(finding)
    print(f'{len(marked)} files with translatable strings, {len(listed)} listed')
    return 1 if findings else 0


if __name__ == '__main__':
    sys.exit(main())
