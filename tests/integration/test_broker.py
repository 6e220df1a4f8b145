"""The project's broker command: idempotent start, status, clean stop, restart keeps data."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from kafka import KafkaConsumer, KafkaProducer

from beejan_lakehouse.broker import free_port

pytestmark = pytest.mark.integration
SCRIPT = str(Path(__file__).resolve().parents[2] / "scripts" / "kafka.sh")


def kafka_sh(action: str, port: int, home: Path) -> subprocess.CompletedProcess:
    args = [SCRIPT, action, "--env", "test", "--port", str(port), "--controller-port", str(port + 1)]
    return subprocess.run([*args, "--home", str(home)], capture_output=True, text=True, timeout=180, check=False)


def test_start_is_idempotent_status_reports_and_stop_is_clean(tmp_path: Path):
    port = free_port()
    home = tmp_path / "kafka"
    first = kafka_sh("start", port, home)
    assert first.returncode == 0, first.stderr
    assert "formatted broker storage" in first.stderr
    try:
        again = kafka_sh("start", port, home)
        assert again.returncode == 0
        assert "broker already running" in again.stderr
        status = kafka_sh("status", port, home)
        assert status.returncode == 0
        assert "running: True" in status.stdout
        assert f"bootstrap: 127.0.0.1:{port}" in status.stdout
        # start creates the topics declared in conf/
        assert "beejan.complaints.sms" in status.stdout and "beejan.complaints.social" in status.stdout

        producer = KafkaProducer(bootstrap_servers=f"127.0.0.1:{port}", acks="all")
        for i in range(10):
            producer.send("beejan.complaints.sms", json.dumps({"i": i}).encode())
        producer.flush()
        producer.close()

        # A restart keeps the data (storage is formatted only once).
        restart = kafka_sh("restart", port, home)
        assert restart.returncode == 0, restart.stderr
        assert "formatted broker storage" not in restart.stderr
        consumer = KafkaConsumer(
            "beejan.complaints.sms",
            bootstrap_servers=f"127.0.0.1:{port}",
            auto_offset_reset="earliest",
            consumer_timeout_ms=5000,
        )
        assert sorted(json.loads(m.value)["i"] for m in consumer) == list(range(10))
        consumer.close()
    finally:
        stop = kafka_sh("stop", port, home)
    assert stop.returncode == 0
    assert "broker stopped" in stop.stderr
    stopped = kafka_sh("status", port, home)
    assert stopped.returncode == 3
    assert "running: False" in stopped.stdout
    assert not (home / "broker.pid").exists()


def test_broker_listens_on_loopback_only(kafka_broker):
    props = (Path(kafka_broker["home"]) / "server.properties").read_text()
    listeners = next(line for line in props.splitlines() if line.startswith("listeners="))
    assert listeners == (
        f"listeners=PLAINTEXT://127.0.0.1:{kafka_broker['port']},"
        f"CONTROLLER://127.0.0.1:{kafka_broker['controller_port']}"
    )


def test_module_entry_point_help():
    out = subprocess.run([sys.executable, "-m", "beejan_lakehouse.broker", "--help"], capture_output=True, text=True)
    assert "start" in out.stdout and "status" in out.stdout


def test_storage_formats_when_the_random_cluster_id_starts_with_a_dash(tmp_path: Path, monkeypatch):
    """base64url ids start with "-" one time in 32; the storage tool must not read it as an option."""
    import uuid

    from beejan_lakehouse import broker

    monkeypatch.setattr(broker.uuid, "uuid4", lambda: uuid.UUID(bytes=b"\xf8" + bytes(15)))
    spec = broker.BrokerSpec(home=tmp_path, port=free_port(), controller_port=free_port())
    spec.properties_file.write_text(broker.server_properties(spec))
    (tmp_path / "log4j2.properties").write_text(broker.LOG4J2_PROPERTIES)
    broker._format_storage(spec)
    meta = (tmp_path / "data" / "meta.properties").read_text()
    assert "cluster.id=-AAAAAAAAAAAAAAAAAAAAA" in meta
