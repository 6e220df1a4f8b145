"""Streaming throughput: Kafka -> bronze -> silver (parsed, cleaned, de-duplicated, masked,
classified, enriched) for realistic simulated traffic, against the plain Kafka -> Delta copy
measured in the same run.

    .venv/bin/python bench/bench_pipeline.py [--events 500000] [--warmup 20000] [--set key=value ...]

Starts its own broker on free ports and a temporary lakehouse; uses the dev MLflow registry's
champion (trains one first if there is none). Prints the figures for bench/RESULTS.md.

`--warmup N`: first runs the whole round (copy, bronze, silver) on N other events, in topics and
a lakehouse of their own, in the same JVM. The measured round then reads the same events into
an empty lakehouse as without it, but on a JVM whose generated classes are compiled and JIT-warm
and whose Python workers have loaded the model: what a stream that has been running for a while
sustains. Without it (the default, and every figure before 2026-12-03) the one-off start-up
of the silver query is part of the measured time.

`--set dotted.key=value`: a config override for both rounds (the value read as YAML), e.g.
`--set spark.driver_memory=3g` to compare heaps; printed with the figures.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import bench_broker, bench_config, create_topic, machine, plain_copy_rate, stream_events

from beejan_lakehouse.config import Config
from beejan_lakehouse.job import config_overrides
from beejan_lakehouse.simulator.generator import STREAM_CHANNELS
from beejan_lakehouse.simulator.producers import ChannelProducer


def produce(bootstrap: str, topics: dict[str, str], events) -> tuple[int, float]:
    """Produce the simulated events (with their noise) to the channels' topics."""
    sent, started = 0, time.perf_counter()
    with ChannelProducer(bootstrap, topics, compression_type=None, linger_ms=50) as producer:
        for e in events:
            producer.send(e.channel, e.key_bytes(), e.value_bytes())
            sent += 1
    return sent, time.perf_counter() - started


def round_config(bootstrap: str, root: str, topics: dict[str, str], classify: bool, sets: dict) -> Config:
    return bench_config(root, {"silver.classify": classify, "spark.ui_enabled": False, **sets}, bootstrap, topics)


def run_round(spark, cfg: Config, root: str, topics: dict[str, str], sent: int) -> dict[str, float]:
    """Copy, then bronze, then silver over what the topics hold: seconds of each, silver's totals."""
    from beejan_lakehouse.bronze.kafka_events import start_kafka_to_bronze
    from beejan_lakehouse.silver.pipeline import SILVER_BATCHES
    from beejan_lakehouse.silver.stream import silver_context, start_kafka_events_to_silver
    from beejan_lakehouse.streaming import await_and_log
    from beejan_lakehouse.tables import table_path

    copy_s, copy_rate = plain_copy_rate(spark, cfg, sorted(topics.values()), sent, f"{root}/plain")
    started = time.perf_counter()
    await_and_log(start_kafka_to_bronze(spark, cfg, trigger="availableNow"))
    bronze_s = time.perf_counter() - started
    ctx = silver_context(spark, cfg)  # reference dims, key, dedup, champion: a one-off start-up
    started = time.perf_counter()
    await_and_log(start_kafka_events_to_silver(spark, cfg, ctx, trigger="availableNow"))
    silver_s = time.perf_counter() - started
    batches = spark.read.format("delta").load(table_path(cfg, SILVER_BATCHES.name))
    totals = batches.groupBy().sum().first().asDict()
    return {"copy_s": copy_s, "copy_rate": copy_rate, "bronze_s": bronze_s, "silver_s": silver_s, **totals}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=500_000)
    parser.add_argument("--warmup", type=int, default=0, help="events of an unmeasured round first (same JVM)")
    parser.add_argument("--no-classifier", action="store_true", help="silver without the model")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a config override for both rounds, e.g. spark.driver_memory=8g (repeatable)",
    )
    args = parser.parse_args(argv)
    sets = config_overrides(args.set)  # the jobs' own --set parsing
    classify = not args.no_classifier
    base = tempfile.mkdtemp(prefix="bench-pipeline-")
    with bench_broker() as bootstrap:
        rounds = [("warmup", args.warmup)] if args.warmup else []
        rounds.append(("bench", args.events))
        topics = {name: {c: f"{name}.{c}" for c in STREAM_CHANNELS} for name, _ in rounds}
        for name in itertools.chain.from_iterable(t.values() for t in topics.values()):
            create_topic(bootstrap, name, partitions=3)
        # The measured events are the first --events of the stream whatever the warm-up: the
        # warm-up takes the ones after them.
        events = stream_events(args.events + args.warmup)
        sent, produce_s = produce(bootstrap, topics["bench"], itertools.islice(events, args.events))
        warm_sent = produce(bootstrap, topics["warmup"], events)[0] if args.warmup else 0
        if classify:
            from beejan_lakehouse.classification.settings import load_settings, mlflow_settings
            from beejan_lakehouse.classification.training import ensure_champion

            ensure_champion(mlflow_settings("dev"), load_settings())

        from beejan_lakehouse.session import build_spark

        spark = None
        for name, _ in rounds:
            cfg = round_config(bootstrap, f"{base}/{name}", topics[name], classify, sets)
            spark = spark or build_spark(cfg, app_name="bench-pipeline")
            result = run_round(spark, cfg, f"{base}/{name}", topics[name], sent if name == "bench" else warm_sent)
        spark.stop()

    copy_rate, bronze_s, silver_s = result["copy_rate"], result["bronze_s"], result["silver_s"]
    end_to_end = sent / (bronze_s + silver_s)
    print(f"date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC")
    print(f"machine: {machine()}")
    print(f"events produced: {sent} realistic stream events in {produce_s:.1f} s")
    warm = f"after a {warm_sent:,}-event warm-up round in the same JVM" if args.warmup else "a fresh JVM"
    print(f"measured on: {warm}")
    if sets:
        print("config overrides: " + ", ".join(f"{k}={v}" for k, v in sets.items()))
    print(f"plain Kafka -> Delta copy: {result['copy_s']:.1f} s = {copy_rate:,.0f} msgs/s")
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
        f"({end_to_end / copy_rate:.2f} x plain copy), classifier={'on' if classify else 'off'}"
    )
    print("silver batches: " + ", ".join(f"{k[4:-1]}={v}" for k, v in result.items() if k.startswith("sum(")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
