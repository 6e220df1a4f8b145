"""reconcile / day_of_stream: hand-built PARSED rows, one behaviour per test, exact expected rows."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

from chispa import assert_df_equality

from beejan_lakehouse.bronze.reconcile import DIFFERENCES, day_of_stream, reconcile
from beejan_lakehouse.silver.schema import PARSED

T0 = datetime(2026, 11, 20, 9, 15, 22, 123000, tzinfo=UTC)  # 10:15:22 Lagos
BASE = {
    "name_raw": "Ada Obi",
    "email_raw": "ada@example.com",
    "msisdn_raw": "0803 123 4567",
    "account_raw": "AC1234567",
    "web_category": "Network problem",
    "text_raw": "No network since morning",
}


def stream_row(form_id: str, ts: datetime | None = T0, arrival: datetime = T0, offset: int = 0, **fields) -> dict:
    return {
        **BASE, "channel": "webform", "source_id": form_id, "raw_payload": "{}",
        "event_ts_raw": None if ts is None else str(int(ts.timestamp() * 1000)), "event_ts_utc": ts,
        "event_tz": "UTC", "parse_errors": [], "ingest_ts": arrival, "bronze_table": "bronze.kafka_events",
        "bronze_partition": 0, "bronze_offset": offset, **fields,
    }  # fmt: skip


def export_row(form_id: str, ts: datetime = T0, line: int = 2, **fields) -> dict:
    local = (ts + timedelta(hours=1)).strftime("%Y-%m-%d %H:%M:%S")
    return {
        **BASE, "channel": "web_export", "source_id": form_id, "raw_payload": "csv", "event_ts_raw": local,
        "event_ts_utc": ts.replace(microsecond=0), "event_tz": "Africa/Lagos", "parse_errors": [],
        "ingest_ts": T0, "bronze_table": "bronze.web_export_raw",
        "bronze_file": "web_export/webform_export_20261120.csv", "bronze_line": line, **fields,
    }  # fmt: skip


def parsed(spark, *rows: dict):
    return spark.createDataFrame([tuple(r.get(f.name) for f in PARSED.fields) for r in rows], PARSED)


def diffs(spark, *rows: tuple):
    return spark.createDataFrame(list(rows), "form_id string, kind string, fields array<string>")


def check(actual, expected) -> None:
    assert_df_equality(
        actual.select("form_id", "kind", "fields"), expected, ignore_row_order=True, ignore_nullable=True
    )


def test_same_submission_normalised_and_within_time_tolerance_is_no_difference(spark):
    streamed = parsed(spark, stream_row("f1", ts=T0 + timedelta(seconds=200)))
    exported = parsed(
        spark,
        export_row(
            "f1", name_raw="  ADA   obi ", email_raw="Ada@Example.COM ", msisdn_raw="+2348031234567",
            account_raw="ac1234567", web_category="network PROBLEM", text_raw="No network\r\nsince morning  ",
        ),
    )  # fmt: skip
    actual = reconcile(streamed, exported)
    assert actual.schema.fieldNames() == DIFFERENCES.fieldNames()
    assert actual.count() == 0


def test_only_in_stream(spark):
    actual = reconcile(parsed(spark, stream_row("f1"), stream_row("f2")), parsed(spark, export_row("f1")))
    check(actual, diffs(spark, ("f2", "only_in_stream", [])))
    row = actual.first()
    assert row["export_value"] is None
    assert json.loads(row["stream_value"]) == {
        "at": "bronze.kafka_events[0:0]",
        "event_time": "2026-11-20T09:15:22Z",
        "event_time_raw": str(int(T0.timestamp() * 1000)),
    }


def test_only_in_export(spark):
    actual = reconcile(parsed(spark, stream_row("f1")), parsed(spark, export_row("f1"), export_row("f3", line=3)))
    check(actual, diffs(spark, ("f3", "only_in_export", [])))
    row = actual.first()
    assert row["stream_value"] is None
    assert json.loads(row["export_value"])["at"] == "web_export/webform_export_20261120.csv:3"


def test_field_mismatch_lists_exactly_the_differing_fields_with_both_values(spark):
    streamed = parsed(spark, stream_row("f1", email_raw="john@", ts=T0 + timedelta(days=30)))
    exported = parsed(spark, export_row("f1", email_raw="ada@example.com"))
    actual = reconcile(streamed, exported)
    check(actual, diffs(spark, ("f1", "field_mismatch", ["email", "event_time"])))
    row = actual.first()
    assert json.loads(row["stream_value"])["email"] == "john@"
    assert json.loads(row["export_value"])["email"] == "ada@example.com"
    assert json.loads(row["stream_value"])["event_time"] == "2026-12-20T09:15:22Z"
    assert "name" not in json.loads(row["stream_value"])  # only differing values are shown


def test_each_compared_field_and_a_missing_time_are_reported(spark):
    changes = {
        "name": {"name_raw": "Bola"},
        "phone": {"msisdn_raw": "080"},
        "account_number": {"account_raw": "N/A"},
        "category": {"web_category": "Billing & charges"},
        "description": {"text_raw": "no network since MORNING"},  # the text keeps its case
        "email": {"email_raw": ""},  # empty on one side only
    }
    streamed = parsed(spark, *[stream_row(f, **c) for f, c in changes.items()], stream_row("ts", ts=None))
    exported = parsed(spark, *[export_row(f) for f in [*changes, "ts"]])
    expected = [(f, "field_mismatch", [f]) for f in changes] + [("ts", "field_mismatch", ["event_time"])]
    check(reconcile(streamed, exported), diffs(spark, *expected))


def test_time_tolerance_is_a_parameter(spark):
    streamed = parsed(spark, stream_row("f1", ts=T0 + timedelta(seconds=90)))
    exported = parsed(spark, export_row("f1"))
    assert reconcile(streamed, exported).count() == 0
    check(reconcile(streamed, exported, time_tolerance_s=60), diffs(spark, ("f1", "field_mismatch", ["event_time"])))


def test_day_of_stream_attributes_by_export_then_plausible_ts_then_arrival(spark):
    day = date(2026, 11, 20)
    prev = T0 - timedelta(days=2)
    stream = parsed(
        spark,
        stream_row("late_in_export", ts=prev),  # ts two days back, but in this day's export
        stream_row("other_days_export", ts=T0),  # ts today, but exported on another day
        stream_row("stream_only_today", ts=T0),
        stream_row("stream_only_yesterday", ts=prev, arrival=T0),  # late: its own (earlier) day
        stream_row("no_ts", ts=None, arrival=T0),  # no usable clock: broker time
        stream_row("epoch_zero", ts=datetime(1970, 1, 1, tzinfo=UTC), arrival=T0),
        stream_row("clock_ahead", ts=T0 + timedelta(days=40), arrival=T0),
        stream_row("arrived_tomorrow", ts=None, arrival=T0 + timedelta(days=1)),
    )
    export_day = date(2026, 11, 20)
    export = parsed(spark, export_row("late_in_export"), export_row("other_days_export")).selectExpr(
        "*", f"IF(source_id = 'other_days_export', DATE'2026-11-19', DATE'{export_day}') AS export_day"
    )
    ids = {r["source_id"] for r in day_of_stream(stream, export, day).collect()}
    assert ids == {"late_in_export", "stream_only_today", "no_ts", "epoch_zero", "clock_ahead"}
