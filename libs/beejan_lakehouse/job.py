"""What every job entry point shares: --env parsing, config, session, and a timed summary."""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import yaml

from beejan_lakehouse.config import Config, load_config
from beejan_lakehouse.logs import get_logger


def job_parser(description: str) -> argparse.ArgumentParser:
    """An argument parser with the platform's --env option already declared."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(
        "--env",
        default=os.environ.get("BEEJAN_ENV", "dev"),
        choices=["dev", "test", "prod"],
        help="configuration overlay (conf/<env>.yaml)",
    )
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override one configuration key for this run (YAML value), e.g. --set storage.root=/tmp/lh",
    )
    return parser


def config_overrides(pairs: list[str]) -> dict[str, Any]:
    """`KEY=VALUE` strings -> dotted-key overrides (values parsed as YAML: numbers, booleans, maps)."""
    overrides: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise SystemExit(f"--set expects KEY=VALUE, got {pair!r}")
        overrides[key.strip()] = yaml.safe_load(value)
    return overrides


@contextmanager
def job_run(name: str, args: argparse.Namespace) -> Iterator[tuple[Config, dict[str, Any]]]:
    """Load config (--env, --set), log start, yield (config, summary), then log summary and duration.

    The job fills the summary with what it read, wrote and quarantined.
    """
    log = get_logger(f"job.{name}")
    env = args.env
    cfg = load_config(env, config_overrides(args.set))
    summary: dict[str, Any] = {}
    started = time.monotonic()
    log.info("start job=%s env=%s", name, env)
    try:
        yield cfg, summary
    finally:
        summary["duration_s"] = round(time.monotonic() - started, 2)
        log.info("end job=%s %s", name, " ".join(f"{k}={v}" for k, v in summary.items()))
