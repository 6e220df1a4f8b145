"""Bronze -> silver for one micro-batch: parse, clean, check, resolve, mask, de-duplicate, enrich,
classify, and write complaints, quarantine and the batch's reconciliation counts.

Every bronze row of a batch gets exactly one disposition, so the counts reconcile by
construction and are checked before the complaints, the live counts and the batch's counts are
written (quarantine and schema drift, which depend on nothing else, commit meanwhile):

    rows_in = inserted + quarantined + duplicate_delivery + duplicate_text

Writes are idempotent: each is a Delta append with `txnAppId` (the query) and `txnVersion`
(the batch id), so a batch replayed after a crash is skipped by Delta instead of duplicated,
and complaints already in silver (same complaint id) are never inserted again.
"""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property, reduce
from typing import NamedTuple, Protocol

from pyspark.sql import Column, DataFrame, Row, SparkSession, Window
from pyspark.sql import functions as F
from pyspark.sql.types import BooleanType, LongType, StringType, StructField, StructType, TimestampType

from beejan_lakehouse.bronze.files import SCHEMA_DRIFT
from beejan_lakehouse.columns import cast, per_session, with_timestamp
from beejan_lakehouse.config import Config
from beejan_lakehouse.logs import get_logger
from beejan_lakehouse.plans import Rebindable
from beejan_lakehouse.quality.expectations import evaluate, quarantine_rows
from beejan_lakehouse.silver.cleaning import clean_text, language_hint
from beejan_lakehouse.silver.customers import resolve_customers
from beejan_lakehouse.silver.dedup import HISTORY_COLUMNS, NearDuplicateFinder, complaint_id, normalised_text
from beejan_lakehouse.silver.dims import ReferenceDims
from beejan_lakehouse.silver.enrich import enrich
from beejan_lakehouse.silver.pii import mask_pii
from beejan_lakehouse.silver.schema import COMPLAINTS, SCHEMA_VERSION, SILVER_COMPLAINTS, SILVER_QUARANTINE
from beejan_lakehouse.sources.call_center import parse_call_center
from beejan_lakehouse.sources.drift import detect_drift, has_drift
from beejan_lakehouse.sources.sms import parse_sms
from beejan_lakehouse.sources.social import parse_social
from beejan_lakehouse.sources.web_export import parse_web_export
from beejan_lakehouse.sources.webform import parse_webform
from beejan_lakehouse.streaming import in_background, run_concurrently, scheduler_pool, txn_app_id
from beejan_lakehouse.tables import (
    STREAM_APPENDED_NOT_READ_BACK,
    TableSpec,
    append_idempotent,
    delta_txn_version,
    table_path,
)

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
    properties=STREAM_APPENDED_NOT_READ_BACK,
)


class LiveUpdate(Protocol):
    def apply(
        self,
        source_query: str,
        complaints: DataFrame,
        batch_id: int,
        run: str | None,
        defer: list[Callable[[], object]] | None = None,
    ) -> dict[str, int]: ...


@dataclass
class SilverContext:
    """What a batch needs besides its rows: reference data, the key, dedup, the classifier seam.

    The transforms are built once per stream (first use) and reused by every micro-batch:
    their column expressions and dimension joins are py4j objects, costly to rebuild per batch.
    """

    dims: ReferenceDims
    key: bytes
    dedup: NearDuplicateFinder
    # The classification seam: a transform adding CLASSIFICATION_COLUMNS from text_masked, or
    # None to leave them null (e.g. before a champion model exists).
    classify: Callable[..., DataFrame] | None = None
    # The gold live-window seam (gold.live.LiveWindowUpdater when live.update is in_silver):
    # apply(query, inserted complaints, batch_id, run, defer): the MERGE first and alone, its
    # ledger and late-event appends deferred to the batch's own commits.
    live: LiveUpdate | None = None

    @cached_property
    def enrich(self) -> Callable[[DataFrame], DataFrame]:
        """The enrichment transform: it collects the small dimensions into the plan."""
        return enrich(self.dims)

    @cached_property
    def standardise(self) -> Callable[[DataFrame], DataFrame]:
        return standardise(self)

    @cached_property
    def annotate(self) -> Callable[[DataFrame], DataFrame]:
        return annotate(self)

    @cached_property
    def per_row(self) -> Rebindable:
        """All of silver's per-row work over a materialised PARSED batch, numbered (`_row`):
        built for the first batch of each shape, re-bound to the later ones (plans.py)."""
        return Rebindable(
            lambda parsed: (
                parsed.transform(self.standardise)
                .transform(self.annotate)
                .transform(_read_later)
                .withColumn("_row", F.monotonically_increasing_id())
            )
        )

    @cached_property
    def known(self) -> Rebindable:
        """`known_rows` over (the materialised rows' valid keys, materialised `_nearby`), re-bound
        per batch."""
        return Rebindable(known_rows)

    @cached_property
    def matches(self) -> dict[bool, Rebindable]:
        """`fresh_matches` over (materialised known rows, history), outside a replay (False) and on
        one (True), re-bound per batch."""
        return {replay: Rebindable(fresh_matches(self, replay)) for replay in (False, True)}

    @cached_property
    def decide(self) -> dict[bool, Rebindable]:
        """`decide_exceptions` over (materialised known rows, history, materialised matches),
        outside a replay (False) and on one (True), re-bound per batch."""
        return {replay: Rebindable(decide_exceptions(self, replay)) for replay in (False, True)}


def _read_later(rows: DataFrame) -> DataFrame:
    """The per-row pass's output as the batch's later steps read it (it is materialised, then
    read by de-duplication, the complaints, the quarantine and the drift).

    Without what none of them reads, ~40 % of a row's bytes on the 500,000-event bench: the
    text as sent and the normalised text (the complaint keeps text_clean, text_masked, and
    de-duplication `_text_key` and `_sig`), and a valid record's payload (only a quarantined
    record's is written).
    """
    return rows.withColumn("raw_payload", F.when(F.size("reasons") > 0, F.col("raw_payload"))).drop("text_raw", "_norm")


def parse_kafka_events(df: DataFrame) -> DataFrame:
    """bronze.kafka_events rows -> PARSED rows, each channel by its own parser (each reads `df`:
    pass a materialised frame)."""
    parsed = [df.where(_channel_is(channel)).transform(parser) for channel, parser in KAFKA_PARSERS.items()]
    out = parsed[0]
    for part in parsed[1:]:
        out = out.unionByName(part)
    return out


@per_session
def _channel_is(channel: str) -> Column:
    return F.col("channel") == channel


def standardise(ctx: SilverContext) -> Callable[[DataFrame], DataFrame]:
    """PARSED rows -> cleaned, checked rows with reasons, ids and customer keys (nothing dropped)."""
    checks = evaluate()
    resolve = resolve_customers(ctx.dims.customer, ctx.key)
    mask = mask_pii()
    # The web-form export repeats streamed submissions: one id space for both, so a streamed
    # submission and its export row are the same complaint.
    id_channel = F.when(F.col("channel") == "web_export", F.lit("webform")).otherwise(F.col("channel"))
    complaint = complaint_id(F.col("channel"), F.col("source_id"))

    def apply(parsed: DataFrame) -> DataFrame:
        return (
            parsed.transform(clean_text)
            .transform(language_hint)
            .transform(checks)
            .withColumn("channel", id_channel)
            .withColumn("complaint_id", complaint)
            .transform(resolve)
            .transform(mask)
        )

    return apply


def annotate(ctx: SilverContext) -> Callable[[DataFrame], DataFrame]:
    """Standardised rows -> plus enrichment, classification and the de-duplication signature.

    All the per-row work of silver, done in the same pass as `standardise` for every record
    (including the few that later turn out to be repeats), so the batch is materialised once
    and de-duplication only moves narrow key rows around.
    """
    # Quarantined records are neither classified nor signed: their text may be anything
    # (the simulator's 50,000-character texts cost more than a whole batch of real ones).
    valid = F.size("reasons") == 0
    inputs = {"_norm": normalised_text("text_masked"), "_classify_text": F.when(valid, F.col("text_masked"))}
    # De-duplication's inputs (NearDuplicateFinder.signatures), made from `_norm`.
    signed = ctx.dedup.signed(F.col("_norm"), valid)
    no_classifier = {**signed, **{n: F.lit(None).cast(t) for n, t in CLASSIFICATION_COLUMNS.items()}}

    def apply(df: DataFrame) -> DataFrame:
        enriched = df.transform(ctx.enrich).withColumns(inputs)
        if ctx.classify is None:
            out = enriched.withColumns(no_classifier)
        else:
            # Both pandas UDFs in one projection: one Arrow round trip per row, not two.
            out = ctx.classify(enriched, with_columns=signed)
        return out.drop("_classify_text")

    return apply


# What the gold live windows read of a complaint.
_LIVE_COLUMNS = ("event_ts_utc", "channel", "region", "l1", "l2", "is_duplicate")

# The narrow rows de-duplication works on; `_row` ties them back to the materialised batch.
# Where a record came from in bronze: the same coordinates are the same delivery of it.
# They also carry the live windows' keys, so the live counts are taken from them, not from
# another scan of the wide materialised batch.
LINEAGE = ("bronze_table", "bronze_partition", "bronze_offset", "bronze_file", "bronze_line")
_KEY_COLUMNS = (
    "_row", "complaint_id", "author_key", "event_ts_utc", "ingest_ts", *LINEAGE,
    "_text_key", "_sig", "retweet_of_id", "channel", "region", "l1", "l2",
)  # fmt: skip


def _silver(spark: SparkSession, cfg: Config) -> DataFrame:
    return spark.read.format("delta").load(table_path(cfg, SILVER_COMPLAINTS.name))


def _nearby(silver: DataFrame, keys: DataFrame, bounds: tuple[datetime, datetime], window_hours: int) -> DataFrame:
    """The silver complaints a batch can relate to, in one scan of its window: the batch's own
    complaint ids (earlier deliveries, `_by_id`), the complaints its retweets point at (usually
    someone else's, also `_by_id`) and its authors' complaints (`_by_author`).

    Re-deliveries keep their event time (a web-form export row is within minutes of its
    streamed submission), so the event-time window of the duplicates also holds them.
    Columns: HISTORY_COLUMNS, LINEAGE, _by_id (true: one of the batch's ids or retweet targets).
    """
    c = _dedup_columns()
    lo, hi = scan_bounds(bounds, window_hours)
    in_window = silver.where(
        F.col("event_date").between(f"{lo:%Y-%m-%d}", f"{hi:%Y-%m-%d}") & F.col("event_ts_utc").between(lo, hi)
    ).select(*HISTORY_COLUMNS, *LINEAGE)
    ids = keys.select("complaint_id").unionByName(keys.where(c["is_retweet"]).select(c["retweeted_id"])).distinct()
    authors = keys.where(c["has_author"]).select("author_key").distinct()
    return (
        in_window.join(F.broadcast(ids.withColumn("_by_id", F.lit(True))), "complaint_id", "left")
        .join(F.broadcast(authors.withColumn("_by_author", F.lit(True))), "author_key", "left")
        .where(F.col("_by_id").isNotNull() | F.col("_by_author").isNotNull())
        .select(*HISTORY_COLUMNS, *LINEAGE, c["by_id_flag"])
    )


def scan_bounds(bounds: tuple[datetime, datetime], window_hours: int) -> tuple[datetime, datetime]:
    """The event-time span of silver a batch spanning `bounds` relates to: `window_hours` either
    side, rounded out to whole UTC hours (aware datetimes).

    Rounded because Spark's generated code inlines timestamp literals: bounds exact to the
    microsecond made it compile the scan's code (five classes) anew for every micro-batch, and
    the JVM JIT-compile them again; with whole hours it reuses them for the hour. The slack only
    adds rows the exact window of the pairing leaves out.
    """
    # collect() gives naive datetimes in the process's zone, the one .timestamp() assumes.
    lo = math.floor(bounds[0].timestamp() / 3600) * 3600 - window_hours * 3600
    hi = math.ceil(bounds[1].timestamp() / 3600) * 3600 + window_hours * 3600
    return datetime.fromtimestamp(lo, UTC), datetime.fromtimestamp(hi, UTC)


@per_session
def _dedup_columns() -> dict[str, Column]:
    first = Window.partitionBy("complaint_id").orderBy(
        "ingest_ts", F.col("bronze_offset").asc_nulls_last(), F.col("bronze_line").asc_nulls_last()
    )
    no_dup = [F.lit(False).alias("is_duplicate"), F.lit(None).cast("string").alias("dup_kind")]
    disposition = F.when(F.col("dup_kind") == "exact_text", "duplicate_text").otherwise("inserted")
    valid = F.size("reasons") == 0
    return {
        "valid": valid,
        "has_author": F.col("author_key").isNotNull(),
        "is_retweet": F.col("retweet_of_id").isNotNull(),
        "retweeted_id": complaint_id(F.lit("social"), F.col("retweet_of_id")).alias("complaint_id"),
        # The batch summary, one aggregate: counts, and the event-time span of the valid rows.
        "summary": [
            F.count(F.when(valid, 1)).alias("valid"),
            F.count(F.when(~valid, 1)).alias("quarantined"),
            F.min(F.when(valid, F.col("event_ts_utc"))).alias("lo"),
            F.max(F.when(valid, F.col("event_ts_utc"))).alias("hi"),
            # Streamed records with schema drift (file sources' drift is recorded by bronze).
            F.count(F.when(F.col("bronze_file").isNull() & has_drift(), 1)).alias("drifted"),
        ],
        "delivery": F.row_number().over(first),
        "by_id_flag": F.col("_by_id").isNotNull().alias("_by_id"),
        "by_id": F.col("_by_id"),
        "known_id": [F.col("complaint_id").alias("_known"), *(F.col(c).alias(f"_known_{c}") for c in LINEAGE)],
        "is_known": F.col("complaint_id") == F.col("_known"),
        # Known in silver with this row's own bronze coordinates: the same record, written there
        # by an earlier attempt of this batch (or, after a checkpoint reset, by an earlier run).
        "own": F.col("_known").isNotNull()
        & reduce(lambda a, b: a & b, [F.col(c).eqNullSafe(F.col(f"_known_{c}")) for c in LINEAGE]),
        "known_lineage": [f"_known_{c}" for c in LINEAGE],
        "repeat": (F.col("_delivery") > 1) | F.col("_known").isNotNull(),
        "repeat_on_replay": (F.col("_delivery") > 1) | (F.col("_known").isNotNull() & ~F.col("_own")),
        "is_own": F.col("_own"),
        "is_repeat": F.col("_repeat"),
        "is_fresh": ~F.col("_repeat"),
        "is_duplicate": F.col("is_duplicate"),
        "repeats": [
            F.lit("duplicate_delivery").alias("disposition"),
            *no_dup,
            F.lit(None).cast("string").alias("dup_cluster_id"),
        ],
        "flagged": [
            disposition.alias("disposition"),
            F.col("is_duplicate"),
            F.col("dup_kind"),
            F.col("dup_cluster_id"),
        ],
    }


def batch_summary(rows: DataFrame) -> Row:
    """valid, quarantined (counts), lo, hi (event-time span of the valid rows), drifted (count)."""
    return rows.agg(*_dedup_columns()["summary"]).first()


class Dispositions(NamedTuple):
    """What de-duplication decided (`dispositions`)."""

    # The valid rows that are not plain inserts: `_row`, disposition, is_duplicate, dup_kind,
    # dup_cluster_id (materialised).
    exceptions: DataFrame
    # Every valid row, narrow: _KEY_COLUMNS (materialised when the batch has any).
    valid_keys: DataFrame


def dispositions(
    spark: SparkSession,
    cfg: Config,
    ctx: SilverContext,
    rows: DataFrame,
    summary: Row,
    app_id: str,
    batch_id: int,
    keep: bool = True,
) -> Dispositions:
    """The valid rows that are NOT plain inserts (`exceptions`): `_row`, disposition, is_duplicate,
    dup_kind, dup_cluster_id; and the narrow key rows of every valid row (`valid_keys`).

    duplicate_delivery (complaint id seen earlier in the batch or already in silver) |
    duplicate_text (same text, same author, within the window) | inserted with is_duplicate
    (near-duplicate or retweet). Every valid row absent from the result is a plain insert
    (its own cluster); rows with reasons are quarantined. `summary`: batch_summary(rows).
    Both are materialised.

    Replays: if silver already holds this batch's complaints (the attempt that committed them
    failed on another write), the batch is judged as the first attempt judged it: its own rows
    in silver (same bronze coordinates, and silver's txn for `app_id` at `batch_id` or later)
    are neither repeats nor history, so every table gets the same dispositions.

    The plans after silver's scan are re-bound from an earlier batch's (`SilverContext.known`,
    `matches`, `decide`); `keep`: this batch may be their template (a small batch).
    """
    c = _dedup_columns()
    keys = rows.where(c["valid"]).select(*_KEY_COLUMNS)
    if summary["lo"] is None:  # nothing valid in this batch
        return Dispositions(spark.createDataFrame([], _DISPOSITION_SCHEMA), keys)
    # One snapshot and one scan of silver for both look-ups: earlier deliveries and history.
    window_hours = ctx.dedup.settings.window_hours
    nearby = _nearby(_silver(spark, cfg), keys, (summary["lo"], summary["hi"]), window_hours)
    nearby = nearby.localCheckpoint(eager=True)
    joined = ctx.known(keys, nearby, keep=keep).localCheckpoint(eager=True)
    # The txn first: it is a look at silver's log, the own-rows count a Spark job, and on the
    # live path (no failed attempt) the txn alone already says "not a replay".
    replay = (delta_txn_version(spark, table_path(cfg, SILVER_COMPLAINTS.name), app_id) or -1) >= batch_id and bool(
        joined.where(c["is_own"]).limit(1).count()
    )
    # The history: what the batch is compared with (its authors' window, the retweeted
    # originals). A replayed batch whose complaints an earlier attempt committed finds them in
    # silver: they are not its history (each row would be its own near-duplicate). Rows that
    # relate to no fresh row (a repeat's author) pair with nothing. Read by pairing and retweet
    # resolution: materialised. Outside a replay no fresh row is in silver (one that is, is a
    # repeat), so the history is `nearby` itself.
    history = nearby.select(*HISTORY_COLUMNS)
    if replay:
        own = F.broadcast(_fresh(_ranked(joined, replay)).select("complaint_id"))
        history = history.join(own, "complaint_id", "left_anti").localCheckpoint(eager=True)
    # The pairing, once: the exceptions read the matches in several places.
    matches = ctx.matches[replay](joined, history, keep=keep).localCheckpoint(eager=True)
    exceptions = ctx.decide[replay](joined, history, matches, keep=keep)
    return Dispositions(exceptions.localCheckpoint(eager=True), joined.select(*_KEY_COLUMNS))


def known_rows(keys: DataFrame, nearby: DataFrame) -> DataFrame:
    """The batch's valid key rows (_KEY_COLUMNS) with their delivery number within the batch
    (`_delivery`), the silver complaint of the same id (`_known`, null if none) and whether that
    is this very record (`_own`: same bronze coordinates). `nearby`: `_nearby`'s rows."""
    c = _dedup_columns()
    known = nearby.where(c["by_id"]).select(*c["known_id"])
    return (
        keys.withColumn("_delivery", c["delivery"])
        .join(known, c["is_known"], "left")
        .withColumn("_own", c["own"])
        .drop(*c["known_lineage"])
    )


def _ranked(joined: DataFrame, replay: bool) -> DataFrame:
    """`known_rows` with `_repeat`: an earlier delivery in the batch or in silver (on a replay,
    not the batch's own rows an earlier attempt committed)."""
    c = _dedup_columns()
    repeat = c["repeat_on_replay"] if replay else c["repeat"]
    return joined.withColumn("_repeat", repeat).drop("_delivery", "_known", "_own")


def _fresh(ranked: DataFrame) -> DataFrame:
    """`_ranked`'s rows that are not repeats (what de-duplication pairs), without `_repeat`."""
    return ranked.where(_dedup_columns()["is_fresh"]).drop("_repeat")


def fresh_matches(ctx: SilverContext, replay: bool) -> Callable[[DataFrame, DataFrame], DataFrame]:
    """(known_rows, history) -> each fresh row's best earlier match (NearDuplicateFinder.matches)."""

    def apply(joined: DataFrame, history: DataFrame) -> DataFrame:
        return ctx.dedup.matches(_fresh(_ranked(joined, replay)), history)

    return apply


def decide_exceptions(ctx: SilverContext, replay: bool) -> Callable[[DataFrame, DataFrame, DataFrame], DataFrame]:
    """(known_rows, history, fresh_matches) -> the valid rows that are not plain inserts: `_row`,
    disposition, is_duplicate, dup_kind, dup_cluster_id (see `dispositions`)."""
    c = _dedup_columns()

    def apply(joined: DataFrame, history: DataFrame, matches: DataFrame) -> DataFrame:
        ranked = _ranked(joined, replay)
        marked = ctx.dedup.resolve(_fresh(ranked), matches, history).where(c["is_duplicate"])
        repeats = ranked.where(c["is_repeat"]).select("_row", *c["repeats"])
        return repeats.unionByName(marked.select("_row", *c["flagged"]))

    return apply


_DISPOSITION_SCHEMA = StructType(
    [
        StructField("_row", LongType(), False),
        StructField("disposition", StringType(), False),
        StructField("is_duplicate", BooleanType(), False),
        StructField("dup_kind", StringType(), True),
        StructField("dup_cluster_id", StringType(), True),
    ]
)


def inserted_rows(rows: DataFrame, exceptions: DataFrame) -> DataFrame:
    """Valid rows that are inserts (plain or flagged near-duplicates), with their duplicate
    columns: every column of `rows` (without the write time)."""
    c = _insert_columns()
    return _inserts(rows.where(c["valid"]), exceptions).withColumns(c["defaults"])


def live_rows(decided: Dispositions) -> DataFrame:
    """The inserted complaints as the live windows count them (_LIVE_COLUMNS), from the narrow key
    rows: on a 500,000-row batch a scan of the wide rows cost seconds (bench/RESULTS.md)."""
    c = _insert_columns()
    return _inserts(decided.valid_keys, decided.exceptions.select(*c["live_exception"])).select(*c["live"])


def _inserts(valid: DataFrame, exceptions: DataFrame) -> DataFrame:
    """The valid rows that are inserted, with their exception columns (null for a plain insert)."""
    return valid.join(F.broadcast(exceptions), "_row", "left").where(_insert_columns()["inserted"])


def inserted_complaints(inserted: DataFrame, silver_ts: datetime) -> DataFrame:
    """`inserted_rows` -> the COMPLAINTS schema, written at `silver_ts`."""
    return with_timestamp(inserted, "silver_ts", silver_ts).select(*_insert_columns()["projection"])


@per_session
def _insert_columns() -> dict:
    extra = {
        "schema_version": F.lit(SCHEMA_VERSION),
        "event_date": F.date_format("event_ts_utc", "yyyy-MM-dd"),
    }
    is_duplicate = F.coalesce(F.col("is_duplicate"), F.lit(False))
    return {
        "valid": F.size("reasons") == 0,
        "inserted": F.coalesce(F.col("disposition"), F.lit("inserted")) == "inserted",
        "defaults": {
            "is_duplicate": is_duplicate,
            "dup_cluster_id": F.coalesce(F.col("dup_cluster_id"), F.col("complaint_id")),
        },
        "projection": [cast(extra.get(f.name, F.col(f.name)), f.dataType).alias(f.name) for f in COMPLAINTS],
        "live_exception": ["_row", "disposition", "is_duplicate"],
        "live": [
            *(F.col(n) for n in _LIVE_COLUMNS if n != "is_duplicate"),
            is_duplicate.alias("is_duplicate"),
        ],
    }


def process_batch(
    spark: SparkSession,
    cfg: Config,
    ctx: SilverContext,
    parsed: DataFrame,
    query: str,
    batch_id: int,
    run: str | None = None,
) -> dict[str, int]:
    """Run one batch of PARSED rows through silver and write it; returns the reconciled counts.

    `run`: the streaming checkpoint's id (streaming.CheckpointRun), part of the writes' txnAppId.
    """
    started = time.monotonic()
    # Parsed once: the Python lookups (ftfy, phonenumbers) read their keys off it first.
    parsed, n = _right_sized(parsed.localCheckpoint(eager=True))
    # Every per-row step runs once, here; the batch is materialised and later steps read it.
    # The plan is re-bound from an earlier batch's; only a small batch's is kept as a template
    # (a template keeps its batch's materialised rows).
    small = n <= ROWS_PER_PARTITION
    rows = ctx.per_row(parsed, keep=small).localCheckpoint(eager=True)
    stages = {"rows_s": time.monotonic() - started}
    app_id = txn_app_id("silver", query, run)
    summary = batch_summary(rows)
    # Quarantine and schema drift depend on the rows alone: they commit while de-duplication
    # runs (a chain of small jobs that leaves the cores half idle), not after it; each only when
    # the batch has such rows (the summary counted them).
    early: list[Callable[[], object]] = []
    if summary["drifted"]:
        early.append(lambda: _append_drift(spark, cfg, rows, app_id, batch_id))
    if summary["quarantined"]:
        quarantined = quarantine_rows(rows.where(F.size("reasons") > 0), datetime.now(UTC))
        early.append(lambda: append_idempotent(quarantined, table_path(cfg, SILVER_QUARANTINE.name), app_id, batch_id))
    with in_background(early):
        decided = dispositions(spark, cfg, ctx, rows, summary, app_id, batch_id, keep=small)
        exceptions = decided.exceptions
        stages["dedup_s"] = time.monotonic() - started - stages["rows_s"]
        result = _reconciled(summary, exceptions, query, batch_id)
        metrics = spark.createDataFrame(
            [(query, batch_id, *(result[k] for k in result), datetime.now(UTC), f"{time.monotonic() - started:.2f}")],
            SILVER_BATCHES.schema,
        )
        writes: list[Callable[[], object]] = [
            lambda: append_idempotent(metrics, table_path(cfg, SILVER_BATCHES.name), app_id, batch_id)
        ]
        if result["inserted"]:
            inserted = inserted_rows(rows, exceptions)
            complaints = inserted_complaints(inserted, datetime.now(UTC))
            if ctx.live is not None:
                updater = ctx.live

                def update_live(defer: list[Callable[[], object]] | None = None) -> None:
                    # In a pool of its own: its small jobs take the next free core instead of
                    # waiting for every task of the jobs before them (in a backlog batch, the
                    # complaints' write beside it: its first job waited 10 s in the default pool).
                    with scheduler_pool(spark, LIVE_POOL):
                        updater.apply(query, live_rows(decided), batch_id, run, defer=defer)
                    # When the live counts were on screen, from the batch's start (freshness).
                    stages["live_at_s"] = time.monotonic() - started

                if small:
                    # First and alone: the live counts are what a dashboard waits for; silver's
                    # own commits (and gold's ledger, deferred to them) follow. Either order is
                    # safe (see below), this one is sooner on screen.
                    update_live(defer=writes)
                else:
                    # A backlog batch (a catch-up, a replay): the MERGE of its many windows is
                    # mostly driver time (counts to and from Python, planning), which the
                    # complaints' write fills: side by side (500,000 events: writes 3-3.5 s
                    # shorter, bench/RESULTS.md).
                    writes.append(update_live)
            path = table_path(cfg, SILVER_COMPLAINTS.name)
            writes.append(lambda: append_idempotent(complaints, path, app_id, batch_id))
        # The tables are independent and each commit is mostly waiting (log listing, small
        # jobs), so they commit side by side. Each is idempotent on its own (txnAppId/txnVersion),
        # and a replay decides what the failed attempt decided (see dispositions), so a batch
        # replayed after a partial failure completes the missing writes with the same rows and
        # skips the rest.
        run_concurrently(writes)
    stages["write_s"] = time.monotonic() - started - stages["rows_s"] - stages["dedup_s"]
    stages["total_s"] = time.monotonic() - started
    log.info(
        "%s batch %d: %s %s",
        query,
        batch_id,
        " ".join(f"{k}={v}" for k, v in result.items()),
        " ".join(f"{k}={v:.1f}" for k, v in stages.items()),
    )
    return result


def _reconciled(summary: Row, exceptions: DataFrame, query: str, batch_id: int) -> dict[str, int]:
    """The batch's counts per disposition; raises unless they add up to the rows read."""
    # Counted here, not by a Spark aggregate: the exceptions are few and materialised, and a
    # grouped count is a shuffle and a second job on the live path of every batch.
    tally = Counter((r[0], r[1]) for r in exceptions.select("disposition", "is_duplicate").collect())
    rows_in = summary["valid"] + summary["quarantined"]
    result = {
        "rows_in": rows_in,
        "inserted": summary["valid"]
        - tally.get(("duplicate_delivery", False), 0)
        - tally.get(("duplicate_text", True), 0),
        "quarantined": summary["quarantined"],
        "duplicate_delivery": tally.get(("duplicate_delivery", False), 0),
        "duplicate_text": tally.get(("duplicate_text", True), 0),
        "near_duplicate": tally.get(("inserted", True), 0),
    }
    if rows_in != sum(result[d] for d in DISPOSITIONS) or sum(tally.values()) != sum(
        result[k] for k in ("duplicate_delivery", "duplicate_text", "near_duplicate")
    ):
        raise AssertionError(f"{query} batch {batch_id} does not reconcile: {result} {tally}")
    return result


# The fair-scheduler pool of a batch's live update (conf/jvm/fairscheduler.xml).
LIVE_POOL = "gold_live"

# Rows per partition of a batch: a live micro-batch of a few hundred rows runs as one task per
# stage instead of one per bronze file and channel parser (each task deserialises the ~2 MB
# plan closure; tens of tasks per stage cost more than the rows), a backlog keeps its parallelism.
ROWS_PER_PARTITION = 1_000


def _right_sized(parsed: DataFrame) -> tuple[DataFrame, int]:
    """The materialised batch with at most one partition per ROWS_PER_PARTITION rows (no shuffle),
    and its number of rows."""
    partitions = parsed.rdd.getNumPartitions()
    rows = parsed.count()
    wanted = max(1, -(-rows // ROWS_PER_PARTITION))
    return (parsed.coalesce(wanted) if wanted < partitions else parsed), rows


def _append_drift(spark: SparkSession, cfg: Config, rows: DataFrame, app_id: str, batch_id: int) -> None:
    """Drift in streamed JSON payloads -> ops.schema_drift (file headers are recorded by bronze).

    An empty result is not written: a Delta commit costs most of a second, and a replayed
    batch produces the same empty result, so idempotency does not need the commit.
    """
    drift = detect_drift(rows.where(F.col("bronze_file").isNull())).select(*SCHEMA_DRIFT.schema.fieldNames())
    drift_rows = drift.collect()  # a handful of rows at most: one per new field seen
    if drift_rows:
        append_idempotent(
            spark.createDataFrame(drift_rows, SCHEMA_DRIFT.schema), table_path(cfg, SCHEMA_DRIFT.name), app_id, batch_id
        )
