"""Freshness: seconds from producing a complaint to Kafka until gold.live_15min counts it.

    .venv/bin/python bench/bench_freshness.py [--probes 30] [--background-rate 5]

Runs the three streams of the live path in one application, as production does — Kafka ->
bronze, bronze -> silver (classifier on), silver -> gold live windows — with processing-time
triggers, on its own broker and temporary lakehouse. Background traffic (social + SMS) flows at
`--background-rate` complaints/s (the business average is about 0.5/s); probes are web-form
complaints sent one at a time, each timed until the web-form total in gold.live_15min grows.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import bench_broker, create_topic, machine

from beejan_lakehouse.config import load_config
from beejan_lakehouse.simulator.generator import STREAM_CHANNELS, Simulator
from beejan_lakehouse.simulator.noise import NoiseKnobs
from beejan_lakehouse.simulator.producers import ChannelProducer
from beejan_lakehouse.simulator.profiles import live_slots
from beejan_lakehouse.simulator.world import build_world


def clean_events(channel: str, n: int, seed: int):
    """Well-formed, unique complaints of one channel timed now (no faults, no duplicates)."""
    sim = Simulator(build_world(), seed=seed, knobs=NoiseKnobs.clean())
    now = dt.datetime.now(dt.UTC)
    events = []
    for slot in live_slots(n * 6, 60, now, seed, first_seq=seed * 1_000_000):
        events += [e for e in sim.events_for(slot) if e.channel == channel]
    return events[:n]


def gold_total(spark, path: str, channel: str) -> int:
    from pyspark.sql import functions as F

    row = spark.read.format("delta").load(path).where(F.col("channel") == channel).agg(F.sum("complaints")).first()
    return int(row[0] or 0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--probes", type=int, default=30)
    parser.add_argument("--background-rate", type=float, default=5.0)
    parser.add_argument("--trigger-interval", default="0 seconds", help="processing-time trigger of all streams")
    args = parser.parse_args(argv)
    root = tempfile.mkdtemp(prefix="bench-freshness-")
    with bench_broker() as bootstrap:
        topics = {c: f"fresh.{c}" for c in STREAM_CHANNELS}
        for name in topics.values():
            create_topic(bootstrap, name, partitions=3)
        dev = load_config("dev")
        interval = args.trigger_interval
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
                "streams.bronze_kafka.interval": interval,
                "streams.silver.interval": interval,
            },
        )
        from beejan_lakehouse.bronze.kafka_events import start_kafka_to_bronze
        from beejan_lakehouse.classification.settings import load_settings, mlflow_settings
        from beejan_lakehouse.classification.training import ensure_champion
        from beejan_lakehouse.gold.live import start_live_windows
        from beejan_lakehouse.gold.settings import load_gold_settings
        from beejan_lakehouse.session import build_spark
        from beejan_lakehouse.silver.stream import silver_context, start_kafka_events_to_silver
        from beejan_lakehouse.tables import table_path

        ensure_champion(mlflow_settings("dev"), load_settings())
        spark = build_spark(cfg, app_name="bench-freshness", extra={"spark.scheduler.mode": "FAIR"})
        ctx = silver_context(spark, cfg)
        gold_settings = load_gold_settings()
        producer = ChannelProducer(bootstrap, topics, compression_type=None, linger_ms=0)
        # Warm the chain (JIT, first micro-batches, model load) before timing anything.
        warm = clean_events("webform", 5, seed=7)
        for e in warm:
            producer.send("webform", e.key_bytes(), e.value_bytes())
        producer.flush()
        queries = [
            start_kafka_to_bronze(spark, cfg, trigger="processingTime"),
            start_kafka_events_to_silver(spark, cfg, ctx, trigger="processingTime"),
            start_live_windows(spark, cfg, "processingTime", gold_settings),
        ]
        gold_path = table_path(cfg, "gold.live_15min")
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            try:
                if gold_total(spark, gold_path, "webform") >= len(warm):
                    break
            except Exception:  # the gold table may not exist yet
                pass
            time.sleep(0.5)

        stop = threading.Event()

        def background() -> None:
            events = [e for c in ("social", "sms") for e in clean_events(c, 2000, seed=11 + len(c))]
            for e in events:
                if stop.is_set():
                    break
                producer.send(e.channel, e.key_bytes(), e.value_bytes())
                time.sleep(1.0 / args.background_rate)

        thread = threading.Thread(target=background, daemon=True)
        thread.start()
        latencies = []
        expected = gold_total(spark, gold_path, "webform")
        for e in clean_events("webform", args.probes, seed=23):
            started = time.monotonic()
            producer.send("webform", e.key_bytes(), e.value_bytes())
            producer.flush()
            expected += 1
            while gold_total(spark, gold_path, "webform") < expected:
                if time.monotonic() - started > 120:
                    raise TimeoutError("a probe did not reach gold within 120 s")
                time.sleep(0.1)
            latencies.append(time.monotonic() - started)
        stop.set()
        thread.join()
        for query in queries:
            query.stop()
        spark.stop()
    latencies.sort()
    p95 = latencies[max(0, round(0.95 * len(latencies)) - 1)]
    print(f"date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC")
    print(f"machine: {machine()}")
    print(
        f"Kafka -> gold.live_15min freshness over {len(latencies)} probes (background {args.background_rate}/s, "
        f"trigger '{interval}'): p50 {statistics.median(latencies):.1f} s, p95 {p95:.1f} s, max {latencies[-1]:.1f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
