"""A simulated day through bronze-shaped rows -> parse_<source> -> clean_text -> expectations,
scored record by record against the simulator's ground truth.

Truth <-> data join: stream line i of a channel is Kafka offset i (the simulator writes the
stream files in truth order); call-centre rows by (file, line); export rows by export_line.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from beejan_lakehouse.bronze.files import FILE_LINES_SCHEMA, inspect_file
from beejan_lakehouse.bronze.kafka_events import KAFKA_EVENTS
from beejan_lakehouse.quality.expectations import evaluate
from beejan_lakehouse.silver.cleaning import clean_text
from beejan_lakehouse.simulator.noise import NoiseKnobs
from beejan_lakehouse.simulator.runner import RunConfig, run_day
from beejan_lakehouse.simulator.truth import read_truth
from beejan_lakehouse.simulator.world import build_world
from beejan_lakehouse.sources.call_center import parse_call_center
from beejan_lakehouse.sources.file_formats import CALL_CENTER, WEB_EXPORT
from beejan_lakehouse.sources.sms import parse_sms
from beejan_lakehouse.sources.social import parse_social
from beejan_lakehouse.sources.web_export import parse_web_export
from beejan_lakehouse.sources.webform import parse_webform

DAY = date(2026, 11, 20)
INGEST = datetime(2026, 11, 21, 6, 0)  # the morning after: every on-time event is in the past
PARSERS = {"social": parse_social, "sms": parse_sms, "webform": parse_webform}
# Truth fault -> the quarantine reason it must produce.
HARD = {
    "malformed_json": "malformed_json", "missing:text": "missing_text", "empty_text": "empty_text",
    "huge_text": "text_too_long", "invalid_timestamp": "invalid_timestamp",
    "future_timestamp": "future_timestamp", "missing:created_at": "missing_event_time",
    "missing:received_at": "missing_event_time", "missing:ts": "missing_event_time",
    "invalid:call_start": "invalid_timestamp",  # emptied: present but not a time
}  # fmt: skip
# Truth fault -> the soft quality flag it must produce (the record stays in silver).
SOFT = {
    "missing:user.handle": {"missing_handle"}, "invalid:from": {"missing_msisdn", "invalid_msisdn"},
    "invalid:customer_msisdn": {"missing_msisdn"}, "invalid:phone": {"invalid_msisdn"},
    "invalid:email": {"invalid_email"}, "invalid:account_number": {"invalid_account"},
    "invalid:name": {"missing_name"}, "invalid:agent_id": {"missing_agent_id"},
    "invalid:duration_sec": {"invalid:duration_sec"},
}  # fmt: skip


def expected_reasons(bad_reasons: list[str]) -> set[str]:
    """The reasons a record with these truth faults must be quarantined for.

    Later faults overwrite earlier ones in the simulator: an unparseable payload hides every
    field fault; an invalid time replaces a future one; a removed time field replaces both;
    a removed text replaces an empty/huge one.
    """
    if "malformed_json" in bad_reasons:
        return {"malformed_json"}
    out = {HARD[r] for r in bad_reasons if r in HARD}
    if "missing_event_time" in out:
        out -= {"invalid_timestamp", "future_timestamp"}
    if "invalid_timestamp" in out:
        out.discard("future_timestamp")
    if "missing_text" in out:
        out -= {"empty_text", "text_too_long"}
    return out


@pytest.fixture(scope="module")
def sample_day(spark, tmp_path_factory):
    """(truth events, evaluated rows as dicts) for a 2,000-complaint day with boosted faults."""
    landing = tmp_path_factory.mktemp("sample_day")
    knobs = replace(
        NoiseKnobs(), malformed_json_rate=0.02, missing_field_rate=0.06, invalid_ts_rate=0.02,
        future_ts_rate=0.02, empty_text_rate=0.02, huge_text_rate=0.005, mojibake_rate=0.05,
        drift_at_utc=datetime(2026, 11, 20, 17, 0, tzinfo=UTC),
    )  # fmt: skip
    run_day(RunConfig(build_world(), seed=7, knobs=knobs, landing=landing, log=lambda _m: None), DAY, total=2000)
    truth = read_truth(next((landing / "truth").glob("truth_*.jsonl")))
    frames = []
    for channel, parse in PARSERS.items():
        lines = next((landing / "streams" / channel).glob("*.jsonl")).read_bytes().split(b"\n")
        # Kafka carries the source id as the message key; the offline stream files do not.
        keys = [t["source_id"].encode() for t in truth if t["channel"] == channel and t["in_stream"]]
        values = [v for v in lines if v]
        rows = [(channel, f"t.{channel}", 0, i, bytearray(k), bytearray(v), None, None, None, INGEST,
                 INGEST.date()) for i, (k, v) in enumerate(zip(keys, values, strict=True))]  # fmt: skip
        frames.append(spark.createDataFrame(rows, KAFKA_EVENTS.schema).transform(parse))
    for fmt, parse in ((CALL_CENTER, parse_call_center), (WEB_EXPORT, parse_web_export)):
        rows = []
        for path in sorted((landing / fmt.landing_subdir).glob("*.csv")):
            found = inspect_file(fmt, path.read_bytes())
            if found.status == "ingested":
                rows += [(fmt.source, f"{fmt.landing_subdir}/{path.name}", "sha", INGEST, n, rec, found.header,
                          found.header_variant, INGEST, INGEST.date()) for n, rec in found.records]  # fmt: skip
        frames.append(spark.createDataFrame(rows, FILE_LINES_SCHEMA).transform(parse))
    parsed = frames[0]
    for f in frames[1:]:
        parsed = parsed.unionByName(f)
    evaluated = parsed.transform(clean_text).transform(evaluate())
    cols = ["channel", "source_id", "event_ts_utc", "bronze_offset", "bronze_file", "bronze_line", "reasons",
            "quality_flags", "text_clean", "rescued_data"]  # fmt: skip
    return truth, [r.asDict() for r in evaluated.select(*cols).collect()]


def _truth_of_rows(truth: list[dict], rows: list[dict]) -> list[tuple[dict, dict]]:
    """Pair every parsed row with its truth event (export rows with the submission's truth)."""
    by_stream: dict[str, list[dict]] = {c: [] for c in PARSERS}
    by_file, by_export = {}, {}
    for t in truth:
        if t["channel"] in PARSERS and t["in_stream"]:
            by_stream[t["channel"]].append(t)
        if t["channel"] == "call_center":
            by_file[(t["file"], t["line"])] = t
        if t.get("export_line"):
            by_export[t["export_line"]] = t
    pairs = []
    for r in rows:
        if r["channel"] in PARSERS:
            pairs.append((r, by_stream[r["channel"]][r["bronze_offset"]]))
        elif r["channel"] == "call_center":
            pairs.append((r, by_file[(r["bronze_file"], r["bronze_line"])]))
        else:
            pairs.append((r, by_export[r["bronze_line"]]))
    return pairs


def test_every_bronze_record_maps_to_its_truth_event_and_source_id(sample_day):
    truth, rows = sample_day
    readable = [t for t in truth if "unreadable_file" not in t["bad_reasons"]]
    delivered = sum(t["in_stream"] for t in readable if t["channel"] in PARSERS)
    delivered += sum(t["channel"] == "call_center" for t in readable)
    delivered += sum(bool(t.get("export_line")) for t in readable)
    assert len(rows) == delivered
    for row, t in _truth_of_rows(truth, rows):
        assert row["source_id"] == t["source_id"], (row, t["event_id"])


def test_valid_events_have_their_truth_utc_event_time(sample_day):
    truth, rows = sample_day
    checked = 0
    for row, t in _truth_of_rows(truth, rows):
        if t["bad"] and row["channel"] != "web_export":
            continue
        if row["reasons"]:
            continue  # export rows of faulty texts; covered by the reason test
        expected = datetime.fromisoformat(t["event_time_utc"].replace("Z", "+00:00")).replace(tzinfo=None)
        actual = row["event_ts_utc"]
        if row["channel"] == "call_center":
            actual, expected = actual, expected.replace(second=0)  # the source keeps minutes only
        if t["near_dup_kind"]:
            # Truth records a near-duplicate at its arrival; the source stamps it 0.5-30 s before.
            assert timedelta(0) <= expected - actual.replace(microsecond=0) <= timedelta(seconds=90), t["event_id"]
        else:
            assert actual.replace(microsecond=0) == expected, (t["event_id"], actual, expected)
        checked += 1
    assert checked > 1500


def test_quarantine_reasons_match_truth_faults_record_by_record(sample_day):
    truth, rows = sample_day
    mismatches, got, want = [], Counter(), Counter()
    for row, t in _truth_of_rows(truth, rows):
        faults = t["bad_reasons"]
        if row["channel"] == "web_export":  # the export holds the server's time, the typed text
            faults = [f for f in faults if f in ("empty_text", "huge_text")]
        expected = expected_reasons(faults)
        got.update(row["reasons"])
        want.update(expected)
        if set(row["reasons"]) != expected:
            mismatches.append((t["event_id"], row["channel"], faults, row["reasons"]))
    assert mismatches == []
    assert got == want
    assert {"malformed_json", "missing_text", "empty_text", "text_too_long", "invalid_timestamp",
            "future_timestamp", "missing_event_time"} <= set(got)  # fmt: skip


def test_soft_field_faults_are_flagged_not_quarantined(sample_day):
    truth, rows = sample_day
    for row, t in _truth_of_rows(truth, rows):
        if row["channel"] == "web_export" or "malformed_json" in t["bad_reasons"]:
            continue
        expected = {f for r in t["bad_reasons"] for f in SOFT.get(r, ())}
        got = {f for f in row["quality_flags"] if f in set().union(*SOFT.values())}
        # invalid:from is an emptied sender (missing) or a short number (invalid): one of the two.
        assert got <= expected and bool(got) == bool(expected), (t["event_id"], t["bad_reasons"], got)


def test_mojibake_is_repaired_and_flagged(sample_day):
    truth, rows = sample_day
    for row, t in _truth_of_rows(truth, rows):
        if row["channel"] == "web_export" or t["bad"]:
            continue
        assert ("mojibake_fixed" in row["quality_flags"]) == t["mojibake"], t["event_id"]
        assert "â€" not in row["text_clean"] and "Ã" not in row["text_clean"], t["event_id"]


def test_drift_fields_are_rescued_or_mapped(sample_day):
    truth, rows = sample_day
    # Near duplicates are rendered fresh (v1) but inherit the original's truth schema_version.
    v2 = {(t["channel"], t["source_id"]) for t in truth
          if t["schema_version"] == "v2" and not t["bad"] and not t["near_dup_kind"]}  # fmt: skip
    drifted = [r for r in rows if (r["channel"], r["source_id"]) in v2 and r["channel"] in PARSERS]
    assert {r["channel"] for r in drifted} >= {"social", "sms", "webform"}
    for r in drifted:
        note = {"sms": "drift:renamed:body->text", "webform": "drift:type_changed:ts:number->string"}
        if r["channel"] in note:
            assert note[r["channel"]] in r["quality_flags"]
        elif r["channel"] == "social":
            assert r["rescued_data"] == '{"lang":"en"}'
        assert not r["reasons"]
