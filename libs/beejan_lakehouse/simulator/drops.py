"""File drops: call-centre hourly CSVs, the web-form daily export, offline stream files.

Layout under a landing root (see docs/simulator.md):
``call_center/calls_YYYYMMDD_HH.csv``, ``web_export/webform_export_YYYYMMDD.csv``,
``streams/<channel>/<channel>_YYYYMMDD.jsonl``. Writers fill ``truth['file']``/``['line']``
(1-based physical line where the row starts) so ground truth points at the exact row.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path

from beejan_lakehouse.simulator.channels import LAGOS
from beejan_lakehouse.simulator.generator import SimEvent
from beejan_lakehouse.simulator.noise import NoiseKnobs

CC_HEADER_V1 = ("call_id", "agent_id", "call_start", "duration_sec", "customer_msisdn",
                "disposition_code", "agent_notes")
# v2 (after the vendor upgrade): renamed, reordered, plus a QueueName column.
CC_HEADER_V2 = ("CallRef", "StartTime", "Agent", "CustomerNumber", "DurationSecs",
                "Disposition", "Notes", "QueueName")
CC_V2_FROM_V1 = {"CallRef": "call_id", "StartTime": "call_start", "Agent": "agent_id",
                 "CustomerNumber": "customer_msisdn", "DurationSecs": "duration_sec",
                 "Disposition": "disposition_code", "Notes": "agent_notes"}
CC_SEMI_PREFIX = "CALL|"
EXPORT_HEADER = ("form_id", "submitted_at", "customer_name", "email", "phone",
                 "account_number", "category", "description", "page")
_QUEUES = ("IVR_MAIN", "IVR_MAIN", "VIP", "GENERAL", "CALLBACK")


def _u(*parts: object) -> float:
    h = hashlib.blake2b(":".join(map(str, parts)).encode(), digest_size=8).digest()
    return int.from_bytes(h, "big") / 2**64


def _semi_structured(row: dict) -> str:
    # Some agents' desktop client logs calls as key=value lines into the same export.
    notes = row.get("agent_notes", "").replace('"', "'").replace("\n", " ").replace("|", "/")
    return (f"{CC_SEMI_PREFIX}call_id={row.get('call_id', '')}|agent={row.get('agent_id', '')}"
            f"|start={row.get('call_start', '')}|dur={row.get('duration_sec', '')}"
            f"|msisdn={row.get('customer_msisdn', '')}|disp={row.get('disposition_code', '')}"
            f"|notes={notes}")


def call_center_file_name(arrival_utc: datetime) -> str:
    return f"calls_{arrival_utc.astimezone(LAGOS):%Y%m%d_%H}.csv"


def write_call_center_drops(events: Iterable[SimEvent], landing: str | Path, seed: int,
                            knobs: NoiseKnobs) -> list[Path]:
    """Write one CSV per Lagos hour of arrival; returns the file paths written."""
    out = Path(landing) / "call_center"
    out.mkdir(parents=True, exist_ok=True)
    by_file: dict[str, list[SimEvent]] = defaultdict(list)
    for e in events:
        if e.channel == "call_center":
            by_file[call_center_file_name(e.arrival_utc)].append(e)
    paths = []
    for name in sorted(by_file):
        v2 = _u(seed, name, "header") < knobs.cc_header_variant_rate
        header = CC_HEADER_V2 if v2 else CC_HEADER_V1
        buf = io.StringIO(newline="")
        writer = csv.writer(buf, lineterminator="\r\n")
        writer.writerow(header)
        line = 2
        for e in by_file[name]:
            e.truth["file"], e.truth["line"] = f"call_center/{name}", line
            if _u(seed, e.event_id, "semi") < knobs.cc_semi_structured_rate:
                buf.write(_semi_structured(e.record) + "\r\n")
                e.truth["format"] = "semi_structured"
                line += 1
                continue
            if v2:
                row = [e.record.get(CC_V2_FROM_V1[h], "") for h in header[:-1]]
                row.append(_QUEUES[int(_u(seed, e.event_id, "q") * len(_QUEUES))])
            else:
                row = [e.record.get(h, "") for h in header]
            writer.writerow(row)
            line += 1 + sum(str(v).count("\n") for v in row)
        data = buf.getvalue().encode("utf-8")
        u = _u(seed, name, "unreadable")
        if u < knobs.cc_unreadable_file_rate:
            # Half the time the vendor job gzips without renaming, else an empty stub file.
            data = gzip.compress(data, mtime=0) if u < knobs.cc_unreadable_file_rate / 2 else b""
            for e in by_file[name]:
                e.truth["bad_reasons"] = [*e.truth["bad_reasons"], "unreadable_file"]
                e.truth["bad"] = True
        path = out / name
        path.write_bytes(data)
        paths.append(path)
    return paths


def write_web_export(events: Iterable[SimEvent], landing: str | Path, day: date) -> Path:
    """The web-form daily export: one row per submission the web DB holds for ``day``."""
    out = Path(landing) / "web_export"
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"webform_export_{day:%Y%m%d}.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(EXPORT_HEADER)
        line = 2
        for e in events:
            if e.channel != "webform" or not e.truth["in_export"]:
                continue
            r = e.record
            # The DB stores the server-side time, so the export time is always sane.
            t = datetime.fromisoformat(e.truth["event_time_utc"].replace("Z", "+00:00"))
            row = [e.source_id, t.astimezone(LAGOS).strftime("%Y-%m-%d %H:%M:%S"),
                   r.get("name", ""), r.get("email", ""), r.get("phone", ""),
                   r.get("account_number", ""), r.get("category", ""),
                   r.get("description", ""), r.get("page", "")]
            writer.writerow(row)
            e.truth["export_line"] = line
            line += 1 + sum(str(v).count("\n") for v in row)
    return path


def write_stream_files(events: Iterable[SimEvent], landing: str | Path,
                       day: date) -> dict[str, Path]:
    """Offline stand-in for Kafka: each streamed payload as one line of JSONL per channel."""
    handles: dict[str, io.BufferedWriter] = {}
    paths: dict[str, Path] = {}
    try:
        for e in events:
            if not e.truth["in_stream"]:
                continue
            if e.channel not in handles:
                d = Path(landing) / "streams" / e.channel
                d.mkdir(parents=True, exist_ok=True)
                paths[e.channel] = d / f"{e.channel}_{day:%Y%m%d}.jsonl"
                handles[e.channel] = paths[e.channel].open("wb")
            handles[e.channel].write(e.value_bytes() + b"\n")
    finally:
        for h in handles.values():
            h.close()
    return paths
