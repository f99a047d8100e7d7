#!/usr/bin/env python3
"""Run libvirt-python's own test suite, unmodified, against libvirt-cffi.

    python3 tools/libvirt_python_tests.py [--python PY] [--sdist FILE] [pytest args]

Fetches the PyPI sdist of libvirt-python whose version is the installed
libvirt's (pip download; or --sdist), takes its tests/ directory and runs it
with PY's pytest, from a directory of its own (so nothing but the installed
binding is importable as libvirt), with LIBVIRT_API_COVERAGE=1 so that its
API coverage test runs too. Exits with pytest's status.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def libvirt_version() -> str:
    return subprocess.run(["pkg-config", "--modversion", "libvirt"], capture_output=True,
                          text=True, check=True).stdout.strip()


def fetch_sdist(python: str, workdir: str) -> Path:
    version = libvirt_version()
    subprocess.run([python, "-m", "pip", "download", "-q", "--no-deps", "--no-binary",
                    ":all:", "-d", workdir, "libvirt-python==%s" % version], check=True)
    return next(Path(workdir).glob("libvirt-python-*.tar.gz"))


def extract_tests(sdist: Path, workdir: str) -> Path:
    with tarfile.open(sdist) as archive:
        members = [m for m in archive.getmembers()
                   if "/tests/" in m.name and m.isfile() and ".." not in m.name]
        for member in members:
            member.name = member.name.split("/tests/", 1)[1]
        target = Path(workdir) / "tests"
        archive.extractall(target, members=members)
    return target


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", default=str(REPO / ".venv" / "bin" / "python"))
    parser.add_argument("--sdist", type=Path, default=None)
    args, pytest_args = parser.parse_known_args()
    with tempfile.TemporaryDirectory(prefix="libvirt-python-tests-") as workdir:
        sdist = args.sdist or fetch_sdist(args.python, workdir)
        tests = extract_tests(sdist, workdir)
        print("running %s's tests against %s" % (sdist.name, args.python), flush=True)
        env = dict(os.environ, LIBVIRT_API_COVERAGE="1")
        env.pop("PYTHONPATH", None)
        return subprocess.run([args.python, "-m", "pytest", "-p", "no:cacheprovider",
                               "-q", str(tests)] + pytest_args, cwd=workdir, env=env).returncode


if __name__ == "__main__":
    sys.exit(main())
