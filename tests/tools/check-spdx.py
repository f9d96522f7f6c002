#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Every file of the repository names its licence in an SPDX-License-Identifier line.

  check-spdx.py SOURCE_ROOT [--fix]

Files come from `git ls-files` (or, outside a git checkout, a walk of the tree). Formats that
cannot hold a comment (JSON, gzip) and test inputs whose bytes or line numbers the tests compare
(Dockerfiles and expected errors under tests/data, fuzz corpora and regressions) are covered by
LICENSE alone. Prints FILE for each file that lacks the line and exits 1; --fix adds it in the
comment syntax of the file's kind, after a #! or <?xml line."""

import os
import subprocess
import sys

LICENSE = 'GPL-3.0-or-later'
TAG = 'SPDX-License-Identifier: '

HASH = ('# ', '')
SLASH = ('/* ', ' */')
MARKUP = ('<!-- ', ' -->')

BY_SUFFIX = {'.c': SLASH, '.h': SLASH, '.css': SLASH, '.sh': HASH, '.py': HASH,
             '.txt': HASH, '.dict': HASH, '.desktop': HASH, '.ui': MARKUP, '.xml': MARKUP,
             '.svg': MARKUP, '.md': MARKUP}
BY_NAME = {'meson.build': HASH, 'Makefile': HASH, '.gitignore': HASH, 'run': HASH,
           'POTFILES.in': HASH, 'LINGUAS': HASH}
# Covered by LICENSE alone: no comment syntax, or inputs the tests read byte for byte.
EXEMPT_SUFFIX = ('.json', '.gz', '.po', '.pot')
EXEMPT_DIRS = ('tests/data/', 'tests/fuzz/corpus/', 'tests/fuzz/regressions')
EXEMPT_FILES = ('LICENSE',)


def files(root):
    try:
        out = subprocess.run(['git', '-C', root, 'ls-files'], check=True,
                             capture_output=True, text=True).stdout
        return [f for f in out.splitlines() if os.path.isfile(os.path.join(root, f))]
    except (OSError, subprocess.CalledProcessError):
        found = []
        for top, dirs, names in os.walk(root):
            dirs[:] = [d for d in dirs if not d.startswith('.') and d != 'build']
            found += [os.path.relpath(os.path.join(top, n), root) for n in names]
        return found


def style(path):
    name = os.path.basename(path)
    if path in EXEMPT_FILES or path.endswith(EXEMPT_SUFFIX) or path.startswith(EXEMPT_DIRS):
        return None
    if name in BY_NAME:
        return BY_NAME[name]
    return BY_SUFFIX.get(os.path.splitext(name)[1], 'unknown')


def fix(full, comment):
    with open(full, encoding='utf-8') as f:
        lines = f.read().splitlines(keepends=True)
    at = 1 if lines and (lines[0].startswith('#!') or lines[0].startswith('<?xml')) else 0
    lines.insert(at, comment[0] + TAG + LICENSE + comment[1] + '\n')
    with open(full, 'w', encoding='utf-8') as f:
        f.writelines(lines)


def main():
    root = sys.argv[1]
    repair = '--fix' in sys.argv[2:]
    missing = 0
    for path in sorted(files(root)):
        comment = style(path)
        if comment is None:
            continue
        full = os.path.join(root, path)
        with open(full, encoding='utf-8', errors='replace') as f:
            head = ''.join(f.readline() for _ in range(3))
        if TAG + LICENSE in head:
            continue
        if comment == 'unknown':
            print(f'{path}: a kind of file this check does not know; give it a comment '
                  'syntax or an exemption in tests/tools/check-spdx.py')
            missing += 1
        elif repair:
            fix(full, comment)
        else:
            print(f'{path}: no "{TAG}{LICENSE}" line in its first three lines')
            missing += 1
    return 1 if missing else 0


if __name__ == '__main__':
    sys.exit(main())
