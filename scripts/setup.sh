#!/usr/bin/env bash
# Set up everything the project needs on a fresh machine, idempotently:
#   system packages (Java 17 JDK, Maven) -> .venv with the pinned library -> pinned jars.
# Re-running skips every step that is already done.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
say() { echo "[setup] $*"; }

need_apt=()
# The JDK, not only the runtime: setup_jars.sh compiles the project's JVM helpers (jvm/src).
{ command -v java && command -v javac; } >/dev/null 2>&1 || need_apt+=(openjdk-17-jdk-headless)
command -v mvn >/dev/null 2>&1 || need_apt+=(maven)
if ((${#need_apt[@]})); then
  say "installing system packages: ${need_apt[*]}"
  SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO=sudo
  $SUDO apt-get update -qq && $SUDO DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}"
fi
say "java: $(java -version 2>&1 | head -1)"

PYTHON_BIN=${PYTHON_BIN:-}
if [[ -z $PYTHON_BIN ]]; then
  for candidate in python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] < (3, 11))'; then
      PYTHON_BIN=$candidate; break
    fi
  done
fi
[[ -n $PYTHON_BIN ]] || { echo "[setup] Python >= 3.11 is required" >&2; exit 2; }

if [[ ! -x .venv/bin/python ]]; then
  say "creating .venv with $($PYTHON_BIN --version)"
  "$PYTHON_BIN" -m venv .venv
fi
# Reinstall only when the package definition changed (setup.py is the dependency list).
STAMP=.venv/.beejan-installed
WANT=$(sha256sum setup.py | cut -c1-16)
if [[ ! -f $STAMP || $(cat "$STAMP") != "$WANT" ]]; then
  say "installing the library and its pinned dependencies into .venv (first time: a few minutes)"
  .venv/bin/python -m pip install -q --upgrade pip wheel setuptools
  .venv/bin/python -m pip install -q -e ".[test]"
  echo "$WANT" > "$STAMP"
else
  say ".venv up to date"
fi

PYTHON=$ROOT/.venv/bin/python bash scripts/setup_jars.sh
say "done"
