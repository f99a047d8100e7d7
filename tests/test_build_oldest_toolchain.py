"""The package installs from a clean tree with the oldest toolchain it
supports, and the result imports and works;
a setuptools too old to read pyproject.toml fails loudly, never installing
an empty "UNKNOWN" distribution (what Debian 11's setuptools 44 did).

The oldest supported: pip 20.3.4 (Debian 11's, the oldest platform) where
the interpreter runs it (pip < 23.1 does not run on Python 3.12+, which
removed distutils; there the pip the interpreter bundles, its own oldest),
and setuptools 61.0.0 (the first that reads [project]; setup.py checks),
66.1.0 on Python 3.12+ (the first that imports there).

The installs build ABI mode: what the toolchain decides (reading the
metadata, running setup.py's generator step) is the same in both modes, and
no compile keeps it short; scripts/test.sh runs this file once, not per mode.
One build is dlopen mode's, whose wheel tag setup.py sets (cp39-abi3).
"""
import os
import subprocess
import sys

import pytest


OLDEST_PIP = "20.3.4"
# Python 3.12 removed pkgutil.ImpImporter, which setuptools before 66.1.0
# uses at import (measured: 66.0.0 fails, 66.1.0 imports on 3.13).
OLDEST_SETUPTOOLS = "61.0.0" if sys.version_info < (3, 12) else "66.1.0"
TOO_OLD_SETUPTOOLS = "44.1.1"
# What the build needs besides setuptools (pyproject.toml's build-system).
BUILD_REQUIRES = ["cffi>=1.15", "lxml", "pycparser", "wheel"]

@pytest.fixture(scope="module")
def build_mode():
    return "abi"


def _venv(path, *packages):
    subprocess.run([sys.executable, "-m", "venv", str(path)], check=True)
    python = os.path.join(str(path), "bin", "python")
    if packages:
        _pip(python, "install", "-q", *packages)
    return python


def _pip(python, *args, env=None):
    return subprocess.run([python, "-m", "pip", "--disable-pip-version-check", *args],
                          check=True, capture_output=True, text=True, env=env,
                          timeout=900)


def _oldest_pip():
    return [] if sys.version_info >= (3, 12) else ["pip==" + OLDEST_PIP]


def _build_env(mode):
    return dict(os.environ, LIBVIRT_CFFI_MODE=mode)


def _works(python, mode):
    # From a directory without the source tree: the installed package.
    out = subprocess.run(
        [python, "-c", "import libvirt, libvirt._core as c;"
         "conn = libvirt.open('test:///default');"
         "print(c.MODE, conn.lookupByName('test').name(), conn.getLibVersion())"],
        check=True, capture_output=True, text=True, cwd="/").stdout.split()
    assert out[:2] == [mode, "test"] and int(out[2]) > 0


def test_oldest_pip_builds_in_isolation(tmp_path, clean_tree, build_mode):
    python = _venv(tmp_path / "venv", *_oldest_pip())
    _pip(python, "install", clean_tree, env=_build_env(build_mode))
    _works(python, build_mode)


def test_oldest_setuptools_without_isolation(tmp_path, clean_tree, build_mode):
    python = _venv(tmp_path / "venv", *_oldest_pip(),
                   "setuptools==" + OLDEST_SETUPTOOLS, *BUILD_REQUIRES)
    _pip(python, "install", "--no-build-isolation", clean_tree,
         env=_build_env(build_mode))
    _works(python, build_mode)


def test_too_old_setuptools_fails_loudly(tmp_path, clean_tree, build_mode):
    python = _venv(tmp_path / "venv", *_oldest_pip(),
                   "setuptools==" + TOO_OLD_SETUPTOOLS, *BUILD_REQUIRES)
    with pytest.raises(subprocess.CalledProcessError) as failed:
        _pip(python, "install", "--no-build-isolation", clean_tree,
             env=_build_env(build_mode))
    if sys.version_info < (3, 12):
        # (3.12+ has no distutils: setuptools 44 itself fails to import.)
        assert "needs setuptools >= 61" in failed.value.stderr + failed.value.stdout
    listed = _pip(python, "list", "--format=freeze").stdout
    assert "libvirt" not in listed.lower() and "UNKNOWN" not in listed


def test_oldest_setuptools_makes_the_abi3_wheel_of_dlopen_mode(tmp_path, clean_tree):
    """dlopen mode compiles (unlike the ABI-mode builds above) and tags its
    wheel itself (setup.py's bdist_wheel option): with the oldest toolchain
    too, one cp39-abi3 wheel whose extension needs no libvirt, tagged
    manylinux for this machine's glibc."""
    import zipfile
    python = _venv(tmp_path / "venv", *_oldest_pip(),
                   "setuptools==" + OLDEST_SETUPTOOLS, *BUILD_REQUIRES)
    _pip(python, "wheel", "--no-build-isolation", "--no-deps", "-w", str(tmp_path / "w"),
         clean_tree, env=_build_env("dlopen"))
    wheels = os.listdir(tmp_path / "w")
    glibc = os.confstr("CS_GNU_LIBC_VERSION").split()[1].split(".")
    platform_tag = "manylinux_%s_%s_%s" % (glibc[0], glibc[1], os.uname().machine)
    assert len(wheels) == 1 and wheels[0].endswith("-%s.whl" % platform_tag), wheels
    if sys.implementation.name == "cpython":
        assert wheels[0].startswith("libvirt_cffi-0.1.0-cp39-abi3-")
        with zipfile.ZipFile(tmp_path / "w" / wheels[0]) as wheel:
            assert [n for n in wheel.namelist() if n.endswith(".so")] == \
                ["libvirt/_libvirt_cffi_dl.abi3.so"]
    _pip(python, "install", "--no-deps", str(tmp_path / "w" / wheels[0]))
    _works(python, "dlopen")
