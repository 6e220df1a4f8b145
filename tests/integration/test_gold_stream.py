"""The live-windows stream end to end on Delta: silver appends -> gold.live_15min, restart-safe."""

from __future__ import annotations

import pytest

from beejan_lakehouse.gold.live import GOLD_BATCHES, LIVE_15MIN, LIVE_QUERY, start_live_windows
from beejan_lakehouse.gold.settings import load_gold_settings
from beejan_lakehouse.gold.synthetic import silver_rows
from beejan_lakehouse.silver.schema import SILVER_COMPLAINTS
from beejan_lakehouse.streaming import CheckpointRun
from beejan_lakehouse.tables import checkpoint_path, ensure_table, table_path

pytestmark = pytest.mark.integration

STREAM = load_gold_settings(overrides={"live.update": "stream"})


def _append_silver(spark, cfg, rows):
    silver_rows(spark, rows).write.format("delta").mode("append").save(table_path(cfg, SILVER_COMPLAINTS.name))


def test_stream_counts_new_silver_rows_across_restarts(spark, lakehouse_cfg):
    ensure_table(spark, lakehouse_cfg, SILVER_COMPLAINTS)
    _append_silver(spark, lakehouse_cfg, [{"event_ts_utc": "2024-05-01 10:00:00", "l2": "Outage"}] * 2)
    start_live_windows(spark, lakehouse_cfg, "availableNow", STREAM).awaitTermination()
    _append_silver(spark, lakehouse_cfg, [{"event_ts_utc": "2024-05-01 10:05:00", "l2": "Outage"}])
    restarted = start_live_windows(spark, lakehouse_cfg, "availableNow", STREAM)  # a restart
    restarted.awaitTermination()
    # The checkpoint's identity (part of the batches' txnAppId) is the query id, kept across restarts.
    assert CheckpointRun(spark, checkpoint_path(lakehouse_cfg, LIVE_QUERY)).id == restarted.id
    live = spark.read.format("delta").load(table_path(lakehouse_cfg, LIVE_15MIN.name)).collect()
    assert [(r["region"], r["l2"], r["complaints"]) for r in live] == [("Lagos", "Outage", 3)]
    ledger = spark.read.format("delta").load(table_path(lakehouse_cfg, GOLD_BATCHES.name))
    assert sum(r["rows_in"] for r in ledger.collect()) == 3


def test_the_stream_refuses_to_run_when_silver_updates_the_live_table(spark, lakehouse_cfg):
    in_silver = load_gold_settings(overrides={"live.update": "in_silver"})
    with pytest.raises(ValueError, match="count every complaint twice"):
        start_live_windows(spark, lakehouse_cfg, "availableNow", in_silver)
