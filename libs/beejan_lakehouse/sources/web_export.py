"""Web-form daily export file records (bronze.web_export_raw, CSV) -> PARSED."""

from __future__ import annotations

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from beejan_lakehouse.arrays import present
from beejan_lakehouse.sources.common import LAGOS, file_lineage, local_to_utc, to_parsed
from beejan_lakehouse.sources.csv_records import (
    MALFORMED_RECORD,
    csv_extra_values,
    csv_field,
    csv_rescued,
    with_csv_record,
)
from beejan_lakehouse.sources.file_formats import WEB_EXPORT

CHANNEL = "web_export"
KNOWN_FIELDS = WEB_EXPORT.canonical.columns
TIME_PATTERN = "yyyy-MM-dd HH:mm:ss"


def parse_web_export(df: DataFrame) -> DataFrame:
    """bronze.web_export_raw rows -> PARSED.

    Input: file_path, line_number, record (raw CSV record), header, ingest_ts. Output: exactly
    the PARSED columns. submitted_at 'yyyy-MM-dd HH:mm:ss' Lagos local -> event_ts_utc
    (event_tz 'Africa/Lagos'); description -> text_raw; phone -> msisdn_raw; customer_name ->
    name_raw; category -> web_category. source_id is the form id, the same as the streamed
    submission's (reconciliation joins on it).
    """
    rows = with_csv_record(WEB_EXPORT, df)
    submitted = csv_field("submitted_at")
    extra = F.when(csv_extra_values(), F.lit(MALFORMED_RECORD))
    return to_parsed(
        rows,
        CHANNEL,
        {
            "source_id": csv_field("form_id"),
            "raw_payload": F.col("record"),
            "text_raw": csv_field("description"),
            "event_ts_raw": submitted,
            "event_ts_utc": local_to_utc(submitted, TIME_PATTERN),
            "event_tz": F.lit(LAGOS),
            "msisdn_raw": csv_field("phone"),
            "email_raw": csv_field("email"),
            "account_raw": csv_field("account_number"),
            "name_raw": csv_field("customer_name"),
            "web_category": csv_field("category"),
            "rescued_data": csv_rescued(KNOWN_FIELDS),
            "parse_errors": present(extra),
            **file_lineage(WEB_EXPORT.table),
        },
    )
