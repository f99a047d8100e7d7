#!/usr/bin/env python3
"""Build the three artifacts users get and prove each where they install it.

    python3 tools/check_dist.py [--platforms host,bullseye,trixie,sid,runtime]
                                [--work DIR]                  (as root)

1. The description: the newest libvirt API description among the host and
   the platform chroots (scripts/matrix.sh --prepare-only makes them).
2. sdist: `python -m build --sdist` from it (LIBVIRT_API_XML_DIR), twice
   with the same SOURCE_DATE_EPOCH: the same bytes.
3. pure wheel (ABI mode, py3-none-any): from the sdist, twice: the same bytes.
4. compiled wheels (dlopen mode): from the sdist, the abi3 one for CPython in
   a build chroot with the oldest glibc (Debian 11) and no libvirt-dev; one
   for the host's PyPy; each twice: the same bytes.
5. offline: the host builds the sdist's wheel with no network (unshare -n).
6. installs: each artifact into a new venv on each platform: the host
   (Debian 12), the chroots bullseye, trixie, sid (libvirt 7.0, 11.3, 12.8)
   and `runtime`, a Debian 11 chroot with only python3, python3-venv and
   libvirt0. There the suite's test:///default tests (tests/test_mock_*.py
   of the sdist) run against the installed package.
   And a pure wheel made from the host's older description (libvirt 9.0's)
   into sid (12.8).
7. swap: a venv where a package requiring libvirt-python is installed takes
   ours in its place (README, "Replacing libvirt-python").

Prints one table (artifact x platform) and exits 1 if anything failed.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path
from typing import Dict, List, Optional

REPO = Path(__file__).resolve().parent.parent
CACHE = Path(os.environ.get("MATRIX_CACHE", "/var/cache/libvirt-cffi-matrix"))
EPOCH = os.environ.get("SOURCE_DATE_EPOCH") or subprocess.run(
    ["git", "-C", str(REPO), "log", "-1", "--format=%ct"],
    capture_output=True, text=True).stdout.strip() or "1700000000"
CHROOT_PLATFORMS = ["bullseye", "trixie", "sid"]
RUNTIME_SUITE = "bullseye"      # the oldest: libvirt 7.0, Python 3.9, glibc 2.31
RUNTIME_PACKAGES = ["python3", "python3-venv", "libvirt0"]
BUILD_PACKAGES = ["gcc", "libc6-dev", "python3-dev"]    # and no libvirt-dev
CHROOT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
# pkg-config finds no libvirt: a build on the host must not read its headers.
NO_LIBVIRT_DEV = {"PKG_CONFIG_LIBDIR": "/nonexistent"}


def log(message: str) -> None:
    print("== " + message, flush=True)


def run(command: List[str], env: Optional[Dict[str, str]] = None, check: bool = True,
        timeout: int = 1800, cwd: Optional[Path] = None) -> subprocess.CompletedProcess:
    result = subprocess.run(command, env=env, capture_output=True, text=True,
                            timeout=timeout, cwd=cwd)
    if check and result.returncode != 0:
        raise RuntimeError("%s exited %d:\n%s%s" % (
            " ".join(command)[:300], result.returncode, result.stdout[-4000:],
            result.stderr[-4000:]))
    return result


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def only_file(directory: Path, pattern: str = "*") -> Path:
    found = sorted(directory.glob(pattern))
    if len(found) != 1:
        raise RuntimeError("expected one %s in %s, found %s" % (pattern, directory, found))
    return found[0]


# --- chroots ----------------------------------------------------------------------

def mirror() -> str:
    try:
        for line in open("/etc/apt/sources.list.d/debian.sources"):
            if line.startswith("URIs:"):
                return line.split()[1]
    except OSError:
        pass
    return "http://deb.debian.org/debian"


@contextlib.contextmanager
def mounted(root: Path):
    """What pip, apt and libvirt need in a chroot; unmounted on the way out."""
    mounts = []
    try:
        for source, target, options in ((str(root), root, ["--bind"]),
                                        ("proc", root / "proc", ["-t", "proc"]),
                                        ("/dev", root / "dev", ["--bind"]),
                                        ("sys", root / "sys", ["-t", "sysfs"])):
            run(["mount", *options, source, str(target)])
            mounts.append(target)
        yield
    finally:
        for target in reversed(mounts):
            subprocess.run(["umount", "-l", str(target)])


def chroot_env() -> List[str]:
    """A clean environment plus the host's proxy and pip settings."""
    env = ["HOME=/root", "LANG=C.UTF-8", "PATH=" + CHROOT_PATH]
    env += ["%s=%s" % (k, v) for k, v in sorted(os.environ.items())
            if k.startswith("PIP_") or k.lower() in ("http_proxy", "https_proxy", "no_proxy")]
    return env


def in_chroot(root: Optional[Path], script: str, env: Optional[Dict[str, str]] = None,
              check: bool = True) -> subprocess.CompletedProcess:
    """bash -c script, in the chroot (or on the host for None)."""
    extra = ["%s=%s" % item for item in sorted((env or {}).items())]
    if root is None:
        environment = dict(os.environ, **(env or {}))
        return run(["bash", "-c", script], env=environment, check=check)
    return run(["chroot", str(root), "env", "-i", *chroot_env(), *extra,
                "bash", "-c", script], check=check)


def pip_trust(root: Path) -> None:
    """pip reaches the index only with the host's configuration and CAs."""
    shutil.copy("/etc/ssl/certs/ca-certificates.crt", root / "etc/ssl/certs/")
    if os.path.exists("/etc/pip.conf"):
        shutil.copy("/etc/pip.conf", root / "etc/")


def runtime_chroot() -> Path:
    """Debian 11 with python3, python3-venv and libvirt0 and nothing to build with."""
    root = CACHE / ("runtime-" + RUNTIME_SUITE)
    if not (root / ".dist-ready").exists():
        log("debootstrap %s (runtime only) into %s" % (RUNTIME_SUITE, root))
        shutil.rmtree(root, ignore_errors=True)
        run(["debootstrap", "--variant=minbase", "--include=" + ",".join(RUNTIME_PACKAGES),
             RUNTIME_SUITE, str(root), mirror()], timeout=3600)
        (root / ".dist-ready").touch()
    pip_trust(root)
    return root


def build_chroot(runtime: Path) -> Path:
    """The runtime chroot plus a compiler and Python's headers: no libvirt-dev."""
    root = CACHE / ("build-" + RUNTIME_SUITE)
    if not (root / ".dist-ready").exists():
        log("making the build chroot %s" % root)
        shutil.rmtree(root, ignore_errors=True)
        run(["cp", "-a", str(runtime), str(root)])
        (root / ".dist-ready").unlink()
        with mounted(root):
            in_chroot(root, "apt-get -q update && DEBIAN_FRONTEND=noninteractive "
                      "apt-get install -y -q --no-install-recommends " + " ".join(BUILD_PACKAGES))
        (root / ".dist-ready").touch()
    pip_trust(root)
    return root


def lacks_build_tools(root: Path) -> Optional[str]:
    """None, or what the runtime-only chroot wrongly has."""
    found = in_chroot(root, "for t in gcc cc pkg-config; do command -v $t; done; "
                      "ls -d /usr/include/libvirt 2>/dev/null", check=False).stdout.split()
    return ", ".join(found) or None


# --- building ---------------------------------------------------------------------

def description_version(python: str, directory: Path):
    """generator.sources' reading of a description's release (in the build
    venv: the generator needs lxml)."""
    code = ("import sys; sys.path.insert(0, sys.argv[1]); "
            "from generator.sources import description_version as v; "
            "print(*v({'libvirt': sys.argv[2]}))")
    out = run([python, "-c", code, str(REPO), str(directory / "libvirt-api.xml")]).stdout
    return tuple(int(part) for part in out.split())


def newest_description(python: str, platforms: List[str]) -> Path:
    candidates = [Path("/usr/share/libvirt/api")]
    candidates += [CACHE / p / "usr/share/libvirt/api" for p in platforms if p in CHROOT_PLATFORMS]
    found = [(description_version(python, c), c)
             for c in candidates if (c / "libvirt-api.xml").exists()]
    if not found:
        raise RuntimeError("no libvirt API description on the host or in the chroots")
    version, path = max(found)
    log("the newest description: libvirt %d.%d.%d's, in %s" % (tuple(version) + (path,)))
    return path


def twice(build, name: str, results: Dict[str, str]) -> Optional[Path]:
    """Build twice with the same SOURCE_DATE_EPOCH; record whether the bytes
    agree (or that the build failed: None)."""
    try:
        first, second = build(1), build(2)
    except RuntimeError as error:
        results["%s: build" % name] = "FAILED: %s" % str(error)[-600:].replace("\n", " ")
        return None
    same = sha256(first) == sha256(second)
    results["%s: rebuild" % name] = ("same bytes (sha256 %s)" % sha256(first)[:16] if same
                                     else "DIFFERENT: %s vs %s" % (sha256(first)[:16],
                                                                   sha256(second)[:16]))
    return first


def host_build_python(work: Path, python: str, name: str) -> str:
    """A venv with the build tools (no isolation: the offline build uses it too)."""
    venv = work / name
    if not (venv / "bin/python").exists():
        run([python, "-m", "venv", str(venv)])
        run([str(venv / "bin/pip"), "install", "-q", "--disable-pip-version-check",
             "build", "setuptools>=61", "wheel", "cffi>=1.15", "lxml", "pycparser"])
    return str(venv / "bin/python")


def build_sdist(work: Path, python: str, description: Path, index: int) -> Path:
    out = work / ("sdist-%d" % index)
    shutil.rmtree(out, ignore_errors=True)
    tree = work / ("tree-%d" % index)      # the committed HEAD, as CI sees it
    shutil.rmtree(tree, ignore_errors=True)
    run(["git", "clone", "-q", str(REPO), str(tree)])
    run(["git", "-C", str(tree), "checkout", "-q", "--detach",
         run(["git", "-C", str(REPO), "rev-parse", "HEAD"]).stdout.strip()])
    env = dict(os.environ, SOURCE_DATE_EPOCH=EPOCH, LIBVIRT_API_XML_DIR=str(description))
    run([python, "-m", "build", "--sdist", "--no-isolation", "-o", str(out), str(tree)], env=env)
    return only_file(out, "*.tar.gz")


def unpack(sdist: Path, target: Path) -> Path:
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    with tarfile.open(sdist) as archive:
        archive.extractall(target)
    return only_file(target)


def build_wheel_on_host(work: Path, python: str, sdist: Path, mode: str, index: int,
                        offline: bool = False) -> Path:
    tree = unpack(sdist, work / ("wheel-src-%s-%d" % (mode, index)))
    out = work / ("wheel-%s-%d" % (mode, index))
    shutil.rmtree(out, ignore_errors=True)
    env = dict(os.environ, SOURCE_DATE_EPOCH=EPOCH, LIBVIRT_CFFI_MODE=mode, **NO_LIBVIRT_DEV)
    env.pop("LIBVIRT_API_XML_DIR", None)
    command = [python, "-m", "build", "--wheel", "--no-isolation", "-o", str(out), str(tree)]
    run((["unshare", "-n", "--"] if offline else []) + command, env=env)
    return only_file(out, "*.whl")


def build_wheel_in_chroot(root: Path, sdist: Path, index: int) -> Path:
    """The compiled CPython wheel, in the build chroot (isolated build: pip
    fetches setuptools and cffi there as a user's build would)."""
    shutil.rmtree(root / "dist-build", ignore_errors=True)
    (root / "dist-build").mkdir()
    shutil.copy(sdist, root / "dist-build")
    script = ("set -e; cd /dist-build; tar xzf *.tar.gz; python3 -m venv venv; "
              "venv/bin/pip install -q --disable-pip-version-check build; "
              "venv/bin/python -m build --wheel -o out libvirt_cffi-*/")
    with mounted(root):
        in_chroot(root, script, env={"SOURCE_DATE_EPOCH": EPOCH, "LIBVIRT_CFFI_MODE": "dlopen"})
    kept = root.parent / ("%s-wheel-%d" % (root.name, index))
    shutil.rmtree(kept, ignore_errors=True)
    shutil.copytree(root / "dist-build/out", kept)
    return only_file(kept, "*.whl")


# --- installing and testing ---------------------------------------------------------

def test_install(root: Optional[Path], work: Path, artifact: Path, sdist: Path, python: str,
                 label: str, own_description: bool = False) -> str:
    """Install one artifact into a new venv and run the test:///default tests
    (from `sdist`, the one the artifact was made from). own_description:
    the tests read the sdist's bundled description even where an installed
    one is newer (the build did, for a wheel made on another machine)."""
    base = (root / "dist-test") if root is not None else (work / "test" / label)
    shutil.rmtree(base, ignore_errors=True)
    base.mkdir(parents=True)
    shutil.copy(artifact, base)
    inside = "/dist-test" if root is not None else str(base)
    unpack(sdist, base / "src")
    tests = "%s/src/%s/tests" % (inside, sdist.name[:-len(".tar.gz")])
    script = ("set -e; cd %(base)s; %(python)s -m venv venv; "
              "venv/bin/pip install -q --disable-pip-version-check ./%(artifact)s pytest lxml; "
              "cd %(tests)s; "
              "%(base)s/venv/bin/python -c 'import libvirt_cffi as c; print(\"mode\", c.MODE)'; "
              "%(base)s/venv/bin/python -m pytest -p no:cacheprovider -q -rs test_mock_*.py"
              % dict(base=inside, python=python, artifact=artifact.name, tests=tests))
    env = {"LIBVIRT_CFFI_TESTS_INSTALLED_ONLY": "1"}
    if own_description:
        env["LIBVIRT_API_XML_DIR"] = "%s/src/%s/libvirt-api-xml" % (
            inside, sdist.name[:-len(".tar.gz")])
    if root is None:
        result = in_chroot(None, script, env=env, check=False)
    else:
        with mounted(root):
            result = in_chroot(root, script, env=env, check=False)
    (work / ("test-%s.log" % label)).write_text(result.stdout + result.stderr)
    summary = [line for line in result.stdout.splitlines()
               if " passed" in line or " failed" in line or " error" in line]
    mode = [line.split()[1] for line in result.stdout.splitlines() if line.startswith("mode ")]
    # A skip means a component is missing: a broken setup, not a pass.
    skipped = any(" skipped" in line for line in summary)
    outcome = "passed" if result.returncode == 0 and not skipped else "FAILED"
    return "%s (%s mode: %s)" % (outcome, mode[0] if mode else "?",
                                 summary[-1].strip("= ") if summary else
                                 (result.stdout + result.stderr).strip()[-200:])


def check_swap(work: Path, wheel: Path) -> str:
    """A package requiring libvirt-python, installed with it; then ours in
    its place, the supported way (README, "Replacing libvirt-python")."""
    base = work / "swap"
    shutil.rmtree(base, ignore_errors=True)
    app = base / "needs-libvirt-python"
    (app / "needs_libvirt_python").mkdir(parents=True)
    (app / "needs_libvirt_python/__init__.py").write_text(
        "import libvirt\n\ndef hosts():\n    return libvirt.open('test:///default').getHostname()\n")
    (app / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools>=61"]\nbuild-backend = "setuptools.build_meta"\n'
        '[project]\nname = "needs-libvirt-python"\nversion = "1.0"\n'
        'dependencies = ["libvirt-python>=7.0"]\n')
    venv = base / "venv"
    run([sys.executable, "-m", "venv", str(venv)])
    pip = [str(venv / "bin/pip"), "--disable-pip-version-check"]
    # libvirt-python built from its sdist, the release of the host's libvirt
    # (the reference binding's: pip's cache usually has it built).
    pin = base / "constraints.txt"
    pin.write_text("libvirt-python==%s\n" % run(
        ["pkg-config", "--modversion", "libvirt"]).stdout.strip())
    run(pip + ["install", "-q", "-c", str(pin), str(app)])
    # From base: the source tree's libvirt/ must not be imported.
    before = run([str(venv / "bin/python"), "-c", "import libvirt; print(libvirt.__file__)"],
                 cwd=base)
    run(pip + ["uninstall", "-y", "libvirt-python"])
    run(pip + ["install", "-q", str(wheel)])
    after = run([str(venv / "bin/python"), "-c",
                 "import libvirt, libvirt_cffi, needs_libvirt_python as a; "
                 "print(libvirt.__file__, libvirt_cffi.MODE, bool(a.hosts()))"],
                cwd=base).stdout.split()
    if "/libvirt/__init__.py" not in after[0] or after[2] != "True":
        return "FAILED: after the swap libvirt is %s" % after[0]
    # The stand-in named libvirt-python: pip then counts the requirement as
    # met, and a second package requiring it installs with no index at all.
    stand_in = run([str(venv / "bin/libvirt-cffi-info"), "--libvirt-python-stand-in",
                    str(base)], cwd=base).stdout.strip()
    run(pip + ["install", "-q", "--no-index", stand_in])
    run(pip + ["check"])
    second = base / "also-needs-libvirt-python"
    shutil.copytree(app, second)
    (second / "pyproject.toml").write_text(
        (second / "pyproject.toml").read_text().replace('"needs-libvirt-python"',
                                                        '"also-needs-libvirt-python"'))
    run(pip + ["wheel", "-q", "--no-deps", "-w", str(base / "wheels"), str(second)])
    run(pip + ["install", "-q", "--no-index", "--find-links", str(base / "wheels"),
               "also-needs-libvirt-python"])
    still = run([str(venv / "bin/python"), "-c", "import libvirt; print(libvirt.__file__)"],
                cwd=base).stdout.strip()
    if "/libvirt/__init__.py" not in still:
        return "FAILED: after the stand-in libvirt is %s" % still
    return "passed (was %s; now %s, %s mode; with %s pip check passes)" % (
        os.path.basename(before.stdout.strip()), "libvirt/__init__.py", after[1],
        os.path.basename(stand_in))


# --- the run -------------------------------------------------------------------------

def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--platforms", default="host,bullseye,trixie,sid,runtime")
    parser.add_argument("--work", default="/var/tmp/libvirt-cffi-dist")
    args = parser.parse_args()
    platforms = args.platforms.split(",")
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    results: Dict[str, str] = {}

    chroots = [p for p in platforms if p in CHROOT_PLATFORMS]
    if chroots:
        log("preparing the chroots: %s" % " ".join(chroots))
        run(["bash", str(REPO / "scripts/matrix.sh"), "--prepare-only", *chroots], timeout=3600)
    runtime = runtime_chroot()
    results["runtime chroot: has no build tools"] = (
        "yes" if not lacks_build_tools(runtime) else "NO: " + lacks_build_tools(runtime))
    builder = build_chroot(runtime)

    python = host_build_python(work, "python3", "build-venv")
    description = newest_description(python, platforms)
    log("sdist")
    sdist = twice(lambda i: build_sdist(work, python, description, i), "sdist", results)
    log("pure wheel")
    pure = twice(lambda i: build_wheel_on_host(work, python, sdist, "abi", i), "pure wheel",
                 results)
    log("compiled wheel (CPython, abi3) in %s" % builder)
    compiled = twice(lambda i: build_wheel_in_chroot(builder, sdist, i), "compiled wheel",
                     results)
    pypy = shutil.which("pypy3")
    pypy_wheel = None
    if pypy:
        log("compiled wheel (PyPy) on the host")
        pypy_python = host_build_python(work, pypy, "build-venv-pypy")
        pypy_wheel = twice(lambda i: build_wheel_on_host(work, pypy_python, sdist, "dlopen", i),
                           "compiled wheel (PyPy)", results)
    if sdist is None or pure is None:
        return report(results, description, [sdist, pure], started)
    log("offline build (unshare -n)")
    try:
        offline = build_wheel_on_host(work, python, sdist, "abi", 3, offline=True)
        results["offline build: sdist -> wheel, no network"] = (
            "passed (same bytes as online)" if sha256(offline) == sha256(pure)
            else "passed, but the bytes differ from the online build")
    except RuntimeError as error:
        results["offline build: sdist -> wheel, no network"] = "FAILED: %s" % str(error)[-300:]

    artifacts = {label: artifact for label, artifact in
                 (("sdist", sdist), ("pure wheel", pure), ("compiled wheel", compiled))
                 if artifact is not None}
    names = {"host": "host (Debian 12)", "runtime": "runtime-only (Debian 11, libvirt0)"}
    for platform in platforms:
        root = {"host": None, "runtime": runtime}.get(platform, CACHE / platform)
        for label, artifact in artifacts.items():
            log("%s into %s" % (label, platform))
            key = "%s -> %s" % (label, names.get(platform, platform))
            results[key] = test_install(root, work, artifact, sdist, "python3",
                                        "%s-%s" % (platform, label.replace(" ", "-")))
    if pypy_wheel is not None and "host" in platforms:
        log("compiled wheel (PyPy) into the host's PyPy")
        results["compiled wheel (PyPy) -> host PyPy"] = test_install(
            None, work, pypy_wheel, sdist, pypy, "host-pypy-compiled-wheel")
    if "sid" in platforms:
        # The other way round: a wheel made from the host's older description
        # (libvirt 9.0's) on the newest libvirt.
        log("a pure wheel made from the host's description into sid")
        old_python = host_build_python(work, "python3", "build-venv")
        old_sdist = build_sdist(work, old_python, Path("/usr/share/libvirt/api"), 9)
        old_wheel = build_wheel_on_host(work, old_python, old_sdist, "abi", 9)
        results["pure wheel (host's description, libvirt %d.%d.%d) -> sid" % description_version(
            old_python, Path("/usr/share/libvirt/api"))] = test_install(
                CACHE / "sid", work, old_wheel, old_sdist, "python3", "sid-older-pure-wheel",
                own_description=True)
    log("swapping libvirt-python for the pure wheel in a venv")
    try:
        results["swap libvirt-python -> pure wheel (host venv)"] = check_swap(work, pure)
    except RuntimeError as error:
        results["swap libvirt-python -> pure wheel (host venv)"] = "FAILED: %s" % str(error)[-300:]

    return report(results, description, [sdist, pure, compiled, pypy_wheel], started)


def report(results: Dict[str, str], description: Path, artifacts: List[Optional[Path]],
           started: float) -> int:
    print()
    print("== check_dist: artifacts made from %s, SOURCE_DATE_EPOCH=%s, %d s"
          % (description, EPOCH, time.monotonic() - started))
    for artifact in artifacts:
        if artifact is not None:
            print("   %s" % artifact.name)
    print()
    print("| check | result |")
    print("| --- | --- |")
    failed = False
    for key, value in results.items():
        print("| %s | %s |" % (key, value))
        failed = failed or not value.startswith(("passed", "same bytes", "yes"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
