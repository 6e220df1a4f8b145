"""Kafka -> Delta through the bronze stream: exact counts, offsets, and no duplicates on re-run."""

from __future__ import annotations

import json

import pytest
from kafka import KafkaProducer
from pyspark.sql import functions as F

from beejan_lakehouse.bronze.kafka_events import TABLE, start_kafka_to_bronze
from beejan_lakehouse.streaming import await_and_log
from beejan_lakehouse.tables import table_path

pytestmark = pytest.mark.integration


def produce(bootstrap: str, topic: str, start: int, count: int, partitions: int = 3) -> dict[int, int]:
    """Send `count` JSON messages round-robin over partitions; returns messages per partition."""
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5)
    per_partition: dict[int, int] = {}
    for i in range(start, start + count):
        partition = i % partitions
        producer.send(topic, key=f"k{i}".encode(), value=json.dumps({"n": i}).encode(), partition=partition)
        per_partition[partition] = per_partition.get(partition, 0) + 1
    producer.flush()
    producer.close()
    return per_partition


def drain(spark, cfg) -> None:
    query = start_kafka_to_bronze(spark, cfg, trigger="availableNow", channels=("sms",))
    await_and_log(query, timeout_s=300)


def bronze(spark, cfg):
    return spark.read.format("delta").load(table_path(cfg, TABLE))


def test_kafka_to_delta_exactly_once_across_reruns(spark, kafka_cfg):
    topic = kafka_cfg["kafka"]["topics"]["sms"]["name"]
    bootstrap = kafka_cfg["kafka"]["bootstrap_servers"]
    produced = produce(bootstrap, topic, 0, 1000)

    drain(spark, kafka_cfg)
    rows = bronze(spark, kafka_cfg)
    assert rows.count() == 1000
    offsets = {
        r["partition"]: (r["n"], r["lo"], r["hi"])
        for r in rows.groupBy("partition")
        .agg(F.count("*").alias("n"), F.min("offset").alias("lo"), F.max("offset").alias("hi"))
        .collect()
    }
    # Every partition holds offsets 0..n-1 with no gap: nothing skipped, nothing twice.
    assert offsets == {p: (n, 0, n - 1) for p, n in produced.items()}
    assert {r["topic"] for r in rows.select("topic").distinct().collect()} == {topic}
    assert {r["channel"] for r in rows.select("channel").distinct().collect()} == {"sms"}
    assert rows.select("partition", "offset").distinct().count() == 1000
    # Payloads arrive byte-identical.
    sample = {r["key"].decode(): bytes(r["value"]) for r in rows.where("offset < 3").collect()}
    for key, value in sample.items():
        assert value == json.dumps({"n": int(key[1:])}).encode()

    drain(spark, kafka_cfg)  # same checkpoint: nothing new to read
    assert bronze(spark, kafka_cfg).count() == 1000

    produce(bootstrap, topic, 1000, 500)
    drain(spark, kafka_cfg)
    rows = bronze(spark, kafka_cfg)
    assert rows.count() == 1500
    assert rows.select("partition", "offset").distinct().count() == 1500
    assert spark.table(TABLE).count() == 1500  # addressable by name too
