"""Call-centre file records (bronze.call_center_raw: CSV rows and `CALL|k=v` lines) -> PARSED."""

from __future__ import annotations

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from beejan_lakehouse.arrays import compact
from beejan_lakehouse.sources.common import LAGOS, file_lineage, local_to_utc, to_parsed
from beejan_lakehouse.sources.csv_records import (
    MALFORMED_RECORD,
    csv_extra_values,
    csv_field,
    csv_rescued,
    with_csv_record,
)
from beejan_lakehouse.sources.file_formats import CALL_CENTER

CHANNEL = "call_center"
# Canonical v1 columns plus v2's queue_name: known, deliberately not carried into silver.
KNOWN_FIELDS = (*CALL_CENTER.canonical.columns, "queue_name")
TIME_PATTERN = "dd/MM/yyyy HH:mm"
SEMI_PREFIX = CALL_CENTER.semi_structured_prefix or "CALL|"
# Keys of the agent desktop's key=value lines -> canonical column.
SEMI_KEYS = {
    "call_id": "call_id", "agent": "agent_id", "start": "call_start", "dur": "duration_sec",
    "msisdn": "customer_msisdn", "disp": "disposition_code", "notes": "agent_notes",
}  # fmt: skip
INVALID_DURATION = "invalid:duration_sec"


def _semi_field(key: str) -> Column:
    # Notes never hold '|' (the client replaces it), so a value runs to the next '|'.
    pattern = rf"\|{key}=([^|]*)"
    return F.when(F.col("record").rlike(pattern), F.regexp_extract("record", pattern, 1))


def _field(canonical: str) -> Column:
    semi_key = next(k for k, v in SEMI_KEYS.items() if v == canonical)
    return F.when(F.col("_semi"), _semi_field(semi_key)).otherwise(csv_field(canonical))


def parse_call_center(df: DataFrame) -> DataFrame:
    """bronze.call_center_raw rows -> PARSED.

    Input: file_path, line_number, record (raw CSV record or `CALL|k=v|...` line), header (the
    file's header line), ingest_ts. Output: exactly the PARSED columns. Columns are found by
    name through the header (v1, v2 and readable drift layouts); call_start 'dd/MM/yyyy HH:mm'
    Lagos local -> event_ts_utc (event_tz 'Africa/Lagos'); agent_notes -> text_raw;
    customer_msisdn -> msisdn_raw. parse_errors: 'malformed_record' (more values than header
    columns), 'invalid:duration_sec' (not a non-negative integer; soft). Unknown columns ->
    rescued_data. raw_payload is the record itself.
    """
    rows = with_csv_record(CALL_CENTER, df.withColumn("_semi", F.col("record").startswith(SEMI_PREFIX)))
    start = _field("call_start")
    duration = _field("duration_sec")
    bad_duration = duration.isNotNull() & ~F.trim(duration).rlike(r"^\d+$")
    extra = ~F.col("_semi") & csv_extra_values()
    errors = F.array(F.when(extra, F.lit(MALFORMED_RECORD)), F.when(bad_duration, F.lit(INVALID_DURATION)))
    return to_parsed(
        rows,
        CHANNEL,
        {
            "source_id": _field("call_id"),
            "raw_payload": F.col("record"),
            "text_raw": _field("agent_notes"),
            "event_ts_raw": start,
            "event_ts_utc": local_to_utc(start, TIME_PATTERN),
            "event_tz": F.lit(LAGOS),
            "msisdn_raw": _field("customer_msisdn"),
            "agent_id": _field("agent_id"),
            "disposition_code": _field("disposition_code"),
            "rescued_data": F.when(~F.col("_semi"), csv_rescued(KNOWN_FIELDS)),
            "parse_errors": compact(errors),
            **file_lineage(CALL_CENTER.table),
        },
    )
