"""notebooks/: Databricks source format, and each runs locally against a lakehouse with known rows."""

from __future__ import annotations

import runpy
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from chispa import assert_df_equality
from pyspark.sql.types import DoubleType, LongType, StringType, StructField, StructType

from beejan_lakehouse.gold.alerts import ALERTS
from beejan_lakehouse.gold.daily import compute_daily_kpis
from beejan_lakehouse.gold.live import WatermarkTracker, apply_batch, ensure_live_tables
from beejan_lakehouse.gold.settings import load_gold_settings
from beejan_lakehouse.gold.synthetic import silver_rows
from beejan_lakehouse.silver.pipeline import SILVER_BATCHES
from beejan_lakehouse.silver.schema import SILVER_COMPLAINTS, SILVER_QUARANTINE
from beejan_lakehouse.tables import ensure_table, table_path

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"


def run_notebook(name: str, cfg, monkeypatch) -> dict:
    monkeypatch.setenv("BEEJAN_ENV", "test")
    monkeypatch.setenv("BEEJAN_STORAGE_ROOT", cfg["storage"]["root"])
    return runpy.run_path(str(NOTEBOOKS / name), run_name="__main__")


@pytest.mark.parametrize("path", sorted(NOTEBOOKS.glob("*.py")), ids=lambda p: p.name)
def test_notebooks_are_databricks_source_files(path):
    lines = path.read_text().splitlines()
    assert lines[0] == "# Databricks notebook source"
    assert lines.count("# COMMAND ----------") >= 2
    compile(path.read_text(), str(path), "exec")  # every cell is plain Python


def _append(spark, cfg, spec, rows):
    ensure_table(spark, cfg, spec)
    spark.createDataFrame(rows, spec.schema).write.format("delta").mode("append").save(table_path(cfg, spec.name))


def _quarantined(channel: str, reasons: list[str], n: int) -> tuple:
    ts = datetime(2024, 5, 2, 10, tzinfo=UTC)
    return (f"q{channel}{n}", channel, None, "{}", reasons, ts, ts, "bronze.kafka_events", 0, n, None, None)


def test_pipeline_health_sums_the_ledger_per_day_and_explodes_quarantine_reasons(spark, lakehouse_cfg, monkeypatch):
    day1, day2 = datetime(2024, 5, 1, 23, 59, tzinfo=UTC), datetime(2024, 5, 2, 0, 1, tzinfo=UTC)
    _append(spark, lakehouse_cfg, SILVER_BATCHES, [
        ("q", 0, 10, 6, 2, 1, 1, 1, day1, "4.00"),
        ("q", 1, 5, 5, 0, 0, 0, 0, day2, "2.50"),
        ("q", 2, 5, 3, 2, 0, 0, 2, day2, "9.00"),
    ])  # fmt: skip
    _append(spark, lakehouse_cfg, SILVER_QUARANTINE, [
        _quarantined("sms", ["empty_text", "invalid_timestamp"], 1),
        _quarantined("sms", ["empty_text"], 2),
        _quarantined("social", ["malformed_json"], 3),
    ])  # fmt: skip

    out = run_notebook("01_pipeline_health.py", lakehouse_cfg, monkeypatch)

    reconciliation = out["reconciliation"].selectExpr(
        "CAST(day AS STRING) AS day", "batches", "rows_in", "inserted", "quarantined", "duplicate_delivery",
        "duplicate_text", "near_duplicate_flagged", "unaccounted", "CAST(quarantine_pct AS DOUBLE) AS quarantine_pct",
    )  # fmt: skip
    expected = spark.createDataFrame(
        [("2024-05-01", 1, 10, 6, 2, 1, 1, 1, 0, 20.0), ("2024-05-02", 2, 10, 8, 2, 0, 0, 2, 0, 20.0)],
        StructType([StructField("day", StringType())] + [
            StructField(c, LongType()) for c in ("batches", "rows_in", "inserted", "quarantined",
                                                 "duplicate_delivery", "duplicate_text", "near_duplicate_flagged",
                                                 "unaccounted")
        ] + [StructField("quarantine_pct", DoubleType())]),
    )  # fmt: skip
    assert_df_equality(reconciliation, expected, ignore_nullable=True)
    assert [tuple(r) for r in out["quarantine_reasons"].collect()] == [
        ("sms", "empty_text", 2), ("sms", "invalid_timestamp", 1), ("social", "malformed_json", 1),
    ]  # fmt: skip


def _ev(ts: str, **kw) -> dict:
    event = datetime.fromisoformat(ts).replace(tzinfo=UTC)
    return {"event_ts_utc": event, "silver_ts": event + timedelta(seconds=60), **kw}


def test_live_and_kpis_reads_the_day_of_the_gold_tables(spark, lakehouse_cfg, monkeypatch):
    rows = [
        _ev("2024-05-02 09:01:00", channel="sms", region="Lagos", l1="Network", l2="Outage"),
        _ev("2024-05-02 09:02:00", channel="social", region="Lagos", l1="Network", l2="Outage"),
        _ev("2024-05-02 09:03:00", channel="sms", region="Lagos", l1="Network", l2="Outage", is_duplicate=True),
        _ev("2024-05-02 11:00:00", channel="sms", region="North West", l1="Billing", l2="Refund"),
        _ev("2024-05-01 10:00:00", channel="sms", region="Lagos", l1="Network", l2="Outage"),
    ]
    silver = silver_rows(spark, rows)
    ensure_table(spark, lakehouse_cfg, SILVER_COMPLAINTS)
    silver.write.format("delta").mode("append").save(table_path(lakehouse_cfg, SILVER_COMPLAINTS.name))
    ensure_live_tables(spark, lakehouse_cfg)
    tracker = WatermarkTracker(spark, lakehouse_cfg, "q", timedelta(hours=2))
    apply_batch(spark, lakehouse_cfg, tracker, silver, 0)
    settings = load_gold_settings()
    compute_daily_kpis(spark, lakehouse_cfg, date(2024, 5, 1), settings)
    compute_daily_kpis(spark, lakehouse_cfg, date(2024, 5, 2), settings)
    ensure_table(spark, lakehouse_cfg, ALERTS)
    monkeypatch.delenv("BEEJAN_KPI_DATE", raising=False)

    out = run_notebook("02_live_and_daily_kpis.py", lakehouse_cfg, monkeypatch)

    assert out["kpi_date"] == "2024-05-02"  # the latest day computed
    busiest = [tuple(r) for r in out["busiest_windows"].selectExpr("CAST(window_start AS STRING)", "region", "l2",
                                                                   "complaints").collect()]
    assert busiest == [
        ("2024-05-02 09:00:00", "Lagos", "Outage", 2), ("2024-05-02 11:00:00", "North West", "Refund", 1),
    ]  # fmt: skip
    volumes = {(r["dimension"], r["dimension_value"]): (r["complaints"], r["share"], r["avg_7d"])
               for r in out["volumes"].collect()}  # fmt: skip
    assert volumes == {
        ("l1", "Network"): (2.0, 0.6667, 1.0),  # averaged over the days with traffic (one: May 1)
        ("l1", "Billing"): (1.0, 0.3333, 0.0),
        ("region", "Lagos"): (2.0, 0.6667, 1.0),
        ("region", "North West"): (1.0, 0.3333, 0.0),
    }
