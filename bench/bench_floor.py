#!/usr/bin/env python3
"""How much of a data-converting call is libvirt itself: for each call, the
reference's whole call, our whole call, and only the libvirt calls ours
makes for it (the raw cffi calls on buffers made beforehand, nothing
converted to Python).

    python3 bench/bench_floor.py [--ours PY] [--ref PY] [--rounds 5]

When "ours, libvirt calls only" is already at or above the reference's whole
call, no Python-side conversion can bring that call to 1.0x: the ratio in the
last column is the floor for a binding that calls libvirt through cffi.
Same method as bench_calls.py: subprocesses alternating, best ns kept.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tools"))
import reference_env  # noqa: E402

# Run by each interpreter; prints {label: best ns}. "only" timings exist
# only where libvirt._core (ours) is importable.
SNIPPET = r"""
import json, sys, timeit, libvirt
conn = libvirt.open("test:///default")
dom = conn.lookupByName("test")
o = dom._o
whole = {
    "blkioParameters()": lambda: dom.blkioParameters(),
    "getCPUStats(False)": lambda: dom.getCPUStats(False),
    "memoryStats()": lambda: dom.memoryStats(),
}
only = {}
try:
    from libvirt import _core
except ImportError:
    pass
else:
    ffi, lib, NULL = _core.ffi, _core.library("libvirt"), _core.ffi.NULL
    PARAMS, INT_P = ffi.typeof("virTypedParameter[]"), ffi.typeof("int *")
    MEMORY = ffi.typeof("virDomainMemoryStatStruct[]")

    # Buffers made once: what is left is the cffi calls themselves.
    count = ffi.new(INT_P, 0)
    lib.virDomainGetBlkioParameters(o, NULL, count, 0)
    blkio_params = ffi.new(PARAMS, count[0])
    ncpus = lib.virDomainGetCPUStats(o, NULL, 0, 0, 0, 0)
    nparams = lib.virDomainGetCPUStats(o, NULL, 0, 0, 1, 0)
    cpu_params = ffi.new(PARAMS, ncpus * nparams)
    stats_nr = libvirt.VIR_DOMAIN_MEMORY_STAT_NR
    memory_stats = ffi.new(MEMORY, stats_nr)

    def blkio():
        lib.virDomainGetBlkioParameters(o, NULL, count, 0)
        lib.virDomainGetBlkioParameters(o, blkio_params, count, 0)
        lib.virTypedParamsClear(blkio_params, count[0])    # its strings

    def cpu():
        ncpus = lib.virDomainGetCPUStats(o, NULL, 0, 0, 0, 0)
        nparams = lib.virDomainGetCPUStats(o, NULL, 0, 0, 1, 0)
        lib.virDomainGetCPUStats(o, cpu_params, nparams, 0, ncpus, 0)

    def memory():
        lib.virDomainMemoryStats(o, memory_stats, stats_nr, 0)

    only = {"blkioParameters()": blkio, "getCPUStats(False)": cpu, "memoryStats()": memory}

def best(function):
    timer = timeit.Timer(function)
    number, _ = timer.autorange()
    return min(timer.repeat(7, number)) / number * 1e9

json.dump({"whole": {k: best(f) for k, f in whole.items()},
           "only": {k: best(f) for k, f in only.items()}}, sys.stdout)
"""


def run(python: str) -> dict:
    out = subprocess.run([python, "-I", "-c", SNIPPET], capture_output=True, text=True,
                         check=True)
    return json.loads(out.stdout)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ours", default=str(REPO / ".venv" / "bin" / "python"))
    parser.add_argument("--ref", default=None)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    pythons = {"reference": args.ref or str(reference_env.ensure()), "ours": args.ours}
    best: dict = {}
    for _ in range(args.rounds):
        for name, python in pythons.items():
            for kind, timings in run(python).items():
                for call, ns in timings.items():
                    key = (name, kind, call)
                    best[key] = min(best.get(key, ns), ns)
    print("%-20s %14s %12s %18s %16s" % ("call", "reference ns", "ours ns",
                                          "ours, libvirt only", "floor ratio"))
    for call in ("blkioParameters()", "getCPUStats(False)", "memoryStats()"):
        ref = best[("reference", "whole", call)]
        only = best[("ours", "only", call)]
        print("%-20s %14.0f %12.0f %18.0f %16.2f"
              % (call, ref, best[("ours", "whole", call)], only, only / ref))
    return 0


if __name__ == "__main__":
    sys.exit(main())
