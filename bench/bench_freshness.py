"""Freshness: seconds from producing a complaint to Kafka until gold.live_15min counts it.

    .venv/bin/python bench/bench_freshness.py [--probes 30] [--background-rate 5]

Runs the streams of the live path in one application, as production does — Kafka -> bronze,
bronze -> silver (classifier on) whose batches update gold.live_15min (live.update: in_silver),
or a third stream silver -> gold live windows (--live-update stream) — with processing-time
triggers, on its own broker and temporary lakehouse. Background traffic (social + SMS) flows at
`--background-rate` complaints/s (the business average is about 0.5/s); probes are web-form
complaints (the only web-form traffic) sent every `--probe-spacing` seconds with jitter, so they
land at every phase of the micro-batch cycles.

Nothing polls gold while probes are in flight (a poll is a Spark query competing for the two
cores): after the last probe the bench waits for a silver batch that began after it (from the
query's progress, no Spark job) before it reads gold. Afterwards the Delta history of
gold.live_15min says when each probe became visible:
probe i is visible from the first table version whose web-form total reaches i + 1, at that
version's commit time (same machine, same clock as the send time).
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import bench_broker, bench_config, create_topic, machine

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


def batch_begun_after(query, at: float) -> bool:
    """Whether `query` has completed a micro-batch whose trigger began at or after `at` (epoch s):
    its last progress (reported when a batch completes) says when the batch began."""
    progress = query.lastProgress
    if progress is None:
        return False
    return dt.datetime.fromisoformat(progress["timestamp"].replace("Z", "+00:00")).timestamp() >= at


def visibility_latencies(spark, path: str, base: int, base_version: int, sent_at: list[float]) -> list[float]:
    """Seconds from each probe's send to the commit of the first gold version that counts it."""
    history = spark.sql(f"DESCRIBE HISTORY delta.`{path}`").where(f"version > {base_version}")
    # Epoch millis, not a Python datetime (which PySpark renders in the process's local zone).
    commits = sorted(tuple(r) for r in history.selectExpr("version", "unix_millis(timestamp)").collect())
    latencies = []
    i = 0
    for version, committed in commits:
        total = spark.read.format("delta").option("versionAsOf", version).load(path)
        seen = int(total.where("channel = 'webform'").agg({"complaints": "sum"}).first()[0] or 0) - base
        while i < len(sent_at) and i < seen:
            latencies.append(committed / 1000 - sent_at[i])
            i += 1
    return latencies


def jit_seconds(spark) -> float:
    """CPU seconds the driver JVM's JIT compilers have spent so far (a JVM still compiling is not warm)."""
    return spark._jvm.java.lang.management.ManagementFactory.getCompilationMXBean().getTotalCompilationTime() / 1000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--probes", type=int, default=30)
    parser.add_argument("--background-rate", type=float, default=5.0)
    parser.add_argument(
        "--trigger-interval", help="processing-time trigger of the bronze and silver streams (default: conf)"
    )
    parser.add_argument("--bronze-interval", help="processing-time trigger of the bronze stream (default: as above)")
    parser.add_argument(
        "--warmup", type=float, default=240.0, help="seconds of background traffic before the first probe"
    )
    parser.add_argument("--probe-spacing", type=float, default=6.0, help="mean seconds between probes")
    parser.add_argument(
        "--live-update", choices=["in_silver", "stream"], help="who updates gold.live_15min (default: conf/gold.yaml)"
    )
    parser.add_argument(
        "--read-from", choices=["kafka", "bronze_table"], help="where silver reads the events (default: conf)"
    )
    args = parser.parse_args(argv)
    root = tempfile.mkdtemp(prefix="bench-freshness-")
    with bench_broker() as bootstrap:
        topics = {c: f"fresh.{c}" for c in STREAM_CHANNELS}
        for name in topics.values():
            create_topic(bootstrap, name, partitions=3)
        intervals = (
            {"streams.bronze_kafka.interval": args.trigger_interval, "streams.silver.interval": args.trigger_interval}
            if args.trigger_interval
            else {}
        )
        if args.bronze_interval:
            intervals["streams.bronze_kafka.interval"] = args.bronze_interval
        read_from = {"streams.silver.read_from": args.read_from} if args.read_from else {}
        cfg = bench_config(root, {**intervals, **read_from}, bootstrap, topics)
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
        gold_settings = load_gold_settings(overrides={"live.update": args.live_update} if args.live_update else None)
        ctx = silver_context(spark, cfg, gold_settings)
        producer = ChannelProducer(bootstrap, topics, compression_type=None, linger_ms=0)
        # Warm the chain (JIT, first micro-batches, model load) before timing anything.
        warm = clean_events("webform", 5, seed=7)
        for e in warm:
            producer.send("webform", e.key_bytes(), e.value_bytes())
        producer.flush()
        queries = [
            start_kafka_to_bronze(spark, cfg, trigger="processingTime"),
            start_kafka_events_to_silver(spark, cfg, ctx, trigger="processingTime"),
        ]
        if gold_settings.live.update == "stream":
            queries.append(start_live_windows(spark, cfg, "processingTime", gold_settings))
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

        # Enough for the whole run: warm-up, probes (spacing up to 1.5x) and the wait for the last.
        per_channel = math.ceil(args.background_rate * (args.warmup + 1.5 * args.probe_spacing * args.probes + 300) / 2)

        def background() -> None:
            events = [e for c in ("social", "sms") for e in clean_events(c, per_channel, seed=11 + len(c))]
            for e in events:
                if stop.is_set():
                    break
                producer.send(e.channel, e.key_bytes(), e.value_bytes())
                time.sleep(1.0 / args.background_rate)

        thread = threading.Thread(target=background, daemon=True)
        thread.start()
        # A stream runs for days: measure it warm (JIT-compiled, generated code cached), not in
        # its first minutes.
        jit_start = jit_seconds(spark)
        time.sleep(args.warmup)
        jit_probes, probes_from = jit_seconds(spark), time.monotonic()
        base = gold_total(spark, gold_path, "webform")
        base_version = spark.sql(f"DESCRIBE HISTORY delta.`{gold_path}` LIMIT 1").first()["version"]
        jitter = random.Random(5)
        sent_at = []
        for e in clean_events("webform", args.probes, seed=23):
            sent_at.append(time.time())
            producer.send("webform", e.key_bytes(), e.value_bytes())
            producer.flush()
            last_acked = time.time()
            time.sleep(args.probe_spacing * jitter.uniform(0.5, 1.5))
        # Until silver has run a batch that began after the last probe was acknowledged, the
        # probe may still be in flight: wait on the query's progress (no Spark job), not on gold.
        # (Polling gold once a second here slowed the last two or three silver batches of every
        # run by a third or more, and with them the last probes' latencies: 2026-12-03.)
        deadline = time.monotonic() + 300
        silver_query = queries[1]
        while not batch_begun_after(silver_query, last_acked):
            if time.monotonic() > deadline:
                raise TimeoutError("silver ran no batch within 300 s of the last probe")
            time.sleep(0.5)
        while gold_total(spark, gold_path, "webform") < base + args.probes:
            if time.monotonic() > deadline:
                raise TimeoutError("the probes did not all reach gold within 300 s")
            time.sleep(5.0)
        jit_end, probes_s = jit_seconds(spark), time.monotonic() - probes_from
        latencies = visibility_latencies(spark, gold_path, base, base_version, sent_at)
        stop.set()
        thread.join()
        for query in queries:
            query.stop()
        spark.stop()
    latencies.sort()
    interval = gold_settings.live.interval
    live_by = "by silver" if gold_settings.live.update == "in_silver" else f"by a '{interval}' stream"
    p95 = latencies[max(0, round(0.95 * len(latencies)) - 1)]
    print("latencies (s, sorted): " + " ".join(f"{x:.1f}" for x in latencies))
    print(f"date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC")
    print(f"machine: {machine()}")
    print(
        f"JIT compilation (driver JVM): {jit_probes - jit_start:.1f} s during the {args.warmup:.0f} s warm-up, "
        f"{jit_end - jit_probes:.1f} s during the {probes_s:.0f} s of probes"
    )
    print(
        f"Kafka -> gold.live_15min freshness over {len(latencies)} probes (background {args.background_rate}/s, "
        f"triggers bronze '{cfg['streams']['bronze_kafka']['interval']}' silver "
        f"'{cfg['streams']['silver']['interval']}', silver reads {cfg['streams']['silver']['read_from']}, "
        "live windows updated "
        f"{live_by}, "
        f"warm-up {args.warmup:.0f} s, probes every ~{args.probe_spacing:.0f} s): "
        f"p50 {statistics.median(latencies):.1f} s, p95 {p95:.1f} s, max {latencies[-1]:.1f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
