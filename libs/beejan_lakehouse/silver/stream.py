"""The bronze -> silver streams: Kafka channel events continuously, file sources on demand."""

from __future__ import annotations

from collections.abc import Callable

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql.streaming import StreamingQuery

from beejan_lakehouse.bronze.files import SCHEMA_DRIFT
from beejan_lakehouse.bronze.kafka_events import KAFKA_EVENTS, read_kafka, to_bronze_events, topic_channels
from beejan_lakehouse.config import Config
from beejan_lakehouse.gold.live import LiveWindowUpdater
from beejan_lakehouse.gold.settings import GoldSettings, load_gold_settings
from beejan_lakehouse.logs import get_logger
from beejan_lakehouse.silver.dedup import DedupSettings, NearDuplicateFinder
from beejan_lakehouse.silver.dims import DIM_SPECS, load_reference_dims, read_reference_dims
from beejan_lakehouse.silver.keys import pseudonymisation_key
from beejan_lakehouse.silver.pipeline import (
    FILE_PARSERS,
    SILVER_BATCHES,
    SilverContext,
    parse_kafka_events,
    process_batch,
)
from beejan_lakehouse.silver.schema import SILVER_COMPLAINTS, SILVER_QUARANTINE
from beejan_lakehouse.sources.file_formats import FILE_SOURCES
from beejan_lakehouse.streaming import CheckpointRun, with_trigger
from beejan_lakehouse.tables import checkpoint_path, delta_table_exists, ensure_table, table_path

log = get_logger("silver.stream")

KAFKA_QUERY = "silver_kafka_events"
# The same stream reading the channel topics itself (streams.silver.read_from: kafka).
KAFKA_DIRECT_QUERY = "silver_kafka_direct"
READ_FROM = ("kafka", "bronze_table")


def champion_classifier(cfg: Config) -> Callable[[DataFrame], DataFrame] | None:
    """The classification transform for the MLflow champion, or None (columns stay null)."""
    if not cfg["silver"]["classify"]:
        return None
    from beejan_lakehouse.classification.registry import resolve_champion
    from beejan_lakehouse.classification.settings import mlflow_settings
    from beejan_lakehouse.classification.spark_udf import classify

    ms = mlflow_settings(
        tracking_uri=cfg["mlflow"]["tracking_uri"],
        registry_uri=cfg["mlflow"]["registry_uri"],
        artifact_location=cfg["mlflow"]["artifact_location"],
    )
    champion = resolve_champion(ms)
    if champion is None:
        log.warning("no champion classifier in %s: silver classification columns stay null", ms.registry_uri)
        return None
    log.info("classifying with %s version %s (%s)", champion.name, champion.version, champion.uri)
    return classify(champion, text_col="_classify_text")


def silver_context(spark: SparkSession, cfg: Config, gold_settings: GoldSettings | None = None) -> SilverContext:
    """Reference dims (loaded from conf/reference on first use), key, dedup, classifier and the
    gold live-window updater (when conf/gold.yaml says silver updates the live table)."""
    if not all(delta_table_exists(spark, table_path(cfg, s.name)) for s in DIM_SPECS.values()):
        load_reference_dims(spark, cfg, cfg["silver"]["reference_dir"])
    for spec in (SILVER_COMPLAINTS, SILVER_QUARANTINE, SILVER_BATCHES, SCHEMA_DRIFT):
        ensure_table(spark, cfg, spec)
    dims = read_reference_dims(spark, cfg).cached()
    settings = DedupSettings(**cfg["silver"]["dedup"])
    return SilverContext(
        dims=dims,
        key=pseudonymisation_key(cfg),
        dedup=NearDuplicateFinder(settings),
        classify=champion_classifier(cfg),
        live=live_updater(spark, cfg, gold_settings),
    )


def live_updater(spark: SparkSession, cfg: Config, settings: GoldSettings | None = None) -> LiveWindowUpdater | None:
    """gold.live_15min updated by silver's batches (conf/gold.yaml live.update: in_silver), else None."""
    settings = settings or load_gold_settings()
    if settings.live.update != "in_silver":
        return None
    log.info("silver batches update gold.live_15min (live.update: in_silver)")
    return LiveWindowUpdater(spark, cfg, settings)


def start_kafka_events_to_silver(
    spark: SparkSession, cfg: Config, ctx: SilverContext, trigger: str | None = None
) -> StreamingQuery:
    """Stream the Kafka channel events into silver (foreachBatch, idempotent per batch id).

    Where the events are read (conf streams.silver.read_from):
    - kafka: from the channel topics, with the same offsets bookkeeping as bronze. The rows are
      shaped exactly as bronze.kafka_events rows (`to_bronze_events`) and carry the same Kafka
      coordinates as lineage, so silver does not wait for the bronze query's commit and the
      Delta source's next listing: one hop, not two, on the live path. The bronze query keeps
      landing the raw events on its own (silver down never stops bronze, nor bronze silver).
    - bronze_table: from bronze.kafka_events (Delta source); for reprocessing what bronze holds,
      e.g. past Kafka's retention, with a new checkpoint.
    """
    settings = cfg["streams"]["silver"]
    read_from = settings["read_from"]
    if read_from == "kafka":
        mapping = topic_channels(cfg)
        source = read_kafka(spark, cfg, sorted(mapping)).transform(to_bronze_events(mapping))
        query = KAFKA_DIRECT_QUERY
    elif read_from == "bronze_table":
        ensure_table(spark, cfg, KAFKA_EVENTS)
        source = (
            spark.readStream.format("delta")
            .option("maxBytesPerTrigger", settings["max_bytes_per_trigger"])
            .load(table_path(cfg, KAFKA_EVENTS.name))
        )
        query = KAFKA_QUERY
    else:
        raise ValueError(f"streams.silver.read_from is {read_from!r}: expected one of {READ_FROM}")

    checkpoint = checkpoint_path(cfg, query)
    run = CheckpointRun(spark, checkpoint)

    def on_batch(batch: DataFrame, batch_id: int) -> None:
        # Read from the source once: each channel's parser reads the batch (from Kafka, three
        # rounds of fetches from the broker otherwise; from bronze, three file scans).
        batch = batch.localCheckpoint(eager=True)
        process_batch(spark, cfg, ctx, batch.transform(parse_kafka_events), query, batch_id, run.id)

    writer = source.writeStream.queryName(query).foreachBatch(on_batch).option("checkpointLocation", checkpoint)
    return with_trigger(writer, trigger or settings["trigger"], settings["interval"]).start()


def start_files_to_silver(spark: SparkSession, cfg: Config, ctx: SilverContext, source: str) -> StreamingQuery:
    """Drain new rows of a bronze file table (call_center / web_export) into silver."""
    fmt = FILE_SOURCES[source]
    query = f"silver_{source}"
    parser = FILE_PARSERS[source]
    rows = spark.readStream.format("delta").load(table_path(cfg, fmt.table))

    checkpoint = checkpoint_path(cfg, query)
    run = CheckpointRun(spark, checkpoint)

    def on_batch(batch: DataFrame, batch_id: int) -> None:
        process_batch(spark, cfg, ctx, batch.transform(parser), query, batch_id, run.id)

    return (
        rows.writeStream.queryName(query)
        .foreachBatch(on_batch)
        .option("checkpointLocation", checkpoint)
        .trigger(availableNow=True)
        .start()
    )
