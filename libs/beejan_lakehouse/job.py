"""What every job entry point shares: --env parsing, config, session, and a timed summary."""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

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
    return parser


@contextmanager
def job_run(name: str, env: str, overrides: dict[str, Any] | None = None) -> Iterator[tuple[Config, dict[str, Any]]]:
    """Load config, log start, yield (config, summary dict), then log the summary and duration.

    The job fills the summary with what it read, wrote and quarantined.
    """
    log = get_logger(f"job.{name}")
    cfg = load_config(env, overrides)
    summary: dict[str, Any] = {}
    started = time.monotonic()
    log.info("start job=%s env=%s", name, env)
    try:
        yield cfg, summary
    finally:
        summary["duration_s"] = round(time.monotonic() - started, 2)
        log.info("end job=%s %s", name, " ".join(f"{k}={v}" for k, v in summary.items()))
