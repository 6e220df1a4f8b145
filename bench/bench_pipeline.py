"""Streaming throughput: Kafka -> bronze -> silver (parsed, cleaned, de-duplicated, masked,
classified, enriched) for realistic simulated traffic, against the plain Kafka -> Delta copy
measured in the same run.

    .venv/bin/python bench/bench_pipeline.py [--events 500000]

Starts its own broker on free ports and a temporary lakehouse; uses the dev MLflow registry's
champion (trains one first if there is none). Prints the figures for bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import bench_broker, create_topic, machine, plain_copy_rate, stream_events

from beejan_lakehouse.config import load_config
from beejan_lakehouse.simulator.generator import STREAM_CHANNELS
from beejan_lakehouse.simulator.producers import ChannelProducer


def produce_days(bootstrap: str, topics: dict[str, str], wanted: int) -> tuple[int, float]:
    """Produce realistic simulated days (with their noise) until `wanted` stream events are sent."""
    sent, started = 0, time.perf_counter()
    with ChannelProducer(bootstrap, topics, compression_type=None, linger_ms=50) as producer:
        for e in stream_events(wanted):
            producer.send(e.channel, e.key_bytes(), e.value_bytes())
            sent += 1
    return sent, time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=500_000)
    parser.add_argument("--no-classifier", action="store_true", help="silver without the model")
    args = parser.parse_args(argv)
    root = tempfile.mkdtemp(prefix="bench-pipeline-")
    with bench_broker() as bootstrap:
        topics = {c: f"bench.{c}" for c in STREAM_CHANNELS}
        for name in topics.values():
            create_topic(bootstrap, name, partitions=3)
        sent, produce_s = produce_days(bootstrap, topics, args.events)
        dev = load_config("dev")
        cfg = load_config(
            "test",
            {
                "storage.root": f"{root}/lakehouse",
                "storage.checkpoints": f"{root}/lakehouse/_checkpoints",
                "kafka.bootstrap_servers": bootstrap,
                "kafka.topics": {c: {"name": n} for c, n in topics.items()},
                "mlflow.tracking_uri": dev["mlflow"]["tracking_uri"],
                "mlflow.registry_uri": dev["mlflow"]["registry_uri"],
                "mlflow.artifact_location": dev["mlflow"]["artifact_location"],
                "silver.classify": not args.no_classifier,
                "spark.ui_enabled": False,
            },
        )
        if not args.no_classifier:
            from beejan_lakehouse.classification.settings import load_settings, mlflow_settings
            from beejan_lakehouse.classification.training import ensure_champion

            ensure_champion(mlflow_settings("dev"), load_settings())

        from beejan_lakehouse.bronze.kafka_events import start_kafka_to_bronze
        from beejan_lakehouse.session import build_spark
        from beejan_lakehouse.silver.stream import silver_context, start_kafka_events_to_silver
        from beejan_lakehouse.streaming import await_and_log

        spark = build_spark(cfg, app_name="bench-pipeline")
        copy_s, copy_rate = plain_copy_rate(spark, cfg, sorted(topics.values()), sent, f"{root}/plain")

        started = time.perf_counter()
        await_and_log(start_kafka_to_bronze(spark, cfg, trigger="availableNow"))
        bronze_s = time.perf_counter() - started

        ctx = silver_context(spark, cfg)  # reference dims, key, dedup, champion: a one-off start-up
        started = time.perf_counter()
        await_and_log(start_kafka_events_to_silver(spark, cfg, ctx, trigger="availableNow"))
        silver_s = time.perf_counter() - started
        totals = spark.table("ops.silver_batches").groupBy().sum().first().asDict()
        spark.stop()

    end_to_end = sent / (bronze_s + silver_s)
    print(f"date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC")
    print(f"machine: {machine()}")
    print(f"events produced: {sent} realistic stream events in {produce_s:.1f} s")
    print(f"plain Kafka -> Delta copy: {copy_s:.1f} s = {copy_rate:,.0f} msgs/s")
    print(
        f"Kafka -> bronze: {bronze_s:.1f} s = {sent / bronze_s:,.0f} msgs/s ({sent / bronze_s / copy_rate:.2f} x copy)"
    )
    # read_from kafka: silver reads the topics itself (bronze runs beside it in production);
    # bronze_table: silver reads what the bronze query wrote. Either way end to end below is
    # both queries one after the other, which is what a backlog costs this machine's two cores.
    source = "Kafka" if cfg["streams"]["silver"]["read_from"] == "kafka" else "bronze"
    print(f"{source} -> silver: {silver_s:.1f} s = {sent / silver_s:,.0f} complaints/s")
    print(
        f"Kafka -> silver end to end: {end_to_end:,.0f} complaints/s "
        f"({end_to_end / copy_rate:.2f} x plain copy), classifier={'on' if not args.no_classifier else 'off'}"
    )
    print("silver batches: " + ", ".join(f"{k[4:-1]}={v}" for k, v in totals.items() if k.startswith("sum(")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
