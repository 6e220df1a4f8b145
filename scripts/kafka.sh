#!/usr/bin/env bash
# The local Kafka broker (KRaft): start | stop | status | restart  [--env dev] [--port N] [--home DIR]
# `start` also creates the topics declared in conf/.
set -euo pipefail
cd "$(dirname "$0")/.."
action=${1:?usage: scripts/kafka.sh start|stop|status|restart [--env ENV] [--port N] [--home DIR]}
shift
extra=()
[[ $action == start || $action == restart ]] && extra=(--topics)
exec .venv/bin/python -m beejan_lakehouse.broker "$action" "${extra[@]}" "$@"
