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
    current = (
        F.coalesce(F.col(QUALITY_FLAGS), F.array().cast("array<string>"))
        if QUALITY_FLAGS in df.columns
        else F.array().cast("array<string>")
    )
    # A null condition (unknown) is not a flag: `present` drops the nulls `when` yields.
    new = present(*[F.when(cond, F.lit(name)) for name, cond in flags.items()])
    return df.withColumn(QUALITY_FLAGS, compact(F.concat(current, new)))
