"""Reading a small Kafka micro-batch: seconds per batch for each `kafka.consumer_fetch_max_wait_ms`.

    .venv/bin/python bench/bench_kafka_fetch.py [--waits 500 10] [--seconds 60] [--rate 5]

The live path's silver query reads a few rows per micro-batch from the three channel topics (nine
partitions) and materialises them once (`localCheckpoint`, as `silver.stream` does). On its own
broker, one processing-time query per setting (1 s trigger) reads `--rate` messages/s spread over
the topics; the figure is the median `addBatch` time of the batches that read rows (Spark's own
progress metrics), next to the streaming engine's bookkeeping around it (offset log and commit).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import bench_broker, create_topic, machine
from kafka import KafkaProducer

from beejan_lakehouse.config import load_config, spark_kafka_options

TOPICS = ("fetch.social", "fetch.sms", "fetch.webform")


def batch_times(spark, cfg, checkpoint: str, seconds: float, producer: KafkaProducer, rate: float) -> list[dict]:
    """Progress durations (ms) of the batches that read rows while `rate` msgs/s flow for `seconds`."""
    source = (
        spark.readStream.format("kafka")
        .options(**spark_kafka_options(cfg))
        .option("subscribe", ",".join(TOPICS))
        .option("startingOffsets", "latest")
        .load()
    )
    query = (
        source.writeStream.foreachBatch(lambda batch, _id: batch.localCheckpoint(eager=True))
        .option("checkpointLocation", checkpoint)
        .trigger(processingTime="1 second")
        .start()
    )
    stop = threading.Event()

    def produce() -> None:
        i = 0
        while not stop.is_set():
            producer.send(TOPICS[i % len(TOPICS)], b"x" * 300)
            i += 1
            time.sleep(1.0 / rate)

    thread = threading.Thread(target=produce, daemon=True)
    thread.start()
    time.sleep(seconds)
    stop.set()
    thread.join()
    progress = [p for p in query.recentProgress if p.numInputRows]
    query.stop()
    return [dict(p.durationMs) for p in progress[len(progress) // 3 :]]  # warm: the last two thirds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--waits", type=int, nargs="+", default=[500, 10], help="fetch.max.wait.ms values (500: Kafka's default)"
    )
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--rate", type=float, default=5.0)
    args = parser.parse_args(argv)
    root = tempfile.mkdtemp(prefix="bench-kafka-fetch-")
    with bench_broker() as bootstrap:
        for topic in TOPICS:
            create_topic(bootstrap, topic, partitions=3)
        from beejan_lakehouse.session import build_spark

        base = {
            "storage.root": f"{root}/lakehouse",
            "storage.checkpoints": f"{root}/lakehouse/_checkpoints",
            "kafka.bootstrap_servers": bootstrap,
        }
        spark = build_spark(load_config("test", base), app_name="bench-kafka-fetch")
        producer = KafkaProducer(bootstrap_servers=bootstrap, linger_ms=0)
        print(f"date: {time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC")
        print(f"machine: {machine()}")
        for wait in args.waits:
            cfg = load_config("test", {**base, "kafka.consumer_fetch_max_wait_ms": wait})
            times = batch_times(spark, cfg, f"{root}/checkpoint-{wait}", args.seconds, producer, args.rate)
            add = statistics.median(t["addBatch"] for t in times)
            bookkeeping = statistics.median(t["walCommit"] + t["commitOffsets"] + t["latestOffset"] for t in times)
            slowest = max(t["addBatch"] for t in times)
            print(
                f"fetch.max.wait.ms={wait}: {len(times)} batches of ~{args.rate:.0f} rows, read + localCheckpoint "
                f"median {add:.0f} ms (max {slowest} ms), offsets/commit log {bookkeeping:.0f} ms"
            )
        producer.close()
        spark.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
