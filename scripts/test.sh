#!/usr/bin/env bash
# Set up, build in all three modes, and run the test suite against each build.
# PYTHON=pypy3 does the same with PyPy (.venv-pypy, .venv-pypy-abi, .venv-pypy-dlopen).
# TEST_MODES="api abi" leaves dlopen mode out (CI's chroot rows and PyPy
# stream do: tools/check_dist.py tests the compiled wheel on each of them).
set -euo pipefail
cd "$(dirname "$0")/.."
export PYTHON=${PYTHON:-python3}
TEST_MODES=${TEST_MODES:-api abi dlopen}
case " $TEST_MODES " in
    *" dlopen "*) bash scripts/setup.sh --all ;;
    *) bash scripts/setup.sh --both ;;
esac
VENV=.venv
if "$PYTHON" -c 'import sys; sys.exit(sys.implementation.name != "pypy")'; then
    VENV=.venv-pypy
fi
status=0
# The reference binding (PyPI libvirt-python, built from source against the
# same libvirt) for the differential tests. Without it they would skip, so
# the run fails (the tests still run, to report everything else). Always
# CPython's, also for a PyPy run: libvirt-python's behaviour is its behaviour
# on CPython (built for PyPy it runs through cpyext, which changes some
# answers).
if ref_python=$(python3 tools/reference_env.py); then
    export LIBVIRT_REF_VENV=$(dirname "$(dirname "$ref_python")")
else
    echo "error: the reference binding could not be built: differential tests skip" >&2
    status=1
fi
# Lint first (pyproject.toml's [tool.ruff]); findings fail the run, and the
# tests still run so one run reports everything.
echo "== ruff check ."
"$VENV/bin/ruff" check . || status=1
venvs=()
for mode in $TEST_MODES; do
    case $mode in
        api) venvs+=("$VENV") ;;
        abi|dlopen) venvs+=("$VENV-$mode") ;;
        *) echo "error: TEST_MODES: unknown mode $mode" >&2; exit 2 ;;
    esac
done
for venv in "${venvs[@]}"; do
    # Installing with the oldest pip/setuptools and building the dists build the package itself:
    # once per run is enough (the API-mode run).
    once=()
    [ "$venv" = "$VENV" ] || once=(--ignore=test_build_oldest_toolchain.py --ignore=test_build_dist.py)
    # From tests/: the source tree's unbuilt libvirt/ must not shadow the
    # build. (An absolute path: Python 3.14 warns about a relative prefix.)
    python=$PWD/$venv/bin/python
    (cd tests && echo "== tests with $venv ($("$python" -c \
        'import libvirt._core as c; print(c.MODE)') mode)" &&
        "$python" -m pytest -p no:cacheprovider -q "${once[@]}" .) || status=1
    # Compatibility gate: libvirt-python's own test suite, unmodified.
    python3 tools/libvirt_python_tests.py --python "$venv/bin/python" || status=1
done
exit $status
