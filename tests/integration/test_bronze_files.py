"""Call-centre drops -> bronze: incremental, idempotent, duplicates once, bad files quarantined."""

from __future__ import annotations

import gzip
import os
from datetime import date
from pathlib import Path

import pytest

from beejan_lakehouse.bronze.files import LANDING_FILES, SCHEMA_DRIFT, start_files_to_bronze
from beejan_lakehouse.simulator.drops import write_call_center_drops
from beejan_lakehouse.simulator.generator import Simulator
from beejan_lakehouse.simulator.noise import NoiseKnobs
from beejan_lakehouse.simulator.profiles import day_slots
from beejan_lakehouse.simulator.world import build_world
from beejan_lakehouse.sources.file_formats import CALL_CENTER
from beejan_lakehouse.streaming import await_and_log
from beejan_lakehouse.tables import table_path

pytestmark = pytest.mark.integration

V1 = "call_id,agent_id,call_start,duration_sec,customer_msisdn,disposition_code,agent_notes"


def ingest(spark, cfg) -> dict[str, int]:
    totals: dict[str, int] = {}
    await_and_log(start_files_to_bronze(spark, cfg, CALL_CENTER, totals), timeout_s=300)
    return totals


def read(spark, cfg, name: str):
    return spark.read.format("delta").load(table_path(cfg, name))


def drop(landing: Path, name: str, content: bytes) -> Path:
    path = landing / "call_center" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return path


def test_call_center_files_incremental_idempotent_with_quarantine_and_drift(spark, lakehouse_cfg):
    landing = Path(lakehouse_cfg["storage"]["landing"])
    drop(
        landing,
        "calls_20261120_09.csv",
        f"{V1}\nCL1,AG1,20/11/2026 09:01,60,0803,NET-OUT,no network\n"
        'CL2,AG1,20/11/2026 09:05,61,0803,BIL-DISP,"double debit, pls reverse"\n'.encode(),
    )
    drop(landing, "calls_20261120_10.csv", gzip.compress(f"{V1}\nCL3,AG2,x,1,2,D,y\n".encode()))
    drop(landing, "calls_20261120_11.csv", f"{V1},sentiment\nCL4,AG3,20/11/2026 11:00,30,0803,GEN,hi,0.5\n".encode())

    first = ingest(spark, lakehouse_cfg)
    assert first == {"files": 3, "ingested": 2, "quarantined": 1, "duplicate": 0, "records": 3}
    rows = read(spark, lakehouse_cfg, CALL_CENTER.table)
    assert sorted((Path(r["file_path"]).name, r["line_number"], r["record"]) for r in rows.collect()) == [
        ("calls_20261120_09.csv", 2, "CL1,AG1,20/11/2026 09:01,60,0803,NET-OUT,no network"),
        ("calls_20261120_09.csv", 3, 'CL2,AG1,20/11/2026 09:05,61,0803,BIL-DISP,"double debit, pls reverse"'),
        ("calls_20261120_11.csv", 2, "CL4,AG3,20/11/2026 11:00,30,0803,GEN,hi,0.5"),
    ]
    assert rows.where("file_mod_ts IS NULL OR ingest_ts IS NULL").count() == 0
    manifest = {
        Path(r["file_path"]).name: (r["status"], r["reason"])
        for r in read(spark, lakehouse_cfg, LANDING_FILES.name).collect()
    }
    assert manifest["calls_20261120_10.csv"] == ("quarantined", "binary content: gzip-compressed data in a .csv file")
    quarantined = read(spark, lakehouse_cfg, LANDING_FILES.name).where("status = 'quarantined'").first()
    assert gzip.decompress(bytes(quarantined["content"])).startswith(V1.encode())  # bytes kept for replay
    drift = [
        (Path(r["location"]).name, r["kind"], r["observed"])
        for r in read(spark, lakehouse_cfg, SCHEMA_DRIFT.name).collect()
    ]
    assert drift == [("calls_20261120_11.csv", "added_columns", "sentiment")]

    # Re-run with nothing new: nothing is read again.
    assert ingest(spark, lakehouse_cfg) == {}
    assert read(spark, lakehouse_cfg, CALL_CENTER.table).count() == 3

    # A new file is picked up; the same content dropped again under another name is not ingested twice.
    drop(landing, "calls_20261120_12.csv", f"{V1}\nCL5,AG1,20/11/2026 12:00,10,0803,GEN,slow data\n".encode())
    same = (landing / "call_center" / "calls_20261120_09.csv").read_bytes()
    drop(landing, "calls_20261120_09_resent.csv", same)
    third = ingest(spark, lakehouse_cfg)
    assert third == {"files": 2, "ingested": 1, "quarantined": 0, "duplicate": 1, "records": 1}
    assert read(spark, lakehouse_cfg, CALL_CENTER.table).count() == 4
    statuses = read(spark, lakehouse_cfg, LANDING_FILES.name).groupBy("status").count().collect()
    assert {r["status"]: r["count"] for r in statuses} == {"ingested": 3, "quarantined": 1, "duplicate": 1}


def test_simulated_call_center_day_is_readable_by_the_batch_reader(spark, lakehouse_cfg):
    landing = Path(lakehouse_cfg["storage"]["landing"])
    sim = Simulator(build_world(n_customers=300), seed=7, knobs=NoiseKnobs(cc_unreadable_file_rate=0.0))
    events = sim.generate(day_slots(date(2026, 11, 20), total=1200, seed=7))
    write_call_center_drops(events, landing, seed=7, knobs=sim.knobs)
    expected = sum(1 for e in events if e.channel == "call_center")
    totals = ingest(spark, lakehouse_cfg)
    assert totals["quarantined"] == 0
    assert totals["records"] == expected
    rows = read(spark, lakehouse_cfg, CALL_CENTER.table)
    truth_lines = {(e.truth["file"].split("/")[-1], e.truth["line"]) for e in events if e.channel == "call_center"}
    assert {(os.path.basename(r["file_path"]), r["line_number"]) for r in rows.collect()} == truth_lines
