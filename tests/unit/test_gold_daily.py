"""gold.daily_kpis: values of a small known day, Lagos day bounds, idempotent re-runs, backfill."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from chispa import assert_df_equality
from pyspark.sql import functions as F

from beejan_lakehouse.gold.daily import DAILY_KPIS, backfill, business_day, compute_daily_kpis, kpi_rows, yesterday
from beejan_lakehouse.gold.settings import load_gold_settings
from beejan_lakehouse.gold.synthetic import silver_rows
from beejan_lakehouse.silver.schema import SILVER_COMPLAINTS
from beejan_lakehouse.tables import ensure_table, table_path

DAY = date(2024, 5, 2)
SETTINGS = load_gold_settings(overrides={"daily.rising_min_volume": 1, "daily.top_rising_per_region": 1})


def _ev(ts: str, latency_s: int = 60, **kw):
    event = datetime.fromisoformat(ts).replace(tzinfo=UTC)
    return {"event_ts_utc": event, "silver_ts": event + timedelta(seconds=latency_s), **kw}


KNOWN_DAY = [
    # 00:30 Lagos on May 2 is still May 1 in UTC: it belongs to the May 2 business day.
    _ev("2024-05-01 23:30:00", 60, channel="sms", region="Lagos", l2="Outage"),
    _ev("2024-05-02 10:00:00", 120, channel="sms", region="Lagos", l2="Outage"),
    _ev("2024-05-02 11:00:00", 900, channel="social", region="North West", l2="Refund", needs_review=True),
    _ev("2024-05-02 12:00:00", 60, channel="sms", region="Lagos", l2="Outage", is_duplicate=True),
    _ev("2024-05-02 23:30:00", 60, channel="sms", region="Lagos", l2="Outage"),  # 00:30 May 3 in Lagos
    # History: one complaint on each of the two days before.
    _ev("2024-05-01 10:00:00", 60, channel="sms", region="Lagos", l2="Outage"),
    _ev("2024-04-30 10:00:00", 60, channel="sms", region="Lagos", l2="Outage"),
]


def _load_silver(spark, cfg, rows):
    ensure_table(spark, cfg, SILVER_COMPLAINTS)
    silver_rows(spark, rows).write.format("delta").mode("append").save(table_path(cfg, SILVER_COMPLAINTS.name))


def _kpis(spark, cfg, day=DAY):
    return spark.read.format("delta").load(table_path(cfg, DAILY_KPIS.name)).where(F.col("kpi_date") == str(day))


def test_business_day_is_the_lagos_calendar_day():
    bounds = business_day(DAY, "Africa/Lagos")
    assert bounds.start_utc == datetime(2024, 5, 1, 23, tzinfo=UTC)
    assert bounds.end_utc == datetime(2024, 5, 2, 23, tzinfo=UTC)
    assert yesterday("Africa/Lagos", datetime(2024, 5, 2, 23, 30, tzinfo=UTC)) == DAY  # already May 3 in Lagos


def test_kpi_rows_trailing_average_ignores_days_without_data():
    volumes = [
        ("2024-05-02", "sms", "Lagos", "Network", "Outage", 4),
        ("2024-04-30", "sms", "Lagos", "Network", "Outage", 2),
    ]
    rows = {(d, v, c, m): x for d, v, c, m, x in kpi_rows(DAY, volumes, {}, SETTINGS.daily)}
    assert rows[("all", "all", None, "avg_7d")] == 2.0  # one active day, not 2/7
    assert rows[("all", "all", None, "change_vs_7d")] == 1.0
    assert rows[("region_l2", "Lagos", "Outage", "rising_rank")] == 1.0


def test_daily_kpis_of_a_known_day(spark, lakehouse_cfg):
    _load_silver(spark, lakehouse_cfg, KNOWN_DAY)
    compute_daily_kpis(spark, lakehouse_cfg, DAY, SETTINGS)
    actual = (
        _kpis(spark, lakehouse_cfg)
        .where(F.col("dimension").isin("all", "channel", "region_l2"))
        .where(F.col("metric").isin("volume", "share", "avg_7d", "change_vs_7d", "rising_rank", "needs_review_rate",
                                    "near_duplicate_rate", "latency_p50_s", "latency_within_sla_rate", "canaries_seen"))
        .select("dimension", "dimension_value", "category", "metric", "value")
    )  # fmt: skip
    expected = spark.createDataFrame(
        [
            ("all", "all", None, "volume", 3.0),
            ("all", "all", None, "avg_7d", 1.0),
            ("all", "all", None, "change_vs_7d", 2.0),
            ("all", "all", None, "needs_review_rate", 1 / 3),
            ("all", "all", None, "near_duplicate_rate", 0.25),
            ("all", "all", None, "latency_p50_s", 120.0),
            ("all", "all", None, "latency_within_sla_rate", 2 / 3),
            ("all", "all", None, "canaries_seen", 0.0),
            ("channel", "sms", None, "volume", 2.0),
            ("channel", "sms", None, "share", 2 / 3),
            ("channel", "sms", None, "avg_7d", 1.0),
            ("channel", "sms", None, "change_vs_7d", 1.0),
            ("channel", "social", None, "volume", 1.0),
            ("channel", "social", None, "share", 1 / 3),
            ("channel", "social", None, "avg_7d", 0.0),
            ("channel", "social", None, "change_vs_7d", None),
            ("region_l2", "Lagos", "Outage", "rising_rank", 1.0),
            ("region_l2", "Lagos", "Outage", "volume", 2.0),
            ("region_l2", "Lagos", "Outage", "avg_7d", 1.0),
            ("region_l2", "Lagos", "Outage", "change_vs_7d", 1.0),
            ("region_l2", "North West", "Refund", "rising_rank", 1.0),
            ("region_l2", "North West", "Refund", "volume", 1.0),
            ("region_l2", "North West", "Refund", "avg_7d", 0.0),
            ("region_l2", "North West", "Refund", "change_vs_7d", None),
        ],
        actual.schema,
    )
    assert_df_equality(actual, expected, ignore_row_order=True, ignore_nullable=True, allow_nan_equality=True)


def test_rerunning_a_day_replaces_only_that_day(spark, lakehouse_cfg):
    _load_silver(spark, lakehouse_cfg, KNOWN_DAY)
    backfill(spark, lakehouse_cfg, date(2024, 5, 1), DAY, SETTINGS)
    first = _kpis(spark, lakehouse_cfg).count()
    may1 = _kpis(spark, lakehouse_cfg, date(2024, 5, 1)).count()
    # A late complaint for May 2 arrives; re-running May 2 replaces its partition.
    _load_silver(spark, lakehouse_cfg, [_ev("2024-05-02 15:00:00", 86_400, channel="sms", region="Lagos", l2="Outage")])
    compute_daily_kpis(spark, lakehouse_cfg, DAY, SETTINGS)
    compute_daily_kpis(spark, lakehouse_cfg, DAY, SETTINGS)
    assert _kpis(spark, lakehouse_cfg).count() == first
    assert _kpis(spark, lakehouse_cfg, date(2024, 5, 1)).count() == may1
    volume = _kpis(spark, lakehouse_cfg).where("dimension = 'all' AND metric = 'volume'").first()["value"]
    assert volume == 4.0
