"""What the notebooks in notebooks/ start with: the session and config, on Databricks or locally.

On Databricks the notebook's `spark` is the active session; locally (``python notebooks/x.py``)
one is built with the project's jars, like a job's. Either way the lakehouse tables are
registered by name, so cells can be plain SQL over bronze.*, silver.*, gold.*, ops.*.

The environment comes from BEEJAN_ENV (default dev); BEEJAN_STORAGE_ROOT points the notebook at
another lakehouse root (a replay sandbox, a copy of production) without editing conf/.
"""

from __future__ import annotations

import os

from pyspark.sql import DataFrame, SparkSession

from beejan_lakehouse.config import Config, load_config
from beejan_lakehouse.session import build_spark
from beejan_lakehouse.tables import register_tables


def notebook_config() -> Config:
    """Config for BEEJAN_ENV (default dev), storage root overridden by BEEJAN_STORAGE_ROOT if set."""
    root = os.environ.get("BEEJAN_STORAGE_ROOT")
    overrides = {"storage.root": root} if root else {}
    return load_config(os.environ.get("BEEJAN_ENV", "dev"), overrides)


def notebook_session(app_name: str = "beejan-notebook") -> tuple[SparkSession, Config]:
    """The active session (Databricks, a test) with the tables registered, else a new local one."""
    cfg = notebook_config()
    spark = SparkSession.getActiveSession()
    if spark is None:
        spark = build_spark(cfg, app_name=app_name)
    if not register_tables(spark, cfg) and cfg["catalog"]["implementation"] == "in-memory":
        raise RuntimeError(
            f"no lakehouse tables under {cfg['storage']['root']}: run `bash scripts/demo.sh` first, "
            "or point BEEJAN_STORAGE_ROOT at a lakehouse"
        )
    return spark, cfg


def show(df: DataFrame, n: int = 50) -> None:
    """Local stand-in for Databricks' display(): the first `n` rows, untruncated."""
    df.show(n, truncate=False)
