"""The configuration loader: merging overlays, validation errors that name key and file."""

from pathlib import Path

import pytest

from beejan_lakehouse.config import REPO_ROOT, ConfigError, kafka_client_options, load_config, spark_kafka_options


def write(folder: Path, name: str, text: str) -> None:
    (folder / name).write_text(text, encoding="utf-8")


@pytest.fixture
def conf_dir(tmp_path: Path) -> Path:
    for name in ("base.yaml", "dev.yaml", "test.yaml", "prod.yaml"):
        (tmp_path / name).write_text((REPO_ROOT / "conf" / name).read_text())
    return tmp_path


def test_dev_overlay_keeps_base_values_and_resolves_paths():
    cfg = load_config("dev")
    assert cfg["env"] == "dev"
    assert cfg["spark"]["master"] == "local[2]"
    assert cfg["storage"]["root"] == str(REPO_ROOT / "lakehouse")
    assert cfg["mlflow"]["tracking_uri"] == f"sqlite:///{REPO_ROOT}/.local/mlflow/mlflow.db"


def test_test_overlay_overrides_only_what_it_sets():
    cfg = load_config("test")
    assert cfg["spark"]["ui_enabled"] is False
    assert cfg["spark"]["shuffle_partitions"] == 2
    assert cfg["spark"]["app_name"] == "beejan-lakehouse"  # from base
    assert cfg["kafka"]["broker"]["port"] == 19092


def test_overrides_merge_into_topics_without_losing_partitions():
    cfg = load_config("test", {"kafka.topics": {"sms": {"name": "t.sms"}}})
    assert cfg["kafka"]["topics"]["sms"] == {"name": "t.sms", "partitions": 3}
    assert cfg["kafka"]["topics"]["social"]["name"] == "beejan.complaints.social"


def test_unknown_key_in_overlay_names_key_and_file(conf_dir: Path):
    write(conf_dir, "dev.yaml", "spark:\n  shufle_partitions: 8\n")
    with pytest.raises(ConfigError, match=r"dev\.yaml: unknown configuration key 'spark\.shufle_partitions'"):
        load_config("dev", conf_dir=conf_dir)


def test_unknown_override_key_is_rejected():
    with pytest.raises(ConfigError, match=r"override: unknown configuration key 'storage\.rooot'"):
        load_config("dev", {"storage.rooot": "/tmp/x"})


def test_missing_required_value_names_key(conf_dir: Path):
    write(conf_dir, "dev.yaml", "kafka:\n  bootstrap_servers: null\n")
    with pytest.raises(ConfigError, match=r"required key 'kafka\.bootstrap_servers' has no value"):
        load_config("dev", conf_dir=conf_dir)


def test_mapping_expected_where_base_declares_one(conf_dir: Path):
    write(conf_dir, "dev.yaml", "spark: 4\n")
    with pytest.raises(ConfigError, match="'spark' must be a mapping"):
        load_config("dev", conf_dir=conf_dir)


def test_invalid_topic_partitions(conf_dir: Path):
    write(conf_dir, "dev.yaml", "kafka:\n  topics:\n    sms: {partitions: 0}\n")
    with pytest.raises(ConfigError, match=r"kafka\.topics\.sms\.partitions must be a positive integer"):
        load_config("dev", conf_dir=conf_dir)


def test_unknown_environment():
    with pytest.raises(ConfigError, match="unknown environment 'staging'"):
        load_config("staging")


def test_prod_requires_secrets_from_environment(monkeypatch: pytest.MonkeyPatch):
    for name in (
        "BEEJAN_SPARK_MASTER",
        "BEEJAN_KAFKA_BOOTSTRAP",
        "BEEJAN_KAFKA_USERNAME",
        "BEEJAN_KAFKA_PASSWORD",
        "MLFLOW_TRACKING_URI",
    ):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ConfigError, match=r"prod\.yaml: 'spark.master' needs environment variable BEEJAN_SPARK_MASTER"):
        load_config("prod")


def test_prod_reads_secrets_and_builds_sasl_options(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("BEEJAN_SPARK_MASTER", "yarn")
    monkeypatch.setenv("BEEJAN_KAFKA_BOOTSTRAP", "b1:9096,b2:9096")
    monkeypatch.setenv("BEEJAN_KAFKA_USERNAME", "ingest")
    monkeypatch.setenv("BEEJAN_KAFKA_PASSWORD", "s3cret")
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "https://mlflow.internal")
    cfg = load_config("prod")
    assert cfg["storage"]["root"] == "s3a://beejan-lakehouse-prod"
    assert kafka_client_options(cfg) == {
        "bootstrap_servers": "b1:9096,b2:9096",
        "security_protocol": "SASL_SSL",
        "sasl_mechanism": "SCRAM-SHA-512",
        "sasl_plain_username": "ingest",
        "sasl_plain_password": "s3cret",
    }
    spark_opts = spark_kafka_options(cfg)
    assert spark_opts["kafka.fetch.max.wait.ms"] == "10"  # base.yaml: small batches are not held 500 ms
    assert spark_opts["kafka.sasl.jaas.config"] == (
        'org.apache.kafka.common.security.scram.ScramLoginModule required username="ingest" password="s3cret";'
    )
