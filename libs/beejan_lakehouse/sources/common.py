"""Building blocks shared by the parse_<source> transforms: payload decoding, JSON fields,
rescued data, time normalisation to UTC, lineage, and the final projection onto PARSED.

All pure Spark built-ins (no Python UDFs) and ANSI-safe (`try_*` functions), so a bad value in
one record yields a null plus an expectation failure, never a failed micro-batch.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F
from pyspark.sql.types import StringType, StructField, StructType

from beejan_lakehouse.arrays import present, without
from beejan_lakehouse.columns import cast, per_session
from beejan_lakehouse.silver.schema import PARSED

KAFKA_TABLE = "bronze.kafka_events"
LAGOS = "Africa/Lagos"
MALFORMED_JSON = "malformed_json"
_CORRUPT = "_corrupt_record"

# Epoch-millis bounds Spark can hold as a timestamp (years 0001..9999); beyond them the value
# is garbage (e.g. 99999999999999999), and timestamp_millis would overflow under ANSI.
_MIN_MILLIS = -62_135_596_800_000
_MAX_MILLIS = 253_402_300_799_999


# -- Kafka payloads ------------------------------------------------------------------------
def kafka_payload(fields: Iterable[str]) -> Callable[[DataFrame], DataFrame]:
    """Add `_payload` (value bytes as text), `_json` (struct of the named top-level fields, every
    one as a string, or null) and `_keys` (the payload's top-level field names).

    Input: bronze.kafka_events columns. A payload that is not one JSON object (truncated,
    stray quote, trailing garbage, array, empty) gets `_json` = null. Nested objects come back
    as their JSON text, numbers and booleans as their text: a field whose type drifts
    (int -> string) parses the same either way. A struct rather than a map<string,string>:
    a field is then one positional read instead of a scan over the payload's keys.
    """
    columns = _payload_columns(tuple(dict.fromkeys(fields)))

    def apply(df: DataFrame) -> DataFrame:
        return df.withColumn("_payload", columns[0]).withColumns({"_json": columns[1], "_keys": columns[2]})

    return apply


@per_session
def _payload_columns(fields: tuple[str, ...]) -> tuple[Column, Column, Column]:
    schema = StructType([StructField(f, StringType()) for f in fields]).add(_CORRUPT, StringType())
    # Invalid UTF-8 (a payload cut inside a multi-byte char) becomes U+FFFD, so the quarantine
    # copy is always writable text; valid text (including mojibake) is untouched.
    payload = F.make_valid_utf8(F.col("value").cast("string"))
    trimmed = F.trim(F.col("_payload"))
    parsed = F.from_json(F.col("_payload"), schema, {"columnNameOfCorruptRecord": _CORRUPT})
    # Spark's JSON reader stops after the first complete object, so trailing junk after '}'
    # ("{...}\x00}garbage") must be caught by looking at the last character.
    well_formed = trimmed.startswith("{") & trimmed.endswith("}") & parsed.isNotNull() & parsed[_CORRUPT].isNull()
    return payload, F.when(well_formed, parsed), F.when(well_formed, F.json_object_keys(F.col("_payload")))


def json_field(name: str, *aliases: str) -> Column:
    """A top-level field of `_json`, falling back to renamed spellings (schema drift)."""
    cols = [F.col("_json").getField(n) for n in (name, *aliases)]
    return cols[0] if len(cols) == 1 else F.coalesce(*cols)


def nested_field(parent: str, ddl: str, name: str) -> Column:
    """A field inside a nested JSON object of `_json` (e.g. user.handle)."""
    return F.from_json(F.col("_json").getField(parent), ddl).getField(name)


def rescued_json(known_fields: Iterable[str]) -> Column:
    """JSON object (values as JSON text) of the payload's fields not in `known_fields`, else null."""
    known = tuple(known_fields)
    # The test runs on every record (generated code); the second parse as a map only on the
    # rare record that carries an unknown field.
    unknown_keys = without(F.col("_keys"), known)
    as_map = F.from_json(F.col("_payload"), "map<string,string>")
    known_arr = F.array(*[F.lit(f) for f in known])
    unknown = F.map_filter(as_map, lambda k, _v: ~F.array_contains(known_arr, k))
    return F.when(F.size(unknown_keys) > 0, F.to_json(unknown))


def json_parse_errors(*notes: Column) -> Column:
    """parse_errors for a JSON source: 'malformed_json' when `_json` is null, plus `notes`.

    Each note is a string column (null = no note), e.g. a tolerated drift observation.
    """
    malformed = F.when(F.col("_json").isNull(), F.lit(MALFORMED_JSON))
    return present(malformed, *notes)


def renamed_note(old: str, new: str) -> Column:
    """A drift note when the payload used the old (renamed) field name."""
    return F.when(F.col("_json").getField(old).isNotNull(), F.lit(f"drift:renamed:{old}->{new}"))


def kafka_lineage() -> dict[str, Column]:
    return {
        "bronze_table": F.lit(KAFKA_TABLE),
        "bronze_partition": F.col("partition").cast("int"),
        "bronze_offset": F.col("offset").cast("long"),
        "bronze_file": F.lit(None).cast("string"),
        "bronze_line": F.lit(None).cast("int"),
    }


def file_lineage(table: str) -> dict[str, Column]:
    return {
        "bronze_table": F.lit(table),
        "bronze_partition": F.lit(None).cast("int"),
        "bronze_offset": F.lit(None).cast("long"),
        "bronze_file": F.col("file_path"),
        "bronze_line": F.col("line_number").cast("int"),
    }


# -- time ----------------------------------------------------------------------------------
_ISO_OFFSET = "yyyy-MM-dd'T'HH:mm:ss[.SSSSSS]XXX"


def iso_offset_to_utc(raw: Column) -> Column:
    """ISO-8601 with an offset or 'Z' (optional fraction up to micros) -> UTC timestamp."""
    return F.try_to_timestamp(F.trim(raw), F.lit(_ISO_OFFSET))


def iso_offset_of(raw: Column) -> Column:
    """The offset as sent, 'Z' spelled '+00:00' so every value reads the same way."""
    offset = F.regexp_extract(F.trim(raw), r"(Z|[+-]\d{2}:?\d{2})$", 1)
    return F.when(offset == "Z", F.lit("+00:00")).when(offset != "", offset)


def local_to_utc(raw: Column, pattern: str, zone: str = LAGOS) -> Column:
    """Wall-clock time in `zone` (no offset in the value) -> UTC timestamp, null if invalid.

    The zone id is parsed with the value ('VV'), so the result does not depend on the
    session time zone, and DST rules of the zone apply if it has any (Lagos has none).
    """
    return F.try_to_timestamp(F.concat(F.trim(raw), F.lit(" " + zone)), F.lit(f"{pattern} VV"))


def epoch_millis_to_utc(raw: Column) -> Column:
    """Epoch milliseconds given as a number or a numeric string -> UTC timestamp, else null."""
    millis = raw.try_cast("double")
    in_range = (millis >= _MIN_MILLIS) & (millis <= _MAX_MILLIS)  # false for NaN/null
    return F.when(in_range, F.timestamp_millis(millis.cast("long")))


# -- output --------------------------------------------------------------------------------
def to_parsed(df: DataFrame, channel: str, fields: Mapping[str, Column]) -> DataFrame:
    """Project onto exactly the PARSED columns, in order and type; absent ones are null.

    `fields` maps PARSED column names to expressions; `channel` and `ingest_ts` are filled here.
    """
    return df.select(*parsed_columns(channel, fields))


def parsed_columns(channel: str, fields: Mapping[str, Column]) -> list[Column]:
    """The select list of `to_parsed` (build it once per session and reuse it per batch)."""
    exprs = {"channel": F.lit(channel), "ingest_ts": F.col("ingest_ts"), **fields}
    unknown = set(exprs) - set(PARSED.fieldNames())
    if unknown:
        raise ValueError(f"not PARSED columns: {sorted(unknown)}")
    return [cast(exprs.get(f.name, F.lit(None)), f.dataType).alias(f.name) for f in PARSED.fields]
