#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Validates JSON documents against the OCI image-spec schemas (with Debian's python3-jsonschema).

usage: oci-schema-check.py SCHEMA_DIR KIND FILE...
KIND: config, manifest, index or layout. Prints one line per invalid document; exit 1 if any.
"""
import json
import os
import sys

import jsonschema

SCHEMAS = {
    "config": "config-schema.json",
    "manifest": "image-manifest-schema.json",
    "index": "image-index-schema.json",
    "layout": "image-layout-schema.json",
}


def main():
    schema_dir, kind, files = sys.argv[1], sys.argv[2], sys.argv[3:]
    with open(os.path.join(schema_dir, SCHEMAS[kind])) as f:
        schema = json.load(f)

    # The schemas refer to each other by URLs under opencontainers.org; read them from the
    # folder instead, by file name.
    def local(uri):
        with open(os.path.join(schema_dir, uri.rsplit("/", 1)[-1].split("#")[0])) as f:
            return json.load(f)

    resolver = jsonschema.RefResolver.from_schema(schema, handlers={"https": local, "http": local})
    validator = jsonschema.Draft4Validator(schema, resolver=resolver,
                                           format_checker=jsonschema.draft4_format_checker)
    bad = 0
    for path in files:
        with open(path) as f:
            try:
                doc = json.load(f)
            except ValueError as e:
                print(f"{path}: not JSON: {e}")
                bad += 1
                continue
        errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
        for e in errors:
            print(f"{path}: {kind}: {'/'.join(map(str, e.path)) or '(top)'}: {e.message}")
        bad += bool(errors)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
