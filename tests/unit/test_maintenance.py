"""The nightly maintenance job: every table compacted per partition, unreferenced files vacuumed."""

from __future__ import annotations

import importlib.util
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from delta.tables import DeltaTable

from beejan_lakehouse.config import REPO_ROOT
from beejan_lakehouse.silver.pipeline import SILVER_BATCHES
from beejan_lakehouse.tables import append_idempotent, ensure_table, table_path

# jobs/ is not a package: the job module by its path.
_SPEC = importlib.util.spec_from_file_location("maintain_tables", REPO_ROOT / "jobs" / "maintain_tables.py")
maintain_tables = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(maintain_tables)


def _ledger_rows(spark, query: str, batch_id: int):
    row = (query, batch_id, 1, 1, 0, 0, 0, 0, datetime(2026, 12, 3, tzinfo=UTC), "0.1")
    return spark.createDataFrame([row], SILVER_BATCHES.schema).coalesce(1)  # one file per append


def _parquet_files(path: str) -> set[Path]:
    return {p for p in Path(path).rglob("*.parquet") if "_delta_log" not in p.parts}


def _live_files(spark, path: str) -> set[Path]:
    rows = spark.read.format("delta").load(path).selectExpr("input_file_name() AS f").distinct().collect()
    return {Path(r.f.removeprefix("file:")) for r in rows}


def test_maintain_tables_compacts_each_partition_and_vacuums_what_no_version_references(spark, lakehouse_cfg):
    ledger = ensure_table(spark, lakehouse_cfg, SILVER_BATCHES)
    for batch_id in range(4):
        append_idempotent(_ledger_rows(spark, "q", batch_id), ledger, "app", batch_id)
    split = replace(SILVER_BATCHES, name="ops.split_ledger", partition_by=("query",), constraints={}, properties={})
    partitioned = ensure_table(spark, lakehouse_cfg, split)
    for batch_id, query in enumerate(("a", "a", "a", "b")):
        append_idempotent(_ledger_rows(spark, query, batch_id), partitioned, "app", batch_id)
    before = {p: sorted(spark.read.format("delta").load(p).collect()) for p in (ledger, partitioned)}
    assert len(_parquet_files(ledger)) == 4

    root = lakehouse_cfg["storage"]["root"]
    argv = ["--env", "test", "--set", f"storage.root={root}", "--set", "maintenance.vacuum_retention_hours=0"]
    assert maintain_tables.main(argv) == 0

    assert DeltaTable.forPath(spark, ledger).detail().first()["numFiles"] == 1
    # Partition a's three files become one; b's single file is left as it was.
    assert DeltaTable.forPath(spark, partitioned).detail().first()["numFiles"] == 2
    for path in (ledger, partitioned):
        assert sorted(spark.read.format("delta").load(path).collect()) == before[path]
        # Vacuumed: only the files the latest version reads are left on disk.
        assert _parquet_files(path) == _live_files(spark, path)
    assert table_path(lakehouse_cfg, "ops.split_ledger") == partitioned


def test_maintain_tables_can_be_limited_to_named_tables(spark, lakehouse_cfg):
    ledger = ensure_table(spark, lakehouse_cfg, SILVER_BATCHES)
    other = ensure_table(spark, lakehouse_cfg, replace(SILVER_BATCHES, name="ops.other_ledger", constraints={}))
    for batch_id in range(3):
        append_idempotent(_ledger_rows(spark, "q", batch_id), ledger, "app", batch_id)
        append_idempotent(_ledger_rows(spark, "q", batch_id), other, "app", batch_id)
    root = lakehouse_cfg["storage"]["root"]
    assert maintain_tables.main(["--env", "test", "--set", f"storage.root={root}", "--table", "ops.other_ledger"]) == 0
    assert DeltaTable.forPath(spark, other).detail().first()["numFiles"] == 1
    assert DeltaTable.forPath(spark, ledger).detail().first()["numFiles"] == 3
    # Default retention (168 h): the compacted-away files stay for time travel.
    assert len(_parquet_files(other)) == 4
