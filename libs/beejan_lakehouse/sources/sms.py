"""SMS gateway messages (Kafka `beejan.complaints.sms`, JSON) -> PARSED rows."""

from __future__ import annotations

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from beejan_lakehouse.columns import per_session
from beejan_lakehouse.sources.common import (
    LAGOS,
    json_field,
    json_parse_errors,
    kafka_lineage,
    kafka_payload,
    local_to_utc,
    parsed_columns,
    renamed_note,
    rescued_json,
)

CHANNEL = "sms"
RENAMES = {"body": "text"}  # schema v2 renamed text -> body; old spelling -> current field
KNOWN_FIELDS = ("message_id", "from", "to", "text", "received_at", "gateway", "parts", "encoding", *RENAMES)
TIME_PATTERN = "yyyy-MM-dd HH:mm:ss"


def parse_sms(df: DataFrame) -> DataFrame:
    """bronze.kafka_events rows of the sms channel -> PARSED.

    Input: channel, partition, offset, key, value (binary JSON), ingest_ts. Output: exactly the
    PARSED columns. received_at is Lagos wall-clock time without a zone -> event_ts_utc,
    event_tz = 'Africa/Lagos'; `text` or its v2 name `body` -> text_raw (a parse note
    'drift:renamed:body->text' records the rename); `from` -> msisdn_raw.
    """
    return df.transform(kafka_payload(KNOWN_FIELDS)).select(*_projection())


@per_session
def _projection() -> list[Column]:
    received = json_field("received_at")
    return parsed_columns(
        CHANNEL,
        {
            "source_id": F.coalesce(json_field("message_id"), F.col("key").cast("string")),
            "raw_payload": F.col("_payload"),
            "text_raw": json_field("text", "body"),
            "event_ts_raw": received,
            "event_ts_utc": local_to_utc(received, TIME_PATTERN),
            "event_tz": F.lit(LAGOS),
            "msisdn_raw": json_field("from"),
            "rescued_data": rescued_json(KNOWN_FIELDS),
            "parse_errors": json_parse_errors(renamed_note("body", "text")),
            **kafka_lineage(),
        },
    )
