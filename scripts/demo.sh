#!/usr/bin/env bash
# Set everything up (venv, jars, local broker) and run the end-to-end demo job.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
echo "[demo] starting the local Kafka broker (idempotent) and creating the topics"
scripts/kafka.sh start --env dev
echo "[demo] running ./spark-submit.sh demo --env dev $*"
./spark-submit.sh demo --env dev "$@"
