#!/usr/bin/env python3
"""Per-call timing of libvirt-cffi against libvirt-python, same machine, one run.

    python3 bench/bench_calls.py [--ours PY] [--ours-abi PY | --no-abi]
                                 [--ours-dlopen PY | --no-dlopen] [--ref PY]
                                 [--suite core|data] [--no-streams]

Each interpreter runs bench/_worker.py in a subprocess (both bindings install
a top-level ``libvirt``) against ``test:///default``. Workers are run in
several rounds, alternating interpreters, and the best ns/call over all
rounds and repeats is kept, so slow drift of the machine hits every side.
The "noise" column is median/best - 1 of the per-round bests (largest over
the interpreters): per-process variation dominates repeat-to-repeat
variation, so ratios closer to 1.0 than that are not a real difference.

With an ours-dlopen interpreter (dlopen mode) a second table gives its
ns/call against ours (API mode), the ratio dlopen mode is held to.

--suite data also moves 100 MiB through virStream on a private libvirtd
(bench_streams.py), so all the data-heavy ratios print in one run.

To add a benchmark, append a Call to CALLS (or DATA_CALLS: --suite data).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List, NamedTuple, Optional

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))
import reference_env  # noqa: E402

WORKER = Path(__file__).resolve().parent / "_worker.py"
REPO = reference_env.REPO


class Call(NamedTuple):
    stmt: str        # expression or statement; globals: libvirt, conn, pool, dom
    setup: str = ""  # run before each timing batch, untimed


# The benchmarked calls; the statement text is also the table label.
CALLS = [
    Call("conn.getLibVersion()"),
    Call("pool.name()"),
    Call("pool.isActive()"),
    Call("pool.info()"),
    Call("dom.info()"),
    Call("conn.storagePoolLookupByName('default-pool')"),
    Call("conn.listAllDomains()"),  # test domain + --extra-domains defined ones
    Call("pool.XMLDesc(0)"),
]

# Calls that convert much data (run with --suite data: 1,000 extra domains).
DATA_CALLS = [
    Call("conn.getAllDomainStats()"),
    Call("conn.listAllDomains()"),
    Call("dom.getCPUStats(False)"),
    Call("dom.memoryStats()"),
    Call("dom.blkioParameters()"),
    Call("events.roundtrip()"),   # suspend + resume, each event awaited
]

STREAM_MIB, STREAM_ROUNDS = 100, 3       # the data suite's stream transfer

SUITES = {"core": (CALLS, 50), "data": (DATA_CALLS, 1000)}


def run_worker(python: str, config: dict) -> dict:
    # -I: ignore PYTHONPATH/cwd so only the venv's installed libvirt is seen.
    proc = subprocess.run([python, "-I", str(WORKER)], input=json.dumps(config),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True)
    if proc.returncode != 0:
        raise RuntimeError(f"worker failed under {python}:\n{proc.stderr.strip()}")
    return json.loads(proc.stdout)


def bench_calls(modes: Dict[str, str], config: dict, rounds: int) -> Dict[str, dict]:
    """{mode: {"info": worker header, stmt: {"rounds": [[ns, ...], ...], "result"/"error"}}}."""
    merged = {mode: {} for mode in modes}
    order = list(modes)
    for rnd in range(rounds):
        for mode in order[rnd % len(order):] + order[:rnd % len(order)]:  # rotate who goes first
            out = run_worker(modes[mode], config)
            merged[mode]["info"] = {k: v for k, v in out.items() if k != "results"}
            for res in out["results"]:
                slot = merged[mode].setdefault(res["stmt"], {"rounds": []})
                if res.get("ns"):
                    slot["rounds"].append(res["ns"])
                for key in ("result", "error"):
                    if key in res:
                        slot[key] = res[key]
        print(f"  round {rnd + 1}/{rounds} done", file=sys.stderr, flush=True)
    return merged


def _wall(cmd: List[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def _importtime_us(python: str) -> int:
    """Cumulative 'import libvirt' time as reported by -X importtime."""
    proc = subprocess.run([python, "-I", "-X", "importtime", "-c", "import libvirt"],
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          universal_newlines=True, check=True)
    # Lines: "import time: <self us> | <cumulative us> | <indent><module>"
    cumulative = [int(line.split("|")[1]) for line in proc.stderr.splitlines()
                  if line.startswith("import time:") and line.split("|")[2].strip() == "libvirt"]
    if not cumulative:
        raise RuntimeError(f"no 'libvirt' line in -X importtime output of {python}")
    return max(cumulative)


def bench_import(modes: Dict[str, str], samples: int) -> Dict[str, dict]:
    """Median over fresh processes; interpreters interleaved per sample."""
    raw = {mode: {"pass": [], "import": [], "importtime": []} for mode in modes}
    for i in range(samples + 1):  # sample 0 warms the page cache, discarded
        for mode, python in modes.items():
            base = _wall([python, "-I", "-c", "pass"])
            full = _wall([python, "-I", "-c", "import libvirt"])
            itime = _importtime_us(python)
            if i:
                raw[mode]["pass"].append(base)
                raw[mode]["import"].append(full)
                raw[mode]["importtime"].append(itime)
    return {mode: {"wall_ms": (statistics.median(r["import"]) - statistics.median(r["pass"])) * 1e3,
                   "importtime_ms": statistics.median(r["importtime"]) / 1e3,
                   "pass_ms": statistics.median(r["pass"]) * 1e3}
            for mode, r in raw.items()}


IMPORT_ROWS = {"importtime_ms": "-X importtime, cumulative",
               "wall_ms": "wall: 'import libvirt' - 'pass'"}


def _fmt_ns(ns: Optional[float]) -> str:
    return "-" if ns is None else f"{ns:,.1f}"


def _round_noise(rounds: List[List[float]]) -> float:
    """Typical per-process best vs the overall best: what actually moves a
    ratio. Median, so one round disturbed by another process does not count."""
    bests = [min(r) for r in rounds]
    return statistics.median(bests) / min(bests) - 1


def _repeat_noise(rounds: List[List[float]]) -> List[float]:
    """Spread between repeats inside one worker process (median / best - 1)."""
    return [statistics.median(r) / min(r) - 1 for r in rounds]


def _header(modes: Dict[str, str], calls: Dict[str, dict]) -> List[str]:
    lines = []
    for mode, python in modes.items():
        info = calls[mode]["info"]
        lines.append(f"{mode:<10} {python}  (Python {info['python']}, {info['libvirt_file']})")
    if len({calls[m]["info"]["python"] for m in modes}) > 1:
        lines.append("WARNING: interpreters differ in Python version; ratios mix in interpreter speed")
    if len({calls[m]["info"]["lib_version"] for m in modes}) > 1:
        lines.append("WARNING: workers loaded different libvirt C library versions")
    return lines


def _table_head(first: str, unit: str, width: int, others: List[str]) -> str:
    head = f"{first:<{width}}  {'ref ' + unit:>11}"
    for mode in others:
        head += f"  {mode + ' ' + unit:>12}  {'ratio':>6}"
    return head


def _call_table(modes: Dict[str, str], calls: Dict[str, dict], width: int,
                notes: List[str]) -> List[str]:
    others = [m for m in modes if m != "reference"]
    head = _table_head("call", "ns", width, others)
    lines = [head + f"  {'noise':>6}", "-" * (len(head) + 8)]
    ratios = {mode: [] for mode in others}
    repeat_noise = []
    for stmt in (s for s in calls["reference"] if s != "info"):
        slots = {mode: calls[mode].get(stmt, {}) for mode in modes}
        best = {mode: min(map(min, slot["rounds"])) if slot.get("rounds") else None
                for mode, slot in slots.items()}
        notes += [f"{mode}: {stmt}: {slot['error']}" for mode, slot in slots.items() if "error" in slot]
        row = f"{stmt:<{width}}  {_fmt_ns(best['reference']):>11}"
        for mode in others:
            ratio = None
            if best[mode] is not None and best["reference"] is not None:
                ratio = best[mode] / best["reference"]
                ratios[mode].append(ratio)
            row += f"  {_fmt_ns(best[mode]):>12}  {'-' if ratio is None else f'{ratio:.2f}':>6}"
            ref_res = slots["reference"].get("result")
            if "result" in slots[mode] and slots[mode]["result"] != ref_res:
                notes.append(f"{mode}: {stmt} returns {slots[mode]['result']}, "
                             f"reference returns {ref_res}")
        have = [slot["rounds"] for slot in slots.values() if slot.get("rounds")]
        repeat_noise += [x for r in have for x in _repeat_noise(r)]
        lines.append(row + f"  {max(map(_round_noise, have)) * 100:>5.1f}%" if have else row)
    row = f"{'geometric mean':<{width}}  {'':>11}"
    for mode in others:
        gm = math.exp(sum(map(math.log, ratios[mode])) / len(ratios[mode])) if ratios[mode] else None
        row += f"  {'':>12}  {'-' if gm is None else f'{gm:.2f}':>6}"
    lines.append(row)
    if repeat_noise:
        lines.append("noise = median/best of per-round bests (max over interpreters); spread between "
                     f"repeats within a worker: median {statistics.median(repeat_noise) * 100:.1f}%, "
                     f"max {max(repeat_noise) * 100:.1f}%")
    return lines


def _pair_table(calls: Dict[str, dict], base: str, other: str, width: int) -> List[str]:
    """`other` against `base` (not the reference): best ns/call of each."""
    head = f"{'call':<{width}}  {base + ' ns':>12}  {other + ' ns':>16}  {'ratio':>6}"
    lines = [head, "-" * len(head)]
    ratios = []
    for stmt in (s for s in calls["reference"] if s != "info"):
        best = [min(map(min, calls[m][stmt]["rounds"])) if calls[m].get(stmt, {}).get("rounds")
                else None for m in (base, other)]
        ratio = best[1] / best[0] if None not in best else None
        if ratio is not None:
            ratios.append(ratio)
        lines.append(f"{stmt:<{width}}  {_fmt_ns(best[0]):>12}  {_fmt_ns(best[1]):>16}  "
                     f"{'-' if ratio is None else f'{ratio:.3f}':>6}")
    gm = math.exp(sum(map(math.log, ratios)) / len(ratios)) if ratios else None
    lines.append(f"{'geometric mean':<{width}}  {'':>12}  {'':>16}  "
                 f"{'-' if gm is None else f'{gm:.3f}':>6}")
    return lines


def _import_table(modes: Dict[str, str], imports: Dict[str, dict], width: int) -> List[str]:
    others = [m for m in modes if m != "reference"]
    head = _table_head("import libvirt", "ms", width, others)
    lines = [head, "-" * len(head)]
    for key, label in IMPORT_ROWS.items():
        ref = imports["reference"][key]
        row = f"{label:<{width}}  {ref:>11.2f}"
        for mode in others:
            row += f"  {imports[mode][key]:>12.2f}  {imports[mode][key] / ref:>6.2f}"
        lines.append(row)
    lines.append("(interpreter startup, 'python -c pass': "
                 + ", ".join(f"{m} {imports[m]['pass_ms']:.1f} ms" for m in modes) + ")")
    return lines


def report(modes: Dict[str, str], calls: Dict[str, dict], imports: Optional[Dict[str, dict]]) -> str:
    width = max(len(s) for s in list(calls["reference"]) + list(IMPORT_ROWS.values()))
    notes: List[str] = []
    lines = _header(modes, calls) + [""] + _call_table(modes, calls, width, notes)
    if "ours-dlopen" in modes and "ours" in modes:
        lines += [""] + _pair_table(calls, "ours", "ours-dlopen", width)
    if imports:
        lines += [""] + _import_table(modes, imports, width)
    if notes:
        lines += ["", "notes:"] + [f"  {n}" for n in notes]
    return "\n".join(lines)


def main(argv: Optional[list] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--ours", default=str(REPO / ".venv" / "bin" / "python"),
                    help="python with libvirt-cffi in API mode (default: %(default)s)")
    ap.add_argument("--ours-abi", default=None,
                    help="python with libvirt-cffi in ABI mode "
                         "(default: <repo>/.venv-abi/bin/python if it exists)")
    ap.add_argument("--no-abi", action="store_true", help="skip ABI mode")
    ap.add_argument("--ours-dlopen", default=None,
                    help="python with libvirt-cffi in dlopen mode "
                         "(default: <repo>/.venv-dlopen/bin/python if it exists)")
    ap.add_argument("--no-dlopen", action="store_true", help="skip dlopen mode")
    ap.add_argument("--ref", default=None,
                    help="reference python (default: from tools/reference_env.py)")
    ap.add_argument("-k", dest="filters", action="append", default=[],
                    help="only calls whose statement contains this text (repeatable)")
    ap.add_argument("--uri", default="test:///default")
    ap.add_argument("--suite", choices=sorted(SUITES), default="core",
                    help="core: the cheap everyday calls; data: calls converting much "
                         "data, with 1,000 domains (default: %(default)s)")
    ap.add_argument("--extra-domains", type=int, default=None,
                    help="domains defined before timing (default: the suite's)")
    ap.add_argument("--rounds", type=int, default=5,
                    help="worker runs per interpreter (default: %(default)s)")
    ap.add_argument("--repeat", type=int, default=3,
                    help="timed repeats per call per round (default: %(default)s)")
    ap.add_argument("--min-time", type=float, default=0.05,
                    help="seconds per timed repeat, like timeit autorange (default: %(default)s)")
    ap.add_argument("--import-samples", type=int, default=10, help="(default: %(default)s)")
    ap.add_argument("--no-import", action="store_true", help="skip import timing")
    ap.add_argument("--cpu", type=int, default=None, help="pin workers to this CPU")
    ap.add_argument("--json", metavar="FILE", help="also write raw results as JSON")
    ap.add_argument("--no-streams", action="store_true",
                    help="data suite: skip the 100 MiB stream transfer (bench_streams.py)")
    args = ap.parse_args(argv)

    abi = args.ours_abi
    default_abi = REPO / ".venv-abi" / "bin" / "python"
    if abi is None and default_abi.exists():
        abi = str(default_abi)
    dlopen = args.ours_dlopen
    default_dlopen = REPO / ".venv-dlopen" / "bin" / "python"
    if dlopen is None and default_dlopen.exists():
        dlopen = str(default_dlopen)
    modes = {"ours": args.ours, "ours-abi": None if args.no_abi else abi,
             "ours-dlopen": None if args.no_dlopen else dlopen}
    modes = {mode: python for mode, python in modes.items() if python}
    for mode, python in modes.items():  # check before a possibly slow reference build
        if not Path(python).exists():
            print(f"bench_calls: {mode} interpreter {python} not found "
                  "(create it with: python3 -m venv DIR && DIR/bin/pip install .)", file=sys.stderr)
            return 2
    try:
        modes = {"reference": args.ref or str(reference_env.ensure()), **modes}
    except reference_env.ReferenceEnvError as exc:
        print(f"bench_calls: {exc}", file=sys.stderr)
        return 2

    load, cpus = os.getloadavg()[0], os.cpu_count() or 1
    if load > cpus / 2:
        print(f"bench_calls: warning: load average {load:.1f} on {cpus} CPUs, expect noise",
              file=sys.stderr)
    suite_calls, suite_domains = SUITES[args.suite]
    calls = [c for c in suite_calls
             if not args.filters or any(f in c.stmt for f in args.filters)]
    extra_domains = suite_domains if args.extra_domains is None else args.extra_domains
    config = {"uri": args.uri, "extra_domains": extra_domains, "repeat": args.repeat,
              "min_time": args.min_time, "cpu": args.cpu,
              "calls": [c._asdict() for c in calls]}
    try:
        results = bench_calls(modes, config, args.rounds)
        imports = None if args.no_import else bench_import(modes, args.import_samples)
    except (RuntimeError, subprocess.CalledProcessError) as exc:
        print(f"bench_calls: {exc}", file=sys.stderr)
        return 2
    print(report(modes, results, imports))
    if args.suite == "data" and not args.no_streams:
        # The stream transfer needs the real storage driver: a private libvirtd.
        import bench_streams
        best = bench_streams.measure({"reference": modes["reference"], "ours": modes["ours"]},
                                     STREAM_MIB, STREAM_ROUNDS)
        print()
        print(bench_streams.report(best, STREAM_MIB, STREAM_ROUNDS))
    if args.json:
        Path(args.json).write_text(json.dumps(
            {"modes": modes, "config": config, "calls": results, "imports": imports}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
