"""Quality flags: append named flags to the `quality_flags` array column of a silver frame."""

from __future__ import annotations

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from beejan_lakehouse.arrays import compact, present

QUALITY_FLAGS = "quality_flags"


def add_flags(df: DataFrame, flags: dict[str, Column]) -> DataFrame:
    """Append each flag whose condition is true to `quality_flags` (created empty if absent).

    Input columns: whatever the conditions read, optional quality_flags.
    Output columns: quality_flags (array<string>, never null, each flag at most once).
    """
    return df.withColumn(QUALITY_FLAGS, flags_column(flags, QUALITY_FLAGS in df.columns))


def flags_column(flags: dict[str, Column], existing: bool = True) -> Column:
    """The `quality_flags` value of `add_flags` (build it once, apply it to every batch)."""
    current = F.coalesce(F.col(QUALITY_FLAGS), F.array().cast("array<string>")) if existing else None
    # A null condition (unknown) is not a flag: `present` drops the nulls `when` yields.
    new = present(*[F.when(cond, F.lit(name)) for name, cond in flags.items()])
    return new if current is None else compact(F.concat(current, new))
