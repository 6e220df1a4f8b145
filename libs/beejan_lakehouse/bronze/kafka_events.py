"""Kafka channel topics -> bronze.kafka_events, the untouched payload plus its Kafka metadata.

One table for all streaming channels, partitioned by ingest date and channel: one Kafka
consumer and one checkpoint for every topic, Delta's exactly-once streaming sink (the
checkpoint's offsets and the table's transaction log commit together), and a new channel is a
line of config. Per-channel views (bronze.social_raw, bronze.sms_raw, bronze.webform_raw) keep
the names of the architecture.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.streaming import StreamingQuery
from pyspark.sql.types import (
    ArrayType,
    BinaryType,
    DateType,
    IntegerType,
    LongType,
    StringType,
    StructField,
    StructType,
    TimestampType,
)

from beejan_lakehouse.config import Config, spark_kafka_options
from beejan_lakehouse.streaming import with_trigger
from beejan_lakehouse.tables import VIEWS, TableSpec, checkpoint_path, ensure_table, table_path

TABLE = "bronze.kafka_events"
QUERY_NAME = "bronze_kafka_events"
STREAMING_CHANNELS = ("social", "sms", "webform")

KAFKA_EVENTS = TableSpec(
    name=TABLE,
    schema=StructType(
        [
            StructField("channel", StringType(), False),
            StructField("topic", StringType(), False),
            StructField("partition", IntegerType(), False),
            StructField("offset", LongType(), False),
            StructField("key", BinaryType(), True),
            # The payload exactly as the source sent it: bytes, never parsed or re-encoded here.
            StructField("value", BinaryType(), True),
            StructField("kafka_ts", TimestampType(), True),
            StructField("kafka_ts_type", IntegerType(), True),
            StructField(
                "headers",
                ArrayType(
                    StructType([StructField("key", StringType(), True), StructField("value", BinaryType(), True)])
                ),
                True,
            ),
            StructField("ingest_ts", TimestampType(), False),
            StructField("ingest_date", DateType(), False),
        ]
    ),
    partition_by=("ingest_date", "channel"),
    constraints={"valid_offset": "offset >= 0 AND partition >= 0"},
    comment="Raw Kafka channel events (social, sms, webform): untouched payload + source metadata. "
    "Append-only; owner: bronze.",
    properties={"delta.appendOnly": "true"},
)

for _channel in STREAMING_CHANNELS:
    VIEWS[f"bronze.{_channel}_raw"] = (
        (TABLE,),
        f"SELECT * FROM {TABLE} WHERE channel = '{_channel}'",
    )


def channel_of_topic(topic_channels: dict[str, str]) -> Column:
    """A column expression mapping the Kafka topic name to its channel."""
    expr = F.lit(None).cast("string")
    for topic, channel in topic_channels.items():
        expr = F.when(F.col("topic") == topic, F.lit(channel)).otherwise(expr)
    return expr


def to_bronze_events(topic_channels: dict[str, str]) -> Callable[[DataFrame], DataFrame]:
    """Kafka source rows -> bronze.kafka_events rows.

    Input: Spark Kafka source columns (key, value, topic, partition, offset, timestamp,
    timestampType, headers). Output: the KAFKA_EVENTS schema, in its column order.
    """

    def apply(df: DataFrame) -> DataFrame:
        ingest_ts = F.current_timestamp()
        return df.select(
            channel_of_topic(topic_channels).alias("channel"),
            "topic",
            "partition",
            "offset",
            "key",
            "value",
            F.col("timestamp").alias("kafka_ts"),
            F.col("timestampType").alias("kafka_ts_type"),
            "headers",
            ingest_ts.alias("ingest_ts"),
            F.to_date(ingest_ts).alias("ingest_date"),
        )

    return apply


def topic_channels(cfg: Config, channels: tuple[str, ...] = STREAMING_CHANNELS) -> dict[str, str]:
    """Topic name -> channel for the streaming channels in config."""
    return {cfg["kafka"]["topics"][c]["name"]: c for c in channels}


def read_kafka(spark: SparkSession, cfg: Config, topics: list[str]) -> DataFrame:
    """A streaming DataFrame over `topics` with the configured offsets and bounds."""
    settings = cfg["streams"]["bronze_kafka"]
    reader = (
        spark.readStream.format("kafka")
        .options(**spark_kafka_options(cfg))
        .option("subscribe", ",".join(topics))
        .option("startingOffsets", _offsets_option(settings["starting_offsets"]))
        .option("includeHeaders", "true")
        .option("failOnDataLoss", str(settings["fail_on_data_loss"]).lower())
    )
    if settings["max_offsets_per_trigger"]:
        reader = reader.option("maxOffsetsPerTrigger", str(settings["max_offsets_per_trigger"]))
    return reader.load()


def _offsets_option(value: str | dict) -> str:
    """earliest / latest, or per-topic partition offsets (a map from YAML or --set) as Spark's JSON."""
    return value if isinstance(value, str) else json.dumps(value)


def start_kafka_to_bronze(
    spark: SparkSession,
    cfg: Config,
    trigger: str | None = None,
    channels: tuple[str, ...] = STREAMING_CHANNELS,
) -> StreamingQuery:
    """Start the Kafka -> bronze.kafka_events query (exactly once through its checkpoint)."""
    settings = cfg["streams"]["bronze_kafka"]
    ensure_table(spark, cfg, KAFKA_EVENTS)
    mapping = topic_channels(cfg, channels)
    events = read_kafka(spark, cfg, sorted(mapping)).transform(to_bronze_events(mapping))
    writer = (
        events.writeStream.format("delta")
        .queryName(QUERY_NAME)
        .outputMode("append")
        .partitionBy(*KAFKA_EVENTS.partition_by)
        .option("checkpointLocation", checkpoint_path(cfg, QUERY_NAME))
    )
    writer = with_trigger(writer, trigger or settings["trigger"], settings["interval"])
    return writer.start(table_path(cfg, TABLE))
