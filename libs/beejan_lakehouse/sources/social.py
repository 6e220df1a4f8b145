"""Social posts (Kafka `beejan.complaints.social`, webhook `post.created` JSON) -> PARSED rows."""

from __future__ import annotations

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from beejan_lakehouse.columns import per_session
from beejan_lakehouse.sources.common import (
    iso_offset_of,
    iso_offset_to_utc,
    json_field,
    json_parse_errors,
    kafka_lineage,
    kafka_payload,
    nested_field,
    parsed_columns,
    rescued_json,
)

CHANNEL = "social"
# Top-level fields of schema v1; anything else (e.g. v2's `lang`) goes to rescued_data.
KNOWN_FIELDS = (
    "event_type", "post_id", "created_at", "user", "text", "entities", "in_reply_to_post_id",
    "retweet_of_post_id", "place", "geo", "source",
)  # fmt: skip
RENAMES: dict[str, str] = {}  # old spelling -> current field
_USER_DDL = "handle string, display_name string"


def parse_social(df: DataFrame) -> DataFrame:
    """bronze.kafka_events rows of the social channel -> PARSED.

    Input: channel, partition, offset, key, value (binary JSON), ingest_ts. Output: exactly the
    PARSED columns. created_at (ISO-8601 with offset or 'Z') -> event_ts_utc, offset ->
    event_tz; user.handle -> handle, user.display_name -> name_raw, place.full_name ->
    place_raw; source_id falls back to the Kafka key (the post id) when the JSON is broken.
    """
    return df.transform(kafka_payload(KNOWN_FIELDS)).select(*_projection())


@per_session
def _projection() -> list[Column]:
    created = json_field("created_at")
    return parsed_columns(
        CHANNEL,
        {
            "source_id": F.coalesce(json_field("post_id"), F.col("key").cast("string")),
            "raw_payload": F.col("_payload"),
            "text_raw": json_field("text"),
            "event_ts_raw": created,
            "event_ts_utc": iso_offset_to_utc(created),
            "event_tz": iso_offset_of(created),
            # One schema for both user fields: the nested object is parsed once per record.
            "name_raw": nested_field("user", _USER_DDL, "display_name"),
            "handle": nested_field("user", _USER_DDL, "handle"),
            "place_raw": nested_field("place", "full_name string", "full_name"),
            "reply_to_id": json_field("in_reply_to_post_id"),
            "retweet_of_id": json_field("retweet_of_post_id"),
            "rescued_data": rescued_json(KNOWN_FIELDS),
            "parse_errors": json_parse_errors(),
            **kafka_lineage(),
        },
    )
