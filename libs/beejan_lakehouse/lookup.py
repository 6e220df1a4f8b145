"""Python functions as lookups: evaluate a Python UDF once per distinct value on a narrow frame,
then broadcast-join the results back.

Why: a Python UDF inside a wide pipeline breaks it in two (each side of the Arrow exchange is
its own pass, the whole row is queued while Python runs). For the small helpers silver needs
(ftfy on the few texts that look broken, phonenumbers on sender numbers that repeat all day)
that cost ~4 s per 100,000 rows each on the 2-core machine, for a few milliseconds of actual
Python. Here Python sees each distinct key once, in a frame of one column.

The input frame is read twice (keys, then the join): pass a materialised frame when it is
expensive to compute.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from beejan_lakehouse.columns import per_session


def lookup_table(
    df: DataFrame, keys: Sequence[Column], fn: Callable[[Column], Column], value: str, spread: bool = False
) -> DataFrame:
    """(_lookup_key, `value`): fn over the distinct non-null values of all `keys` columns of `df`.

    `spread`: for a costly `fn` over few keys (ftfy). The distinct keys of a batch are a small
    frame, which Spark's adaptive execution runs as ONE task, so `fn` used one core of the
    machine (3.3 s of ftfy on a 500,000-event batch while the other core idled). Spread, the
    keys are hash-partitioned over every core before the distinct (so without its partial
    aggregation: for keys that are few, or already nearly distinct).
    """
    parts = [df.select(k.cast("string").alias("_lookup_key")) for k in keys]
    distinct = parts[0]
    for part in parts[1:]:
        distinct = distinct.unionByName(part)
    distinct = distinct.where(_columns()["has_key"])
    if spread:
        distinct = distinct.repartition(df.sparkSession.sparkContext.defaultParallelism, "_lookup_key")
    return distinct.distinct().select("_lookup_key", _applied(fn, value))


def with_lookup(df: DataFrame, key: Column, table: DataFrame, value: str, out: str) -> DataFrame:
    """`df` plus column `out` = table[`value`] where table._lookup_key == key (null if absent)."""
    c = _columns()
    right = F.broadcast(table.select(c["right_key"], F.col(value).alias(out)))
    return df.withColumn("_lk_left", key.cast("string")).join(right, c["matches"], "left").drop("_lk_left", "_lk_right")


@per_session
def _applied(fn: Callable[[Column], Column], value: str) -> Column:
    return fn(F.col("_lookup_key")).alias(value)


@per_session
def _columns() -> dict[str, Column]:
    return {
        "has_key": F.col("_lookup_key").isNotNull(),
        "right_key": F.col("_lookup_key").alias("_lk_right"),
        "matches": F.col("_lk_left") == F.col("_lk_right"),
    }
