#!/usr/bin/env python3
"""Instructions per call (valgrind's callgrind) of bench_calls.py's calls,
one interpreter against another: counts, not seconds, so they repeat
whatever else the machine is doing, where timings on a busy 2-core machine
vary by tens of percent.

    python3 bench/bench_instructions.py --ours PY --ref PY [--suite core|data]
                                        [--loops 2000]

--ref may be the reference binding or another build of ours (an earlier
commit's venv: an A/B of a change). Each call runs in a process of its own
under callgrind twice, `loops` and 2 x `loops` times after its fixtures and
one untimed call; the difference divided by `loops` is what one call costs,
startup, imports and fixtures cancelled out.
"""

from __future__ import annotations

import argparse
import math
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_calls import CALLS, DATA_CALLS  # noqa: E402

WORKER = Path(__file__).resolve().parent / "_worker.py"

# Run by each interpreter (-I: nothing of this repository is importable,
# so the binding under test is the venv's). argv: worker path, uri, extra
# domains, setup, statement, loops.
SNIPPET = r"""
import sys
worker = {}
exec(open(sys.argv[1]).read(), worker)
ns = worker["make_fixtures"](sys.argv[2], int(sys.argv[3]))
exec(sys.argv[4] or "pass", ns)
code = compile(sys.argv[5], "<stmt>", "exec")
exec(code, ns)
for _ in range(int(sys.argv[6])):
    exec(code, ns)
"""


def instructions(python: str, call, loops: int, extra_domains: int) -> int:
    """Instructions callgrind counted for the whole process."""
    env = dict(os.environ, PYTHONHASHSEED="0")
    proc = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
         python, "-I", "-c", SNIPPET, str(WORKER), "test:///default",
         str(extra_domains), call.setup, call.stmt, str(loops)],
        capture_output=True, text=True, env=env, timeout=1800)
    found = re.search(r"Collected : (\d+)", proc.stderr)
    if proc.returncode != 0 or not found:
        raise RuntimeError("%s %r failed: %s" % (python, call.stmt, proc.stderr[-2000:]))
    return int(found.group(1))


def per_call(python: str, call, loops: int, extra_domains: int) -> float:
    once = instructions(python, call, loops, extra_domains)
    twice = instructions(python, call, 2 * loops, extra_domains)
    return (twice - once) / loops


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ours", required=True, help="interpreter of the build measured")
    parser.add_argument("--ref", required=True, help="interpreter it is compared with")
    parser.add_argument("--suite", choices=("core", "data"), default="core")
    parser.add_argument("--loops", type=int, default=2000)
    args = parser.parse_args()
    if shutil.which("valgrind") is None:
        print("bench_instructions: valgrind is not installed (apt-get install valgrind)",
              file=sys.stderr)
        return 2
    calls = CALLS if args.suite == "core" else DATA_CALLS
    calls = [c for c in calls if not c.stmt.startswith("events.")]  # a thread: not repeatable
    extra = 0 if args.suite == "core" else 1000
    loops = args.loops if args.suite == "core" else max(1, args.loops // 100)
    width = max(len(c.stmt) for c in calls)
    print("ref   %s\nours  %s\n" % (args.ref, args.ours))
    print(f"{'call':<{width}}  {'ref instr':>12}  {'ours instr':>12}  {'ratio':>6}")
    ratios = []
    for call in calls:
        ref = per_call(args.ref, call, loops, extra)
        ours = per_call(args.ours, call, loops, extra)
        ratios.append(ours / ref)
        print(f"{call.stmt:<{width}}  {ref:>12,.0f}  {ours:>12,.0f}  {ours / ref:>6.3f}",
              flush=True)
    mean = math.exp(sum(map(math.log, ratios)) / len(ratios))
    print(f"{'geometric mean':<{width}}  {'':>12}  {'':>12}  {mean:>6.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
