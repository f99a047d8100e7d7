#!/usr/bin/env python3
"""Which pointer arguments libvirt's public functions refuse as NULL, read
from libvirt's own source: the argument checks at the top of each entry
point (virCheckNonNullArgGoto, virCheckDomainReturn, ...) in src/libvirt*.c.

The generator decides nullability from this (generator/nullability.py); the
result is committed as generator/libvirt-null-checks.txt so that a build
needs no libvirt source. Regenerate it from a libvirt source tree:

    .venv/bin/python tools/null_checks.py SRC_DIR --write   # e.g. libvirt-9.0.0/src
    .venv/bin/python tools/null_checks.py SRC_DIR           # print, do not write

(`apt-get source --download-only libvirt` fetches Debian's copy, with a
deb-src line for the suite.)
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

OUTPUT = Path(__file__).resolve().parent.parent / "generator" / "libvirt-null-checks.txt"

# A function definition in libvirt's style: the return type on its own line,
# then "name(" at the start of the next one; the body ends at "}" in column 0.
_DEFINITION = re.compile(r"^(vir[A-Za-z0-9_]+)\(", re.MULTILINE)
# Every check that rejects NULL: the argument checks, and the object checks
# (virCheckDomainReturn(domain, -1) rejects NULL as an invalid domain).
# Its indentation tells whether it always runs: libvirt indents by four, so
# a check at four spaces is at the top of the body, deeper ones sit inside
# an if or a switch (e.g. virDomainBlockRebase checks base only for a copy).
_CHECK = re.compile(r"^( *)virCheck(NonNullArg|NonNullArrayArg|NonEmptyStringArg|"
                    r"[A-Z][A-Za-z]*?)(Return|Goto)\(\s*([A-Za-z_][A-Za-z0-9_]*)",
                    re.MULTILINE)
_NOT_NULL_CHECKS = {"NonNullArg", "NonNullArrayArg", "NonEmptyStringArg"}
# Object checks that are not about a handle argument.
_OTHER_CHECKS = {"ReadOnly", "Flags", "FlagsGoto", "PositiveArg", "NonNegativeArg",
                 "NonZeroArg", "ZeroArg", "NullArg", "Expr", "ExprGoto"}


def scan(src: Path, public=None):
    """{function: {argument: check}} for every entry point (only those in
    `public`, libvirt's API, when given: the sources also define private
    ones, such as the migration protocol's steps)."""
    files = sorted(src.glob("libvirt*.c")) + sorted((src / "admin").glob("libvirt-admin.c"))
    found = {}
    for path in files:
        text = path.read_text(errors="replace")
        starts = [m for m in _DEFINITION.finditer(text)]
        for match in starts:
            end = text.find("\n}", match.end())
            body = text[match.end():end]
            checks = {}
            for indent, kind, _how, argument in _CHECK.findall(body):
                if kind in _OTHER_CHECKS:
                    continue
                check = "not-null" if kind in _NOT_NULL_CHECKS else "object"
                if len(indent) > 4:
                    check += "-sometimes"
                # An unconditional check wins over a conditional one.
                if checks.get(argument, "-sometimes").endswith("-sometimes"):
                    checks[argument] = check
            if checks and (public is None or match.group(1) in public):
                found[match.group(1)] = checks
    return found


def render(found, version: str) -> str:
    lines = ["# Pointer arguments libvirt %s refuses as NULL, by its entry points'"
             % version,
             "# own checks (not-null: virCheckNonNull*/NonEmptyString*; object:",
             "# virCheck<Object>Return/Goto; -sometimes: only on some paths, e.g.",
             "# for some flags). Made by tools/null_checks.py: do not edit.",
             "# function argument check"]
    for function in sorted(found):
        for argument, check in sorted(found[function].items()):
            lines.append("%s %s %s" % (function, argument, check))
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("src", type=Path, help="libvirt's src/ directory")
    parser.add_argument("--api-dir", help="libvirt's API XML (default: pkg-config)")
    parser.add_argument("--write", action="store_true",
                        help="write %s" % OUTPUT.name)
    args = parser.parse_args(argv)
    meson = args.src.parent / "meson.build"
    version = "?"
    if meson.exists():
        hit = re.search(r"version:\s*'([0-9.]+)'", meson.read_text())
        version = hit.group(1) if hit else "?"
    sys.path.insert(0, str(OUTPUT.parent.parent))
    from generator.parse import load_api
    public = set(load_api(args.api_dir).functions)
    text = render(scan(args.src, public), version)
    if args.write:
        OUTPUT.write_text(text)
        print("wrote %s (%d checks)" % (OUTPUT, text.count("\n") - 6), file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
