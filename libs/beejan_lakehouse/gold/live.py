"""gold.live_15min: event-time 15-minute complaint counts, MERGEd from the silver stream per batch.

Design for freshness: one stateless streaming query reads silver.complaints as a Delta stream and,
per micro-batch (foreachBatch), aggregates the batch to window keys on the driver side (a few
hundred rows for a live batch) and MERGEs `complaints = complaints + batch count` into the table. There
is no Spark state store and no wait for a watermark to pass before a count shows: a complaint is
visible in its window as soon as the micro-batch that read it commits.

Watermark: max event time seen in earlier batches minus `live.watermark` (conf/gold.yaml). A
window whose end is at or before the watermark is closed; rows that fall into a closed window
are not added to the (final) live table but counted in ops.late_events, so nothing is lost
silently and the daily KPIs (read from silver) still include them. The watermark is rebuilt from
ops.gold_batches after a restart.

Idempotency per batch: the MERGE runs with Delta's spark.databricks.delta.write.txnAppId /
txnVersion session confs (Delta skips a (appId, version) it has already committed to that
table) and the appends use the txnAppId/txnVersion writer options, so a batch replayed after a
crash is applied exactly once to every table.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pandas as pd
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.streaming import StreamingQuery
from pyspark.sql.types import LongType, StringType, StructField, StructType, TimestampType

from beejan_lakehouse.config import Config
from beejan_lakehouse.gold.settings import GoldSettings, load_gold_settings
from beejan_lakehouse.logs import get_logger
from beejan_lakehouse.silver.schema import SILVER_COMPLAINTS
from beejan_lakehouse.streaming import CheckpointRun, run_concurrently, txn_app_id, with_trigger
from beejan_lakehouse.tables import (
    BACKGROUND_CHECKPOINTS,
    STREAM_APPENDED_NOT_READ_BACK,
    VIEWS,
    TableSpec,
    append_idempotent,
    checkpoint_path,
    ensure_table,
    table_path,
    warm_delta_state_later,
)

log = get_logger("gold.live")

LIVE_QUERY = "gold_live_15min"
WINDOW = "15 minutes"
UNKNOWN = "Unknown"
KEY_COLUMNS = ("window_start", "window_end", "region", "l1", "l2", "channel")

LIVE_15MIN = TableSpec(
    name="gold.live_15min",
    schema=StructType(
        [
            StructField("window_date", StringType(), False),  # yyyy-MM-dd (UTC) of window_start
            StructField("window_start", TimestampType(), False),
            StructField("window_end", TimestampType(), False),
            StructField("region", StringType(), False),  # 'Unknown' when silver has none
            StructField("l1", StringType(), False),
            StructField("l2", StringType(), False),
            StructField("channel", StringType(), False),
            StructField("complaints", LongType(), False),  # non-duplicate complaints so far
            StructField("updated_at", TimestampType(), False),
        ]
    ),
    partition_by=("window_date",),
    constraints={"positive_count": "complaints > 0"},
    comment="Event-time 15-minute complaint counts per region x l1 x l2 x channel, duplicates "
    "excluded; updated every micro-batch. Contract: docs/gold.md. Owner: gold.",
    properties=BACKGROUND_CHECKPOINTS,
)

LATE_EVENTS = TableSpec(
    name="ops.late_events",
    schema=StructType(
        [
            StructField("window_start", TimestampType(), False),
            StructField("window_end", TimestampType(), False),
            StructField("region", StringType(), False),
            StructField("l1", StringType(), False),
            StructField("l2", StringType(), False),
            StructField("channel", StringType(), False),
            StructField("count", LongType(), False),
            StructField("watermark", TimestampType(), False),  # the watermark they missed
            StructField("query", StringType(), False),
            StructField("batch_id", LongType(), False),
            StructField("detected_at", TimestampType(), False),
        ]
    ),
    comment="Complaints that arrived after their 15-minute window closed (beyond the watermark): "
    "not in gold.live_15min, counted here. Owner: gold.",
)

GOLD_BATCHES = TableSpec(
    name="ops.gold_batches",
    schema=StructType(
        [
            StructField("query", StringType(), False),
            StructField("batch_id", LongType(), False),
            StructField("rows_in", LongType(), False),
            StructField("counted", LongType(), False),  # non-duplicates merged into the live table
            StructField("duplicates", LongType(), False),
            StructField("late", LongType(), False),
            StructField("max_event_ts", TimestampType()),  # null for an empty batch
            StructField("watermark", TimestampType()),  # the watermark this batch was judged by
            StructField("applied_at", TimestampType(), False),
        ]
    ),
    constraints={"reconciles": "rows_in = counted + duplicates + late"},
    comment="Per micro-batch ledger of the gold live stream; also the persisted watermark. Owner: gold.",
    properties=STREAM_APPENDED_NOT_READ_BACK,
)

LAST_15MIN_VIEW = "gold.live_last_15min"
# Windows overlapping the last 15 minutes: the current (open) window and the one before, so the
# figure covers between 15 and 30 minutes; covers_from says exactly from when.
VIEWS[LAST_15MIN_VIEW] = (
    (LIVE_15MIN.name,),
    """
    SELECT region,
           SUM(complaints) AS complaints,
           MIN(window_start) AS covers_from,
           current_timestamp() AS as_of
    FROM gold.live_15min
    WHERE window_date >= date_format(current_timestamp() - INTERVAL 1 DAY, 'yyyy-MM-dd')
      AND window_end > current_timestamp() - INTERVAL 15 MINUTES
      AND window_start <= current_timestamp()
    GROUP BY region
    """,
)

_DURATION = re.compile(r"^\s*(\d+)\s*(second|minute|hour|day)s?\s*$")


def parse_duration(text: str) -> timedelta:
    """'2 hours' / '30 minutes' / '1 day' -> timedelta (the watermark setting's format)."""
    match = _DURATION.match(text)
    if not match:
        raise ValueError(f"invalid duration {text!r}: expected e.g. '2 hours' or '30 minutes'")
    return timedelta(**{f"{match.group(2)}s": int(match.group(1))})


def window_counts(df: DataFrame) -> DataFrame:
    """Silver complaints -> 15-minute counts per region x l1 x l2 x channel, duplicates excluded.

    Input: event_ts_utc, channel, region, l1, l2, is_duplicate (silver.complaints columns).
    Output: window_date, window_start, window_end, region, l1, l2, channel, complaints (long);
    null region/l1/l2 become 'Unknown'.
    """
    window = F.window("event_ts_utc", WINDOW)
    return (
        df.where(~F.col("is_duplicate"))
        .groupBy(
            window.alias("w"),
            *[F.coalesce(F.col(c), F.lit(UNKNOWN)).alias(c) for c in ("region", "l1", "l2")],
            "channel",
        )
        .agg(F.count(F.lit(1)).alias("complaints"))
        .select(
            F.date_format("w.start", "yyyy-MM-dd").alias("window_date"),
            F.col("w.start").alias("window_start"),
            F.col("w.end").alias("window_end"),
            "region",
            "l1",
            "l2",
            "channel",
            "complaints",
        )
    )


class WatermarkTracker:
    """Max event time seen by earlier batches of one query, rebuilt from ops.gold_batches."""

    def __init__(self, spark: SparkSession, cfg: Config, query: str, delay: timedelta) -> None:
        self.spark, self.cfg, self.query, self.delay = spark, cfg, query, delay
        self.max_event_ts: datetime | None = None
        self._loaded_before: int | None = None
        self._judged: tuple[int, datetime | None] | None = None

    def watermark_for(self, batch_id: int) -> datetime | None:
        """Watermark a batch is judged by: deterministic, so a replayed batch is judged alike
        (also in the same process, after `advance` counted the failed attempt's events)."""
        if self._judged is not None and self._judged[0] == batch_id:
            return self._judged[1]
        watermark = self._watermark_for(batch_id)
        self._judged = (batch_id, watermark)
        return watermark

    def _watermark_for(self, batch_id: int) -> datetime | None:
        if self._loaded_before is None or batch_id < self._loaded_before:
            ledger = self.spark.read.format("delta").load(table_path(self.cfg, GOLD_BATCHES.name))
            row = ledger.where((F.col("query") == self.query) & (F.col("batch_id") < batch_id)).agg(
                F.max("max_event_ts").alias("m")
            )
            self.max_event_ts = _from_micros(row.select(F.unix_micros("m")).first()[0])
            self._loaded_before = batch_id
        return None if self.max_event_ts is None else self.max_event_ts - self.delay

    def advance(self, batch_max: datetime | None) -> None:
        if batch_max is not None and (self.max_event_ts is None or batch_max > self.max_event_ts):
            self.max_event_ts = batch_max


def apply_batch(
    spark: SparkSession,
    cfg: Config,
    tracker: WatermarkTracker,
    batch: DataFrame,
    batch_id: int,
    run: str | None = None,
    defer: list[Callable[[], object]] | None = None,
) -> dict[str, int]:
    """Apply one micro-batch of silver complaints: MERGE on-time counts, record late ones and the ledger.

    Returns counts {rows_in, counted, duplicates, late}. Safe to call again with the same batch id
    (and `run`, the calling stream's checkpoint id, part of the txnAppId). `defer`: the late-event
    and ledger appends are added to it for the caller to run with its own commits, and the MERGE
    (what readers see) commits here alone; without it all three commit side by side here.
    """
    watermark = tracker.watermark_for(batch_id)
    groups = _aggregate(batch)
    now = datetime.now(UTC)
    counted = groups["complaints"] > 0  # keys with duplicates only are not written
    on_time = counted if watermark is None else counted & (groups["window_end"] > watermark)
    late = counted & ~on_time
    app_id = txn_app_id("gold", tracker.query, run)
    merge: list[Callable[[], object]] = []
    writes: list[Callable[[], object]] = merge if defer is None else defer
    if on_time.any():
        source = spark.createDataFrame(
            groups.loc[on_time, ["window_date", *KEY_COLUMNS, "complaints"]].assign(updated_at=now),
            LIVE_15MIN.schema,
        )
        dates = sorted(set(groups.loc[on_time, "window_date"].tolist()))
        merge.append(lambda: _merge_counts(spark, cfg, source, dates, app_id, batch_id))
    if late.any():
        late_df = spark.createDataFrame(
            groups.loc[late, [*KEY_COLUMNS, "complaints"]]
            .rename(columns={"complaints": "count"})
            .assign(watermark=watermark, query=tracker.query, batch_id=batch_id, detected_at=now),
            LATE_EVENTS.schema,
        )
        writes.append(lambda: append_idempotent(late_df, table_path(cfg, LATE_EVENTS.name), app_id, batch_id))
        log.warning(
            "%s batch %d: %d complaint(s) beyond the watermark %s",
            tracker.query,
            batch_id,
            int(groups.loc[late, "complaints"].sum()),
            watermark,
        )
    batch_max = groups["max_event_ts"].max() if len(groups) else None
    batch_max = None if pd.isna(batch_max) else batch_max.to_pydatetime()
    counts = {
        "rows_in": int(groups["rows"].sum()),
        "counted": int(groups.loc[on_time, "complaints"].sum()),
        "duplicates": int((groups["rows"] - groups["complaints"]).sum()),
        "late": int(groups.loc[late, "complaints"].sum()),
    }
    ledger = spark.createDataFrame(
        [(tracker.query, batch_id, *counts.values(), batch_max, watermark, now)], GOLD_BATCHES.schema
    )
    writes.append(lambda: append_idempotent(ledger, table_path(cfg, GOLD_BATCHES.name), app_id, batch_id))
    # Independent and each idempotent under the same (app id, batch id): side by side. (The
    # MERGE's txn session confs carry the same values as the appends' writer options.)
    if merge:
        run_concurrently(merge)
    tracker.advance(batch_max)
    return counts


def _aggregate(batch: DataFrame) -> pd.DataFrame:
    """One Spark job: per window key (KEY_COLUMNS, and window_date), all rows, non-duplicates
    (complaints; 0 for a key with duplicates only) and the max event time (aware UTC pandas
    timestamps).

    Collected as Arrow (toPandas): a live batch has a few hundred keys, but a backlog batch of
    500,000 events over two months has ~140,000, which as Row objects, then a local relation
    built from Python tuples, cost ~5 s of driver time on the 2-core machine (bench/RESULTS.md).
    """
    window = F.window("event_ts_utc", WINDOW)
    keyed = batch.select(
        window.alias("w"),
        *[F.coalesce(F.col(c), F.lit(UNKNOWN)).alias(c) for c in ("region", "l1", "l2")],
        "channel",
        "event_ts_utc",
        F.col("is_duplicate"),
    )
    grouped = keyed.groupBy("w", "region", "l1", "l2", "channel").agg(
        F.count(F.lit(1)).alias("rows"),
        F.sum(F.when(~F.col("is_duplicate"), 1).otherwise(0)).cast("long").alias("complaints"),
        # Epoch micros, not timestamps: toPandas would render those in the session's zone.
        F.unix_micros(F.max("event_ts_utc")).alias("max_event_us"),
        F.unix_micros(F.col("w.start")).alias("start_us"),
        F.unix_micros(F.col("w.end")).alias("end_us"),
        # As window_counts has it (pandas' strftime: 0.55 s for 140,000 keys).
        F.date_format(F.col("w.start"), "yyyy-MM-dd").alias("window_date"),
    )
    out = grouped.drop("w").toPandas()
    return out.assign(
        window_start=_utc(out.pop("start_us")),
        window_end=_utc(out.pop("end_us")),
        max_event_ts=_utc(out.pop("max_event_us")),
    )


def _utc(micros: pd.Series) -> pd.Series:
    return pd.to_datetime(micros, unit="us", utc=True)


def _from_micros(us: int | None) -> datetime | None:
    return None if us is None else datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=us)


@contextmanager
def _delta_txn(spark: SparkSession, app_id: str, version: int) -> Iterator[None]:
    """Delta's idempotent-write session confs for one write; always unset afterwards, because a
    conf left behind would make Delta skip the session's next, unrelated write to any table."""
    spark.conf.set("spark.databricks.delta.write.txnAppId", app_id)
    spark.conf.set("spark.databricks.delta.write.txnVersion", str(version))
    try:
        yield
    finally:
        spark.conf.unset("spark.databricks.delta.write.txnAppId")
        spark.conf.unset("spark.databricks.delta.write.txnVersion")


MERGE_ATTEMPTS = 5


def _merge_counts(
    spark: SparkSession, cfg: Config, source: DataFrame, dates: list[str], app_id: str, batch_id: int
) -> None:
    """MERGE the batch's counts; retried when another writer committed to the same windows first.

    Several silver streams (Kafka events, call-centre files) may update the table at once. A
    retry is safe: the txn confs make Delta skip the MERGE if an earlier attempt did commit.
    """
    from delta.exceptions import (
        ConcurrentAppendException,
        ConcurrentDeleteReadException,
        ConcurrentTransactionException,
        ConcurrentWriteException,
    )
    from delta.tables import DeltaTable

    # Literal dates let Delta prune the target to the touched partitions.
    on = " AND ".join(
        [f"t.window_date IN ({', '.join(repr(d) for d in dates)})", "t.window_date = s.window_date"]
        + [f"t.{c} = s.{c}" for c in KEY_COLUMNS]
    )
    conflicts = (
        ConcurrentAppendException,
        ConcurrentDeleteReadException,
        ConcurrentTransactionException,
        ConcurrentWriteException,
    )
    for attempt in range(1, MERGE_ATTEMPTS + 1):
        target = DeltaTable.forPath(spark, table_path(cfg, LIVE_15MIN.name)).alias("t")
        try:
            with _delta_txn(spark, app_id, batch_id):
                (
                    target.merge(source.alias("s"), on)
                    .whenMatchedUpdate(set={"complaints": "t.complaints + s.complaints", "updated_at": "s.updated_at"})
                    .whenNotMatchedInsertAll()
                    .execute()
                )
            warm_delta_state_later(spark, table_path(cfg, LIVE_15MIN.name))
            return
        except conflicts:
            if attempt == MERGE_ATTEMPTS:
                raise
            log.warning(
                "%s batch %d: concurrent update of %s, retrying (%d)", app_id, batch_id, LIVE_15MIN.name, attempt
            )
            time.sleep(0.2 * attempt)


class LiveWindowUpdater:
    """Updates gold.live_15min from inside another stream's micro-batch (live.update: in_silver).

    Silver calls `apply` with the complaints a batch inserts, before the batch's other commits
    (the MERGE alone; gold's ledger and late events go with silver's commits, `defer`), so a
    complaint is in the live table as soon as silver has decided it, without a hop of its own
    (trigger wait, Delta source listing, micro-batch overhead). Each calling query has its own
    ledger rows in ops.gold_batches (query `live_from_<silver query>`), hence its own watermark,
    and its batch ids are the silver query's, so a replayed silver batch is applied exactly once.

    The MERGE runs in a session of its own (same SparkContext, own SQL confs): Delta's txn
    confs it sets must not reach the silver writes committing on other threads.
    """

    def __init__(self, spark: SparkSession, cfg: Config, settings: GoldSettings) -> None:
        self.spark = spark.newSession()
        # The MERGE's source is always the batch's counts handed back from the driver
        # (apply_batch, a frame of in-memory Arrow batches), as deterministic as a source gets:
        # Delta's default ("auto") still materialises it first, a Spark job on the live path of
        # every batch for a few rows.
        self.spark.conf.set("spark.databricks.delta.merge.materializeSource", "none")
        self.cfg = cfg
        self.delay = parse_duration(settings.live.watermark)
        self._trackers: dict[str, WatermarkTracker] = {}
        ensure_live_tables(self.spark, cfg)

    def apply(
        self,
        source_query: str,
        complaints: DataFrame,
        batch_id: int,
        run: str | None = None,
        defer: list[Callable[[], object]] | None = None,
    ) -> dict[str, int]:
        """Count one batch of silver complaints (event_ts_utc, channel, region, l1, l2, is_duplicate);
        `run`: the silver stream's checkpoint id; `defer`: see `apply_batch`."""
        query = f"live_from_{source_query}"
        tracker = self._trackers.get(query)
        if tracker is None:
            tracker = self._trackers[query] = WatermarkTracker(self.spark, self.cfg, query, self.delay)
        counts = apply_batch(self.spark, self.cfg, tracker, complaints, batch_id, run, defer)
        log.info("%s batch %d: %s", query, batch_id, " ".join(f"{k}={v}" for k, v in counts.items()))
        return counts


def ensure_live_tables(spark: SparkSession, cfg: Config) -> None:
    """Create gold.live_15min, ops.late_events and ops.gold_batches if missing (and the view)."""
    for spec in (LIVE_15MIN, LATE_EVENTS, GOLD_BATCHES):
        ensure_table(spark, cfg, spec)


def start_live_windows(
    spark: SparkSession,
    cfg: Config,
    trigger: str | None = None,
    settings: GoldSettings | None = None,
    query: str = LIVE_QUERY,
) -> StreamingQuery:
    """Stream silver.complaints (Delta source) into gold.live_15min; one foreachBatch per micro-batch.

    Only with live.update: stream (with in_silver, silver's batches update the table themselves).
    """
    settings = settings or load_gold_settings()
    if settings.live.update != "stream":
        raise ValueError(
            f"gold.live_15min is updated by silver's batches (live.update: {settings.live.update}); "
            "a live-windows stream as well would count every complaint twice"
        )
    ensure_table(spark, cfg, SILVER_COMPLAINTS)
    ensure_live_tables(spark, cfg)
    tracker = WatermarkTracker(spark, cfg, query, parse_duration(settings.live.watermark))
    source = (
        spark.readStream.format("delta")
        .option("maxFilesPerTrigger", settings.live.max_files_per_trigger)
        .load(table_path(cfg, SILVER_COMPLAINTS.name))
        .select("event_ts_utc", "channel", "region", "l1", "l2", "is_duplicate")
    )

    run = CheckpointRun(spark, checkpoint_path(cfg, query))

    def on_batch(batch: DataFrame, batch_id: int) -> None:
        counts = apply_batch(spark, cfg, tracker, batch, batch_id, run.id)
        if counts["rows_in"]:
            log.info("%s batch %d: %s", query, batch_id, " ".join(f"{k}={v}" for k, v in counts.items()))

    writer = (
        source.writeStream.queryName(query)
        .foreachBatch(on_batch)
        .option("checkpointLocation", checkpoint_path(cfg, query))
    )
    return with_trigger(writer, trigger or settings.live.trigger, settings.live.interval).start()
