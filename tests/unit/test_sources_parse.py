"""parse_<source>: bronze rows -> PARSED, one behaviour per test, exact expected DataFrames."""

from __future__ import annotations

import json
from datetime import date, datetime

from chispa import assert_df_equality

from beejan_lakehouse.bronze.files import FILE_LINES_SCHEMA
from beejan_lakehouse.bronze.kafka_events import KAFKA_EVENTS
from beejan_lakehouse.silver.schema import PARSED
from beejan_lakehouse.sources.call_center import parse_call_center
from beejan_lakehouse.sources.drift import detect_drift
from beejan_lakehouse.sources.sms import parse_sms
from beejan_lakehouse.sources.social import parse_social
from beejan_lakehouse.sources.web_export import parse_web_export
from beejan_lakehouse.sources.webform import parse_webform

INGEST = datetime(2026, 11, 20, 12, 0)
CC_V1 = "call_id,agent_id,call_start,duration_sec,customer_msisdn,disposition_code,agent_notes"
CC_V2 = "CallRef,StartTime,Agent,CustomerNumber,DurationSecs,Disposition,Notes,QueueName"
EXPORT = "form_id,submitted_at,customer_name,email,phone,account_number,category,description,page"


def kafka(spark, channel: str, *payloads: bytes | str | dict, key: str | None = None):
    """bronze.kafka_events rows for `channel`, offsets 0.., partition 1."""
    rows = []
    for i, p in enumerate(payloads):
        value = json.dumps(p).encode() if isinstance(p, dict) else p.encode() if isinstance(p, str) else p
        rows.append((channel, f"beejan.complaints.{channel}", 1, i, key.encode() if key else None,
                     bytearray(value), INGEST, 0, None, INGEST, INGEST.date()))  # fmt: skip
    return spark.createDataFrame(rows, KAFKA_EVENTS.schema)


def file_rows(spark, source: str, header: str, *records: str, variant: str = "v1"):
    rows = [(source, f"{source}/f.csv", "sha", INGEST, i + 2, r, header, variant, INGEST, date(2026, 11, 20))
            for i, r in enumerate(records)]  # fmt: skip
    return spark.createDataFrame(rows, FILE_LINES_SCHEMA)


def expect(spark, schema: str, *rows: tuple):
    return spark.createDataFrame(list(rows), schema)


def check(actual, expected, *cols: str) -> None:
    assert_df_equality(actual.select(*cols), expected, ignore_row_order=True, ignore_nullable=True)


SOCIAL = {
    "event_type": "post.created", "post_id": "111", "created_at": "2026-11-20T10:15:22+01:00",
    "user": {"handle": "@ada", "display_name": "Ada", "followers_count": 3, "verified": False},
    "text": "no network 😤", "entities": {"mentions": [], "hashtags": [], "urls": []},
    "in_reply_to_post_id": "99", "retweet_of_post_id": None,
    "place": {"full_name": "Yaba, Lagos", "country_code": "NG", "place_type": "neighborhood"},
    "geo": None, "source": "Twitter for Android",
}  # fmt: skip


def test_every_parser_returns_exactly_the_parsed_schema(spark):
    outputs = [
        kafka(spark, "social", SOCIAL).transform(parse_social),
        kafka(spark, "sms", {"message_id": "SM1"}).transform(parse_sms),
        kafka(spark, "webform", {"form_id": "F1"}).transform(parse_webform),
        file_rows(spark, "call_center", CC_V1, "CL1,AG1,20/11/2026 09:59,60,0803,NET-COV,x").transform(
            parse_call_center
        ),
        file_rows(spark, "web_export", EXPORT, "F1,2026-11-20 09:59:00,A,a@b.ng,0803,,Other,x,p").transform(
            parse_web_export
        ),
    ]
    for df in outputs:
        assert [(f.name, f.dataType) for f in df.schema.fields] == [(f.name, f.dataType) for f in PARSED.fields]


def test_social_offset_time_becomes_utc_with_fields_and_lineage(spark):
    actual = kafka(spark, "social", SOCIAL).transform(parse_social)
    expected = expect(
        spark,
        "source_id string, text_raw string, event_ts_utc timestamp, event_tz string, handle string, "
        "name_raw string, place_raw string, reply_to_id string, bronze_table string, bronze_partition int, "
        "bronze_offset long",
        ("111", "no network 😤", datetime(2026, 11, 20, 9, 15, 22), "+01:00", "@ada", "Ada", "Yaba, Lagos", "99",
         "bronze.kafka_events", 1, 0),
    )  # fmt: skip
    check(actual, expected, *expected.columns)


def test_social_zulu_time_with_fraction_becomes_utc(spark):
    actual = kafka(spark, "social", {**SOCIAL, "created_at": "2026-11-20T09:15:22.123Z"}).transform(parse_social)
    expected = expect(spark, "event_ts_utc timestamp, event_tz string",
                      (datetime(2026, 11, 20, 9, 15, 22, 123000), "+00:00"))  # fmt: skip
    check(actual, expected, "event_ts_utc", "event_tz")


def test_unparseable_time_gives_null_utc_not_an_error(spark):
    actual = kafka(spark, "social", {**SOCIAL, "created_at": "2024-13-45T25:61:00+01:00"}).transform(parse_social)
    expected = expect(spark, "event_ts_raw string, event_ts_utc timestamp", ("2024-13-45T25:61:00+01:00", None))
    check(actual, expected, "event_ts_raw", "event_ts_utc")


def test_social_new_field_is_rescued(spark):
    actual = kafka(spark, "social", {**SOCIAL, "lang": "en"}, SOCIAL).transform(parse_social)
    expected = expect(spark, "rescued_data string", ('{"lang":"en"}',), (None,))
    check(actual, expected, "rescued_data")


def test_malformed_json_is_flagged_and_keeps_key_and_payload(spark):
    broken = ['{"post_id":"111","text":"no net', '{"post_id\':"111"}', '{"post_id":"111",}',
              '{"post_id":"111"}\x00}garbage']  # fmt: skip
    actual = kafka(spark, "social", *broken, key="111").transform(parse_social)
    expected = expect(spark, "source_id string, raw_payload string, text_raw string, parse_errors array<string>",
                      *[("111", b, None, ["malformed_json"]) for b in broken])  # fmt: skip
    check(actual, expected, *expected.columns)


def test_sms_local_lagos_time_becomes_utc(spark):
    sms = {"message_id": "SM1", "from": "0803", "to": "3737", "text": "pls help", "received_at": "2026-11-20 09:59:00"}
    actual = kafka(spark, "sms", sms).transform(parse_sms)
    expected = expect(spark, "source_id string, text_raw string, msisdn_raw string, event_ts_utc timestamp, "
                      "event_tz string, parse_errors array<string>",
                      ("SM1", "pls help", "0803", datetime(2026, 11, 20, 8, 59), "Africa/Lagos", []))  # fmt: skip
    check(actual, expected, *expected.columns)


def test_sms_renamed_body_field_maps_back_to_text(spark):
    sms = {"message_id": "SM1", "from": "0803", "body": "pls help", "received_at": "2026-11-20 09:59:00"}
    actual = kafka(spark, "sms", sms).transform(parse_sms)
    expected = expect(spark, "text_raw string, rescued_data string, parse_errors array<string>",
                      ("pls help", None, ["drift:renamed:body->text"]))  # fmt: skip
    check(actual, expected, *expected.columns)


def test_webform_epoch_millis_number_or_string_becomes_utc(spark):
    base = {"form_id": "F1", "description": "refund", "phone": "0803", "email": "a@b.ng", "category": "Other"}
    actual = kafka(spark, "webform", {**base, "ts": 1795168740000}, {**base, "ts": "1795168740000"},
                   {**base, "ts": "undefined"}, {**base, "ts": 99999999999999999}).transform(parse_webform)  # fmt: skip
    expected = expect(
        spark,
        "event_ts_raw string, event_ts_utc timestamp, event_tz string, parse_errors array<string>",
        ("1795168740000", datetime(2026, 11, 20, 9, 59), "UTC", []),
        ("1795168740000", datetime(2026, 11, 20, 9, 59), "UTC", ["drift:type_changed:ts:number->string"]),
        ("undefined", None, "UTC", ["drift:type_changed:ts:number->string"]),
        ("99999999999999999", None, "UTC", []),
    )
    check(actual, expected, *expected.columns)


def test_webform_fields_map_to_parsed(spark):
    form = {"form_id": "F1", "ts": 1795168740000, "name": "Ada Obi", "email": "a@b.ng", "phone": "0803 111 2222",
            "account_number": "4000000001", "category": "Refund request", "description": "my refund"}  # fmt: skip
    actual = kafka(spark, "webform", form).transform(parse_webform)
    expected = expect(
        spark,
        "source_id string, text_raw string, name_raw string, email_raw string, "
        "msisdn_raw string, account_raw string, web_category string",
        ("F1", "my refund", "Ada Obi", "a@b.ng", "0803 111 2222", "4000000001", "Refund request"),
    )
    check(actual, expected, *expected.columns)


def test_call_center_v1_row_with_quoted_notes_and_lagos_time(spark):
    record = 'CL1,AG1,20/11/2026 09:59,60,08031112222,NET-COV,"Cust says ""no signal"",\nline 2"'
    actual = file_rows(spark, "call_center", CC_V1, record).transform(parse_call_center)
    expected = expect(
        spark,
        "source_id string, agent_id string, msisdn_raw string, disposition_code string, text_raw string, "
        "event_ts_utc timestamp, event_tz string, raw_payload string, bronze_table string, bronze_file string, "
        "bronze_line int, parse_errors array<string>",
        ("CL1", "AG1", "08031112222", "NET-COV", 'Cust says "no signal",\nline 2', datetime(2026, 11, 20, 8, 59),
         "Africa/Lagos", record, "bronze.call_center_raw", "call_center/f.csv", 2, []),
    )  # fmt: skip
    check(actual, expected, *expected.columns)


def test_call_center_v2_header_maps_by_name(spark):
    record = "CL2,20/11/2026 23:30,AG7,2348031112222,45,BIL-DISP,double charge,VIP"
    actual = file_rows(spark, "call_center", CC_V2, record, variant="v2").transform(parse_call_center)
    expected = expect(spark, "source_id string, event_ts_utc timestamp, agent_id string, msisdn_raw string, "
                      "disposition_code string, text_raw string, rescued_data string",
                      ("CL2", datetime(2026, 11, 20, 22, 30), "AG7", "2348031112222", "BIL-DISP", "double charge",
                       None))  # fmt: skip
    check(actual, expected, *expected.columns)


def test_call_center_drift_header_unknown_column_is_rescued(spark):
    header = "Call_ID,Notes,call_start,Site"
    record = "CL3,slow data,20/11/2026 10:00,LAG-01"
    actual = file_rows(spark, "call_center", header, record, variant="drift").transform(parse_call_center)
    expected = expect(spark, "source_id string, text_raw string, event_ts_utc timestamp, rescued_data string",
                      ("CL3", "slow data", datetime(2026, 11, 20, 9, 0), '{"site":"LAG-01"}'))  # fmt: skip
    check(actual, expected, *expected.columns)


def test_call_center_semi_structured_line(spark):
    line = "CALL|call_id=CL4|agent=AG9|start=20/11/2026 09:59|dur=-5|msisdn=0803|disp=SVC-CMPL|notes=rude agent, a=b"
    actual = file_rows(spark, "call_center", CC_V1, line).transform(parse_call_center)
    expected = expect(spark, "source_id string, agent_id string, event_ts_utc timestamp, msisdn_raw string, "
                      "disposition_code string, text_raw string, parse_errors array<string>",
                      ("CL4", "AG9", datetime(2026, 11, 20, 8, 59), "0803", "SVC-CMPL", "rude agent, a=b",
                       ["invalid:duration_sec"]))  # fmt: skip
    check(actual, expected, *expected.columns)


def test_call_center_empty_notes_are_empty_text_not_missing(spark):
    actual = file_rows(spark, "call_center", CC_V1, "CL5,AG1,20/11/2026 09:59,60,0803,NET-COV,").transform(
        parse_call_center
    )
    check(actual, expect(spark, "text_raw string", ("",)), "text_raw")


def test_call_center_more_values_than_header_is_malformed(spark):
    actual = file_rows(spark, "call_center", CC_V1, "CL6,AG1,20/11/2026 09:59,60,0803,NET-COV,x,extra").transform(
        parse_call_center
    )
    check(actual, expect(spark, "parse_errors array<string>", (["malformed_record"],)), "parse_errors")


def test_web_export_row_lagos_time_and_fields(spark):
    record = 'F1,2026-11-20 09:59:00,Ada Obi,a@b.ng,0803,,Refund request,"refund, please",https://x'
    actual = file_rows(spark, "web_export", EXPORT, record).transform(parse_web_export)
    expected = expect(
        spark,
        "source_id string, event_ts_utc timestamp, event_tz string, name_raw string, email_raw string, "
        "msisdn_raw string, account_raw string, web_category string, text_raw string, bronze_table string",
        ("F1", datetime(2026, 11, 20, 8, 59), "Africa/Lagos", "Ada Obi", "a@b.ng", "0803", "", "Refund request",
         "refund, please", "bronze.web_export_raw"),
    )  # fmt: skip
    check(actual, expected, *expected.columns)


def test_detect_drift_summarises_rescued_fields_and_notes_per_channel(spark):
    parsed = (
        kafka(spark, "social", {**SOCIAL, "lang": "en"}, {**SOCIAL, "lang": "pcm"}, SOCIAL).transform(parse_social)
        .unionByName(kafka(spark, "sms", {"message_id": "S", "body": "x"}).transform(parse_sms))
    )  # fmt: skip
    actual = detect_drift(parsed).drop("detected_at")
    expected = expect(
        spark,
        "source string, location string, kind string, expected string, observed string",
        ("social", "bronze.kafka_events", "added_field", None, "lang"),
        ("sms", "bronze.kafka_events", "renamed_field", "text", "body"),
    )
    assert_df_equality(actual.drop("expected"), expected.drop("expected"), ignore_row_order=True,
                       ignore_nullable=True)  # fmt: skip
