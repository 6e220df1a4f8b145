"""Bronze -> silver for one micro-batch: parse, clean, check, resolve, mask, de-duplicate, enrich,
classify, and write complaints, quarantine and the batch's reconciliation counts.

Every bronze row of a batch gets exactly one disposition, so the counts reconcile by
construction and are checked before anything is written:

    rows_in = inserted + quarantined + duplicate_delivery + duplicate_text

Writes are idempotent: each is a Delta append with `txnAppId` (the query) and `txnVersion`
(the batch id), so a batch replayed after a crash is skipped by Delta instead of duplicated,
and complaints already in silver (same complaint id) are never inserted again.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from pyspark.sql import DataFrame, SparkSession, Window
from pyspark.sql import functions as F
from pyspark.sql.types import LongType, StringType, StructField, StructType, TimestampType

from beejan_lakehouse.bronze.files import SCHEMA_DRIFT
from beejan_lakehouse.config import Config
from beejan_lakehouse.logs import get_logger
from beejan_lakehouse.quality.expectations import evaluate, quarantine_rows
from beejan_lakehouse.silver.cleaning import clean_text, language_hint
from beejan_lakehouse.silver.customers import resolve_customers
from beejan_lakehouse.silver.dedup import HISTORY_COLUMNS, NearDuplicateFinder, complaint_id
from beejan_lakehouse.silver.dims import ReferenceDims
from beejan_lakehouse.silver.enrich import enrich
from beejan_lakehouse.silver.pii import mask_pii
from beejan_lakehouse.silver.schema import COMPLAINTS, SCHEMA_VERSION, SILVER_COMPLAINTS, SILVER_QUARANTINE
from beejan_lakehouse.sources.call_center import parse_call_center
from beejan_lakehouse.sources.drift import detect_drift
from beejan_lakehouse.sources.sms import parse_sms
from beejan_lakehouse.sources.social import parse_social
from beejan_lakehouse.sources.web_export import parse_web_export
from beejan_lakehouse.sources.webform import parse_webform
from beejan_lakehouse.tables import TableSpec, table_path

log = get_logger("silver")

KAFKA_PARSERS: dict[str, Callable[[DataFrame], DataFrame]] = {
    "social": parse_social,
    "sms": parse_sms,
    "webform": parse_webform,
}
FILE_PARSERS: dict[str, Callable[[DataFrame], DataFrame]] = {
    "call_center": parse_call_center,
    "web_export": parse_web_export,
}
DISPOSITIONS = ("inserted", "quarantined", "duplicate_delivery", "duplicate_text")
CLASSIFICATION_COLUMNS = {
    "l1": "string",
    "l2": "string",
    "confidence": "double",
    "classified_by": "string",
    "model_name": "string",
    "model_version": "string",
    "needs_review": "boolean",
}

SILVER_BATCHES = TableSpec(
    name="ops.silver_batches",
    schema=StructType(
        [
            StructField("query", StringType(), False),
            StructField("batch_id", LongType(), False),
            StructField("rows_in", LongType(), False),
            StructField("inserted", LongType(), False),
            StructField("quarantined", LongType(), False),
            StructField("duplicate_delivery", LongType(), False),
            StructField("duplicate_text", LongType(), False),
            StructField("near_duplicate", LongType(), False),  # inserted, flagged is_duplicate
            StructField("started_at", TimestampType(), False),
            StructField("duration_s", StringType(), False),
        ]
    ),
    constraints={
        "reconciles": "rows_in = inserted + quarantined + duplicate_delivery + duplicate_text",
    },
    comment="Per micro-batch reconciliation of bronze -> silver. Owner: ops.",
)


@dataclass
class SilverContext:
    """What a batch needs besides its rows: reference data, the key, dedup, the classifier seam."""

    dims: ReferenceDims
    key: bytes
    dedup: NearDuplicateFinder
    # The classification seam: a transform adding CLASSIFICATION_COLUMNS from text_masked, or
    # None to leave them null (e.g. before a champion model exists).
    classify: Callable[[DataFrame], DataFrame] | None = None
    _enrich: Callable[[DataFrame], DataFrame] | None = field(default=None, init=False, repr=False)

    @property
    def enrich(self) -> Callable[[DataFrame], DataFrame]:
        """The enrichment transform, built once: it collects the small dimensions into the plan."""
        if self._enrich is None:
            self._enrich = enrich(self.dims)
        return self._enrich


def parse_kafka_events(df: DataFrame) -> DataFrame:
    """bronze.kafka_events rows -> PARSED rows, each channel by its own parser."""
    parsed = [df.where(F.col("channel") == channel).transform(parser) for channel, parser in KAFKA_PARSERS.items()]
    out = parsed[0]
    for part in parsed[1:]:
        out = out.unionByName(part)
    return out


def standardise(ctx: SilverContext) -> Callable[[DataFrame], DataFrame]:
    """PARSED rows -> cleaned, checked rows with reasons, ids and customer keys (nothing dropped)."""

    def apply(parsed: DataFrame) -> DataFrame:
        # The web-form export repeats streamed submissions: one id space for both, so a
        # streamed submission and its export row are the same complaint.
        id_channel = F.when(F.col("channel") == "web_export", F.lit("webform")).otherwise(F.col("channel"))
        return (
            parsed.transform(clean_text)
            .transform(language_hint)
            .transform(evaluate())
            .withColumn("channel", id_channel)
            .withColumn("complaint_id", complaint_id(F.col("channel"), F.col("source_id")))
            .transform(resolve_customers(ctx.dims.customer, ctx.key))
            .transform(mask_pii())
        )

    return apply


def _existing(spark: SparkSession, cfg: Config, batch: DataFrame) -> DataFrame:
    """Silver rows on the batch's event dates (partition-pruned): redeliveries keep their time."""
    dates = [r["d"] for r in batch.select(F.date_format("event_ts_utc", "yyyy-MM-dd").alias("d")).distinct().collect()]
    silver = spark.read.format("delta").load(table_path(cfg, SILVER_COMPLAINTS.name))
    return silver.where(F.col("event_date").isin([d for d in dates if d]))


def _history(spark: SparkSession, cfg: Config, batch: DataFrame, window_hours: int) -> DataFrame:
    """Silver complaints of the batch's authors within the de-duplication window."""
    bounds = batch.agg(F.min("event_ts_utc").alias("lo"), F.max("event_ts_utc").alias("hi")).first()
    silver = spark.read.format("delta").load(table_path(cfg, SILVER_COMPLAINTS.name))
    if bounds["lo"] is None:
        return silver.select(*HISTORY_COLUMNS).limit(0)
    lo = F.lit(bounds["lo"]) - F.expr(f"INTERVAL {window_hours} HOURS")
    hi = F.lit(bounds["hi"]) + F.expr(f"INTERVAL {window_hours} HOURS")
    authors = batch.select("author_key").where(F.col("author_key").isNotNull()).distinct()
    return (
        silver.where(F.col("event_date").between(F.date_format(lo, "yyyy-MM-dd"), F.date_format(hi, "yyyy-MM-dd")))
        .where(F.col("event_ts_utc").between(lo, hi))
        .join(F.broadcast(authors), "author_key", "left_semi")
        .select(*HISTORY_COLUMNS)
    )


def dispose(spark: SparkSession, cfg: Config, ctx: SilverContext, standardised: DataFrame) -> DataFrame:
    """Give every standardised row a `disposition` and the duplicate columns.

    quarantined (failed an expectation) | duplicate_delivery (complaint id seen earlier in the
    batch or already in silver) | duplicate_text (same text, same author, within the window)
    | inserted (including near-duplicates, flagged is_duplicate).
    """
    valid = standardised.where(F.size("reasons") == 0)
    first = Window.partitionBy("complaint_id").orderBy(
        "ingest_ts", F.col("bronze_offset").asc_nulls_last(), F.col("bronze_line").asc_nulls_last()
    )
    ranked = valid.withColumn("_delivery", F.row_number().over(first))
    known = _existing(spark, cfg, valid).select(F.col("complaint_id").alias("_known")).distinct()
    # Materialised once: fresh, repeats, the history bounds and the signatures all read it.
    ranked = ranked.join(known, ranked["complaint_id"] == known["_known"], "left").localCheckpoint(eager=True)
    fresh = ranked.where((F.col("_delivery") == 1) & F.col("_known").isNull()).drop("_delivery", "_known")
    repeats = ranked.where((F.col("_delivery") > 1) | F.col("_known").isNotNull()).drop("_delivery", "_known")
    marked = fresh.transform(ctx.dedup.mark(_history(spark, cfg, fresh, ctx.dedup.settings.window_hours)))
    disposition = F.when(F.col("dup_kind") == "exact_text", "duplicate_text").otherwise("inserted")
    no_dup = {"is_duplicate": F.lit(False), "dup_cluster_id": F.lit(None).cast("string"), "dup_kind": F.lit(None)}
    return (
        marked.withColumn("disposition", disposition)
        .unionByName(repeats.withColumns({**no_dup, "disposition": F.lit("duplicate_delivery")}))
        .unionByName(
            standardised.where(F.size("reasons") > 0).withColumns({**no_dup, "disposition": F.lit("quarantined")}),
            allowMissingColumns=True,
        )
    )


def to_complaints(ctx: SilverContext) -> Callable[[DataFrame], DataFrame]:
    """Inserted rows -> the COMPLAINTS schema: enrich, classify (or the null seam), project."""

    def apply(df: DataFrame) -> DataFrame:
        enriched = df.transform(ctx.enrich)
        if ctx.classify is not None:
            classified = enriched.transform(ctx.classify)
        else:
            classified = enriched.withColumns(
                {name: F.lit(None).cast(dtype) for name, dtype in CLASSIFICATION_COLUMNS.items()}
            )
        extra = {
            "schema_version": F.lit(SCHEMA_VERSION),
            "event_date": F.date_format("event_ts_utc", "yyyy-MM-dd"),
            "silver_ts": F.current_timestamp(),
        }
        return classified.select(*[extra.get(f.name, F.col(f.name)).cast(f.dataType).alias(f.name) for f in COMPLAINTS])

    return apply


def process_batch(
    spark: SparkSession, cfg: Config, ctx: SilverContext, parsed: DataFrame, query: str, batch_id: int
) -> dict[str, int]:
    """Run one batch of PARSED rows through silver and write it; returns the reconciled counts."""
    started = time.monotonic()
    started_at = F.current_timestamp()
    # Materialise each stage once: later steps read it several times (counts, history bounds,
    # writes), and a truncated lineage keeps the plans small enough to analyse quickly.
    standardised = parsed.transform(standardise(ctx)).localCheckpoint(eager=True)
    stages = {"standardise_s": time.monotonic() - started}
    disposed = dispose(spark, cfg, ctx, standardised).localCheckpoint(eager=True)
    stages["dedup_s"] = time.monotonic() - started - stages["standardise_s"]
    tally = {
        (r["disposition"], r["is_duplicate"]): r["n"]
        for r in disposed.groupBy("disposition", "is_duplicate").agg(F.count("*").alias("n")).collect()
    }
    counts = {d: sum(n for (disp, _), n in tally.items() if disp == d) for d in DISPOSITIONS}
    result = {
        "rows_in": sum(tally.values()),
        **counts,
        "near_duplicate": tally.get(("inserted", True), 0),
    }
    if result["rows_in"] != sum(counts.values()):
        raise AssertionError(f"{query} batch {batch_id} does not reconcile: {result}")
    app_id = f"silver-{query}"
    # Drift in streamed JSON payloads (file headers are recorded by bronze, per file).
    # Empty writes are skipped (a Delta commit costs most of a second; a replayed batch
    # produces the same empty result, so idempotency does not need the commit).
    drift = detect_drift(standardised.where(F.col("bronze_file").isNull())).select(*SCHEMA_DRIFT.schema.fieldNames())
    drift_rows = drift.collect()  # a handful of rows at most: one per new field seen
    if drift_rows:
        _append(
            spark.createDataFrame(drift_rows, SCHEMA_DRIFT.schema), table_path(cfg, SCHEMA_DRIFT.name), app_id, batch_id
        )
    if result["inserted"]:
        inserted = disposed.where("disposition = 'inserted'").transform(to_complaints(ctx))
        _append(inserted, table_path(cfg, SILVER_COMPLAINTS.name), app_id, batch_id)
    if result["quarantined"]:
        quarantined = quarantine_rows(disposed.where("disposition = 'quarantined'"))
        _append(quarantined, table_path(cfg, SILVER_QUARANTINE.name), app_id, batch_id)
    metrics = (
        spark.range(1)
        .select(
            F.lit(query).alias("query"),
            F.lit(batch_id).cast("long").alias("batch_id"),
            *[F.lit(result[k]).cast("long").alias(k) for k in result],
            started_at.alias("started_at"),
            F.lit(f"{time.monotonic() - started:.2f}").alias("duration_s"),
        )
        .select(*[f.name for f in SILVER_BATCHES.schema])
    )
    _append(metrics, table_path(cfg, SILVER_BATCHES.name), app_id, batch_id)
    stages["write_s"] = time.monotonic() - started - stages["standardise_s"] - stages["dedup_s"]
    log.info(
        "%s batch %d: %s %s",
        query,
        batch_id,
        " ".join(f"{k}={v}" for k, v in result.items()),
        " ".join(f"{k}={v:.1f}" for k, v in stages.items()),
    )
    return result


def _append(df: DataFrame, path: str, app_id: str, batch_id: int) -> None:
    (
        df.write.format("delta")
        .mode("append")
        .option("txnAppId", app_id)  # replayed batch: Delta skips it instead of writing twice
        .option("txnVersion", batch_id)
        .save(path)
    )
