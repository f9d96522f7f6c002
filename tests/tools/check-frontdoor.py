#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The front door: files in ui/ and cli/ include, of the engine's headers, only PierEngine's
public set (engine/public-headers.txt). Fails naming each FILE:LINE that includes another.

Usage: check-frontdoor.py SOURCE_ROOT
"""
import os
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


def engine_headers(root):
    headers = set()
    for folder, _, files in os.walk(os.path.join(root, 'engine')):
        headers.update(f for f in files if f.endswith('.h'))
    return headers


def public_set(root):
    path = os.path.join(root, 'engine', 'public-headers.txt')
    with open(path, encoding='utf-8') as f:
        return {line.strip() for line in f if line.strip() and not line.startswith('#')}


def leaks(root, folder, engine, public):
    found = []
    for name in sorted(os.listdir(os.path.join(root, folder))):
        rel = f'{folder}/{name}'
        if not name.endswith(('.c', '.h')):
            continue
        with open(os.path.join(root, rel), encoding='utf-8') as f:
            for number, line in enumerate(f, 1):
                m = INCLUDE.match(line)
                if m and m.group(1) in engine and m.group(1) not in public:
                    found.append(f'{rel}:{number}: includes {m.group(1)}, which is not in '
                                 'PierEngine\'s public set (engine/public-headers.txt): ask '
                                 'PierEngine (engine/pier-engine.h) instead')
    return found


def main():
    root = sys.argv[1]
    engine = engine_headers(root)
    public = public_set(root)
    missing = sorted(h for h in public if h not in engine)
    problems = [f'engine/public-headers.txt names {h}, which no folder of engine/ has'
                for h in missing]
    for folder in ('cli', 'ui'):
        problems += leaks(root, folder, engine, public)
    for line in problems:
        print(line)
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
