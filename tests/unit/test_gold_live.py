"""gold.live_15min: exact window counts, per-batch idempotency, the watermark and late events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from chispa import assert_df_equality
from pyspark.sql import functions as F

from beejan_lakehouse.gold.live import (
    GOLD_BATCHES,
    LATE_EVENTS,
    LIVE_15MIN,
    LiveWindowUpdater,
    WatermarkTracker,
    apply_batch,
    ensure_live_tables,
    parse_duration,
    window_counts,
)
from beejan_lakehouse.gold.settings import GoldConfigError, load_gold_settings
from beejan_lakehouse.gold.synthetic import silver_rows
from beejan_lakehouse.tables import table_path

TWO_HOURS = timedelta(hours=2)
KEY = ["window_start", "window_end", "region", "l1", "l2", "channel"]


def _ts(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _live(spark, cfg):
    return spark.read.format("delta").load(table_path(cfg, LIVE_15MIN.name))


def test_window_counts_are_exact_per_key_without_duplicates(spark):
    silver = silver_rows(
        spark,
        [
            {"event_ts_utc": "2024-05-01 10:00:00", "region": "Lagos", "l2": "Outage", "channel": "sms"},
            {"event_ts_utc": "2024-05-01 10:14:59", "region": "Lagos", "l2": "Outage", "channel": "sms"},
            {"event_ts_utc": "2024-05-01 10:05:00", "region": "Lagos", "l2": "Outage", "channel": "sms",
             "is_duplicate": True},
            {"event_ts_utc": "2024-05-01 10:15:00", "region": "Lagos", "l2": "Outage", "channel": "sms"},
            {"event_ts_utc": "2024-05-01 10:01:00", "region": "Lagos", "l2": "Refund", "channel": "social"},
            {"event_ts_utc": "2024-05-01 10:02:00", "region": None, "l2": None, "channel": "webform"},
        ],
    )  # fmt: skip
    expected = spark.createDataFrame(
        [
            ("2024-05-01", _ts("2024-05-01 10:00"), _ts("2024-05-01 10:15"), "Lagos", "Network", "Outage", "sms", 2),
            ("2024-05-01", _ts("2024-05-01 10:15"), _ts("2024-05-01 10:30"), "Lagos", "Network", "Outage", "sms", 1),
            ("2024-05-01", _ts("2024-05-01 10:00"), _ts("2024-05-01 10:15"), "Lagos", "Billing", "Refund", "social", 1),
            ("2024-05-01", _ts("2024-05-01 10:00"), _ts("2024-05-01 10:15"), "Unknown", "Unknown", "Unknown",
             "webform", 1),
        ],
        "window_date string, window_start timestamp, window_end timestamp, region string, l1 string, l2 string, "
        "channel string, complaints long",
    )  # fmt: skip
    assert_df_equality(
        window_counts(silver), expected, ignore_row_order=True, ignore_nullable=True, ignore_column_order=True
    )


def test_replayed_batch_is_applied_once(spark, lakehouse_cfg):
    ensure_live_tables(spark, lakehouse_cfg)
    batch = silver_rows(spark, [{"event_ts_utc": "2024-05-01 10:00:00", "l2": "Outage"}] * 3)
    tracker = WatermarkTracker(spark, lakehouse_cfg, "q", TWO_HOURS)
    apply_batch(spark, lakehouse_cfg, tracker, batch, 0)
    apply_batch(spark, lakehouse_cfg, tracker, batch, 0)  # the replay after a crash
    apply_batch(spark, lakehouse_cfg, tracker, batch, 1)
    assert [r["complaints"] for r in _live(spark, lakehouse_cfg).collect()] == [6]
    ledger = spark.read.format("delta").load(table_path(lakehouse_cfg, GOLD_BATCHES.name))
    assert sorted(r["batch_id"] for r in ledger.collect()) == [0, 1]
    # The idempotency confs never outlive the write (they would make Delta skip unrelated writes).
    assert spark.conf.get("spark.databricks.delta.write.txnAppId", None) is None


def test_deferred_ledger_and_late_rows_wait_for_the_caller_while_the_counts_commit(spark, lakehouse_cfg):
    """With `defer` (silver's batch), only the MERGE commits in apply_batch; the late-event and
    ledger appends run when the caller runs them, and a replay of the same batch in the same
    process is judged by the same watermark although `advance` already saw its events."""
    ensure_live_tables(spark, lakehouse_cfg)
    tracker = WatermarkTracker(spark, lakehouse_cfg, "q", TWO_HOURS)
    apply_batch(spark, lakehouse_cfg, tracker, silver_rows(spark, [{"event_ts_utc": "2024-05-01 12:00:00"}]), 0)
    batch = silver_rows(
        spark,
        [
            {"event_ts_utc": "2024-05-01 09:50:00", "l2": "Refund"},  # closed window (watermark 10:00)
            {"event_ts_utc": "2024-05-01 10:30:00", "l2": "Refund"},  # open, but closed by 13:00
            {"event_ts_utc": "2024-05-01 15:00:00", "l2": "Refund"},  # advances the watermark to 13:00
        ],
    )
    deferred: list = []
    counts = apply_batch(spark, lakehouse_cfg, tracker, batch, 1, defer=deferred)
    assert counts == {"rows_in": 3, "counted": 2, "duplicates": 0, "late": 1}
    read = lambda name: spark.read.format("delta").load(table_path(lakehouse_cfg, name))  # noqa: E731
    refunds = _live(spark, lakehouse_cfg).where(F.col("l2") == "Refund")
    on_time = [(datetime(2024, 5, 1, 10, 30), 1), (datetime(2024, 5, 1, 15, 0), 1)]
    assert sorted((r["window_start"], r["complaints"]) for r in refunds.collect()) == on_time
    assert read(LATE_EVENTS.name).count() == 0
    assert sorted(r["batch_id"] for r in read(GOLD_BATCHES.name).collect()) == [0]
    assert len(deferred) == 2

    # The caller's commit failed before running them: the batch is replayed in this process.
    replayed: list = []
    assert apply_batch(spark, lakehouse_cfg, tracker, batch, 1, defer=replayed) == counts
    for write in replayed:
        write()
    assert [r["count"] for r in read(LATE_EVENTS.name).collect()] == [1]
    assert [(r["batch_id"], r["late"]) for r in read(GOLD_BATCHES.name).orderBy("batch_id").collect()] == [
        (0, 0),
        (1, 1),
    ]
    assert sorted((r["window_start"], r["complaints"]) for r in refunds.collect()) == on_time


def test_counts_accumulate_across_batches_per_key(spark, lakehouse_cfg):
    ensure_live_tables(spark, lakehouse_cfg)
    tracker = WatermarkTracker(spark, lakehouse_cfg, "q", TWO_HOURS)
    first = silver_rows(spark, [{"event_ts_utc": "2024-05-01 10:00:00", "l2": "Outage", "region": "Lagos"}])
    second = silver_rows(
        spark,
        [
            {"event_ts_utc": "2024-05-01 10:03:00", "l2": "Outage", "region": "Lagos"},
            {"event_ts_utc": "2024-05-01 10:04:00", "l2": "Outage", "region": "Lagos", "is_duplicate": True},
            {"event_ts_utc": "2024-05-01 10:20:00", "l2": "Speed", "region": None},
        ],
    )
    apply_batch(spark, lakehouse_cfg, tracker, first, 0)
    apply_batch(spark, lakehouse_cfg, tracker, second, 1)
    actual = _live(spark, lakehouse_cfg).select(*KEY, "complaints")
    expected = spark.createDataFrame(
        [
            (_ts("2024-05-01 10:00"), _ts("2024-05-01 10:15"), "Lagos", "Network", "Outage", "sms", 2),
            (_ts("2024-05-01 10:15"), _ts("2024-05-01 10:30"), "Unknown", "Network", "Speed", "sms", 1),
        ],
        actual.schema,
    )
    assert_df_equality(actual, expected, ignore_row_order=True)


def test_the_updater_silver_calls_merges_without_materialising_its_local_source(spark, lakehouse_cfg):
    """LiveWindowUpdater (live.update: in_silver): matched keys add up, new keys insert, replays
    are skipped, and its MERGE runs no 'materialize source' job (the source is the counts
    handed back from the driver); the setting stays in the updater's own session."""
    settings = load_gold_settings(overrides={"live.update": "in_silver"})
    updater = LiveWindowUpdater(spark, lakehouse_cfg, settings)
    first = silver_rows(spark, [{"event_ts_utc": "2024-05-01 10:00:00", "l2": "Outage", "region": "Lagos"}] * 2)
    second = silver_rows(
        spark,
        [
            {"event_ts_utc": "2024-05-01 10:07:00", "l2": "Outage", "region": "Lagos"},
            {"event_ts_utc": "2024-05-01 10:20:00", "l2": "Speed", "region": "Lagos"},
        ],
    )
    store = spark.sparkContext._jsc.sc().statusStore()
    started_ms = int(datetime.now(UTC).timestamp() * 1000)
    updater.apply("silver_q", first, 0, "run")
    updater.apply("silver_q", second, 1, "run")
    updater.apply("silver_q", second, 1, "run")  # a replay
    merge_jobs = []
    jobs = store.jobsList(None).iterator()  # every job since the session began (the MERGE runs on a pool thread)
    while jobs.hasNext():
        job = jobs.next()
        submitted, description = job.submissionTime(), job.description()
        recent = submitted.isDefined() and submitted.get().getTime() >= started_ms
        if recent and description.isDefined() and "MERGE" in description.get():
            merge_jobs.append(description.get())
    assert merge_jobs, "the updater's MERGE jobs are in the status store"
    assert not [d for d in merge_jobs if "materialize source" in d]
    actual = _live(spark, lakehouse_cfg).select(*KEY, "complaints")
    expected = spark.createDataFrame(
        [
            (_ts("2024-05-01 10:00"), _ts("2024-05-01 10:15"), "Lagos", "Network", "Outage", "sms", 3),
            (_ts("2024-05-01 10:15"), _ts("2024-05-01 10:30"), "Lagos", "Network", "Speed", "sms", 1),
        ],
        actual.schema,
    )
    assert_df_equality(actual, expected, ignore_row_order=True)
    assert spark.conf.get("spark.databricks.delta.merge.materializeSource") == "auto"


def test_rows_beyond_the_watermark_are_counted_in_late_events_not_lost(spark, lakehouse_cfg):
    ensure_live_tables(spark, lakehouse_cfg)
    tracker = WatermarkTracker(spark, lakehouse_cfg, "q", TWO_HOURS)
    apply_batch(spark, lakehouse_cfg, tracker, silver_rows(spark, [{"event_ts_utc": "2024-05-01 12:00:00"}]), 0)
    # Watermark now 10:00: the 09:50 window (ends 10:00) is closed, the 10:00 one is still open.
    late_batch = silver_rows(
        spark,
        [
            {"event_ts_utc": "2024-05-01 09:50:00", "l2": "Refund", "region": "Lagos"},
            {"event_ts_utc": "2024-05-01 09:51:00", "l2": "Refund", "region": "Lagos"},
            {"event_ts_utc": "2024-05-01 10:00:00", "l2": "Refund", "region": "Lagos"},
        ],
    )
    counts = apply_batch(spark, lakehouse_cfg, tracker, late_batch, 1)
    assert counts == {"rows_in": 3, "counted": 1, "duplicates": 0, "late": 2}
    late = spark.read.format("delta").load(table_path(lakehouse_cfg, LATE_EVENTS.name))
    assert [(r["window_start"], r["l2"], r["count"], r["watermark"]) for r in late.collect()] == [
        (datetime(2024, 5, 1, 9, 45), "Refund", 2, datetime(2024, 5, 1, 10, 0))
    ]
    live = _live(spark, lakehouse_cfg).where(F.col("l2") == "Refund").collect()
    assert [(r["window_start"], r["complaints"]) for r in live] == [(datetime(2024, 5, 1, 10, 0), 1)]


def test_watermark_is_rebuilt_from_the_ledger_after_a_restart(spark, lakehouse_cfg):
    ensure_live_tables(spark, lakehouse_cfg)
    before = WatermarkTracker(spark, lakehouse_cfg, "q", TWO_HOURS)
    apply_batch(spark, lakehouse_cfg, before, silver_rows(spark, [{"event_ts_utc": "2024-05-01 12:00:00"}]), 0)
    after = WatermarkTracker(spark, lakehouse_cfg, "q", TWO_HOURS)  # a new process
    assert after.watermark_for(1) == _ts("2024-05-01 10:00")
    assert after.watermark_for(0) is None  # batch 0 replayed: judged as it was the first time


def test_last_15min_view_sums_the_windows_overlapping_the_last_15_minutes(spark, lakehouse_cfg):
    ensure_live_tables(spark, lakehouse_cfg)
    tracker = WatermarkTracker(spark, lakehouse_cfg, "q", TWO_HOURS)
    now = datetime.now(UTC)
    rows = [
        {"event_ts_utc": now - timedelta(minutes=1), "region": "Lagos"},
        {"event_ts_utc": now - timedelta(minutes=2), "region": "Lagos"},
        {"event_ts_utc": now - timedelta(minutes=3), "region": "North West"},
        {"event_ts_utc": now - timedelta(minutes=45), "region": "Lagos"},  # too old for the widget
    ]
    apply_batch(spark, lakehouse_cfg, tracker, silver_rows(spark, rows), 0)
    result = {r["region"]: r["complaints"] for r in spark.table("gold.live_last_15min").collect()}
    assert result == {"Lagos": 2, "North West": 1}


def test_parse_duration_reads_the_watermark_setting():
    assert parse_duration("2 hours") == TWO_HOURS
    assert parse_duration("30 minutes") == timedelta(minutes=30)
    with pytest.raises(ValueError, match="invalid duration"):
        parse_duration("2h")


def test_gold_settings_reject_an_unknown_key(tmp_path):
    assert load_gold_settings().live.watermark == "2 hours"
    with pytest.raises(GoldConfigError, match=r"'alerts\.spike_zz'"):
        load_gold_settings(overrides={"alerts.spike_zz": 3})
    bad = tmp_path / "gold.yaml"
    bad.write_text("live:\n  watermarc: 2 hours\n")
    with pytest.raises(GoldConfigError, match=r"gold\.yaml: unknown gold configuration key 'live\.watermarc'"):
        load_gold_settings(bad)
