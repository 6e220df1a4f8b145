"""Helpers the benchmarks share: a throwaway broker, fast producing, the plain-copy yardstick."""

from __future__ import annotations

import datetime as dt
import json
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from kafka import KafkaAdminClient, KafkaProducer
from kafka.admin import NewTopic

from beejan_lakehouse.broker import free_port
from beejan_lakehouse.config import Config, load_config, spark_kafka_options

REPO_ROOT = Path(__file__).resolve().parents[1]


def machine() -> str:
    """One line naming the machine a figure was measured on."""
    import os

    mem_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{platform.node()} {platform.machine()} {os.cpu_count()} cores {mem_gb:.0f} GiB, {platform.platform()}"


def run_job(cmd: list[str]) -> tuple[float, str]:
    """Run a `spark-submit.sh` job command: (wall seconds incl. JVM start, its `end job=` log line).

    A failed job ends the benchmark with the tail of its stderr.
    """
    started = time.perf_counter()
    result = subprocess.run(cmd, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    if result.returncode != 0:
        sys.exit(result.stderr[-4000:])
    # The job logs to stdout or stderr depending on the logging config: look in both.
    ends = [line for line in (result.stdout + "\n" + result.stderr).splitlines() if " end job=" in line]
    return wall, ends[-1] if ends else "(no summary line)"


@contextmanager
def bench_broker() -> Iterator[str]:
    """A fresh broker on free ports in a temp home (the project's own command), stopped after."""
    home = Path(tempfile.mkdtemp(prefix="bench-kafka-"))
    port = free_port()
    args = ["--env", "test", "--port", str(port), "--controller-port", str(free_port()), "--home", str(home)]
    subprocess.run([sys.executable, "-m", "beejan_lakehouse.broker", "start", *args], check=True)
    try:
        yield f"127.0.0.1:{port}"
    finally:
        subprocess.run([sys.executable, "-m", "beejan_lakehouse.broker", "stop", *args], check=True)


def create_topic(bootstrap: str, name: str, partitions: int = 3) -> None:
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        admin.create_topics([NewTopic(name, partitions, 1)])
    finally:
        admin.close()


def produce(bootstrap: str, topic: str, payloads: Iterable[tuple[bytes | None, bytes]]) -> int:
    """Send (key, value) pairs with throughput-oriented batching; returns the count sent."""
    producer = KafkaProducer(
        bootstrap_servers=bootstrap,
        acks=1,
        linger_ms=20,
        batch_size=256 * 1024,
        compression_type="lz4" if _has_lz4() else None,
    )
    n = 0
    for key, value in payloads:
        producer.send(topic, key=key, value=value)
        n += 1
    producer.flush()
    producer.close()
    return n


def _has_lz4() -> bool:
    try:
        import lz4  # noqa: F401
    except ImportError:
        return False
    return True


def small_messages(n: int) -> Iterator[tuple[bytes, bytes]]:
    for i in range(n):
        yield str(i).encode(), json.dumps({"id": i, "text": "network down since morning abeg"}).encode()


def plain_copy_rate(spark, cfg: Config, topics: list[str], expected: int, out: str) -> tuple[float, float]:
    """Copy topics to a Delta table with no parsing (availableNow); returns (seconds, msgs/s)."""
    df = (
        spark.readStream.format("kafka")
        .options(**spark_kafka_options(cfg))
        .option("subscribe", ",".join(topics))
        .option("startingOffsets", "earliest")
        .load()
        .select("key", "value", "topic", "partition", "offset", "timestamp")
    )
    started = time.perf_counter()
    query = (
        df.writeStream.format("delta")
        .option("checkpointLocation", f"{out}/_checkpoint")
        .trigger(availableNow=True)
        .start(f"{out}/table")
    )
    query.awaitTermination()
    seconds = time.perf_counter() - started
    copied = spark.read.format("delta").load(f"{out}/table").count()
    if copied != expected:
        raise AssertionError(f"plain copy wrote {copied} rows, expected {expected}")
    return seconds, expected / seconds


def stream_events(wanted: int, seed: int = 5) -> Iterator:
    """The first `wanted` realistic stream events (social, SMS, web form) of simulated 40k days
    from 2026-10-01, with the simulator's default noise: what the throughput benches feed in."""
    from beejan_lakehouse.simulator.generator import STREAM_CHANNELS, Simulator
    from beejan_lakehouse.simulator.profiles import day_slots
    from beejan_lakehouse.simulator.world import build_world

    sim, sent, day = Simulator(build_world(), seed=seed), 0, dt.date(2026, 10, 1)
    while sent < wanted:
        for e in sim.generate(day_slots(day, total=40_000, seed=day.toordinal())):
            if e.channel in STREAM_CHANNELS and e.truth["in_stream"] and sent < wanted:
                sent += 1
                yield e
        day += dt.timedelta(days=1)


def bench_config(
    root: str, overrides: dict | None = None, bootstrap: str | None = None, topics: dict[str, str] | None = None
) -> Config:
    """The test config on a lakehouse under `root` (a temporary folder), with dev's driver memory,
    classifying with dev's MLflow registry (its champion), on the bench broker and topics when
    given, then `overrides`."""
    dev = load_config("dev")
    sets: dict = {
        "storage.root": f"{root}/lakehouse",
        "storage.checkpoints": f"{root}/lakehouse/_checkpoints",
        "mlflow.tracking_uri": dev["mlflow"]["tracking_uri"],
        "mlflow.registry_uri": dev["mlflow"]["registry_uri"],
        "mlflow.artifact_location": dev["mlflow"]["artifact_location"],
        # The heap a deployment on this machine runs with, not the tests' smaller one: with a
        # 500,000-event batch in the tests' 3g, G1 marked for 62 s of silver's 262 s (RESULTS.md).
        "spark.driver_memory": dev["spark"]["driver_memory"],
    }
    if bootstrap is not None:
        sets["kafka.bootstrap_servers"] = bootstrap
    if topics is not None:
        sets["kafka.topics"] = {c: {"name": n} for c, n in topics.items()}
    return load_config("test", {**sets, **(overrides or {})})
