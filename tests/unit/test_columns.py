"""Batch-constant columns (columns.with_timestamp): the value as data, the compiled code reused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from chispa import assert_df_equality
from pyspark.sql import functions as F
from pyspark.sql.types import LongType, StructField, StructType, TimestampType

from beejan_lakehouse.columns import with_timestamp

SCHEMA = StructType([StructField("n", LongType(), False)])
STAMPED = StructType([*SCHEMA.fields, StructField("at", TimestampType(), False)])
FIRST = datetime(2026, 12, 2, 10, 0, 0, 123456, tzinfo=UTC)
SECOND = datetime(2026, 12, 2, 10, 0, 1, 654321, tzinfo=UTC)


def _us(at: datetime) -> int:
    return (at - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)


def _compilations(spark) -> int:
    """Generated classes Spark compiled so far in this JVM (Janino)."""
    return spark.sparkContext._jvm.org.apache.spark.metrics.source.CodegenMetrics.METRIC_COMPILATION_TIME().getCount()


def _stage(df):
    """A stage of the kind a stream runs per micro-batch: a computed column, then the constant."""
    return df.withColumn("n", F.col("n") * 7 + 3)


def test_every_row_carries_the_timestamp(spark):
    df = spark.createDataFrame([(1,), (2,)], SCHEMA)
    expected = spark.createDataFrame([(10, FIRST), (17, FIRST)], STAMPED)
    assert_df_equality(with_timestamp(_stage(df), "at", FIRST), expected, ignore_row_order=True)


def test_a_new_timestamp_reuses_the_compiled_code_where_a_literal_does_not(spark):
    df = spark.createDataFrame([(1,), (2,)], SCHEMA).localCheckpoint(eager=True)

    def micros(at: datetime) -> list[int]:
        return [r.us for r in with_timestamp(_stage(df), "at", at).select(F.unix_micros("at").alias("us")).collect()]

    assert micros(FIRST) == [_us(FIRST)] * 2
    before = _compilations(spark)
    assert micros(SECOND) == [_us(SECOND)] * 2
    assert _compilations(spark) == before
    # The control: the same stage with the time as a literal compiles anew for each value.
    _stage(df).withColumn("at", F.lit(FIRST)).collect()
    before = _compilations(spark)
    _stage(df).withColumn("at", F.lit(SECOND)).collect()
    assert _compilations(spark) > before
