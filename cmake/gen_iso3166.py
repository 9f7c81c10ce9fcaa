#!/usr/bin/env python3
"""Generate plugin/src/iso3166_tables.c from Debian's iso-codes JSON.

The library checks ISO 3166-1 alpha-2 country codes and ISO 3166-2
subdivision codes against sorted, fixed-width C tables so that lookups are
a bsearch with no allocation and no data files at run time.  This script
reads iso_3166-1.json and iso_3166-2.json from the iso-codes project
(Debian package "iso-codes", /usr/share/iso-codes/json by default, or the
data/ folder of the upstream git repository at a release tag) and writes
the tables, with the release as a C string lab_iso3166_version ("iso-codes
4.20.1").  It is run by hand when iso-codes is updated; the output is
committed.  Python 3 standard library only.

Withdrawn subdivisions: ISO 3166-2 drops and renumbers codes (FR-75 became
FR-75C in 2021, Kazakhstan and Guatemala moved to numeric codes, Latvia
merged its municipalities).  Supplier data written before such a change
still carries the old code, which named a real subdivision when it was
written, and between iso-codes 4.15.0 and 4.20.1 no code changed its
meaning (every code in both names the same place; only spellings moved).
So each --keep-from release adds the codes it lists that the --json-dir
release no longer does: the table is the union, a code is "known" if any
of those releases listed it, and the generated file lists the kept codes
in a comment.  Countries are not merged that way: a kept
subdivision of a country missing from the current ISO 3166-1 list is
dropped with a warning, since a withdrawn alpha-2 code may be reassigned.

The committed table was made from iso-codes 4.20.1 (the v4.20.1 tag of
the upstream repository; its data/ is what `git show v4.20.1:data/...`
prints), keeping the codes of 4.15.0 (Debian's 4.15.0-1), with

    gen_iso3166.py --json-dir DIR_4_20_1 --version 4.20.1 \
        --keep-from 4.15.0=/usr/share/iso-codes/json

Usage: gen_iso3166.py [--json-dir DIR] [--version VERSION]
                      [--keep-from VERSION=DIR ...] [--out FILE]
"""

import argparse
import json
import os
import re
import subprocess
import sys
import textwrap

DEFAULT_JSON_DIR = "/usr/share/iso-codes/json"
COUNTRY_RE = re.compile(r"^[A-Z]{2}$")
SUBDIV_RE = re.compile(r"^[A-Z]{2}-[A-Z0-9]{1,3}$")
SUBDIV_WIDTH = 7  # "XX-YYY" plus the terminating NUL


def debian_version(package):
    """The installed Debian version of a package, or None."""
    try:
        out = subprocess.run(
            ["dpkg-query", "-W", "-f=${Version}", package],
            check=True,
            capture_output=True,
            text=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return None
    return out.stdout.strip() or None


def c_string(text):
    """A C string literal holding the UTF-8 bytes of text, ASCII-only.

    Non-ASCII bytes become three-digit octal escapes, which (unlike hex
    escapes) cannot swallow a following character.
    """
    parts = ['"']
    for byte in text.encode("utf-8"):
        ch = chr(byte)
        if ch in ('"', "\\"):
            parts.append("\\" + ch)
        elif 0x20 <= byte < 0x7F:
            parts.append(ch)
        else:
            parts.append("\\%03o" % byte)
    parts.append('"')
    return "".join(parts)


def fill(items, indent="    ", width=80):
    """Lines of items separated by spaces, each line at most width columns."""
    lines = []
    line = ""
    for item in items:
        if line and len(indent) + len(line) + 1 + len(item) > width:
            lines.append(indent + line)
            line = ""
        line = item if not line else line + " " + item
    if line:
        lines.append(indent + line)
    return lines


def load_countries(json_dir):
    """{alpha-2 code: English short name} from iso_3166-1.json."""
    with open(os.path.join(json_dir, "iso_3166-1.json"), encoding="utf-8") as f:
        countries = json.load(f)["3166-1"]
    names = {}
    for entry in countries:
        code = entry["alpha_2"]
        if not COUNTRY_RE.match(code):
            sys.exit("unexpected alpha-2 code %r" % code)
        if code in names:
            sys.exit("duplicate alpha-2 code %r" % code)
        names[code] = entry["name"]
    return names


def load_subdivisions(json_dir, names):
    """The set of subdivision codes in iso_3166-2.json.

    Only "code" is read, so the other fields may change between releases
    ("parent" gained its country prefix in 4.16.0).  A code of a country
    that is not in names is returned in a second set.
    """
    with open(os.path.join(json_dir, "iso_3166-2.json"), encoding="utf-8") as f:
        subdivisions = json.load(f)["3166-2"]
    codes = set()
    orphans = set()
    for entry in subdivisions:
        code = entry["code"]
        if not SUBDIV_RE.match(code):
            sys.exit("unexpected subdivision code %r" % code)
        if code in codes or code in orphans:
            sys.exit("duplicate subdivision code %r" % code)
        (codes if code[:2] in names else orphans).add(code)
    return codes, orphans


def ascii_sorted(codes):
    # Sorting by the bytes matches memcmp over NUL-padded keys.
    return sorted(codes, key=lambda c: c.encode("ascii"))


def render(names, codes, kept, version, kept_versions):
    """The C file: codes is the whole subdivision table, kept the part of it
    that only the releases kept_versions list."""
    country_codes = ascii_sorted(names)
    subdiv_codes = ascii_sorted(codes)
    label = "iso-codes " + version
    out = []
    out.append("/*")
    out.append(" * iso3166_tables.c - GENERATED by cmake/gen_iso3166.py; do "
               "not edit.")
    text = ("ISO 3166-1 alpha-2 country codes with English short names and "
            "ISO 3166-2 subdivision codes, sorted for bsearch, from %s "
            "(iso_3166-1.json, iso_3166-2.json)." % label)
    if kept_versions:
        text += ("  The subdivisions also include the %d codes that "
                 "iso-codes %s listed and %s has withdrawn, so that older "
                 "data still validates."
                 % (len(kept), ", ".join(kept_versions), version))
    text += "  ident.c declares and uses them."
    out.extend(" * " + line for line in textwrap.wrap(text, width=73))
    out.append(" */")
    out.append("")
    out.append("#include <stddef.h>")
    out.append("")
    out.append("extern const char lab_iso3166_version[];")
    out.append("extern const char lab_iso3166_1_codes[][3];")
    out.append("extern const char *const lab_iso3166_1_names[];")
    out.append("extern const size_t lab_iso3166_1_count;")
    out.append("extern const char lab_iso3166_2_codes[][%d];" % SUBDIV_WIDTH)
    out.append("extern const size_t lab_iso3166_2_count;")
    out.append("")
    out.append("/* The iso-codes release the tables come from. */")
    out.append("const char lab_iso3166_version[] = %s;" % c_string(label))
    out.append("")
    out.append("/* %d countries, sorted by code. */" % len(country_codes))
    out.append("const char lab_iso3166_1_codes[][3] = {")
    for i in range(0, len(country_codes), 12):
        row = ", ".join('"%s"' % c for c in country_codes[i:i + 12])
        out.append("    %s," % row)
    out.append("};")
    out.append("")
    out.append("/* English short names, parallel to lab_iso3166_1_codes "
               "(UTF-8). */")
    out.append("const char *const lab_iso3166_1_names[] = {")
    for code in country_codes:
        out.append("    /* %s */ %s," % (code, c_string(names[code])))
    out.append("};")
    out.append("")
    out.append("const size_t lab_iso3166_1_count = %d;" % len(country_codes))
    out.append("")
    if kept:
        out.append("/*")
        out.append(" * Withdrawn since iso-codes %s and kept in the table "
                   "below (%d):" % (", ".join(kept_versions), len(kept)))
        out.extend(fill(ascii_sorted(kept), indent=" * ", width=79))
        out.append(" */")
    out.append("/* %d subdivisions, sorted by code, NUL-padded. */"
               % len(subdiv_codes))
    # Codes of mixed widths: clang-format would re-pack them into columns,
    # so the table keeps the generator's plain filled layout.
    out.append("/* clang-format off */")
    out.append("const char lab_iso3166_2_codes[][%d] = {" % SUBDIV_WIDTH)
    out.extend(fill(['"%s",' % c for c in subdiv_codes]))
    out.append("};")
    out.append("/* clang-format on */")
    out.append("")
    out.append("const size_t lab_iso3166_2_count = %d;" % len(subdiv_codes))
    out.append("")
    return "\n".join(out)


def keep_from(text):
    """Parses a --keep-from argument, VERSION=DIR."""
    version, sep, json_dir = text.partition("=")
    if not sep or not version or not json_dir:
        raise argparse.ArgumentTypeError("expected VERSION=DIR, got %r" % text)
    return version, json_dir


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json-dir", default=DEFAULT_JSON_DIR,
                        help="the current release's JSON files")
    parser.add_argument("--version",
                        help="its iso-codes version, e.g. 4.20.1 (default: "
                        "ask dpkg, for the default --json-dir only)")
    parser.add_argument("--keep-from", type=keep_from, action="append",
                        default=[], metavar="VERSION=DIR",
                        help="an older release whose withdrawn subdivision "
                        "codes stay in the table (repeatable)")
    parser.add_argument("--out", default=os.path.join(
        here, "..", "plugin", "src", "iso3166_tables.c"))
    args = parser.parse_args()

    version = args.version
    if not version and os.path.realpath(args.json_dir) == \
            os.path.realpath(DEFAULT_JSON_DIR):
        version = debian_version("iso-codes")
    if not version:
        sys.exit("cannot tell the iso-codes version; pass --version")

    names = load_countries(args.json_dir)
    codes, orphans = load_subdivisions(args.json_dir, names)
    if orphans:
        sys.exit("subdivisions of unknown countries: %s"
                 % " ".join(ascii_sorted(orphans)))
    current = set(codes)
    kept = set()
    for old_version, old_dir in args.keep_from:
        old, old_orphans = load_subdivisions(old_dir, names)
        withdrawn = old - current
        added = current - old
        print("iso-codes %s -> %s: %d subdivision codes added, %d withdrawn"
              % (old_version, version, len(added), len(withdrawn)),
              file=sys.stderr)
        for code in ascii_sorted(old_orphans):
            print("warning: not keeping %s: its country is no longer in "
                  "ISO 3166-1" % code, file=sys.stderr)
        kept |= withdrawn
    codes |= kept
    kept_versions = [v for v, _ in args.keep_from]
    with open(args.out, "w", encoding="ascii", newline="\n") as f:
        f.write(render(names, codes, kept, version, kept_versions))


if __name__ == "__main__":
    main()
