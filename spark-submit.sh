#!/usr/bin/env bash
# Run a job from jobs/ with the pinned pyspark's spark-submit, the pinned jars and conf/<env>.yaml.
#   ./spark-submit.sh --help                       list the jobs
#   ./spark-submit.sh <job> [--env dev|test|prod] [--master URL] [--dry-run] [job args]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PY="${BEEJAN_PYTHON:-$ROOT/.venv/bin/python}"
if [[ ! -x $PY ]]; then
  echo "spark-submit.sh: $PY not found; run scripts/setup.sh first" >&2
  exit 2
fi
exec "$PY" -m beejan_lakehouse.launcher "$@"
