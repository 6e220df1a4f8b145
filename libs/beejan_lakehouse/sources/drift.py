"""Schema drift seen while parsing: rescued (unknown) fields and tolerated renames/type changes,
summarised per source in the ops.schema_drift layout so the job can append them."""

from __future__ import annotations

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from beejan_lakehouse.arrays import any_startswith
from beejan_lakehouse.columns import per_session
from beejan_lakehouse.sources import call_center, sms, social, web_export, webform

KNOWN_FIELDS: dict[str, tuple[str, ...]] = {
    m.CHANNEL: tuple(m.KNOWN_FIELDS) for m in (social, sms, webform, call_center, web_export)
}
DRIFT_NOTE_PREFIX = "drift:"


def _known_fields_of(channel: Column) -> Column:
    mapping = F.create_map(*[F.lit(x) for c, fields in KNOWN_FIELDS.items() for x in (c, ",".join(fields))])
    return mapping[channel]


def has_drift() -> Column:
    """True for a parsed record with rescued fields or a tolerated rename/type change."""
    return _drift_columns()["any_drift"]


def detect_drift(parsed: DataFrame) -> DataFrame:
    """Distinct drift observations in parsed records, in the ops.schema_drift column layout.

    Input: PARSED columns (channel, rescued_data, parse_errors, bronze_table, bronze_file).
    Output: source, location (file path, else bronze table), kind ('added_field' |
    'renamed_field' | 'type_changed' | 'added_column'), expected, observed, detected_at.
    added_*: expected = the source's known fields, observed = the unknown name;
    renamed_field: expected = current name, observed = name sent; type_changed: 'field:type'.
    """
    c = _drift_columns()
    # Drift is rare: drop the records without any first (one generated-code test per record).
    parsed = parsed.where(c["any_drift"])
    added = parsed.where(c["rescued"]).select(*c["added"])
    notes = parsed.select("channel", c["location"], c["note"]).select(*c["note_parts"])
    changes = notes.select(*c["changes"])
    return added.unionByName(changes).distinct().withColumn("detected_at", c["now"])


@per_session
def _drift_columns() -> dict:
    location = F.coalesce(F.col("bronze_file"), F.col("bronze_table"))
    detail = F.col("detail")
    renamed = F.split(detail, "->")
    field = F.split(detail, ":").getItem(0)
    types = F.split(F.split(detail, ":").getItem(1), "->")
    return {
        "any_drift": F.col("rescued_data").isNotNull() | any_startswith(F.col("parse_errors"), DRIFT_NOTE_PREFIX),
        "rescued": F.col("rescued_data").isNotNull(),
        "location": location.alias("location"),
        "added": [
            F.col("channel").alias("source"),
            location.alias("location"),
            F.when(F.col("bronze_file").isNotNull(), F.lit("added_column"))
            .otherwise(F.lit("added_field"))
            .alias("kind"),
            _known_fields_of(F.col("channel")).alias("expected"),
            # rescued_data is a JSON object for JSON sources, a list of {k, v} for duplicate CSV names
            F.explode(F.coalesce(F.json_object_keys("rescued_data"), F.array().cast("array<string>"))).alias(
                "observed"
            ),
        ],
        "note": F.explode(F.filter("parse_errors", lambda e: e.startswith(DRIFT_NOTE_PREFIX))).alias("note"),
        "note_parts": [
            F.col("channel").alias("source"),
            F.col("location"),
            F.split("note", ":").getItem(1).alias("kind"),
            F.split("note", ":", 3).getItem(2).alias("detail"),
        ],
        "changes": [
            F.col("source"),
            F.col("location"),
            F.regexp_replace("kind", "^renamed$", "renamed_field").alias("kind"),
            F.when(F.col("kind") == "renamed", renamed.getItem(1))
            .otherwise(F.concat_ws(":", field, types.getItem(0)))
            .alias("expected"),
            F.when(F.col("kind") == "renamed", renamed.getItem(0))
            .otherwise(F.concat_ws(":", field, types.getItem(1)))
            .alias("observed"),
        ],
        "now": F.current_timestamp(),
    }
