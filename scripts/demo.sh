#!/usr/bin/env bash
# Set up, build, and walk a storage pool through its lifecycle on the embedded
# test:///default driver.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cd examples && ../.venv/bin/python pool_lifecycle.py "$@"
