"""The Kafka -> bronze job killed with SIGKILL mid-stream and restarted: nothing lost, nothing twice."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from kafka import KafkaProducer

from beejan_lakehouse.bronze.kafka_events import TABLE
from beejan_lakehouse.tables import delta_table_exists, table_path

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]


def produce(bootstrap: str, topic: str, start: int, count: int) -> None:
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=10)
    for i in range(start, start + count):
        producer.send(topic, key=str(i).encode(), value=json.dumps({"n": i}).encode())
    producer.flush()
    producer.close()


def job(cfg, *extra: str) -> list[str]:
    topics = {c: {"name": t["name"]} for c, t in cfg["kafka"]["topics"].items()}
    sets = {
        "storage.root": cfg["storage"]["root"],
        "storage.checkpoints": cfg["storage"]["checkpoints"],
        "kafka.bootstrap_servers": cfg["kafka"]["bootstrap_servers"],
        "kafka.topics": json.dumps(topics),
        "streams.bronze_kafka.max_offsets_per_trigger": 400,
        "streams.bronze_kafka.interval": "0 seconds",
    }
    args = [str(REPO / "spark-submit.sh"), "stream_bronze", "--env", "test"]
    for key, value in sets.items():
        args += ["--set", f"{key}={value}"]
    return [*args, *extra]


def rows(spark, cfg) -> int:
    path = table_path(cfg, TABLE)
    # Not DeltaTable.isDeltaTable: it caches a negative answer seen while the job creates the table.
    return spark.read.format("delta").load(path).count() if delta_table_exists(spark, path) else 0


def test_sigkill_mid_stream_then_restart_loses_and_duplicates_nothing(spark, kafka_cfg, tmp_path):
    topic = kafka_cfg["kafka"]["topics"]["sms"]["name"]
    bootstrap = kafka_cfg["kafka"]["bootstrap_servers"]
    produce(bootstrap, topic, 0, 4000)

    log = open(tmp_path / "first.log", "wb")  # noqa: SIM115 - closed below
    first = subprocess.Popen(job(kafka_cfg), stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 240
    while rows(spark, kafka_cfg) < 400:  # at least one micro-batch committed ...
        assert first.poll() is None, (tmp_path / "first.log").read_text()[-3000:]
        assert time.monotonic() < deadline, (
            "the stream committed nothing in 240 s:\n" + (tmp_path / "first.log").read_text()[-3000:]
        )
        time.sleep(0.5)
    os.killpg(first.pid, signal.SIGKILL)  # ... then die without any chance to clean up
    first.wait(timeout=60)
    log.close()
    landed_before_restart = rows(spark, kafka_cfg)
    assert landed_before_restart < 4000, "killed too late to test a mid-stream stop"

    produce(bootstrap, topic, 4000, 1000)  # traffic keeps arriving while the job is down
    restart = subprocess.run(job(kafka_cfg, "--trigger", "availableNow"), capture_output=True, timeout=400)
    assert restart.returncode == 0, restart.stdout[-3000:]

    bronze = spark.read.format("delta").load(table_path(kafka_cfg, TABLE))
    assert bronze.count() == 5000
    assert bronze.select("partition", "offset").distinct().count() == 5000
    assert sorted(int(json.loads(bytes(r["value"]))["n"]) for r in bronze.select("value").collect()) == list(
        range(5000)
    )
