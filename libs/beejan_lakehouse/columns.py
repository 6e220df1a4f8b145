"""Column expressions built once per Spark session and reused by every micro-batch.

Why: a Column is a handle on a JVM expression, and every `F.col`, `F.when`, `.cast` is a py4j
round trip (~0.1 ms). Silver's transforms are a few thousand expressions, so building them
again for each micro-batch cost ~2 s of a small batch's time. A Column holds no reference to
a DataFrame (it is resolved when a DataFrame selects it), so the same expressions can be
applied to every batch; they are cached per SparkContext, because a Column belongs to the JVM
that made it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime
from typing import ParamSpec, TypeVar

from pyspark import SparkContext
from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F
from pyspark.sql.types import DataType, StructField, StructType, TimestampType

P = ParamSpec("P")
R = TypeVar("R")


def per_session(fn: Callable[P, R]) -> Callable[P, R]:
    """Memoise a pure Column-building function per active SparkContext (arguments must hash)."""
    cache: dict[tuple, R] = {}

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        sc = SparkContext._active_spark_context
        key = (id(sc) if sc is not None else None, args, tuple(sorted(kwargs.items())))
        if key not in cache:
            cache[key] = fn(*args, **kwargs)
        return cache[key]

    return wrapper


def cast(col: Column, dtype: DataType) -> Column:
    """`col.cast(dtype)` in one py4j call (a DataType argument costs a JSON round trip or more)."""
    return col.cast(dtype.simpleString())


def with_timestamp(df: DataFrame, name: str, at: datetime) -> DataFrame:
    """`df` plus a timestamp column `name` = `at`, the same on every row (e.g. a write time).

    Not `F.lit(at)` or `F.current_timestamp()`: Spark's generated code inlines a timestamp
    literal, so a stream stamping each micro-batch with its own time made Spark generate and
    compile that stage's code anew every batch (and the JVM JIT-compile it again). Read from a
    one-row broadcast relation, the value is data and the compiled code is reused.
    """
    stamp = df.sparkSession.createDataFrame([(at,)], StructType([StructField(name, TimestampType(), False)]))
    return df.crossJoin(F.broadcast(stamp))
