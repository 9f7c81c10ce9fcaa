#!/usr/bin/env python3
"""check_schemas.py - validates labaudit's JSON outputs against the
schemas in plugin/schemas/ with Python's jsonschema (draft 2020-12), an
implementation labaudit does not otherwise use.

    check_schemas.py SCHEMA-DIR [--require K1,K2 | --all-except K1,K2] FILE...

Each FILE is named KIND.anything.json; it must say "format":
"labaudit.KIND/1" and be valid against KIND.schema.json.  Every schema is
checked against the metaschema.  --require names the kinds that must have
been checked; --all-except requires every schema but those (which other
tests check: pg_ledger.sh, http_refresh.sh).  Prints ok/FAIL lines; exit
1 on any failure.
"""
import json
import os
import sys

from jsonschema import Draft202012Validator


def load_schemas(folder):
    schemas = {}
    for name in sorted(os.listdir(folder)):
        if name.endswith(".schema.json"):
            s = json.load(open(os.path.join(folder, name)))
            Draft202012Validator.check_schema(s)
            schemas[name[: -len(".schema.json")]] = s
    return schemas


def check(schemas, docs):
    fails, seen = 0, set()
    for doc in docs:
        kind = os.path.basename(doc).split(".")[0]
        if kind not in schemas:
            print("FAIL %s: no schema %s.schema.json" % (doc, kind))
            fails += 1
            continue
        d = json.load(open(doc))
        want = "labaudit.%s/1" % kind
        errors = list(Draft202012Validator(schemas[kind]).iter_errors(d))
        if d.get("format") != want:
            print("FAIL %s: format %r, expected %r" % (doc, d.get("format"), want))
            fails += 1
        elif errors:
            for e in errors[:5]:
                print("FAIL %s: %s at /%s" % (doc, e.message, "/".join(map(str, e.absolute_path))))
            fails += 1
        else:
            print("ok   %s is a valid %s" % (doc, want))
            seen.add(kind)
    return fails, seen


def main(argv):
    folder, args = argv[1], argv[2:]
    schemas = load_schemas(folder)
    required = None
    if args and args[0] in ("--require", "--all-except"):
        named = set(filter(None, args[1].split(",")))
        unknown = named - set(schemas)
        if unknown:
            print("FAIL no schema for: %s" % ", ".join(sorted(unknown)))
            return 1
        required = named if args[0] == "--require" else set(schemas) - named
        args = args[2:]
    fails, seen = check(schemas, args)
    missing = (required or set()) - seen
    if missing:
        print("FAIL no output checked against: %s" % ", ".join(sorted(missing)))
        fails += 1
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
