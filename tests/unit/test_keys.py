"""Pseudonymisation: the key's source per environment and the Spark-native HMAC-SHA256."""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

import pytest
from chispa import assert_df_equality

from beejan_lakehouse.config import Config
from beejan_lakehouse.silver.keys import PseudonymisationKeyError, pseudonymisation_key, pseudonymise

KEY_ENV = "BEEJAN_PSEUDONYMISATION_KEY"


def _hmac(key: bytes, value: str) -> str:
    return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()


@pytest.mark.parametrize("key", [b"k" * 32, bytes(range(16)), b"x" * 100], ids=["32B", "16B", "long"])
def test_pseudonymise_equals_python_hmac_sha256(spark, key):
    values = ["CUST0000001", "+2348031234567", "ngozi@outlook.com", "ọ́ṣun ₦ 😡", ""]
    df = spark.createDataFrame([(v,) for v in values], "value string")
    actual = df.select("value", pseudonymise("value", key).alias("hashed"))
    expected = spark.createDataFrame([(v, _hmac(key, v)) for v in values], "value string, hashed string")
    assert_df_equality(actual, expected, ignore_row_order=True, ignore_nullable=True)


def test_pseudonymise_keeps_null_null(spark):
    df = spark.createDataFrame([(None,)], "value string")
    assert df.select(pseudonymise("value", b"k" * 32).alias("h")).first()["h"] is None


def test_key_comes_from_the_configured_environment_variable(lakehouse_cfg: Config, monkeypatch, tmp_path):
    monkeypatch.setenv(KEY_ENV, "ab" * 32)
    assert pseudonymisation_key(lakehouse_cfg, tmp_path / "unused.key") == bytes([0xAB]) * 32


def test_prod_without_the_variable_is_an_error_naming_it(lakehouse_cfg: Config, monkeypatch, tmp_path):
    monkeypatch.delenv(KEY_ENV, raising=False)
    with pytest.raises(PseudonymisationKeyError, match=KEY_ENV):
        pseudonymisation_key({**lakehouse_cfg, "env": "prod"}, tmp_path / "never.key")
    assert not (tmp_path / "never.key").exists()


def test_dev_without_the_variable_creates_one_local_key_and_reuses_it(
    lakehouse_cfg: Config, monkeypatch, tmp_path: Path
):
    monkeypatch.delenv(KEY_ENV, raising=False)
    key_file = tmp_path / "secrets" / "pseudonymisation.key"
    first = pseudonymisation_key(lakehouse_cfg, key_file)
    assert len(first) == 32
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert pseudonymisation_key(lakehouse_cfg, key_file) == first


def test_a_short_key_is_rejected(lakehouse_cfg: Config, monkeypatch, tmp_path):
    monkeypatch.setenv(KEY_ENV, "abcd")
    with pytest.raises(PseudonymisationKeyError, match="at least 16 needed"):
        pseudonymisation_key(lakehouse_cfg, tmp_path / "unused.key")
