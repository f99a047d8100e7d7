"""python -m generator: inspect the model or write what it generates.

  --report            every function: class, Python name, status; then totals
  --emit cdef|python|model-json
                      print the cffi declarations, the wrapper module, or the
                      annotated model as JSON (schema: generator/export.py)
  --emitter E --output DIR
                      run an emitter (generator/emitters.py) into DIR
  --time              how long parsing, annotating and emitting take
  --build-inplace [api|abi]
                      write the generated modules into the source tree's
                      libvirt/ and compile the cffi module there (development)
"""

from __future__ import annotations

import argparse
import sys
import time

from . import emit_cdef, emit_python, emitters, export
from .annotate import annotate
from .build import target_version
from .model import Status, parse_version
from .parse import ApiNotFound, load_api

STATUS_ORDER = list(Status)


def report(api, out=None, since=None) -> None:
    """Every function (with `since`, only those that libvirt release added)."""
    out = out or sys.stdout
    rows = sorted((f for f in api.functions.values()
                   if since is None or f.version == since),
                  key=lambda f: (f.binding.pymodule, f.binding.cls or "", f.name))
    for function in rows:
        b = function.binding
        owner = b.cls or "(module)"
        where = "%s.%s" % (owner, b.pyname) if b.pyname else "-"
        line = "%-44s %-14s %-48s %s" % (function.name, b.pymodule, where, b.status)
        if b.reason:
            line += ": " + b.reason
        out.write(line.rstrip() + "\n")
    counts = {s: 0 for s in STATUS_ORDER}
    for function in rows:
        counts[function.binding.status] = counts.get(function.binding.status, 0) + 1
    heading = "total" if since is None else "libvirt %d.%d.%d added" % since
    out.write("\n%s %d functions: %d generated, %d hand-written done, "
              "%d hand-written pending, %d omitted (as in libvirt-python), "
              "%d left out (types unknown to the generator)"
              % (heading, len(rows) - counts["absent"], counts["generated"],
                 counts["handwritten"], counts["pending"], counts["omitted"],
                 counts["unsupported"]))
    if counts["absent"]:
        # api-xml describes them; this XML is older than they are
        out.write("; %d hand-written for a newer libvirt, left out" % counts["absent"])
    out.write("\n")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m generator", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--api-dir", help="directory holding libvirt*-api.xml "
                        "(default: located with pkg-config; env LIBVIRT_API_XML_DIR)")
    parser.add_argument("--report", action="store_true")
    parser.add_argument("--since", metavar="X.Y.Z",
                        help="with --report: only what this libvirt release added")
    parser.add_argument("--emit", choices=["cdef", "python", "model-json"],
                        help="model-json: the annotated model (schema in generator/export.py)")
    parser.add_argument("--mode", choices=["api", "abi", "dlopen"], default="api",
                        help="the build mode --emit cdef declares for")
    parser.add_argument("--emitter", metavar="NAME|MODULE:CLASS",
                        help="run an emitter (built-in: cdef, python, model-json; or "
                             "a generator.emitters.Emitter subclass) into --output")
    parser.add_argument("--output", metavar="DIR", default=".",
                        help="where --emitter writes (default: the current directory)")
    parser.add_argument("--time", action="store_true")
    parser.add_argument("--build-inplace", nargs="?", const="auto",
                        choices=["auto", "api", "abi", "dlopen"],
                        help="generate and compile into the source tree (default mode: "
                             "as the build chooses)")
    args = parser.parse_args(argv)
    if args.build_inplace:
        mode = None if args.build_inplace == "auto" else args.build_inplace
        print(emitters.build_inplace(mode))
        return 0
    started = time.perf_counter()
    try:
        api = load_api(args.api_dir)
    except ApiNotFound as error:
        parser.error(str(error))
    parsed = time.perf_counter()
    annotate(api)
    annotated = time.perf_counter()
    cdef = emit_cdef.emit_cdef(api, target_version(api, args.mode))
    python = emit_python.emit_module(api, "libvirt")
    emitted = time.perf_counter()
    if args.emit == "cdef":
        sys.stdout.write(cdef)
    elif args.emit == "python":
        sys.stdout.write(python)
    elif args.emit == "model-json":
        sys.stdout.write(export.model_json(api))
    if args.report:
        report(api, since=parse_version(args.since) if args.since else None)
    if args.emitter:
        for path in emitters.load(args.emitter)(args.mode).write(api, args.output):
            sys.stderr.write("wrote %s\n" % path)
    if args.time:
        sys.stderr.write("parse %.3f s, annotate %.3f s, emit %.3f s, total %.3f s\n"
                         % (parsed - started, annotated - parsed,
                            emitted - annotated, emitted - started))
    return 0


if __name__ == "__main__":
    sys.exit(main())
