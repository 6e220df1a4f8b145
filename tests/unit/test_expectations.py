"""Expectations: every rule firing and not firing, soft flags, the quarantine split."""

from __future__ import annotations

from datetime import datetime

import pytest
from chispa import assert_df_equality
from pyspark.sql import functions as F

from beejan_lakehouse.quality.expectations import evaluate, split_valid
from beejan_lakehouse.silver.cleaning import clean_text
from beejan_lakehouse.silver.schema import PARSED, QUARANTINE

INGEST = datetime(2026, 11, 20, 12, 0)
GOOD = {
    "channel": "sms", "source_id": "SM1", "raw_payload": "{}", "text_raw": "no network since morning",
    "event_ts_raw": "2026-11-20 09:59:00", "event_ts_utc": datetime(2026, 11, 20, 8, 59),
    "event_tz": "Africa/Lagos", "msisdn_raw": "08031112222", "parse_errors": [], "ingest_ts": INGEST,
    "bronze_table": "bronze.kafka_events", "bronze_partition": 0, "bronze_offset": 7,
}  # fmt: skip


def parsed(spark, *overrides: dict):
    rows = [tuple({**GOOD, **o}.get(f.name) for f in PARSED.fields) for o in overrides]
    return spark.createDataFrame(rows, PARSED).transform(clean_text)


def reasons_of(spark, *overrides: dict):
    return parsed(spark, *overrides).transform(evaluate()).select("source_id", "reasons")


def expect_reasons(spark, cases: list[tuple[dict, list[str]]]) -> None:
    overrides = [{**o, "source_id": o.get("source_id", f"S{i}")} for i, (o, _) in enumerate(cases)]
    actual = reasons_of(spark, *overrides)
    expected = spark.createDataFrame([(o["source_id"], r) for o, (_, r) in zip(overrides, cases, strict=True)],
                                     "source_id string, reasons array<string>")  # fmt: skip
    assert_df_equality(actual, expected, ignore_row_order=True, ignore_nullable=True)


def test_valid_record_has_no_reasons(spark):
    expect_reasons(spark, [({}, [])])


def test_malformed_json_fires_alone(spark):
    expect_reasons(spark, [({"parse_errors": ["malformed_json"], "text_raw": None, "event_ts_raw": None,
                             "event_ts_utc": None}, ["malformed_json"])])  # fmt: skip


def test_malformed_record_fires(spark):
    expect_reasons(spark, [({"parse_errors": ["malformed_record"]}, ["malformed_record"])])


def test_invalid_channel_fires(spark):
    expect_reasons(spark, [({"channel": "fax"}, ["invalid_channel"])])


@pytest.mark.parametrize("source_id", [None, "  "])
def test_missing_source_id_fires(spark, source_id):
    expect_reasons(spark, [({"source_id": source_id}, ["missing_source_id"])])


def test_missing_text_fires(spark):
    expect_reasons(spark, [({"text_raw": None}, ["missing_text"])])


def test_empty_text_fires_for_blank_or_punctuation_only_but_not_emoji(spark):
    expect_reasons(spark, [({"text_raw": ""}, ["empty_text"]), ({"text_raw": " \n "}, ["empty_text"]),
                           ({"text_raw": "."}, ["empty_text"]), ({"text_raw": "😡"}, [])])  # fmt: skip


def test_text_too_long_fires_above_limit_only(spark):
    expect_reasons(spark, [({"text_raw": "a" * 5000}, []), ({"text_raw": "slow data " * 3000}, ["text_too_long"])])


def test_missing_event_time_fires(spark):
    expect_reasons(spark, [({"event_ts_raw": None, "event_ts_utc": None}, ["missing_event_time"])])


def test_invalid_timestamp_fires_for_unparseable_empty_and_impossible(spark):
    expect_reasons(spark, [
        ({"event_ts_raw": "2024-02-30 10:11:12", "event_ts_utc": None}, ["invalid_timestamp"]),
        ({"event_ts_raw": "", "event_ts_utc": None}, ["invalid_timestamp"]),
        ({"event_ts_raw": "1970-01-01 00:00:00", "event_ts_utc": datetime(1969, 12, 31, 23)}, ["invalid_timestamp"]),
    ])  # fmt: skip


def test_future_timestamp_fires_beyond_ten_minutes_after_ingest(spark):
    expect_reasons(spark, [
        ({"event_ts_utc": datetime(2026, 11, 20, 12, 9)}, []),
        ({"event_ts_utc": datetime(2026, 11, 20, 12, 11)}, ["future_timestamp"]),
        ({"event_ts_utc": datetime(2027, 3, 1)}, ["future_timestamp"]),
    ])  # fmt: skip


def test_every_failing_reason_is_listed(spark):
    expect_reasons(
        spark,
        [
            (
                {"channel": "fax", "text_raw": "", "event_ts_utc": None},
                ["invalid_channel", "empty_text", "invalid_timestamp"],
            )
        ],
    )


def test_soft_issues_become_quality_flags_not_reasons(spark):
    df = parsed(
        spark,
        {"source_id": "a", "msisdn_raw": ""},
        {"source_id": "b", "msisdn_raw": "12345"},
        {"source_id": "c", "channel": "webform", "msisdn_raw": "0803 111 2222", "email_raw": "john@", "name_raw": "",
         "account_raw": "N/A"},
        {"source_id": "d", "channel": "social", "msisdn_raw": None, "handle": None},
        {"source_id": "e", "channel": "call_center", "agent_id": "", "parse_errors": ["invalid:duration_sec"]},
        {"source_id": "f", "text_raw": "I was charged â‚¦500", "parse_errors": ["drift:renamed:body->text"]},
        {"source_id": "g", "msisdn_raw": "+234 803 111 2222"},
    ).transform(evaluate())  # fmt: skip
    expected = spark.createDataFrame(
        [("a", [], ["missing_msisdn"]), ("b", [], ["invalid_msisdn"]),
         ("c", [], ["invalid_email", "invalid_account", "missing_name"]), ("d", [], ["missing_handle"]),
         ("e", [], ["missing_agent_id", "invalid:duration_sec"]),
         ("f", [], ["mojibake_fixed", "drift:renamed:body->text"]), ("g", [], [])],
        "source_id string, reasons array<string>, quality_flags array<string>",
    )  # fmt: skip
    assert_df_equality(df.select("source_id", "reasons", "quality_flags"), expected, ignore_row_order=True,
                       ignore_nullable=True)  # fmt: skip


def test_split_valid_routes_records_and_quarantine_has_the_contract_schema(spark):
    df = parsed(spark, {"source_id": "ok"}, {"source_id": "bad", "text_raw": "", "bronze_offset": 8})
    valid, quarantined = split_valid(df)
    assert [r.source_id for r in valid.collect()] == ["ok"]
    assert [(f.name, f.dataType) for f in quarantined.schema.fields] == [
        (f.name, f.dataType) for f in QUARANTINE.fields
    ]
    expected = spark.createDataFrame(
        [("bad", "sms", "{}", ["empty_text"], "bronze.kafka_events", 0, 8)],
        "source_id string, channel string, raw_payload string, reasons array<string>, bronze_table string, "
        "bronze_partition int, bronze_offset long",
    )
    assert_df_equality(quarantined.select(*expected.columns), expected, ignore_nullable=True)


def test_quarantine_id_is_the_sha2_of_channel_and_bronze_coordinates(spark):
    _, quarantined = split_valid(parsed(spark, {"text_raw": ""}))
    row = quarantined.select("quarantine_id", F.sha2(F.lit("sms|bronze.kafka_events|0|7||"), 256).alias("want")).first()
    assert row.quarantine_id == row.want and quarantined.first().quarantined_at is not None
    # The same partition and offset in another channel's topic is another record.
    _, social = split_valid(parsed(spark, {"text_raw": "", "channel": "social"}))
    assert social.first().quarantine_id != row.quarantine_id
