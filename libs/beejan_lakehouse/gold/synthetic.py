"""silver.complaints-shaped data for tests and benchmarks, without running bronze -> silver.

Three sources: hand-written rows (`silver_rows`, only the columns a test cares about; the rest
get valid defaults), simulator events (`silver_from_simulator`, from each event's ground truth,
with silver's dispositions applied: bad records and exact re-sends never reach silver, near
duplicates arrive flagged), and a generated day at full volume (`synthetic_day`, Spark-side).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from beejan_lakehouse.silver.schema import COMPLAINTS, L2_LABELS, SCHEMA_VERSION

L2_TO_L1 = {
    "Coverage": "Network", "Speed": "Network", "Outage": "Network",
    "Overcharge": "Billing", "Refund": "Billing", "Agent experience": "Service",
}  # fmt: skip
REGIONS = ("Lagos", "South West", "North Central", "North West", "North East", "South South", "South East")
CHANNELS = ("social", "sms", "webform", "call_center")


def utc(value: datetime | str) -> datetime:
    """An aware UTC datetime from a datetime (naive = UTC) or 'yyyy-MM-dd HH:MM[:SS]' text."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def silver_rows(spark: SparkSession, rows: Iterable[dict[str, Any]]) -> DataFrame:
    """Hand-built rows -> a DataFrame with exactly the COMPLAINTS schema.

    Each row needs `event_ts_utc` (datetime or text, UTC); everything else is optional: l1 is
    derived from l2, ingest_ts defaults to event + 2 s and silver_ts to ingest + 3 s.
    """
    records = []
    for i, row in enumerate(rows):
        event = utc(row["event_ts_utc"])
        ingest = utc(row.get("ingest_ts", event + timedelta(seconds=2)))
        l2 = row.get("l2")
        channel = row.get("channel", "sms")
        source_id = row.get("source_id", f"src-{i}-{event.isoformat()}")
        values = {
            "complaint_id": hashlib.sha256(f"{channel}|{source_id}".encode()).hexdigest(),
            "schema_version": SCHEMA_VERSION,
            "channel": channel,
            "source_id": source_id,
            "customer_resolved": False,
            "event_ts_utc": event,
            "event_tz": "UTC",
            "event_date": event.strftime("%Y-%m-%d"),
            "ingest_ts": ingest,
            "silver_ts": utc(row.get("silver_ts", ingest + timedelta(seconds=3))),
            "text_length_raw": 9,
            "text_clean": "complaint",
            "text_masked": "complaint",
            "pii_types": [],
            "region": row.get("region", "Lagos"),
            "city": row.get("city"),
            "l1": row.get("l1", L2_TO_L1.get(l2) if l2 else None),
            "l2": l2,
            "confidence": 0.9 if l2 else None,
            "classified_by": "rule" if l2 else None,
            "needs_review": row.get("needs_review", False),
            "is_duplicate": row.get("is_duplicate", False),
            "dup_kind": "near" if row.get("is_duplicate") else None,
            "quality_flags": [],
            "bronze_table": "bronze.kafka_events",
        }
        values.update({k: v for k, v in row.items() if k in values and k not in ("event_ts_utc",)})
        values["event_ts_utc"], values["ingest_ts"] = event, ingest
        values["silver_ts"] = utc(values["silver_ts"])
        records.append(tuple(values.get(f.name) for f in COMPLAINTS))
    return spark.createDataFrame(records, COMPLAINTS)


def silver_from_simulator(spark: SparkSession, events: Iterable[Any], pipeline_delay_s: float = 5.0) -> DataFrame:
    """Simulator SimEvents -> the silver rows the pipeline would produce (by their ground truth).

    Bad records (quarantined) and exact re-sends (duplicate deliveries) are dropped; near
    duplicates are kept with is_duplicate = true; silver_ts = arrival + pipeline_delay_s.
    """
    rows = []
    for event in events:
        truth = event.truth
        if truth["bad"] or truth["is_exact_dup"]:
            continue
        arrival = utc(truth["arrival_time_utc"].rstrip("Z"))
        rows.append(
            {
                "event_ts_utc": utc(truth["event_time_utc"].rstrip("Z")),
                "ingest_ts": arrival,
                "silver_ts": arrival + timedelta(seconds=pipeline_delay_s),
                "channel": truth["channel"],
                "source_id": truth["source_id"],
                "region": truth["region"],
                "city": truth["city"],
                "l2": truth["l2"],
                "is_duplicate": truth["near_dup_of"] is not None,
            }
        )
    return silver_rows(spark, rows)


def synthetic_day(spark: SparkSession, day: date, n: int = 40_000, seed: int = 1) -> DataFrame:
    """`n` silver complaints spread over the Lagos day `day` (UTC day - 1 h), generated Spark-side.

    Deterministic for (day, n, seed); about 3 % near duplicates and 8 % needing review.
    """
    start = datetime.combine(day, datetime.min.time(), UTC) - timedelta(hours=1)  # Lagos midnight
    start_s = int(start.timestamp())

    def pick(options: tuple[str, ...], salt: str) -> F.Column:
        index = F.pmod(F.xxhash64(F.col("id"), F.lit(seed), F.lit(salt)), F.lit(len(options))).cast("int")
        return F.element_at(F.array(*[F.lit(o) for o in options]), index + 1)

    def uniform(salt: str) -> F.Column:
        return F.pmod(F.xxhash64(F.col("id"), F.lit(seed), F.lit(salt)), F.lit(1_000_000)) / 1_000_000

    event = F.timestamp_seconds(F.lit(start_s) + (uniform("t") * 86_400).cast("long"))
    base = spark.range(n).select(
        "id",
        event.alias("event_ts_utc"),
        pick(CHANNELS, "c").alias("channel"),
        pick(REGIONS, "r").alias("region"),
        pick(L2_LABELS, "l").alias("l2"),
        (uniform("d") < 0.03).alias("is_duplicate"),
        (uniform("n") < 0.08).alias("needs_review"),
        (uniform("lat") * 20 + 1).alias("ingest_delay_s"),
    )
    l1 = F.create_map(*[F.lit(x) for kv in L2_TO_L1.items() for x in kv])[F.col("l2")]
    ingest = F.timestamp_micros(F.unix_micros("event_ts_utc") + (F.col("ingest_delay_s") * 1e6).cast("long"))
    values = {
        "complaint_id": F.sha2(F.concat_ws("|", F.lit(f"synthetic{seed}"), F.col("id").cast("string")), 256),
        "schema_version": F.lit(SCHEMA_VERSION),
        "source_id": F.concat(F.lit("syn-"), F.col("id").cast("string")),
        "customer_resolved": F.lit(False),
        "event_tz": F.lit("UTC"),
        "event_date": F.date_format("event_ts_utc", "yyyy-MM-dd"),
        "ingest_ts": ingest,
        "silver_ts": F.timestamp_micros(F.unix_micros(ingest) + F.lit(3_000_000)),
        "text_length_raw": F.lit(9),
        "text_clean": F.lit("complaint"),
        "text_masked": F.lit("complaint"),
        "pii_types": F.array().cast("array<string>"),
        "l1": l1,
        "confidence": F.lit(0.9),
        "classified_by": F.lit("rule"),
        "dup_kind": F.when(F.col("is_duplicate"), F.lit("near")),
        "quality_flags": F.array().cast("array<string>"),
        "bronze_table": F.lit("bronze.synthetic"),
    }
    return base.select(
        *[
            (values[f.name] if f.name in values else F.col(f.name) if f.name in base.columns else F.lit(None))
            .cast(f.dataType)
            .alias(f.name)
            for f in COMPLAINTS
        ]
    )
