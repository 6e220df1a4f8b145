"""Shared fixtures: one Spark session, one real Kafka broker, per-test lakehouse roots and topics.

The broker is started by the project's own command (python -m beejan_lakehouse.broker) on a
free port with a temporary home, exactly as a developer starts it, and stopped at the end.
"""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from beejan_lakehouse.broker import free_port
from beejan_lakehouse.config import Config, load_config

REPO_ROOT = Path(__file__).resolve().parents[1]


def _broker(action: str, port: int, controller_port: int, home: Path) -> None:
    cmd = [
        sys.executable, "-m", "beejan_lakehouse.broker", action, "--env", "test",
        "--port", str(port), "--controller-port", str(controller_port), "--home", str(home),
    ]  # fmt: skip
    subprocess.run(cmd, check=True, timeout=180)


@pytest.fixture(scope="session")
def kafka_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A real single-node KRaft broker for the whole test session."""
    home = tmp_path_factory.mktemp("kafka")
    port, controller_port = free_port(), free_port()
    _broker("start", port, controller_port, home)
    try:
        yield {"bootstrap": f"127.0.0.1:{port}", "port": port, "controller_port": controller_port, "home": home}
    finally:
        _broker("stop", port, controller_port, home)


@pytest.fixture(scope="session")
def kafka_bootstrap(kafka_broker: dict[str, Any]) -> str:
    """bootstrap.servers of the session's broker, e.g. 127.0.0.1:40123."""
    return kafka_broker["bootstrap"]


@pytest.fixture(scope="session")
def spark(tmp_path_factory: pytest.TempPathFactory):
    """One SparkSession (Delta + Kafka connector, UI off) for the whole test session."""
    from beejan_lakehouse.session import build_spark

    root = tmp_path_factory.mktemp("lakehouse")
    cfg = load_config("test", {"storage.root": str(root), "storage.checkpoints": str(root / "_cp")})
    session = build_spark(cfg, app_name="beejan-tests")
    yield session
    session.stop()


@pytest.fixture
def lakehouse_cfg(tmp_path: Path) -> Config:
    """Test config whose storage root, checkpoints and landing live in this test's tmp dir."""
    return load_config("test", _storage_overrides(tmp_path))


def _storage_overrides(root: Path) -> dict[str, Any]:
    return {
        "storage.root": str(root / "lakehouse"),
        "storage.checkpoints": str(root / "lakehouse" / "_checkpoints"),
        "storage.landing": str(root / "landing"),
    }


@pytest.fixture
def make_topics(kafka_bootstrap: str) -> Callable[..., dict[str, str]]:
    """Create fresh, uniquely named topics for channels; returns channel -> topic name."""
    from kafka import KafkaAdminClient
    from kafka.admin import NewTopic

    def create(*channels: str, partitions: int = 3) -> dict[str, str]:
        suffix = uuid.uuid4().hex[:8]
        names = {c: f"test.{c}.{suffix}" for c in channels}
        admin = KafkaAdminClient(bootstrap_servers=kafka_bootstrap)
        try:
            admin.create_topics([NewTopic(n, partitions, 1) for n in names.values()])
        finally:
            admin.close()
        return names

    return create


@pytest.fixture
def kafka_cfg(tmp_path: Path, kafka_bootstrap: str, make_topics) -> Config:
    """Test config on the session broker with fresh topics for every channel and a tmp lakehouse."""
    topics = make_topics("social", "sms", "webform", "canary")
    overrides = {
        **_storage_overrides(tmp_path),
        "kafka.bootstrap_servers": kafka_bootstrap,
        "kafka.topics": {c: {"name": n} for c, n in topics.items()},
    }
    return load_config("test", overrides)


@pytest.fixture
def mlflow_uris(tmp_path: Path) -> dict[str, str]:
    """MLflow tracking + registry on a temporary SQLite file, artifacts in tmp."""
    db = tmp_path / "mlflow.db"
    return {
        "tracking_uri": f"sqlite:///{db}",
        "registry_uri": f"sqlite:///{db}",
        "artifact_location": str(tmp_path / "mlartifacts"),
    }
