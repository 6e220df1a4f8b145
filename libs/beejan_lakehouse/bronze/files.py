"""Landing-folder files -> bronze (call-centre drops, the web-form daily export), incrementally.

A Structured Streaming `binaryFile` source with an `availableNow` trigger remembers in its
checkpoint which files it has taken, so a re-run processes only new files. Each file is then
inspected whole: unreadable files (binary, wrong encoding, unrecognised header, truncated) are
quarantined with the reason and their bytes in `bronze.landing_files`; a readable header change
is recorded in `ops.schema_drift` and ingested; the same content dropped twice (under any name)
is ingested once. Readable files become one bronze row per CSV record (quoted newlines kept),
with file path, starting line number, file modification time and ingest time. Writes use Delta's
idempotent `txnAppId`/`txnVersion`, so a batch replayed after a crash never duplicates.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.streaming import StreamingQuery
from pyspark.sql.types import (
    BinaryType,
    DateType,
    IntegerType,
    LongType,
    StringType,
    StructField,
    StructType,
    TimestampType,
)

from beejan_lakehouse.config import Config
from beejan_lakehouse.logs import get_logger
from beejan_lakehouse.sources.file_formats import FileSourceFormat
from beejan_lakehouse.tables import TableSpec, append_idempotent, checkpoint_path, ensure_table, table_path

log = get_logger("bronze.files")

# Spark's binaryFile source schema (a streaming source must be given its schema).
BINARY_FILE_SCHEMA = StructType(
    [
        StructField("path", StringType(), False),
        StructField("modificationTime", TimestampType(), False),
        StructField("length", LongType(), False),
        StructField("content", BinaryType(), True),
    ]
)

FILE_LINES_SCHEMA = StructType(
    [
        StructField("source", StringType(), False),
        StructField("file_path", StringType(), False),
        StructField("file_sha256", StringType(), False),
        StructField("file_mod_ts", TimestampType(), True),
        StructField("line_number", IntegerType(), False),  # physical line where the record starts
        StructField("record", StringType(), False),  # the raw CSV record / log line, untouched
        StructField("header", StringType(), False),  # the file's header line, as written
        StructField("header_variant", StringType(), False),  # v1, v2, ... or "drift"
        StructField("ingest_ts", TimestampType(), False),
        StructField("ingest_date", DateType(), False),
    ]
)


def file_lines_spec(fmt: FileSourceFormat) -> TableSpec:
    return TableSpec(
        name=fmt.table,
        schema=FILE_LINES_SCHEMA,
        partition_by=("ingest_date",),
        constraints={"positive_line": "line_number >= 2"},
        comment=f"Raw {fmt.source} file records with file lineage. Append-only; owner: bronze.",
        properties={"delta.appendOnly": "true"},
    )


LANDING_FILES = TableSpec(
    name="bronze.landing_files",
    schema=StructType(
        [
            StructField("source", StringType(), False),
            StructField("file_path", StringType(), False),
            StructField("file_sha256", StringType(), False),
            StructField("file_size", LongType(), False),
            StructField("file_mod_ts", TimestampType(), True),
            StructField("status", StringType(), False),  # ingested | quarantined | duplicate
            StructField("reason", StringType(), True),
            StructField("records", IntegerType(), False),
            StructField("header_variant", StringType(), True),
            StructField("content", BinaryType(), True),  # kept only for quarantined files
            StructField("batch_id", LongType(), False),
            StructField("ingest_ts", TimestampType(), False),
        ]
    ),
    constraints={"valid_status": "status IN ('ingested', 'quarantined', 'duplicate')"},
    comment="Every landing file seen: ingested, quarantined (with reason and bytes) or duplicate. Owner: bronze.",
)

SCHEMA_DRIFT = TableSpec(
    name="ops.schema_drift",
    schema=StructType(
        [
            StructField("source", StringType(), False),
            StructField("location", StringType(), False),  # file path or topic
            StructField("kind", StringType(), False),  # renamed/added/removed/reordered columns...
            StructField("expected", StringType(), True),
            StructField("observed", StringType(), True),
            StructField("detected_at", TimestampType(), False),
        ]
    ),
    comment="Schema changes seen in sources that were still readable. Owner: ops.",
)


@dataclass
class Inspection:
    """What bronze makes of one landing file."""

    status: str  # ingested | quarantined
    reason: str | None = None
    header: str = ""
    header_variant: str | None = None
    records: list[tuple[int, str]] = field(default_factory=list)  # (line number, raw record)
    drift: list[tuple[str, str, str]] = field(default_factory=list)  # (kind, expected, observed)


def split_records(text: str) -> tuple[list[tuple[int, str]], bool]:
    """Split CSV text into raw records at newlines outside quotes.

    Returns ([(starting physical line, record)], terminated) where terminated is False when the
    text ends inside a quoted field (a truncated file). Line endings are dropped, nothing else.
    """
    records: list[tuple[int, str]] = []
    start, line, record_line, in_quotes = 0, 1, 1, False
    for i, ch in enumerate(text):
        if ch == '"':
            in_quotes = not in_quotes
        elif ch == "\n":
            if not in_quotes:
                records.append((record_line, text[start:i].rstrip("\r")))
                start, record_line = i + 1, line + 1
            line += 1
    if start < len(text):
        records.append((record_line, text[start:].rstrip("\r")))
    return records, not in_quotes


def inspect_file(fmt: FileSourceFormat, content: bytes) -> Inspection:
    """Decide whether a landing file is readable, and if so split it into raw records."""
    if not content.strip():
        return Inspection("quarantined", "empty file")
    if content[:2] == b"\x1f\x8b":
        return Inspection("quarantined", "binary content: gzip-compressed data in a .csv file")
    if b"\x00" in content:
        return Inspection("quarantined", "binary content: NUL bytes")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return Inspection("quarantined", f"wrong encoding: not UTF-8 ({exc.reason} at byte {exc.start})")
    records, terminated = split_records(text)
    if not terminated:
        return Inspection("quarantined", "truncated: file ends inside a quoted field")
    (_, header), body = records[0], [r for r in records[1:] if r[1].strip()]
    columns = tuple(next(csv.reader(io.StringIO(header))))
    expected = ",".join(fmt.canonical.columns)
    variant = fmt.variant_of(columns)
    if variant is not None:
        # A known layout still tells ops the source switched away from the canonical one.
        drift = [] if variant is fmt.canonical else [(f"known_variant_{variant.name}", expected, header)]
        return Inspection("ingested", header=header, header_variant=variant.name, records=body, drift=drift)
    known = fmt.canonical_names(columns)
    missing = [c for c in fmt.required if c not in known]
    if missing:
        return Inspection(
            "quarantined",
            f"unrecognised header: required columns {', '.join(missing)} not found in {header!r}",
            header=header,
        )
    canonical_cols = set(fmt.canonical.columns)
    drift = []
    if known - canonical_cols:
        drift.append(("added_columns", expected, ",".join(sorted(known - canonical_cols))))
    if canonical_cols - known:
        drift.append(("removed_columns", expected, ",".join(sorted(canonical_cols - known))))
    if not drift:
        drift.append(("renamed_or_reordered_columns", expected, header))
    return Inspection("ingested", header=header, header_variant="drift", records=body, drift=drift)


def ingest_batch(spark: SparkSession, cfg: Config, fmt: FileSourceFormat, files: DataFrame, batch_id: int) -> dict:
    """foreachBatch body: inspect the batch's files and write records, manifest and drift."""
    now = datetime.now(UTC).replace(tzinfo=None)
    manifest_path = table_path(cfg, LANDING_FILES.name)
    known_hashes = {
        r["file_sha256"]
        for r in spark.read.format("delta")
        .load(manifest_path)
        .where((F.col("source") == fmt.source) & (F.col("status") == "ingested"))
        .select("file_sha256")
        .collect()
    }
    lines, manifest, drift = [], [], []
    counts = {"files": 0, "ingested": 0, "quarantined": 0, "duplicate": 0, "records": 0}
    for f in files.select("path", "modificationTime", "length", "content").collect():
        content = bytes(f["content"])
        sha = hashlib.sha256(content).hexdigest()
        counts["files"] += 1
        if sha in known_hashes:
            manifest.append(
                (
                    fmt.source,
                    f["path"],
                    sha,
                    f["length"],
                    f["modificationTime"],
                    "duplicate",
                    "same content already ingested",
                    0,
                    None,
                    None,
                    batch_id,
                    now,
                )
            )
            counts["duplicate"] += 1
            log.warning("%s: %s duplicates a file already ingested; skipped", fmt.source, f["path"])
            continue
        result = inspect_file(fmt, content)
        counts[result.status] += 1
        if result.status == "quarantined":
            log.warning("%s: quarantined %s: %s", fmt.source, f["path"], result.reason)
            manifest.append(
                (
                    fmt.source,
                    f["path"],
                    sha,
                    f["length"],
                    f["modificationTime"],
                    "quarantined",
                    result.reason,
                    0,
                    result.header_variant,
                    content,
                    batch_id,
                    now,
                )
            )
            continue
        known_hashes.add(sha)
        lines += [
            (
                fmt.source,
                f["path"],
                sha,
                f["modificationTime"],
                n,
                rec,
                result.header,
                result.header_variant,
                now,
                now.date(),
            )
            for n, rec in result.records
        ]
        counts["records"] += len(result.records)
        manifest.append(
            (
                fmt.source,
                f["path"],
                sha,
                f["length"],
                f["modificationTime"],
                "ingested",
                None,
                len(result.records),
                result.header_variant,
                None,
                batch_id,
                now,
            )
        )
        for kind, expected, observed in result.drift:
            log.warning("%s: schema drift in %s: %s (%s)", fmt.source, f["path"], kind, observed)
            drift.append((fmt.source, f["path"], kind, expected, observed, now))
    app_id = f"bronze-files-{fmt.source}"
    _append(spark, lines, FILE_LINES_SCHEMA, table_path(cfg, fmt.table), app_id, batch_id)
    _append(spark, manifest, LANDING_FILES.schema, manifest_path, app_id, batch_id)
    _append(spark, drift, SCHEMA_DRIFT.schema, table_path(cfg, SCHEMA_DRIFT.name), app_id, batch_id)
    log.info("%s batch %d: %s", fmt.source, batch_id, " ".join(f"{k}={v}" for k, v in counts.items()))
    return counts


def _append(spark: SparkSession, rows: list, schema: StructType, path: str, app_id: str, batch_id: int) -> None:
    if not rows:
        return
    append_idempotent(spark.createDataFrame(rows, schema), path, app_id, batch_id)


def start_files_to_bronze(
    spark: SparkSession, cfg: Config, fmt: FileSourceFormat, totals: dict[str, int] | None = None
) -> StreamingQuery:
    """Start the availableNow file query for one source; `totals` accumulates batch counts."""
    for spec in (file_lines_spec(fmt), LANDING_FILES, SCHEMA_DRIFT):
        ensure_table(spark, cfg, spec)
    landing = f"{cfg['storage']['landing']}/{fmt.landing_subdir}"
    if "://" not in landing:
        Path(landing).mkdir(parents=True, exist_ok=True)  # the file source needs the folder
    totals = totals if totals is not None else {}

    def on_batch(batch: DataFrame, batch_id: int) -> None:
        for key, value in ingest_batch(spark, cfg, fmt, batch, batch_id).items():
            totals[key] = totals.get(key, 0) + value

    files = (
        spark.readStream.format("binaryFile")
        .schema(BINARY_FILE_SCHEMA)
        .option("pathGlobFilter", fmt.glob)
        .option("maxFilesPerTrigger", 200)
        .load(landing)
    )
    return (
        files.writeStream.queryName(f"bronze_files_{fmt.source}")
        .foreachBatch(on_batch)
        .option("checkpointLocation", checkpoint_path(cfg, f"bronze_files_{fmt.source}"))
        .trigger(availableNow=True)
        .start()
    )
