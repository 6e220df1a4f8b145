"""Reading bronze file records (one raw CSV record + its file's header per row) by column name.

Each record is parsed against its own file's header, so the v1/v2 layouts and readable drift
headers (renamed, reordered, extra columns) all resolve to the canonical column names through
the FileSourceFormat mappings; no per-layout code paths, all Spark built-ins.
"""

from __future__ import annotations

from collections.abc import Iterable

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from beejan_lakehouse.sources.file_formats import FileSourceFormat

# Wider than any layout seen; extra values beyond the header are detected, not lost silently.
MAX_COLUMNS = 32
MALFORMED_RECORD = "malformed_record"
# RFC 4180 quoting: '"' doubles itself. Spark's default escape ('\\') would mangle notes.
CSV_OPTIONS = {"escape": '"', "mode": "PERMISSIVE"}
_GENERIC = ", ".join(f"c{i} string" for i in range(MAX_COLUMNS))


def name_mapping(fmt: FileSourceFormat) -> dict[str, str]:
    """lower-case header name -> canonical column, from every known variant of `fmt`."""
    mapping: dict[str, str] = {}
    for variant in fmt.variants:
        for column in variant.columns:
            mapping.setdefault(column.lower(), variant.canonical(column))
    return mapping


def csv_columns(fmt: FileSourceFormat) -> Column:
    """An expression for a row's (`header`) canonical column names, in file order."""
    mapping = F.create_map(*[F.lit(x) for kv in name_mapping(fmt).items() for x in kv])
    names = F.from_csv(F.col("header"), _GENERIC, CSV_OPTIONS)
    raw = F.filter(F.array(*[names.getField(f"c{i}") for i in range(MAX_COLUMNS)]), lambda n: n.isNotNull())
    # Unknown names (drift) stay as written, lower-cased, so they can be rescued by name.
    return F.transform(raw, lambda n: F.coalesce(mapping[F.lower(F.trim(n))], F.lower(F.trim(n))))


def csv_values(record: Column) -> Column:
    """An expression for a record's values in file order (quoted newlines/quotes handled)."""
    values = F.from_csv(record, _GENERIC, CSV_OPTIONS)
    return F.array(*[values.getField(f"c{i}") for i in range(MAX_COLUMNS)])


def with_csv_record(fmt: FileSourceFormat, df: DataFrame) -> DataFrame:
    """Add `_cols` (canonical names) and `_vals` (values) for the bronze `record`/`header`."""
    return df.withColumn("_cols", csv_columns(fmt)).withColumn("_vals", csv_values(F.col("record")))


def csv_field(name: str) -> Column:
    """The value of canonical column `name`: null if the file has no such column.

    An empty unquoted field reads as null in Spark's CSV parser; the column exists, so the
    record's value is the empty string (an empty note is 'empty text', not a missing field).
    """
    pos = F.array_position(F.col("_cols"), name)
    return F.when(pos > 0, F.coalesce(F.get(F.col("_vals"), (pos - 1).cast("int")), F.lit("")))


def csv_rescued(known_fields: Iterable[str]) -> Column:
    """JSON object of the columns not in `known_fields` (name -> value), else null."""
    known = F.array(*[F.lit(f) for f in known_fields])
    pairs = F.filter(
        F.arrays_zip(F.col("_cols").alias("k"), F.col("_vals").alias("v")),
        lambda e: e.getField("k").isNotNull() & ~F.array_contains(known, e.getField("k")),
    )
    names = F.transform(pairs, lambda e: e.getField("k"))
    # map_from_entries rejects duplicate keys; a header repeating an unknown name keeps the list.
    as_object = F.when(F.size(F.array_distinct(names)) == F.size(names), F.to_json(F.map_from_entries(pairs)))
    return F.when(F.size(pairs) > 0, F.coalesce(as_object, F.to_json(pairs)))


def csv_extra_values() -> Column:
    """True when the record has more values than its header has columns."""
    return F.get(F.col("_vals"), F.size(F.col("_cols"))).isNotNull()
