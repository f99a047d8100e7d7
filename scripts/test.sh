#!/usr/bin/env bash
# Set up, build in both modes, and run the test suite against each build.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --both
status=0
for venv in .venv .venv-abi; do
    # From tests/: the source tree's unbuilt libvirt/ must not shadow the build.
    (cd tests && echo "== tests with $venv ($("../$venv/bin/python" -c \
        'import libvirt._core as c; print(c.MODE)') mode)" &&
        "../$venv/bin/python" -m pytest -p no:cacheprovider -q .) || status=1
done
exit $status
