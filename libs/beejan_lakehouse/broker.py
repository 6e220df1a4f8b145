"""The local Apache Kafka broker for dev and tests: one KRaft node (broker + controller).

Runs the official org.apache.kafka jars (resolved by scripts/setup_jars.sh) with `java`,
listening on loopback only, its data under a git-ignored home folder. `start` formats the
storage on first use, waits until the broker answers and is idempotent; `stop` shuts it down
cleanly (SIGTERM = controlled shutdown), `status` reports it.

    python -m beejan_lakehouse.broker start|stop|status [--env dev] [--port N] [--home DIR]
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from beejan_lakehouse.config import REPO_ROOT, load_config
from beejan_lakehouse.logs import get_logger

log = get_logger("broker")

BROKER_JARS = REPO_ROOT / ".local" / "jars" / "broker"
_READY_TIMEOUT_S = 90.0


@dataclass(frozen=True)
class BrokerSpec:
    """Where and how the local broker runs."""

    home: Path
    port: int
    controller_port: int
    heap: str = "512m"
    jars: Path = BROKER_JARS

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def pid_file(self) -> Path:
        return self.home / "broker.pid"

    @property
    def properties_file(self) -> Path:
        return self.home / "server.properties"

    @property
    def log_file(self) -> Path:
        return self.home / "logs" / "server.log"


def server_properties(spec: BrokerSpec) -> str:
    """server.properties for a single combined KRaft node bound to loopback."""
    return "\n".join(
        [
            "process.roles=broker,controller",
            "node.id=1",
            f"controller.quorum.bootstrap.servers=127.0.0.1:{spec.controller_port}",
            f"listeners=PLAINTEXT://127.0.0.1:{spec.port},CONTROLLER://127.0.0.1:{spec.controller_port}",
            f"advertised.listeners=PLAINTEXT://127.0.0.1:{spec.port}",
            "controller.listener.names=CONTROLLER",
            "inter.broker.listener.name=PLAINTEXT",
            "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
            f"log.dirs={spec.home / 'data'}",
            "num.partitions=3",
            # One node: every internal topic must have replication factor 1.
            "offsets.topic.replication.factor=1",
            "offsets.topic.num.partitions=3",
            "transaction.state.log.replication.factor=1",
            "transaction.state.log.min.isr=1",
            "share.coordinator.state.topic.replication.factor=1",
            "share.coordinator.state.topic.min.isr=1",
            "group.initial.rebalance.delay.ms=0",
            # Topics come from conf/ (beejan_lakehouse.topics), never from a typo in a client.
            "auto.create.topics.enable=false",
            "log.retention.hours=168",
            "log.segment.bytes=268435456",
            "",
        ]
    )


LOG4J2_PROPERTIES = """\
status = warn
appender.file.type = File
appender.file.name = FILE
appender.file.fileName = ${sys:kafka.logs.dir}/server.log
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = FILE
logger.kafka.name = kafka
logger.kafka.level = INFO
logger.kafka-request.name = kafka.request.logger
logger.kafka-request.level = WARN
"""


def is_running(spec: BrokerSpec) -> int | None:
    """The broker's pid if its pid file names a live process, else None."""
    try:
        pid = int(spec.pid_file.read_text().strip())
    except (FileNotFoundError, ValueError):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        return pid
    # A zombie (exited child not yet reaped) is not a running broker.
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
        if state == "Z":
            return None
    except (FileNotFoundError, IndexError):
        return None
    return pid


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    """True when something accepts TCP connections on host:port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def free_port() -> int:
    """A TCP port nobody listens on right now (for tests)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _java_command(spec: BrokerSpec, main_class: str, *args: str) -> list[str]:
    if not any(spec.jars.glob("kafka_*.jar")):
        raise RuntimeError(
            f"Kafka broker jars not found in {spec.jars}: run scripts/setup.sh (or scripts/setup_jars.sh)"
        )
    return [
        "java",
        f"-Xmx{spec.heap}",
        f"-Xms{spec.heap}",
        "-XX:+UseG1GC",
        "-Djava.awt.headless=true",
        f"-Dkafka.logs.dir={spec.log_file.parent}",
        f"-Dlog4j2.configurationFile={spec.home / 'log4j2.properties'}",
        "-cp",
        f"{spec.jars}/*",
        main_class,
        *args,
    ]


def _format_storage(spec: BrokerSpec) -> None:
    cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
    cmd = _java_command(
        spec,
        "kafka.tools.StorageTool",
        "format",
        "--standalone",
        # One argument: a random id starting with "-" (1 in 32) would be read as an option.
        f"--cluster-id={cluster_id}",
        "-c",
        str(spec.properties_file),
    )
    result = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"formatting Kafka storage failed:\n{result.stdout}\n{result.stderr}")
    log.info("formatted broker storage in %s (cluster id %s)", spec.home / "data", cluster_id)


def start(spec: BrokerSpec) -> str:
    """Start the broker unless it runs already; returns its bootstrap address once it answers."""
    pid = is_running(spec)
    if pid is not None:
        wait_until_ready(spec, timeout_s=_READY_TIMEOUT_S)
        log.info("broker already running (pid %d) on %s", pid, spec.bootstrap)
        return spec.bootstrap
    for port in (spec.port, spec.controller_port):
        if port_open(port):
            raise RuntimeError(f"port {port} is taken by another process; pick another with --port")
    (spec.home / "logs").mkdir(parents=True, exist_ok=True)
    spec.properties_file.write_text(server_properties(spec))
    (spec.home / "log4j2.properties").write_text(LOG4J2_PROPERTIES)
    if not (spec.home / "data" / "meta.properties").exists():
        _format_storage(spec)
    stdout = open(spec.home / "logs" / "stdout.log", "ab")  # noqa: SIM115 - owned by the child
    proc = subprocess.Popen(
        _java_command(spec, "kafka.Kafka", str(spec.properties_file)),
        stdout=stdout,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,  # survives the shell that started it; stopped by `stop`
    )
    spec.pid_file.write_text(str(proc.pid))
    log.info("starting broker pid %d on %s (home %s)", proc.pid, spec.bootstrap, spec.home)
    wait_until_ready(spec, timeout_s=_READY_TIMEOUT_S)
    log.info("broker ready on %s", spec.bootstrap)
    return spec.bootstrap


def wait_until_ready(spec: BrokerSpec, timeout_s: float) -> None:
    """Block until the broker answers a metadata request, or raise after timeout_s."""
    from kafka import KafkaAdminClient
    from kafka.errors import KafkaError

    deadline = time.monotonic() + timeout_s
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        if is_running(spec) is None:
            raise RuntimeError(f"broker process exited; see {spec.log_file}")
        if port_open(spec.port):
            try:
                admin = KafkaAdminClient(
                    bootstrap_servers=spec.bootstrap, request_timeout_ms=5000, client_id="readiness"
                )
                try:
                    admin.describe_cluster()
                    return
                finally:
                    admin.close()
            except KafkaError as exc:  # not ready yet: controller still electing itself
                last_error = exc
        time.sleep(0.3)
    raise TimeoutError(f"broker on {spec.bootstrap} not ready after {timeout_s}s: {last_error}")


def stop(spec: BrokerSpec, timeout_s: float = 60.0) -> bool:
    """Stop the broker with a controlled shutdown; returns False when it was not running."""
    pid = is_running(spec)
    if pid is None:
        spec.pid_file.unlink(missing_ok=True)
        log.info("broker not running (home %s)", spec.home)
        return False
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and is_running(spec) is not None:
        _reap(pid)
        time.sleep(0.2)
    if is_running(spec) is not None:
        log.warning("broker pid %d ignored SIGTERM for %.0fs; killing it", pid, timeout_s)
        os.kill(pid, signal.SIGKILL)
        _reap(pid)
    spec.pid_file.unlink(missing_ok=True)
    log.info("broker stopped (pid %d)", pid)
    return True


def _reap(pid: int) -> None:
    # Not our child (started by an earlier command): its own parent (init) reaps it.
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def status(spec: BrokerSpec) -> dict[str, object]:
    """Whether the broker runs, where, and the topics it holds."""
    pid = is_running(spec)
    info: dict[str, object] = {
        "running": pid is not None,
        "pid": pid,
        "bootstrap": spec.bootstrap,
        "home": str(spec.home),
    }
    if pid is not None and port_open(spec.port):
        from kafka import KafkaAdminClient

        admin = KafkaAdminClient(bootstrap_servers=spec.bootstrap, request_timeout_ms=5000)
        try:
            info["topics"] = sorted(t for t in admin.list_topics() if not t.startswith("__"))
        finally:
            admin.close()
    return info


def spec_from_config(
    env: str,
    port: int | None = None,
    home: str | None = None,
    controller_port: int | None = None,
) -> BrokerSpec:
    """The broker spec for an environment, with optional port/home overrides (tests)."""
    cfg = load_config(env)
    broker = cfg["kafka"]["broker"]
    port = port or broker["port"]
    # --standalone formatting records the controller endpoint in the quorum's bootstrap
    # snapshot, so a given home must keep its controller port: derive it, never pick randomly.
    if controller_port is None:
        controller_port = broker["controller_port"] if port == broker["port"] else port + 1
    return BrokerSpec(
        home=Path(home).resolve() if home else Path(broker["home"]),
        port=port,
        controller_port=controller_port,
        heap=broker["heap"],
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="kafka.sh", description="Local Kafka broker (KRaft).")
    parser.add_argument("action", choices=["start", "stop", "status", "restart"])
    parser.add_argument("--env", default=os.environ.get("BEEJAN_ENV", "dev"))
    parser.add_argument("--port", type=int, help="PLAINTEXT port (default from conf)")
    parser.add_argument("--controller-port", type=int, help="CONTROLLER port (default: port + 1)")
    parser.add_argument("--home", help="data/log folder (default from conf)")
    parser.add_argument("--topics", action="store_true", help="also create the topics in conf/")
    args = parser.parse_args(argv)
    spec = spec_from_config(args.env, args.port, args.home, args.controller_port)
    if args.action in ("stop", "restart"):
        stop(spec)
    if args.action in ("start", "restart"):
        start(spec)
        if args.topics:
            from beejan_lakehouse.topics import ensure_topics

            cfg = load_config(args.env, {"kafka.bootstrap_servers": spec.bootstrap})
            ensure_topics(cfg)
    if args.action == "status":
        info = status(spec)
        for key, value in info.items():
            print(f"{key}: {value}")
        return 0 if info["running"] else 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
