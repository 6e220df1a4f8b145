"""The common complaint record (silver.complaints) and silver.quarantine, versioned in code.

Every silver stage is a DataFrame -> DataFrame transform between these contracts:

    bronze rows --parse_<source>--> PARSED_COLUMNS
      --clean_text / normalise times--> + text_clean, event_ts_utc ...
      --expectations--> valid rows (+ quality_flags) | quarantine rows (QUARANTINE schema)
      --resolve_customers / mask_pii / enrich / classify / dedup--> COMPLAINTS schema

Bump SCHEMA_VERSION when a column changes meaning or type; add columns at the end.
"""

from __future__ import annotations

from pyspark.sql.types import (
    ArrayType,
    BooleanType,
    DoubleType,
    IntegerType,
    LongType,
    StringType,
    StructField,
    StructType,
    TimestampType,
)

from beejan_lakehouse.tables import STREAM_APPENDED, STREAM_APPENDED_NOT_READ_BACK, VIEWS, TableSpec

SCHEMA_VERSION = 1
CHANNELS = ("social", "sms", "webform", "call_center", "web_export")
L1_LABELS = ("Network", "Billing", "Service")
L2_LABELS = ("Coverage", "Speed", "Outage", "Overcharge", "Refund", "Agent experience")


def _f(name: str, dtype, nullable: bool = True) -> StructField:
    return StructField(name, dtype, nullable)


# What every parse_<source> transform returns (one row per bronze row), before cleaning.
PARSED = StructType(
    [
        _f("channel", StringType(), False),
        _f("source_id", StringType()),  # post id / message id / form id / call id
        _f("raw_payload", StringType()),  # the bronze payload as text (for quarantine)
        _f("text_raw", StringType()),  # the complaint text as sent
        _f("event_ts_raw", StringType()),  # the source's own time value, as sent
        _f("event_ts_utc", TimestampType()),  # normalised to UTC (null when unparseable)
        _f("event_tz", StringType()),  # original offset/zone, e.g. "+01:00", "Africa/Lagos"
        _f("msisdn_raw", StringType()),
        _f("email_raw", StringType()),
        _f("account_raw", StringType()),
        _f("name_raw", StringType()),
        _f("handle", StringType()),  # social handle
        _f("place_raw", StringType()),  # social place / geo name
        _f("web_category", StringType()),  # customer-chosen dropdown category (web form)
        _f("agent_id", StringType()),
        _f("disposition_code", StringType()),
        _f("reply_to_id", StringType()),  # social: replied post id
        _f("retweet_of_id", StringType()),  # social: retweeted post id
        _f("rescued_data", StringType()),  # JSON of fields this schema version does not know
        _f("parse_errors", ArrayType(StringType()), False),  # e.g. "malformed_json"
        _f("ingest_ts", TimestampType(), False),  # bronze ingest time
        _f("bronze_table", StringType(), False),
        _f("bronze_partition", IntegerType()),
        _f("bronze_offset", LongType()),
        _f("bronze_file", StringType()),
        _f("bronze_line", IntegerType()),
    ]
)

COMPLAINTS = StructType(
    [
        _f("complaint_id", StringType(), False),  # sha2(channel|source_id), deterministic
        _f("schema_version", IntegerType(), False),
        _f("channel", StringType(), False),
        _f("source_id", StringType(), False),
        _f("customer_key", StringType()),  # HMAC-SHA256(customer_id), null when unresolved
        _f("account_key", StringType()),  # HMAC-SHA256(account_number)
        _f("author_key", StringType()),  # HMAC of customer_id, else msisdn/email/handle: dedup scope
        _f("customer_resolved", BooleanType(), False),
        _f("resolved_by", StringType()),  # msisdn | email | account | handle | null
        _f("event_ts_utc", TimestampType(), False),
        _f("event_tz", StringType()),
        _f("event_date", StringType(), False),  # yyyy-MM-dd of event_ts_utc (partition)
        _f("ingest_ts", TimestampType(), False),
        _f("silver_ts", TimestampType(), False),
        _f("text_length_raw", IntegerType(), False),
        _f("text_clean", StringType(), False),  # RESTRICTED: may hold PII (see README)
        _f("text_masked", StringType(), False),
        _f("pii_types", ArrayType(StringType()), False),
        _f("language_hint", StringType()),  # en | pcm | mixed
        _f("city", StringType()),
        _f("region", StringType()),
        _f("state", StringType()),
        _f("site_id", StringType()),
        _f("cluster_id", StringType()),
        _f("cell_id", StringType()),
        _f("plan_id", StringType()),
        _f("plan_type", StringType()),
        _f("segment_id", StringType()),
        _f("campaign_id", StringType()),
        _f("web_category", StringType()),
        _f("disposition_code", StringType()),
        _f("l1", StringType()),
        _f("l2", StringType()),
        _f("confidence", DoubleType()),
        _f("classified_by", StringType()),  # rule | model | both
        _f("model_name", StringType()),
        _f("model_version", StringType()),
        _f("needs_review", BooleanType()),
        _f("is_duplicate", BooleanType(), False),
        _f("dup_cluster_id", StringType()),
        _f("dup_kind", StringType()),  # exact_text | near | retweet | null
        _f("quality_flags", ArrayType(StringType()), False),
        _f("rescued_data", StringType()),
        _f("bronze_table", StringType(), False),
        _f("bronze_partition", IntegerType()),
        _f("bronze_offset", LongType()),
        _f("bronze_file", StringType()),
        _f("bronze_line", IntegerType()),
    ]
)

QUARANTINE = StructType(
    [
        _f("quarantine_id", StringType(), False),  # sha2 of the bronze coordinates
        _f("channel", StringType(), False),
        _f("source_id", StringType()),
        _f("raw_payload", StringType()),
        _f("reasons", ArrayType(StringType()), False),
        _f("ingest_ts", TimestampType(), False),
        _f("quarantined_at", TimestampType(), False),
        _f("bronze_table", StringType(), False),
        _f("bronze_partition", IntegerType()),
        _f("bronze_offset", LongType()),
        _f("bronze_file", StringType()),
        _f("bronze_line", IntegerType()),
    ]
)

# The columns Delta keeps min/max statistics of for data skipping: what readers filter on (ids and
# keys, times, channel, region, categories). By default Delta takes the first 32 columns, the
# texts among them: their min/max are of no use to any filter, and computing them made every
# write ~30 % slower (266,400 silver rows: 3.71-4.33 s against 2.84-3.20 s, bench/RESULTS.md).
STATS_COLUMNS = (
    "complaint_id", "channel", "source_id", "customer_key", "account_key", "author_key",
    "event_ts_utc", "ingest_ts", "silver_ts", "region", "l1", "l2", "dup_cluster_id",
)  # fmt: skip

SILVER_COMPLAINTS = TableSpec(
    name="silver.complaints",
    schema=COMPLAINTS,
    partition_by=("event_date",),
    constraints={
        "valid_channel": "channel IN ('social', 'sms', 'webform', 'call_center', 'web_export')",
        "valid_l1": "l1 IS NULL OR l1 IN ('Network', 'Billing', 'Service')",
        "valid_l2": "l2 IS NULL OR l2 IN ('Coverage', 'Speed', 'Outage', 'Overcharge', 'Refund', 'Agent experience')",
        "l2_implies_l1": "l2 IS NULL OR (l2 IN ('Coverage', 'Speed', 'Outage') AND l1 = 'Network') "
        "OR (l2 IN ('Overcharge', 'Refund') AND l1 = 'Billing') OR (l2 = 'Agent experience' AND l1 = 'Service')",
        "valid_confidence": "confidence IS NULL OR (confidence >= 0 AND confidence <= 1)",
        "nonempty_text": "length(text_masked) > 0",
    },
    comment="One row per complaint message, cleaned, PII-masked, classified, enriched. Owner: silver.",
    # Appended to by every micro-batch, read by the next ones.
    properties={**STREAM_APPENDED, "delta.dataSkippingStatsColumns": ",".join(STATS_COLUMNS)},
)

SILVER_QUARANTINE = TableSpec(
    name="silver.quarantine",
    schema=QUARANTINE,
    comment="Records that failed silver expectations, with the raw payload, lineage and every "
    "reason. RESTRICTED (raw payload holds PII). Owner: silver.",
    properties=STREAM_APPENDED_NOT_READ_BACK,
)


# What analysts and BI read: every silver column except the unmasked text. text_clean stays in
# silver.complaints, which only the data-platform role may read (see README "PII and access").
RESTRICTED_COLUMNS = ("text_clean",)
VIEWS["silver.complaints_masked"] = (
    (SILVER_COMPLAINTS.name,),
    "SELECT " + ", ".join(f.name for f in COMPLAINTS if f.name not in RESTRICTED_COLUMNS)
    + f" FROM {SILVER_COMPLAINTS.name}",
)
