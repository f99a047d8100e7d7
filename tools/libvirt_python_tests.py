#!/usr/bin/env python3
"""Run libvirt-python's own test suite, unmodified, against libvirt-cffi.

    python3 tools/libvirt_python_tests.py [--python PY] [--sdist FILE] [pytest args]

Fetches the PyPI sdist of libvirt-python whose version is the installed
libvirt's (pip download; or --sdist), takes its tests/ directory and runs it
with PY's pytest, from a directory of its own (so nothing but the installed
binding is importable as libvirt), with LIBVIRT_API_COVERAGE=1 so that its
API coverage test runs too, and with the plugin pytest_plugins/
collect_after_each_test.py (a collection after each test on PyPy, where
the connections its tests drop are freed late). Exits with pytest's status.

One file may come from a later release: test_api_coverage.py of
libvirt-python before 10.1.0 maps two libvirt 8.4–9.x functions to names
that libvirt-python's own binding never had (virDomain.restoreParams for
virConnect.restoreParams, virDomain.fDAssociate for virDomain.FDAssociate),
so the reference binding fails it too. 10.1.0 corrected both mappings and
changed nothing else; for an older libvirt that release's file, unmodified,
replaces the matching release's.
"""

from __future__ import annotations

import argparse
import glob
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import Optional

REPO = Path(__file__).resolve().parent.parent
COVERAGE_TEST = "test_api_coverage.py"
# The first libvirt-python whose coverage test maps every function the way
# the binding of its own release names it.
COVERAGE_TEST_CORRECTED_IN = "10.1.0"


# The plugin, alone on PYTHONPATH, so nothing else of this repository is
# importable by the suite.
PLUGIN_DIR = REPO / "tools" / "pytest_plugins"
PLUGIN_ARGS = ["-p", "collect_after_each_test"]


def pytest_env(env: dict) -> dict:
    """env for a pytest run of libvirt-python's tests: only the plugin on
    PYTHONPATH (pass PLUGIN_ARGS too)."""
    return dict(env, PYTHONPATH=str(PLUGIN_DIR))


def libvirt_version() -> str:
    return subprocess.run(["pkg-config", "--modversion", "libvirt"], capture_output=True,
                          text=True, check=True).stdout.strip()


def version_tuple(version: str) -> tuple:
    return tuple(int(part) for part in version.split("."))


def fetch_sdist(python: str, version: str, workdir: Path) -> Path:
    target = workdir / version
    subprocess.run([python, "-m", "pip", "download", "-q", "--no-deps", "--no-binary",
                    ":all:", "-d", str(target), "libvirt-python==%s" % version], check=True)
    # The sdist's name changed to libvirt_python-* in 11.x. (glob.glob, not
    # Path.glob: PyPy 7.3.19's Path.glob finds nothing for this pattern.)
    found = sorted(glob.glob(str(target / "libvirt*python-*.tar.gz")))
    if not found:
        raise FileNotFoundError("pip download left no libvirt-python sdist in %s" % target)
    return Path(found[0])


def extract_tests(sdist: Path, target: Path) -> Path:
    with tarfile.open(sdist) as archive:
        members = [m for m in archive.getmembers()
                   if "/tests/" in m.name and m.isfile() and ".." not in m.name]
        for member in members:
            member.name = member.name.split("/tests/", 1)[1]
        # Plain files only: the "data" filter where tarfile has filters
        # (Python 3.14 warns when none is named).
        extra = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
        archive.extractall(target, members=members, **extra)
    return target


def prepare_suite(python: str, workdir: Path, sdist: Optional[Path] = None) -> Path:
    """libvirt-python's tests/ for the installed libvirt, in workdir/tests,
    with the corrected coverage test where needed (see above)."""
    version = libvirt_version()
    sdist = sdist or fetch_sdist(python, version, workdir)
    tests = extract_tests(sdist, workdir / "tests")
    print("libvirt-python's tests from %s" % sdist.name, flush=True)
    if version_tuple(version) < version_tuple(COVERAGE_TEST_CORRECTED_IN):
        corrected = extract_tests(fetch_sdist(python, COVERAGE_TEST_CORRECTED_IN, workdir),
                                  workdir / "corrected")
        shutil.copyfile(corrected / COVERAGE_TEST, tests / COVERAGE_TEST)
        print("%s from libvirt-python %s (its corrected mappings)"
              % (COVERAGE_TEST, COVERAGE_TEST_CORRECTED_IN), flush=True)
    return tests


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", default=str(REPO / ".venv" / "bin" / "python"))
    parser.add_argument("--sdist", type=Path, default=None,
                        help="the libvirt-python sdist to take tests/ from")
    args, pytest_args = parser.parse_known_args()
    # Absolute, not resolved: a venv's python is a symlink that must stay one.
    args.python = os.path.abspath(args.python)
    with tempfile.TemporaryDirectory(prefix="libvirt-python-tests-") as tmp:
        tests = prepare_suite(args.python, Path(tmp), args.sdist)
        print("running them against %s" % args.python, flush=True)
        env = pytest_env(dict(os.environ, LIBVIRT_API_COVERAGE="1"))
        return subprocess.run([args.python, "-m", "pytest", "-p", "no:cacheprovider"]
                              + PLUGIN_ARGS + ["-q", str(tests)] + pytest_args,
                              cwd=tmp, env=env).returncode


if __name__ == "__main__":
    sys.exit(main())
