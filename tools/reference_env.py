#!/usr/bin/env python3
"""Locate or build the reference binding (PyPI ``libvirt-python``) venv.

The reference and libvirt-cffi both install a top-level ``libvirt``, so the
reference always lives in its own venv and is only ever run as a subprocess.

Venv path: ``--venv``, else $LIBVIRT_REF_VENV, else ``<repo>/.venv-ref``.
The venv is (re)built when its python is missing, ``import libvirt`` fails,
or the installed libvirt-python version differs from the system libvirt
(``pkg-config --modversion libvirt``), since the bindings must describe the
same C API as the headers our generator reads.

CLI: prints the reference python path on stdout, progress on stderr.

    python3 tools/reference_env.py [--venv DIR] [--base-python PY] [--no-build]

Module use:

    import reference_env
    python = reference_env.ensure()          # pathlib.Path
"""

from __future__ import annotations

import argparse
import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Optional

REPO = Path(__file__).resolve().parent.parent
ENV_VAR = "LIBVIRT_REF_VENV"
PACKAGE = "libvirt-python"

# Printed by the probe below: "<version-or-?> <libvirt module file>".
_PROBE = (
    "import libvirt\n"
    "try:\n"
    "    from importlib.metadata import version\n"
    "    v = version('libvirt-python')\n"
    "except Exception:\n"
    "    v = '?'\n"
    "print(v, libvirt.__file__)\n"
)


class ReferenceEnvError(RuntimeError):
    """The reference venv is unusable and could not be (re)built."""


def default_venv() -> Path:
    env = os.environ.get(ENV_VAR)
    return Path(env).expanduser() if env else REPO / ".venv-ref"


def venv_python(venv: Path) -> Path:
    return Path(venv) / "bin" / "python"


def _log(msg: str) -> None:
    print(f"reference_env: {msg}", file=sys.stderr, flush=True)


def _run(cmd: list, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True, **kw)


def _tail(text: str, lines: int = 30) -> str:
    return "\n".join(text.rstrip().splitlines()[-lines:])


def probe(python: Path) -> Optional[str]:
    """Installed libvirt-python version if ``import libvirt`` works, else None."""
    if not Path(python).exists():
        return None
    # -I: never pick up a libvirt/ source tree from the cwd or PYTHONPATH.
    proc = _run([str(python), "-I", "-c", _PROBE])
    if proc.returncode != 0:
        return None
    return proc.stdout.split()[0]


def system_libvirt_version() -> str:
    """Version of the installed libvirt C library (what pip must match)."""
    if shutil.which("pkg-config") is None:
        raise ReferenceEnvError(
            "pkg-config not found; install it (Debian: apt-get install pkg-config libvirt-dev)")
    proc = _run(["pkg-config", "--modversion", "libvirt"])
    if proc.returncode != 0:
        raise ReferenceEnvError(
            "libvirt development files not found by pkg-config; install them "
            "(Debian: apt-get install libvirt-dev)\n" + _tail(proc.stdout))
    return proc.stdout.strip()


def _check_build_prereqs(base_python: str) -> None:
    """Fail early with a readable message instead of a 200-line pip log."""
    cc = os.environ.get("CC", "").split()[:1] or ["cc"]
    if shutil.which(cc[0]) is None and shutil.which("gcc") is None:
        raise ReferenceEnvError(
            "no C compiler found (needed to build libvirt-python); "
            "Debian: apt-get install gcc")
    proc = _run([base_python, "-c",
                 "import sysconfig, os; "
                 "print(os.path.exists(os.path.join("
                 "sysconfig.get_paths()['include'], 'Python.h')))"])
    if proc.returncode != 0:
        raise ReferenceEnvError(f"cannot run base python {base_python}:\n{_tail(proc.stdout)}")
    if proc.stdout.strip() != "True":
        raise ReferenceEnvError(
            f"Python.h not found for {base_python}; install the Python headers "
            "(Debian: apt-get install python3-dev)")


def _lock_path(venv: Path) -> str:
    # Outside the venv (venv --clear would delete it) and outside the repo.
    digest = hashlib.sha1(str(venv).encode()).hexdigest()[:12]
    return os.path.join(tempfile.gettempdir(), f"libvirt-ref-venv-{digest}.lock")


def _build(venv: Path, version: str, base_python: str) -> None:
    _check_build_prereqs(base_python)
    python = venv_python(venv)
    if not python.exists() or _run([str(python), "-c", "pass"]).returncode != 0:
        if venv.exists() and any(venv.iterdir()) and not (venv / "pyvenv.cfg").exists():
            # Refuse to --clear something that is not a venv.
            raise ReferenceEnvError(f"{venv} exists and is not a venv; remove it or pick another path")
        _log(f"creating venv {venv} with {base_python}")
        proc = _run([base_python, "-m", "venv", "--clear", str(venv)])
        if proc.returncode != 0:
            raise ReferenceEnvError(
                f"'{base_python} -m venv {venv}' failed (Debian: apt-get install python3-venv):\n"
                + _tail(proc.stdout))
    _log(f"installing {PACKAGE}=={version} into {venv} (builds from source, ~30 s)")
    proc = _run([str(python), "-m", "pip", "install", "--disable-pip-version-check",
                 "--force-reinstall",  # a half-broken install counts as satisfied
                 f"{PACKAGE}=={version}"])
    if proc.returncode != 0:
        raise ReferenceEnvError(
            f"pip install {PACKAGE}=={version} failed (needs network access to PyPI, "
            "gcc, pkg-config and libvirt-dev):\n" + _tail(proc.stdout))


def ensure(venv: Optional[Path] = None, base_python: Optional[str] = None,
           build: bool = True) -> Path:
    """Return the reference venv's python, building the venv if needed."""
    venv = Path(venv) if venv else default_venv()
    venv = venv.expanduser().absolute()
    python = venv_python(venv)
    installed = probe(python)
    if installed is not None:
        try:
            wanted = system_libvirt_version()
        except ReferenceEnvError:
            return python  # works, and there is nothing to compare against
        if installed == wanted:
            return python
        _log(f"{venv} has {PACKAGE} {installed}, system libvirt is {wanted}: rebuilding")
    if not build:
        raise ReferenceEnvError(f"no usable reference venv at {venv} (and --no-build given)")

    wanted = system_libvirt_version()
    venv.parent.mkdir(parents=True, exist_ok=True)
    # Lock so that tools started in parallel do not build the same venv twice.
    with open(_lock_path(venv), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if probe(python) != wanted:
            _build(venv, wanted, base_python or sys.executable)
    if probe(python) != wanted:
        raise ReferenceEnvError(f"built {venv} but 'import libvirt' still fails there")
    return python


def main(argv: Optional[list] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--venv", type=Path, default=None,
                    help=f"venv directory (default: ${ENV_VAR} or <repo>/.venv-ref)")
    ap.add_argument("--base-python", default=None,
                    help="interpreter used to create the venv (default: this one); "
                         "use the same one as our venv for fair benchmarks")
    ap.add_argument("--no-build", action="store_true",
                    help="only check; fail instead of building")
    args = ap.parse_args(argv)
    try:
        python = ensure(args.venv, args.base_python, build=not args.no_build)
    except ReferenceEnvError as exc:
        print(f"reference_env: error: {exc}", file=sys.stderr)
        return 1
    print(python)
    return 0


if __name__ == "__main__":
    sys.exit(main())
