"""The one configuration loader: conf/base.yaml merged with an environment overlay.

Every key the platform knows is declared in base.yaml; an overlay (dev/test/prod) or an
override may only set declared keys, so a typo is an error naming the key and the file
instead of a silently ignored setting. `${env:NAME}` values are read from the environment at
load time so secrets never live in the repository.
"""

from __future__ import annotations

import copy
import os
import re
from pathlib import Path
from typing import Any

import yaml

# A checkout (editable install) finds conf/ beside libs/; an installed wheel on a cluster is
# pointed at the shipped configuration with BEEJAN_HOME (the folder that holds conf/).
REPO_ROOT = Path(os.environ.get("BEEJAN_HOME") or Path(__file__).resolve().parents[2])
CONF_DIR = REPO_ROOT / "conf"
ENVIRONMENTS = ("dev", "test", "prod")

# Maps whose keys are free-form (not declared in base.yaml).
_FREE_FORM = {"spark.extra", "kafka.topics"}
_REQUIRED = (
    "spark.master",
    "spark.app_name",
    "storage.root",
    "storage.checkpoints",
    "storage.landing",
    "kafka.bootstrap_servers",
    "mlflow.tracking_uri",
    "mlflow.registry_uri",
)
# Keys holding paths: relative values resolve against the repository root.
_PATH_KEYS = (
    "storage.root",
    "storage.checkpoints",
    "storage.landing",
    "jars.dir",
    "kafka.broker.home",
    "mlflow.artifact_location",
    "silver.reference_dir",
)
_SQLITE_KEYS = ("mlflow.tracking_uri", "mlflow.registry_uri")
_ENV_REF = re.compile(r"\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}")

Config = dict[str, Any]


class ConfigError(ValueError):
    """A configuration file or override is invalid; the message names the key and the source."""


def load_config(
    env: str,
    overrides: dict[str, Any] | None = None,
    conf_dir: Path | str | None = None,
) -> Config:
    """Load base.yaml, merge `<env>.yaml` and dotted-key `overrides`, validate and resolve."""
    conf_dir = Path(conf_dir) if conf_dir else CONF_DIR
    if env not in ENVIRONMENTS:
        raise ConfigError(f"unknown environment {env!r}: expected one of {', '.join(ENVIRONMENTS)}")
    base_file = conf_dir / "base.yaml"
    base = _read_yaml(base_file)
    merged = copy.deepcopy(base)
    env_file = conf_dir / f"{env}.yaml"
    _merge(merged, base, _read_yaml(env_file), source=_display(env_file), prefix="")
    for dotted, value in (overrides or {}).items():
        _merge(merged, base, _nest(dotted, value), source="override", prefix="")
    sources = {"base": _display(base_file), "env": _display(env_file)}
    _resolve_env_refs(merged, sources, prefix="")
    _check_required(merged, sources)
    _check_topics(merged, sources)
    _resolve_paths(merged)
    merged["env"] = env
    return merged


def get(cfg: Config, dotted: str) -> Any:
    """Value at a dotted key, e.g. get(cfg, "kafka.topics.sms.name")."""
    node: Any = cfg
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            raise ConfigError(f"missing configuration key {dotted!r}")
        node = node[part]
    return node


def kafka_client_options(cfg: Config) -> dict[str, Any]:
    """kafka-python client settings (bootstrap + security) for producers, consumers and admin."""
    kafka = cfg["kafka"]
    options: dict[str, Any] = {
        "bootstrap_servers": kafka["bootstrap_servers"],
        "security_protocol": kafka["security_protocol"],
    }
    if kafka["sasl_mechanism"]:
        options.update(
            sasl_mechanism=kafka["sasl_mechanism"],
            sasl_plain_username=kafka["sasl_username"],
            sasl_plain_password=kafka["sasl_password"],
        )
    return options


def spark_kafka_options(cfg: Config) -> dict[str, str]:
    """Options for Spark's Kafka source (`kafka.`-prefixed consumer properties)."""
    kafka = cfg["kafka"]
    options = {
        "kafka.bootstrap.servers": kafka["bootstrap_servers"],
        "kafka.security.protocol": kafka["security_protocol"],
        "kafka.fetch.max.wait.ms": str(kafka["consumer_fetch_max_wait_ms"]),
    }
    if kafka["sasl_mechanism"]:
        options["kafka.sasl.mechanism"] = kafka["sasl_mechanism"]
        module = (
            "org.apache.kafka.common.security.plain.PlainLoginModule"
            if kafka["sasl_mechanism"] == "PLAIN"
            else "org.apache.kafka.common.security.scram.ScramLoginModule"
        )
        options["kafka.sasl.jaas.config"] = (
            f'{module} required username="{kafka["sasl_username"]}" password="{kafka["sasl_password"]}";'
        )
    return options


def _read_yaml(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise ConfigError(f"{_display(path)}: configuration file not found")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"{_display(path)}: invalid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{_display(path)}: top level must be a mapping")
    return data


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(REPO_ROOT))
    except ValueError:
        return str(path)


def _nest(dotted: str, value: Any) -> dict[str, Any]:
    node: dict[str, Any] = {}
    root = node
    parts = dotted.split(".")
    for part in parts[:-1]:
        node[part] = {}
        node = node[part]
    node[parts[-1]] = value
    return root


def _merge(target: dict, declared: dict, overlay: dict, source: str, prefix: str) -> None:
    for key, value in overlay.items():
        dotted = f"{prefix}{key}"
        if key not in declared:
            raise ConfigError(f"{source}: unknown configuration key {dotted!r}")
        if isinstance(declared[key], dict):
            if not isinstance(value, dict):
                raise ConfigError(f"{source}: {dotted!r} must be a mapping")
            if dotted in _FREE_FORM:
                _deep_update(target[key], value)
            else:
                _merge(target[key], declared[key], value, source, f"{dotted}.")
        else:
            target[key] = value


def _deep_update(target: dict, overlay: dict) -> None:
    for key, value in overlay.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            _deep_update(target[key], value)
        else:
            target[key] = copy.deepcopy(value)


def _resolve_env_refs(node: dict, sources: dict[str, str], prefix: str) -> None:
    for key, value in node.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict):
            _resolve_env_refs(value, sources, f"{dotted}.")
        elif isinstance(value, str) and "${env:" in value:
            node[key] = _ENV_REF.sub(lambda m, key=dotted: _env_value(m.group(1), key, sources), value)


def _env_value(name: str, dotted: str, sources: dict[str, str]) -> str:
    value = os.environ.get(name)
    if not value:
        raise ConfigError(f"{sources['env']}: {dotted!r} needs environment variable {name}, which is not set")
    return value


def _check_required(cfg: Config, sources: dict[str, str]) -> None:
    for dotted in _REQUIRED:
        value = get(cfg, dotted)
        if value is None or value == "":
            raise ConfigError(f"{sources['env']} (over {sources['base']}): required key {dotted!r} has no value")


def _check_topics(cfg: Config, sources: dict[str, str]) -> None:
    for channel, topic in cfg["kafka"]["topics"].items():
        if not isinstance(topic, dict) or not topic.get("name"):
            raise ConfigError(f"{sources['env']}: kafka.topics.{channel} needs a 'name'")
        if not isinstance(topic.get("partitions"), int) or topic["partitions"] < 1:
            raise ConfigError(f"{sources['env']}: kafka.topics.{channel}.partitions must be a positive integer")


def _resolve_paths(cfg: Config) -> None:
    for dotted in _PATH_KEYS:
        *parents, leaf = dotted.split(".")
        node = cfg
        for part in parents:
            node = node[part]
        node[leaf] = resolve_path(node[leaf])
    for dotted in _SQLITE_KEYS:
        section, leaf = dotted.split(".")
        uri = cfg[section][leaf]
        if isinstance(uri, str) and uri.startswith("sqlite:///") and not uri.startswith("sqlite:////"):
            cfg[section][leaf] = "sqlite:///" + str(REPO_ROOT / uri[len("sqlite:///") :])


def resolve_path(value: str | None) -> str | None:
    """Absolute form of a configured path; URIs with a scheme (s3a://, abfss://) stay as they are."""
    if value is None or "://" in value:
        return value
    path = Path(value)
    return str(path if path.is_absolute() else (REPO_ROOT / path).resolve())
