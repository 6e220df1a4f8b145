"""Platform yardsticks: SparkSession start time and the plain Kafka -> Delta copy rate.

    .venv/bin/python bench/bench_platform.py [--messages 200000]

Starts its own broker on free ports; prints figures to record in bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import bench_broker, create_topic, machine, plain_copy_rate, produce, small_messages

from beejan_lakehouse.config import load_config


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=200_000)
    args = parser.parse_args(argv)
    root = tempfile.mkdtemp(prefix="bench-platform-")
    with bench_broker() as bootstrap:
        topic = "bench.plain"
        create_topic(bootstrap, topic, partitions=3)
        t0 = time.perf_counter()
        produce(bootstrap, topic, small_messages(args.messages))
        produce_s = time.perf_counter() - t0

        cfg = load_config("test", {"storage.root": root, "kafka.bootstrap_servers": bootstrap})
        t0 = time.perf_counter()
        from beejan_lakehouse.session import build_spark

        spark = build_spark(cfg, app_name="bench-platform")
        session_s = time.perf_counter() - t0
        seconds, rate = plain_copy_rate(spark, cfg, [topic], args.messages, f"{root}/plain")
        spark.stop()
    print(f"date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC")
    print(f"machine: {machine()}")
    print(f"produce {args.messages} small messages (kafka-python): {produce_s:.1f} s")
    print(f"SparkSession start (JVM + Delta + catalog registration): {session_s:.1f} s")
    print(f"plain Kafka -> Delta copy: {args.messages} msgs in {seconds:.1f} s = {rate:,.0f} msgs/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
