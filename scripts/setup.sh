#!/usr/bin/env bash
# Everything a fresh Debian 12 machine needs, then the package built:
# .venv (API mode, compiled); with --both also .venv-abi (ABI mode, cffi's
# dlopen); with --all also .venv-dlopen (dlopen mode: compiled without
# libvirt's headers, its loader opens libvirt at import). Idempotent.
#
# PYTHON=pypy3 builds with PyPy instead, into .venv-pypy, .venv-pypy-abi and
# .venv-pypy-dlopen (Debian's pypy3, pypy3-venv and pypy3-dev are installed as well).
# --packages-only installs the Debian packages and builds nothing.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
PACKAGES=(libvirt-dev libvirt-daemon pkg-config gcc python3-venv python3-dev)
case "$(basename "$PYTHON")" in
    pypy*) PACKAGES+=(pypy3 pypy3-venv pypy3-dev) ;;
esac
missing=()
for pkg in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
# python3-venv / python3-dev matter only for Debian's own python3.
if python3 -c 'import venv, sysconfig, os, sys; sys.exit(not os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h")))' 2>/dev/null; then
    missing=("${missing[@]/python3-venv}"); missing=("${missing[@]/python3-dev}")
fi
missing=($(printf '%s\n' "${missing[@]}" | grep -v '^$' || true))
if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" != 0 ]; then
        echo "error: missing Debian packages: ${missing[*]}" >&2
        echo "       install them as root: apt-get install --no-install-recommends ${missing[*]}" >&2
        exit 1
    fi
    echo "== installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# --packages-only: the Debian packages alone (.ci/run installs them before
# it runs two builds at once, which must not both run apt).
[ "${1:-}" != "--packages-only" ] || exit 0

# .venv for CPython, .venv-pypy for PyPy (scripts/test.sh names them alike).
VENV=.venv
"$PYTHON" -c 'import sys; sys.exit(sys.implementation.name != "pypy")' && VENV=.venv-pypy

TOOLS=(cffi lxml pycparser pytest 'setuptools>=61' wheel build mypy)
if [ "$VENV" = .venv-pypy ]; then
    # mypy needs its compiled librt, which PyPy cannot load: the stub tests
    # run a CPython's mypy against the PyPy build (tests/test_generator_stubs.py).
    TOOLS=("${TOOLS[@]/mypy}")
    [ -x .venv-pypy-mypy/bin/python ] || python3 -m venv .venv-pypy-mypy
    .venv-pypy-mypy/bin/pip install -q --disable-pip-version-check mypy
fi

build_venv() {   # build_venv DIR MODE
    local dir=$1 mode=$2
    [ -x "$dir/bin/python" ] || "$PYTHON" -m venv "$dir"
    "$dir/bin/pip" install -q --disable-pip-version-check ${TOOLS[@]}
    echo "== building libvirt-cffi in $mode mode into $dir"
    rm -rf build     # setuptools reuses build/lib: never mix the two modes
    LIBVIRT_CFFI_MODE=$mode "$dir/bin/pip" install -q --disable-pip-version-check \
        --no-build-isolation --force-reinstall --no-deps .
}

build_venv "$VENV" api
# The linter scripts/test.sh runs (configured in pyproject.toml), in the API
# venv only. Pinned: a newer ruff may report new findings and fail an
# unchanged tree.
"$VENV/bin/pip" install -q --disable-pip-version-check ruff==0.17.6
if [ "${1:-}" = "--both" ] || [ "${1:-}" = "--all" ]; then
    build_venv "$VENV-abi" abi
fi
if [ "${1:-}" = "--all" ]; then
    build_venv "$VENV-dlopen" dlopen
fi
