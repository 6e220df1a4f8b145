#!/usr/bin/env bash
# Set everything up (venv, jars) and run the test suite. Tests start their own Kafka broker
# on a free port with a temporary home and stop it at the end; nothing needs to be running.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
echo "[test] ruff check"
.venv/bin/ruff check libs jobs tests bench notebooks
echo "[test] pytest $*"
exec .venv/bin/python -m pytest "$@"
