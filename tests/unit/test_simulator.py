"""Unit tests for the channel simulator (pure Python: no Spark, no broker)."""

from __future__ import annotations

import csv
import filecmp
import gzip
import io
import json
import re
import time
from collections import Counter
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from beejan_lakehouse.simulator import drops
from beejan_lakehouse.simulator.generator import STREAM_CHANNELS, Simulator
from beejan_lakehouse.simulator.noise import NoiseKnobs, card_number, luhn_valid, mojibake
from beejan_lakehouse.simulator.profiles import DAY_CURVE, BulkGenerator, day_slots
from beejan_lakehouse.simulator.runner import RunConfig, run_day
from beejan_lakehouse.simulator.text import L2_TO_L1, generate_labelled_texts
from beejan_lakehouse.simulator.truth import read_truth
from beejan_lakehouse.simulator.world import TABLES, build_world, write_reference

REPO = Path(__file__).resolve().parents[2]
DAY = date(2024, 5, 1)
WORLD = build_world()


def _events(knobs: NoiseKnobs, total: int = 4000, seed: int = 3):
    return Simulator(WORLD, seed, knobs).generate(day_slots(DAY, total, seed))


def test_committed_reference_is_reproducible_from_seed(tmp_path):
    write_reference(build_world(), tmp_path)
    for table in TABLES:
        assert filecmp.cmp(tmp_path / f"{table}.csv", REPO / "conf/reference" / f"{table}.csv",
                           shallow=False), table


def test_same_seed_gives_byte_identical_files_and_other_seed_differs(tmp_path):
    for name, seed in (("a", 5), ("b", 5), ("c", 6)):
        run_day(RunConfig(WORLD, seed, landing=tmp_path / name), DAY, total=1500)
    files_a = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*.*"))
    assert files_a
    for rel in files_a:
        assert (tmp_path / "a" / rel).read_bytes() == (tmp_path / "b" / rel).read_bytes(), rel
    truth = Path("truth/truth_20240501.jsonl")
    assert (tmp_path / "a" / truth).read_bytes() != (tmp_path / "c" / truth).read_bytes()


def test_each_channel_record_matches_documented_schema():
    events = _events(NoiseKnobs.clean(), 3000)
    seen = Counter(e.channel for e in events)
    assert set(seen) == {"social", "sms", "webform", "call_center"}
    for e in events:
        r = json.loads(e.value_bytes())
        if e.channel == "social":
            assert set(r) >= {"event_type", "post_id", "created_at", "user", "text", "entities",
                              "in_reply_to_post_id", "retweet_of_post_id", "place", "geo"}
            assert r["post_id"].isdigit() and r["user"]["handle"].startswith("@")
            assert datetime.fromisoformat(r["created_at"].replace("Z", "+00:00")).tzinfo
            assert "customer_id" not in r and "l2" not in r
        elif e.channel == "sms":
            assert re.fullmatch(r"(0|\+234|234)[789]\d{9}", r["from"]), r["from"]
            assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", r["received_at"])
            assert r["message_id"].startswith("SM") and isinstance(r["parts"], int)
        elif e.channel == "webform":
            assert isinstance(r["ts"], int) and abs(r["ts"] / 1000 - 1714540000) < 2 * 86400
            assert re.fullmatch(r"[^@\s]+@[^@\s]+\.\w+", r["email"])
            assert r["category"] in drops_categories()
            assert set(r) >= {"form_id", "name", "phone", "account_number", "description",
                              "page", "referrer"}
        else:
            assert list(r) == list(drops.CC_HEADER_V1)
            assert re.fullmatch(r"\d\d/\d\d/\d{4} \d\d:\d\d", r["call_start"])
        assert e.truth["l1"] == L2_TO_L1[e.truth["l2"]]


def drops_categories() -> tuple[str, ...]:
    from beejan_lakehouse.simulator.channels import WEB_CATEGORIES

    return WEB_CATEGORIES


@pytest.mark.parametrize(("knob", "rate", "check"), [
    ("exact_dup_rate", 0.05, lambda t: t["is_exact_dup"]),
    ("near_dup_rate", 0.05, lambda t: t["near_dup_of"] is not None),
    ("mojibake_rate", 0.10, lambda t: t["mojibake"]),
    ("pii_rate", 0.08, lambda t: bool(t["pii"])),
    ("late_rate", 0.10, lambda t: t["late_by_s"] > 0),
    ("invalid_ts_rate", 0.05, lambda t: "invalid_timestamp" in t["bad_reasons"]),
])
def test_knob_rate_is_what_it_says_and_touches_nothing_else(knob, rate, check):
    clean = _events(NoiseKnobs.clean(), 10000)
    noisy = _events(replace(NoiseKnobs.clean(), **{knob: rate}), 10000)
    originals = [e for e in noisy if not e.truth["is_exact_dup"] and not e.truth["near_dup_of"]]
    hits = sum(check(e.truth) for e in noisy)
    assert abs(hits / len(originals) - rate) < 0.012, (hits, len(originals))
    # Labels and customers of the originals are unchanged by the knob.
    key = {e.event_id: (e.truth["l2"], e.truth["customer_id"]) for e in clean}
    assert all(key[e.event_id] == (e.truth["l2"], e.truth["customer_id"]) for e in originals)
    assert len(originals) == len(clean)


def test_malformed_json_only_on_stream_channels_and_really_broken():
    events = _events(replace(NoiseKnobs.clean(), malformed_json_rate=0.05), 6000)
    broken = [e for e in events if "malformed_json" in e.truth["bad_reasons"]]
    stream_n = sum(e.channel in STREAM_CHANNELS for e in events)
    assert abs(len(broken) / stream_n - 0.05) < 0.015
    for e in events:
        if e in broken:
            assert e.channel in STREAM_CHANNELS
            with pytest.raises(ValueError):
                json.loads(e.value_bytes())
        else:
            json.loads(e.value_bytes())


def test_day_profile_has_40k_with_night_trough_and_daytime_peaks():
    slots = day_slots(DAY, seed=1)
    assert len(slots) == 40_000
    per_hour = Counter(s.arrival_utc.hour + 1 for s in slots)  # Lagos = UTC+1
    assert per_hour[3] * 10 < per_hour[10] and per_hour[3] * 10 < per_hour[19]
    assert DAY_CURVE.index(max(DAY_CURVE)) in range(18, 21)


def test_burst_multiplies_outage_in_region(tmp_path):
    from beejan_lakehouse.simulator.noise import Burst

    burst = Burst("Lagos", datetime.fromisoformat("2024-05-01T13:00:00+00:00"), 60, 8.0)
    slots = day_slots(DAY, 4000, 3, burst=burst, region_share={"Lagos": 0.3})
    events = Simulator(WORLD, 3, NoiseKnobs.clean()).generate(slots)
    flagged = [e.truth for e in events if e.truth["burst"]]
    assert flagged and all(t["l2"] == "Outage" and t["region"] == "Lagos" for t in flagged)
    assert all(burst.start_utc <= e.arrival_utc <= burst.start_utc + timedelta(hours=1)
               for e in events if e.truth["burst"])

    def lagos_outages(hour_utc: int) -> int:
        return sum(e.truth["l2"] == "Outage" and e.truth["region"] == "Lagos"
                   and e.arrival_utc.hour == hour_utc for e in events)

    assert lagos_outages(13) > 4 * max(1, lagos_outages(15))


def test_call_center_files_parse_with_csv_and_truth_points_at_rows(tmp_path):
    knobs = replace(NoiseKnobs(), cc_header_variant_rate=0.4, cc_semi_structured_rate=0.05,
                    cc_unreadable_file_rate=0.1)
    run_day(RunConfig(WORLD, 11, knobs, landing=tmp_path), DAY, total=6000)
    truths = read_truth(tmp_path / "truth/truth_20240501.jsonl")
    by_file: dict[str, dict[int, dict]] = {}
    for t in truths:
        if t["channel"] == "call_center":
            by_file.setdefault(t["file"], {})[t["line"]] = t
    headers = Counter()
    for path in sorted((tmp_path / "call_center").glob("*.csv")):
        data = path.read_bytes()
        rows_truth = by_file[f"call_center/{path.name}"]
        if not data or data[:2] == b"\x1f\x8b":
            assert all("unreadable_file" in t["bad_reasons"] for t in rows_truth.values())
            data = gzip.decompress(data) if data else b""
            continue
        reader = csv.reader(io.StringIO(data.decode("utf-8"), newline=""))
        header = tuple(next(reader))
        assert header in (drops.CC_HEADER_V1, drops.CC_HEADER_V2)
        headers[header] += 1
        id_col = 0
        for row in reader:
            line = reader.line_num - sum(c.count("\n") for c in row)
            t = rows_truth[line]
            if row[0].startswith(drops.CC_SEMI_PREFIX):
                assert t.get("format") == "semi_structured"
                assert f"call_id={t['source_id']}|" in ",".join(row)
            else:
                assert len(row) == len(header) and row[id_col] == t["source_id"]
    assert len(headers) == 2


def test_truth_is_consistent_with_streams_and_export(tmp_path):
    run_day(RunConfig(WORLD, 4, landing=tmp_path), DAY, total=5000)
    truths = read_truth(tmp_path / "truth/truth_20240501.jsonl")
    sources = {(t["channel"], t["source_id"]) for t in truths}
    ids = [t["event_id"] for t in truths]
    assert len(ids) == len(set(ids))
    for t in truths:
        assert t["l1"] == L2_TO_L1[t["l2"]] and t["is_canary"] is False
        assert t["bad"] == bool(t["bad_reasons"])
        if t["is_exact_dup"]:
            assert t["event_id"].endswith("-x1")
        if t["near_dup_of"]:
            assert any(s == t["near_dup_of"] for _, s in sources)
    for ch in STREAM_CHANNELS:
        lines = (tmp_path / f"streams/{ch}/{ch}_20240501.jsonl").read_bytes().splitlines()
        assert len(lines) == sum(t["channel"] == ch and t["in_stream"] for t in truths)
    with (tmp_path / "web_export/webform_export_20240501.csv").open(newline="") as fh:
        exported = {row["form_id"] for row in csv.DictReader(fh)}
    expected = {t["source_id"] for t in truths if t["channel"] == "webform" and t["in_export"]}
    assert exported == expected
    assert any(t["channel"] == "webform" and not t["in_stream"] for t in truths)
    assert any(t["channel"] == "webform" and t["in_stream"] and not t["in_export"]
               and not t["is_exact_dup"] for t in truths)


def test_drift_switches_schema_from_given_time():
    drift = datetime.fromisoformat("2024-05-01T12:00:00+00:00")
    events = _events(replace(NoiseKnobs.clean(), drift_at_utc=drift), 3000)
    for e in events:
        assert (e.truth["schema_version"] == "v2") == (e.arrival_utc >= drift)
        if e.truth["schema_version"] == "v2" and e.channel == "sms":
            assert "body" in e.record and "text" not in e.record
        if e.truth["schema_version"] == "v2" and e.channel == "webform":
            assert isinstance(e.record["ts"], str)


def test_labelled_texts_are_deterministic_varied_and_seed_independent():
    a, b = generate_labelled_texts(3000, 1), generate_labelled_texts(3000, 1)
    c = generate_labelled_texts(3000, 2)
    assert a == b and a != c
    assert all(set(d) == {"text", "l1", "l2", "channel"} for d in a)
    assert {d["l2"] for d in a} == set(L2_TO_L1)
    assert len({d["text"] for d in a}) > 0.97 * len(a)
    overlap = {d["text"] for d in a} & {d["text"] for d in c}
    assert len(overlap) < 0.02 * len(a)
    # No single leading 5-word prefix dominates a label.
    for l2 in L2_TO_L1:
        prefixes = Counter(" ".join(d["text"].lower().split()[:5]) for d in a if d["l2"] == l2)
        assert prefixes.most_common(1)[0][1] < 0.05 * sum(prefixes.values())


def test_pii_cards_are_luhn_valid_and_mojibake_looks_like_cp1252():
    import random

    rng = random.Random(1)
    assert all(luhn_valid(card_number(rng)) for _ in range(200))
    assert mojibake("₦500") == "â‚¦500"


def test_bulk_generation_is_fast_and_parseable():
    bulk = BulkGenerator(Simulator(WORLD, 1), pool_size=1000)
    n = 200_000
    t0 = time.perf_counter()
    out = list(bulk.events(n))
    rate = n / (time.perf_counter() - t0)
    assert rate > 50_000, rate
    assert len({k for _, k, _, _, _ in out}) == n
    for channel, _key, value, _l1, _l2 in out[:3000]:
        assert channel in STREAM_CHANNELS
        json.loads(value)


def test_cli_day_mode_writes_files(tmp_path, capsys):
    import importlib.util

    spec = importlib.util.spec_from_file_location("simulate", REPO / "jobs/simulate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    rc = module.main(["day", "--env", "dev", "--date", "2024-05-01", "--total", "800",
                      "--out", str(tmp_path), "--exact-dup-rate", "0.1", "--clean"])
    assert rc == 0
    summary = json.loads((tmp_path / "truth/summary_20240501.json").read_text())
    assert summary["exact_dups"] > 40 and summary["bad"] == 0
    assert list((tmp_path / "call_center").glob("calls_20240501_*.csv"))
