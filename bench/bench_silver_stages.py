"""Where silver's per-row pass spends its time: each step of `standardise` + `annotate` timed
one by one over the same materialised batch of realistic simulated events.

    .venv/bin/python bench/bench_silver_stages.py [--events 100000] [--repeat 2]

No broker: the simulator's stream events are shaped as bronze.kafka_events rows in memory,
parsed and materialised once; the whole per-row pass is timed into Spark's `noop` sink, then
each step alone over the previous steps' materialised output (best of `--repeat`, minus the
time to read that input). Uses the dev MLflow registry's champion (trains one if none).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import bench_config, machine, stream_events


def bronze_rows(wanted: int) -> list[tuple]:
    """`wanted` realistic stream events as bronze.kafka_events tuples (one partition per channel)."""
    offsets: dict[str, int] = {}
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    rows: list[tuple] = []
    for e in stream_events(wanted):
        offset = offsets[e.channel] = offsets.get(e.channel, -1) + 1
        rows.append(
            (e.channel, f"bench.{e.channel}", 0, offset, e.key_bytes(), e.value_bytes(), now, 0, [], now, now.date())
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args(argv)
    root = tempfile.mkdtemp(prefix="bench-stages-")
    cfg = bench_config(root, {"spark.ui_enabled": False})
    from pyspark.sql import functions as F

    from beejan_lakehouse.bronze.kafka_events import KAFKA_EVENTS
    from beejan_lakehouse.classification.settings import load_settings, mlflow_settings
    from beejan_lakehouse.classification.training import ensure_champion
    from beejan_lakehouse.quality.expectations import evaluate
    from beejan_lakehouse.session import build_spark
    from beejan_lakehouse.silver.cleaning import clean_text, language_hint
    from beejan_lakehouse.silver.customers import resolve_customers
    from beejan_lakehouse.silver.dedup import complaint_id, normalised_text
    from beejan_lakehouse.silver.pii import mask_pii
    from beejan_lakehouse.silver.pipeline import _right_sized, parse_kafka_events
    from beejan_lakehouse.silver.stream import silver_context

    ensure_champion(mlflow_settings("dev"), load_settings())
    spark = build_spark(cfg, app_name="bench-silver-stages")
    ctx = silver_context(spark, cfg)
    rows = bronze_rows(args.events)
    bronze = spark.createDataFrame(rows, KAFKA_EVENTS.schema).localCheckpoint(eager=True)
    parsed, _ = _right_sized(bronze.transform(parse_kafka_events).localCheckpoint(eager=True))
    n = parsed.count()

    valid = F.size("reasons") == 0
    inputs = {"_norm": normalised_text("text_masked"), "_classify_text": F.when(valid, F.col("text_masked"))}
    signature = {"_sig": ctx.dedup.signed(F.col("_norm"), valid)["_sig"]}

    def classify_step(d):
        # annotate computes the signature in the classifier's projection (one Arrow round trip)
        return ctx.classify(d.drop("_sig"), with_columns=signature) if ctx.classify else d

    id_channel = F.when(F.col("channel") == "web_export", F.lit("webform")).otherwise(F.col("channel"))
    steps = [
        ("clean_text (ftfy lookup, whitespace)", clean_text),
        ("language_hint", language_hint),
        ("expectations", evaluate()),
        (
            "complaint id",
            lambda d: d.withColumn("channel", id_channel).withColumn(
                "complaint_id", complaint_id(F.col("channel"), F.col("source_id"))
            ),
        ),
        ("resolve customers (phone lookup, 6 joins, HMAC)", resolve_customers(ctx.dims.customer, ctx.key)),
        ("mask PII", mask_pii()),
        ("enrich", ctx.enrich),
        ("classifier and MinHash inputs", lambda d: d.withColumns(inputs)),
        ("MinHash signature (pandas UDF)", lambda d: d.withColumns(signature)),
        ("classify (pandas UDF, same projection)", classify_step),
    ]

    def timed(df) -> float:
        best = float("inf")
        for _ in range(args.repeat):
            started = time.perf_counter()
            df.write.format("noop").mode("overwrite").save()
            best = min(best, time.perf_counter() - started)
        return best

    print(f"date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC")
    print(f"machine: {machine()}")
    print(f"rows: {n:,} parsed stream events, {parsed.rdd.getNumPartitions()} partitions, best of {args.repeat}")
    chain = parsed
    for _, step in steps:
        chain = chain.transform(step)
    timed(chain)  # warm-up: the JVM's JIT and the Python workers
    whole = timed(chain)
    print(f"{'whole per-row pass (one plan, as silver runs it)':50s} {whole:7.2f} s  {n / whole:8,.0f} rows/s")
    # Each step alone, over the previous steps' materialised output: what it costs by itself.
    current, total = parsed, 0.0
    for name, step in steps:
        current, _ = _right_sized(current.localCheckpoint(eager=True))
        alone = timed(current.transform(step)) - timed(current)
        total += alone
        print(f"{name:50s} {alone:7.2f} s  {alone / n * 1e6:6.1f} µs/row wall")
        current = current.transform(step)
    print(f"{'sum of the steps alone':50s} {total:7.2f} s")
    spark.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
