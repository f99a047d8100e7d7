#!/usr/bin/env python3
"""Compare the public API surface of libvirt-cffi against libvirt-python.

Each binding is introspected in its own interpreter (both install a
top-level ``libvirt``) by tools/_introspect.py, which prints JSON.

    python3 tools/surface_diff.py [--ours PYTHON] [--ref PYTHON] [--fail-on-missing]

Reported per module / class: names ours lacks and names ours adds; then
signature mismatches (parameter names, kinds and defaults, where both sides
are Python functions), constant value mismatches and kind mismatches
(e.g. a class on one side, a function on the other). Names re-exported
from the standard library or modules (typing.Any, libvirtmod, Exception.args)
are listed once but not counted unless --include-imports is given.

Exit status: 0, or 1 with --fail-on-missing when ours lacks any name,
or 2 when an interpreter cannot be run.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Dict, List, Optional

sys.path.insert(0, str(Path(__file__).resolve().parent))
import reference_env  # noqa: E402

# The modules whose surface is compared. Later: "libvirt_qemu", "libvirt_lxc", "libvirtaio".
MODULES = ["libvirt"]

INTROSPECT = Path(__file__).resolve().parent / "_introspect.py"
DEFAULT_OURS = reference_env.REPO / ".venv" / "bin" / "python"
# Kinds that are interchangeable for callers.
CALLABLE_KINDS = {"function", "builtin", "callable"}


def introspect(python: str, modules: List[str]) -> dict:
    """Run _introspect.py in ``python``; -I keeps the repo's libvirt/ off sys.path."""
    proc = subprocess.run([python, "-I", str(INTROSPECT), *modules],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True)
    if proc.returncode != 0:
        raise RuntimeError(f"introspection failed in {python}:\n{proc.stderr.strip()}")
    return json.loads(proc.stdout)


def _scopes(mod: str, surface: dict) -> Dict[str, dict]:
    """Flatten one module into {scope: {name: entry}}: the module and each class."""
    if "error" in surface:
        return {}
    scopes = {mod: surface["names"]}
    for cls, attrs in surface["classes"].items():
        scopes[f"{mod}.{cls}"] = attrs
    return scopes


def _same_kind(a: str, b: str) -> bool:
    return a == b or (a in CALLABLE_KINDS and b in CALLABLE_KINDS)


def compare(ref: dict, ours: dict, modules: List[str], include_imports: bool = False) -> dict:
    """Pure comparison of two introspection dumps (easy to unit-test)."""
    def counted(entries: dict) -> Dict[str, dict]:
        return {n: e for n, e in entries.items() if include_imports or not e["imported"]}

    out = {"missing": {}, "extra": {}, "ignored": {"reference": {}, "ours": {}},
           "signatures": [], "values": [], "kinds": [], "errors": {},
           "sig_compared": 0, "sig_uncomparable": 0, "values_compared": 0,
           "ref_total": 0, "ours_total": 0}
    for mod in modules:
        for side, dump in (("reference", ref), ("ours", ours)):
            if "error" in dump.get(mod, {"error": "not introspected"}):
                out["errors"][f"{side}:{mod}"] = dump.get(mod, {}).get("error", "not introspected")
        rs, os_ = _scopes(mod, ref.get(mod, {"error": ""})), _scopes(mod, ours.get(mod, {"error": ""}))
        for scope in sorted(set(rs) | set(os_)):
            r_all, o_all = rs.get(scope, {}), os_.get(scope, {})
            r, o = counted(r_all), counted(o_all)
            out["ref_total"] += len(r)
            out["ours_total"] += len(o)
            for side, full, kept in (("reference", r_all, r), ("ours", o_all, o)):
                hidden = sorted(set(full) - set(kept))
                if hidden:
                    out["ignored"][side][scope] = hidden
            if set(r) - set(o):
                out["missing"][scope] = sorted(set(r) - set(o))
            if set(o) - set(r):
                out["extra"][scope] = sorted(set(o) - set(r))
            for name in sorted(set(r) & set(o)):
                _compare_entry(out, f"{scope}.{name}", r[name], o[name])
    return out


def _compare_entry(out: dict, qual: str, r: dict, o: dict) -> None:
    if not _same_kind(r["kind"], o["kind"]):
        out["kinds"].append((qual, r["kind"], o["kind"]))
        return
    if r["kind"] == "const":
        out["values_compared"] += 1
        # type name too: True == 1 in Python, but not for a drop-in replacement.
        if (type(r["value"]).__name__, r["value"]) != (type(o["value"]).__name__, o["value"]):
            out["values"].append((qual, r["value"], o["value"]))
    if "sig" in r or "sig" in o:
        both_py = r.get("pyfunc") and o.get("pyfunc")
        if both_py and r.get("sig") is not None and o.get("sig") is not None:
            out["sig_compared"] += 1
            if r["sig"] != o["sig"]:
                out["signatures"].append((qual, r["sig_str"], o["sig_str"]))
        else:
            out["sig_uncomparable"] += 1


def _wrap(names: List[str]) -> str:
    return textwrap.fill(", ".join(names), width=100, initial_indent="    ",
                         subsequent_indent="    ", break_on_hyphens=False)


def render(diff: dict) -> str:
    lines = []
    for key, title in (("missing", "ours lacks"), ("extra", "ours adds")):
        total = sum(len(v) for v in diff[key].values())
        lines.append(f"== {title} ({total}) ==")
        for scope, names in diff[key].items():
            lines.append(f"  {scope} ({len(names)}):")
            lines.append(_wrap(names))
    for side_mod, err in diff["errors"].items():
        lines.append(f"!! cannot import {side_mod}: {err}")
    lines.append(f"== signature mismatches ({len(diff['signatures'])}) ==")
    for qual, r, o in diff["signatures"]:
        lines.append(f"  {qual}: reference {r}  ours {o}")
    lines.append(f"== constant value mismatches ({len(diff['values'])}) ==")
    for qual, r, o in diff["values"]:
        lines.append(f"  {qual}: reference {r!r}  ours {o!r}")
    lines.append(f"== kind mismatches ({len(diff['kinds'])}) ==")
    for qual, r, o in diff["kinds"]:
        lines.append(f"  {qual}: reference {r}  ours {o}")
    for side, scopes in diff["ignored"].items():
        if scopes:
            lines.append(f"not counted (imported), {side}:")
            lines.extend(f"  {scope}: {', '.join(names)}" for scope, names in scopes.items())
    missing = sum(len(v) for v in diff["missing"].values())
    extra = sum(len(v) for v in diff["extra"].values())
    lines.append(f"signatures: compared {diff['sig_compared']}, mismatched {len(diff['signatures'])}, "
                 f"not comparable {diff['sig_uncomparable']}")
    lines.append(f"values: compared {diff['values_compared']}, mismatched {len(diff['values'])}; "
                 f"kind mismatches {len(diff['kinds'])}")
    lines.append(f"surface: reference {diff['ref_total']} names, ours {diff['ours_total']}, "
                 f"missing {missing}, extra {extra}")
    return "\n".join(lines)


def main(argv: Optional[list] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--ours", default=str(DEFAULT_OURS),
                    help="python of the venv with libvirt-cffi installed (default: %(default)s)")
    ap.add_argument("--ref", default=None,
                    help="python of the reference venv (default: tools/reference_env.py)")
    ap.add_argument("--module", action="append", dest="modules",
                    help=f"module to compare, repeatable (default: {' '.join(MODULES)})")
    ap.add_argument("--include-imports", action="store_true",
                    help="also count names re-exported from the stdlib / modules")
    ap.add_argument("--json", metavar="FILE", help="also write the full diff as JSON")
    ap.add_argument("--fail-on-missing", action="store_true",
                    help="exit 1 if ours lacks any reference name")
    args = ap.parse_args(argv)
    modules = args.modules or MODULES

    if not Path(args.ours).exists():
        print(f"surface_diff: ours interpreter {args.ours} not found; "
              "create it (python3 -m venv .venv && .venv/bin/pip install .) or pass --ours",
              file=sys.stderr)
        return 2
    try:
        ref_python = args.ref or str(reference_env.ensure())
        ref, ours = introspect(ref_python, modules), introspect(args.ours, modules)
    except (reference_env.ReferenceEnvError, RuntimeError, OSError) as exc:
        print(f"surface_diff: {exc}", file=sys.stderr)
        return 2

    diff = compare(ref, ours, modules, args.include_imports)
    for label, python, dump in (("reference", ref_python, ref), ("ours", args.ours, ours)):
        files = ", ".join(str(dump[m].get("file")) for m in modules if "file" in dump[m])
        print(f"{label + ':':<11}{python}  ({files or 'no module imported'})")
    print(render(diff))
    if args.json:
        Path(args.json).write_text(json.dumps(diff, indent=1))
    missing = any(diff["missing"].values())
    return 1 if args.fail_on_missing and missing else 0


if __name__ == "__main__":
    sys.exit(main())
