#!/usr/bin/env python3
"""How long a full build from a clean tree takes: ours (generate + compile,
API and dlopen mode; generate only, ABI mode) next to the reference binding's build from
its PyPI source, on the same machine, in one run.

    python3 bench/build_time.py [--python PY] [--runs N]

Each build is `pip wheel --no-build-isolation --no-deps` into a temporary
directory from a fresh copy of the sources, so nothing is reused between
runs; the median of --runs is printed. PY needs setuptools, wheel, cffi,
lxml and pycparser (the project's .venv has them).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _pip_wheel(python: str, source: str, env: dict) -> float:
    with tempfile.TemporaryDirectory() as out:
        started = time.perf_counter()
        subprocess.run([python, "-m", "pip", "wheel", "-q", "--no-build-isolation",
                        "--no-deps", "--no-cache-dir", "-w", out, source],
                       check=True, env=env, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        return time.perf_counter() - started


def time_ours(python: str, mode: str) -> float:
    with tempfile.TemporaryDirectory() as tree:
        subprocess.run(["git", "-C", str(REPO), "archive", "--format=tar",
                        "-o", os.path.join(tree, "src.tar"), "HEAD"], check=True)
        src = os.path.join(tree, "src")
        os.mkdir(src)
        subprocess.run(["tar", "-xf", os.path.join(tree, "src.tar"), "-C", src], check=True)
        return _pip_wheel(python, src, dict(os.environ, LIBVIRT_CFFI_MODE=mode))


def reference_sdist(python: str, workdir: str) -> str:
    version = subprocess.run(["pkg-config", "--modversion", "libvirt"],
                             capture_output=True, text=True, check=True).stdout.strip()
    subprocess.run([python, "-m", "pip", "download", "-q", "--no-deps",
                    "--no-binary", ":all:", "-d", workdir,
                    "libvirt-python==%s" % version], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return next(str(p) for p in Path(workdir).glob("libvirt-python-*.tar.gz"))


def time_reference(python: str, sdist: str) -> float:
    with tempfile.TemporaryDirectory() as tree:
        subprocess.run(["tar", "-xzf", sdist, "-C", tree], check=True)
        src = next(str(p) for p in Path(tree).iterdir() if p.is_dir())
        return _pip_wheel(python, src, dict(os.environ))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default_python = REPO / ".venv" / "bin" / "python"
    parser.add_argument("--python", default=str(default_python) if default_python.exists()
                        else sys.executable)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as downloads:
        sdist = reference_sdist(args.python, downloads)
        results = {"reference (libvirt-python, C extension)": [],
                   "ours, API mode (generate + compile)": [],
                   "ours, ABI mode (generate only)": [],
                   "ours, dlopen mode (generate + compile)": []}
        for _ in range(args.runs):
            # Interleaved, so a busy moment of the machine hits every side.
            results["reference (libvirt-python, C extension)"].append(
                time_reference(args.python, sdist))
            results["ours, API mode (generate + compile)"].append(
                time_ours(args.python, "api"))
            results["ours, ABI mode (generate only)"].append(time_ours(args.python, "abi"))
            results["ours, dlopen mode (generate + compile)"].append(
                time_ours(args.python, "dlopen"))
    generation = subprocess.run([args.python, "-m", "generator", "--time"], cwd=REPO,
                                capture_output=True, text=True, check=True).stderr.strip()
    print("generating everything from libvirt's XML: " + generation)
    reference = statistics.median(results["reference (libvirt-python, C extension)"])
    print("%-45s %9s %7s" % ("full build from a clean tree", "median s", "ratio"))
    for name, times in results.items():
        median = statistics.median(times)
        print("%-45s %9.1f %7.2f" % (name, median, median / reference))
    return 0


if __name__ == "__main__":
    sys.exit(main())
