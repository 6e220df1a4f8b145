"""gold.daily_kpis: one Africa/Lagos business day of KPIs in a tidy long table, replaced per date.

The business day is the Africa/Lagos calendar day (UTC+1): day D covers event times
[D-1 23:00 UTC, D 23:00 UTC). Volumes count non-duplicate silver complaints by event time, so
late arrivals land on the day they happened (re-run a day to pick them up). Rates from
ops.silver_batches (duplicate, quarantine) are by processing time: batches started in the day.

Shape: Spark aggregates silver to (lagos_date, channel, region, l1, l2) counts over the day and
the 28 days before it (a few thousand rows), plus one row of day statistics (rates, latency
percentiles); the KPI rows are then computed by the pure `kpi_rows` in Python, which is where
the logic (and the tests) live. Contract: docs/gold.md.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pyspark.sql import SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import DoubleType, StringType, StructField, StructType, TimestampType

from beejan_lakehouse.config import Config
from beejan_lakehouse.gold.settings import DailySettings, GoldSettings, load_gold_settings
from beejan_lakehouse.logs import get_logger
from beejan_lakehouse.silver.pipeline import SILVER_BATCHES
from beejan_lakehouse.silver.schema import SILVER_COMPLAINTS
from beejan_lakehouse.tables import TableSpec, delta_table_exists, ensure_table, table_path

log = get_logger("gold.daily")

UNKNOWN = "Unknown"
DIMENSIONS = ("channel", "region", "l1", "l2")
TRAILING = (7, 28)

DAILY_KPIS = TableSpec(
    name="gold.daily_kpis",
    schema=StructType(
        [
            StructField("kpi_date", StringType(), False),  # yyyy-MM-dd, Africa/Lagos business day
            StructField("dimension", StringType(), False),  # all | channel | region | l1 | l2 | region_l2
            StructField("dimension_value", StringType(), False),  # 'all', or the channel/region/label
            StructField("category", StringType()),  # the l2 of a region_l2 row, else null
            StructField("metric", StringType(), False),
            StructField("value", DoubleType()),  # null when undefined (e.g. no trailing history)
            StructField("computed_at", TimestampType(), False),
        ]
    ),
    partition_by=("kpi_date",),
    comment="Daily complaint KPIs per Africa/Lagos business day, long format (dimension, metric, "
    "value); each day's partition is replaced on re-run. Contract: docs/gold.md. Owner: gold.",
)


@dataclass(frozen=True)
class DayBounds:
    """A business day and its half-open UTC interval."""

    day: date
    start_utc: datetime
    end_utc: datetime


def business_day(day: date, timezone: str) -> DayBounds:
    """The UTC bounds of the local calendar day `day` in `timezone` (Africa/Lagos: 23:00 to 23:00)."""
    zone = ZoneInfo(timezone)
    start = datetime.combine(day, datetime.min.time(), zone)
    end = datetime.combine(day + timedelta(days=1), datetime.min.time(), zone)
    return DayBounds(day, start.astimezone(UTC), end.astimezone(UTC))


def yesterday(timezone: str, now: datetime | None = None) -> date:
    """The business day before today in `timezone` (the default --date)."""
    return ((now or datetime.now(UTC)).astimezone(ZoneInfo(timezone)) - timedelta(days=1)).date()


def kpi_rows(
    day: date,
    volumes: Iterable[tuple[str, str, str, str, str, int]],
    day_stats: dict[str, float | None],
    settings: DailySettings,
) -> list[tuple[str, str, str | None, str, float | None]]:
    """The KPI rows of `day`: (dimension, dimension_value, category, metric, value).

    `volumes`: (lagos_date 'yyyy-MM-dd', channel, region, l1, l2, non-duplicate count) for the
    day and the 28 days before it. `day_stats`: metric -> value rows of dimension 'all'
    (rates, latency percentiles, ...), passed through. Trailing averages divide by the number of
    days in the window that have any complaints (a young lakehouse is not averaged with zeros);
    null when there are none.
    """
    per_day: dict[str, dict[tuple[str, str], float]] = defaultdict(lambda: defaultdict(float))
    for lagos_date, channel, region, l1, l2, n in volumes:
        cell = per_day[lagos_date]
        cell[("all", "all")] += n
        for dim, value in zip(DIMENSIONS, (channel, region, l1, l2), strict=True):
            cell[(dim, value)] += n
        cell[("region_l2", f"{region}\x00{l2}")] += n
    today = per_day.get(day.isoformat(), {})
    total = today.get(("all", "all"), 0.0)
    history = {n: [(day - timedelta(days=k)).isoformat() for k in range(1, n + 1)] for n in TRAILING}
    active = {n: [d for d in days if per_day.get(d, {}).get(("all", "all"), 0) > 0] for n, days in history.items()}
    keys = set(today) | {k for d in active[28] for k in per_day[d]}

    def trailing(key: tuple[str, str], n: int) -> float | None:
        days = active[n]
        return sum(per_day[d].get(key, 0.0) for d in days) / len(days) if days else None

    out: list[tuple[str, str, str | None, str, float | None]] = []
    rising: dict[str, list[tuple[float, str, float, float]]] = defaultdict(list)
    for key in sorted(keys):
        dim, value = key
        volume = today.get(key, 0.0)
        averages = {n: trailing(key, n) for n in TRAILING}
        if dim == "region_l2":
            region, l2 = value.split("\x00")
            avg7 = averages[7]
            if avg7 is not None and volume >= settings.rising_min_volume and volume > avg7:
                rising[region].append((volume - avg7, l2, volume, avg7))
            continue
        metrics: dict[str, float | None] = {"volume": volume}
        if dim != "all":
            metrics["share"] = volume / total if total else None
        for n, avg in averages.items():
            metrics[f"avg_{n}d"] = avg
            metrics[f"change_vs_{n}d"] = (volume / avg - 1.0) if avg else None
        out += [(dim, value, None, m, v) for m, v in metrics.items()]
    for region, candidates in sorted(rising.items()):
        # Rank by the absolute increase over the 7-day average: a ratio over a tiny base would
        # crown noise.
        ranked = sorted(candidates, key=lambda c: (-c[0], c[1]))[: settings.top_rising_per_region]
        for rank, (_, l2, volume, avg7) in enumerate(ranked, start=1):
            out += [
                ("region_l2", region, l2, "rising_rank", float(rank)),
                ("region_l2", region, l2, "volume", volume),
                ("region_l2", region, l2, "avg_7d", avg7),
                ("region_l2", region, l2, "change_vs_7d", volume / avg7 - 1.0 if avg7 else None),
            ]
    out += [("all", "all", None, metric, value) for metric, value in sorted(day_stats.items())]
    return out


def _silver_between(spark: SparkSession, cfg: Config, start: datetime, end: datetime, timezone: str):
    """Silver rows with event time in [start, end), partition-pruned, with their local date."""
    silver = spark.read.format("delta").load(table_path(cfg, SILVER_COMPLAINTS.name))
    return (
        silver.where(F.col("event_date").between(f"{start:%Y-%m-%d}", f"{end:%Y-%m-%d}"))
        .where((F.col("event_ts_utc") >= F.lit(start)) & (F.col("event_ts_utc") < F.lit(end)))
        .withColumn("lagos_date", F.date_format(F.from_utc_timestamp("event_ts_utc", timezone), "yyyy-MM-dd"))
    )


def _volumes(spark: SparkSession, cfg: Config, bounds: DayBounds, timezone: str) -> list[tuple]:
    start = business_day(bounds.day - timedelta(days=max(TRAILING)), timezone).start_utc
    rows = (
        _silver_between(spark, cfg, start, bounds.end_utc, timezone)
        .where(~F.col("is_duplicate"))
        .groupBy(
            "lagos_date", "channel", *[F.coalesce(F.col(c), F.lit(UNKNOWN)).alias(c) for c in ("region", "l1", "l2")]
        )
        .count()
        .collect()
    )
    return [tuple(r) for r in rows]


def _day_stats(spark: SparkSession, cfg: Config, bounds: DayBounds, settings: DailySettings) -> dict[str, Any]:
    """Rates and latency percentiles of the day (dimension 'all'), in one pass over its rows."""
    day = _silver_between(spark, cfg, bounds.start_utc, bounds.end_utc, settings.business_timezone)
    latency = F.unix_micros("silver_ts") / 1e6 - F.unix_micros("event_ts_utc") / 1e6
    pipeline = F.unix_micros("silver_ts") / 1e6 - F.unix_micros("ingest_ts") / 1e6
    original = ~F.col("is_duplicate")
    stats = day.agg(
        F.count(F.lit(1)).alias("silver_rows"),
        F.sum(F.col("is_duplicate").cast("int")).alias("near_duplicates"),
        F.sum(original.cast("int")).alias("complaints"),
        F.sum((original & F.coalesce(F.col("needs_review"), F.lit(False))).cast("int")).alias("needs_review"),
        F.sum((original & F.col("l1").isNull()).cast("int")).alias("unclassified"),
        F.percentile(F.when(original, latency), [0.5, 0.95, 0.99]).alias("latency"),
        F.percentile(F.when(original, pipeline), 0.95).alias("pipeline_p95"),
        F.sum((original & (latency <= settings.latency_sla_seconds)).cast("int")).alias("within_sla"),
    ).first()
    n = stats["complaints"] or 0
    p50, p95, p99 = stats["latency"] or (None, None, None)
    rows_in, quarantined, duplicates = _batch_counts(spark, cfg, bounds)
    return {
        "needs_review_rate": stats["needs_review"] / n if n else None,
        "unclassified_rate": stats["unclassified"] / n if n else None,
        "near_duplicate_rate": stats["near_duplicates"] / stats["silver_rows"] if stats["silver_rows"] else None,
        "latency_p50_s": p50,
        "latency_p95_s": p95,
        "latency_p99_s": p99,
        "latency_sla_s": float(settings.latency_sla_seconds),
        "latency_within_sla_rate": stats["within_sla"] / n if n else None,
        "pipeline_latency_p95_s": stats["pipeline_p95"],
        "bronze_rows_in": rows_in,
        "quarantined": quarantined,
        "quarantine_rate": quarantined / rows_in if rows_in else None,
        "duplicate_rate": duplicates / rows_in if rows_in else None,
        # No canary stream exists yet: the metric is kept (0) so the contract does not change
        # when the canary job starts reporting.
        "canaries_seen": 0.0,
    }


def _batch_counts(spark: SparkSession, cfg: Config, bounds: DayBounds) -> tuple[float, float, float]:
    """(rows_in, quarantined, duplicates of every kind) of silver batches started in the day."""
    path = table_path(cfg, SILVER_BATCHES.name)
    if not delta_table_exists(spark, path):
        return 0.0, 0.0, 0.0
    row = (
        spark.read.format("delta")
        .load(path)
        .where((F.col("started_at") >= F.lit(bounds.start_utc)) & (F.col("started_at") < F.lit(bounds.end_utc)))
        .agg(
            F.sum("rows_in").alias("rows_in"),
            F.sum("quarantined").alias("quarantined"),
            F.sum(F.col("duplicate_delivery") + F.col("duplicate_text") + F.col("near_duplicate")).alias("dups"),
        )
        .first()
    )
    return float(row["rows_in"] or 0), float(row["quarantined"] or 0), float(row["dups"] or 0)


def compute_daily_kpis(spark: SparkSession, cfg: Config, day: date, settings: GoldSettings | None = None) -> int:
    """Compute one business day's KPIs and replace its gold.daily_kpis partition; returns the row count.

    Idempotent: a re-run replaces exactly the day's partition (replaceWhere kpi_date = day).
    """
    settings = settings or load_gold_settings()
    daily = settings.daily
    ensure_table(spark, cfg, SILVER_COMPLAINTS)
    ensure_table(spark, cfg, DAILY_KPIS)
    bounds = business_day(day, daily.business_timezone)
    rows = kpi_rows(day, _volumes(spark, cfg, bounds, daily.business_timezone), _day_stats(spark, cfg, bounds, daily),
                    daily)  # fmt: skip
    now = datetime.now(UTC)
    kpis = spark.createDataFrame(
        [(day.isoformat(), dim, value, category, metric, None if v is None else float(v), now)
         for dim, value, category, metric, v in rows],
        DAILY_KPIS.schema,
    )  # fmt: skip
    (
        kpis.write.format("delta")
        .mode("overwrite")
        .option("replaceWhere", f"kpi_date = '{day.isoformat()}'")
        .save(table_path(cfg, DAILY_KPIS.name))
    )
    log.info("daily KPIs %s: %d rows", day, len(rows))
    return len(rows)


def backfill(spark: SparkSession, cfg: Config, start: date, end: date, settings: GoldSettings | None = None) -> dict:
    """Recompute every business day from `start` to `end` inclusive, oldest first; date -> rows."""
    if end < start:
        raise ValueError(f"backfill end {end} is before start {start}")
    settings = settings or load_gold_settings()
    done = {}
    day = start
    while day <= end:
        done[day.isoformat()] = compute_daily_kpis(spark, cfg, day, settings)
        day += timedelta(days=1)
    return done
