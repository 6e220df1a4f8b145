"""One logging set-up for jobs and library code: UTC timestamps, one line per event."""

from __future__ import annotations

import logging
import sys
import time

_FORMAT = "%(asctime)sZ %(levelname)s %(name)s: %(message)s"
_configured = False


def get_logger(name: str) -> logging.Logger:
    """A logger under the `beejan` namespace, writing to stderr on first use."""
    global _configured
    if not _configured:
        handler = logging.StreamHandler(sys.stderr)
        formatter = logging.Formatter(_FORMAT, datefmt="%Y-%m-%dT%H:%M:%S")
        formatter.converter = time.gmtime  # the lakehouse runs on UTC, so do its logs
        handler.setFormatter(formatter)
        root = logging.getLogger("beejan")
        root.addHandler(handler)
        root.setLevel(logging.INFO)
        root.propagate = False
        _configured = True
    return logging.getLogger(f"beejan.{name}")
