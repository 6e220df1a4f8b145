"""Web-form submissions (Kafka `beejan.complaints.webform`, JSON) -> PARSED rows."""

from __future__ import annotations

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from beejan_lakehouse.columns import per_session
from beejan_lakehouse.sources.common import (
    epoch_millis_to_utc,
    json_field,
    json_parse_errors,
    kafka_lineage,
    kafka_payload,
    parsed_columns,
    rescued_json,
)

CHANNEL = "webform"
KNOWN_FIELDS = (
    "form_id", "event_type", "ts", "name", "email", "phone", "account_number", "category",
    "description", "page", "referrer", "session_id",
)  # fmt: skip
RENAMES: dict[str, str] = {}
TS_AS_STRING = "drift:type_changed:ts:number->string"


def parse_webform(df: DataFrame) -> DataFrame:
    """bronze.kafka_events rows of the webform channel -> PARSED.

    Input: channel, partition, offset, key, value (binary JSON), ingest_ts. Output: exactly the
    PARSED columns. ts is epoch millis UTC, a JSON number in v1 and a numeric string in v2
    (both parse; the string form adds the parse note TS_AS_STRING) -> event_ts_utc,
    event_tz = 'UTC'; phone -> msisdn_raw; category -> web_category; description -> text_raw.
    """
    return df.transform(kafka_payload(KNOWN_FIELDS)).select(*_projection())


@per_session
def _projection() -> list[Column]:
    ts = json_field("ts")
    # The map parse hides JSON types, so the drift (number -> string) is read off the payload.
    ts_quoted = F.col("_json").isNotNull() & F.col("_payload").rlike(r'"ts"\s*:\s*"')
    return parsed_columns(
        CHANNEL,
        {
            "source_id": F.coalesce(json_field("form_id"), F.col("key").cast("string")),
            "raw_payload": F.col("_payload"),
            "text_raw": json_field("description"),
            "event_ts_raw": ts,
            "event_ts_utc": epoch_millis_to_utc(ts),
            "event_tz": F.lit("UTC"),
            "msisdn_raw": json_field("phone"),
            "email_raw": json_field("email"),
            "account_raw": json_field("account_number"),
            "name_raw": json_field("name"),
            "web_category": json_field("category"),
            "rescued_data": rescued_json(KNOWN_FIELDS),
            "parse_errors": json_parse_errors(F.when(ts_quoted, F.lit(TS_AS_STRING))),
            **kafka_lineage(),
        },
    )
