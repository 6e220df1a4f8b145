"""Rebindable transforms (plans.py): built once per input shape, re-bound to later inputs, and
always the result building the transform again would give."""

from __future__ import annotations

import os

import pandas as pd
import pytest
from chispa import assert_df_equality
from pyspark.sql import DataFrame
from pyspark.sql import functions as F
from pyspark.sql.types import LongType, StringType, StructField, StructType

from beejan_lakehouse.plans import Rebindable

IN = StructType([StructField("n", LongType(), False), StructField("word", StringType(), True)])
OUT = StructType(
    [
        StructField("n", LongType(), False),
        StructField("word", StringType(), True),
        StructField("shout", StringType(), True),
        StructField("colour", StringType(), True),
        StructField("word_count", LongType(), True),  # a left join: null when unmatched
    ]
)


@pytest.fixture
def inputs(spark) -> dict[str, DataFrame]:
    def materialised(rows: list[tuple]) -> DataFrame:
        return spark.createDataFrame(rows, IN).repartition(2).localCheckpoint(eager=True)

    return {
        "first": materialised([(1, "red"), (2, "blue"), (3, "red")]),
        "second": materialised([(4, "green"), (5, None), (6, "green"), (7, "green")]),
    }


@pytest.fixture
def transform(spark):
    """What silver's per-row transform does, small: a Python UDF on distinct keys joined back to
    the input (the input twice in one plan), and a broadcast join to a static dimension."""
    colours = spark.createDataFrame([("red", "warm"), ("blue", "cold")], "word string, colour string")
    shout = F.udf(lambda w: w.upper() + "!", StringType())

    def apply(df: DataFrame) -> DataFrame:
        counts = df.groupBy(F.col("word").alias("counted")).agg(F.count("*").alias("word_count"))
        shouted = df.select("word").distinct().where(F.col("word").isNotNull()).withColumn("shout", shout("word"))
        return (
            df.join(shouted, "word", "left")
            .join(F.broadcast(colours), "word", "left")
            .join(counts, F.col("word").eqNullSafe(F.col("counted")), "left")
            .select("n", "word", "shout", "colour", "word_count")
        )

    return apply


def _expected(spark, rows: list[tuple]) -> DataFrame:
    return spark.createDataFrame(rows, OUT)


SECOND = [(4, "green", "GREEN!", None, 3), (5, None, None, None, 1), (6, "green", "GREEN!", None, 3),
          (7, "green", "GREEN!", None, 3)]  # fmt: skip
FIRST = [(1, "red", "RED!", "warm", 2), (2, "blue", "BLUE!", "cold", 1), (3, "red", "RED!", "warm", 2)]


def test_a_later_input_is_re_bound_to_the_first_inputs_plan_and_gives_its_own_rows(spark, inputs, transform):
    rebindable = Rebindable(transform)
    first = rebindable(inputs["first"])
    second = rebindable(inputs["second"])
    assert (rebindable.built, rebindable.rebound) == (1, 1)
    assert_df_equality(second, _expected(spark, SECOND), ignore_row_order=True)
    assert_df_equality(second, transform(inputs["second"]), ignore_row_order=True)
    # The template still reads its own input, and re-binding back to it gives its rows again.
    assert_df_equality(first, _expected(spark, FIRST), ignore_row_order=True)
    assert_df_equality(rebindable(inputs["first"]), _expected(spark, FIRST), ignore_row_order=True)
    assert (rebindable.built, rebindable.rebound) == (1, 2)


def test_an_input_of_another_shape_gets_its_own_template(spark, inputs, transform):
    rebindable = Rebindable(transform)
    rebindable(inputs["first"])
    coalesced = rebindable(inputs["second"].coalesce(1))  # a Repartition over the leaf: a new shape
    assert (rebindable.built, rebindable.rebound) == (2, 0)
    again = rebindable(inputs["first"].coalesce(1))
    assert (rebindable.built, rebindable.rebound) == (2, 1)
    assert_df_equality(coalesced, _expected(spark, SECOND), ignore_row_order=True)
    assert_df_equality(again, _expected(spark, FIRST), ignore_row_order=True)


def test_keep_false_uses_a_template_but_makes_none(spark, inputs, transform):
    rebindable = Rebindable(transform)
    assert_df_equality(rebindable(inputs["first"], keep=False), _expected(spark, FIRST), ignore_row_order=True)
    rebindable(inputs["second"])  # no template yet: built, and kept
    assert_df_equality(rebindable(inputs["first"], keep=False), _expected(spark, FIRST), ignore_row_order=True)
    assert (rebindable.built, rebindable.rebound) == (2, 1)


def test_inputs_that_are_not_materialised_are_built_every_time(spark, transform):
    """Two local relations (rows held in the plan, e.g. from pandas) print the same plan text but
    re-binding cannot swap their rows: the transform is built for each, each gives its own rows."""
    rebindable = Rebindable(transform)
    first = pd.DataFrame({"n": [1, 2, 3], "word": ["red", "blue", "red"]})
    second_rows = pd.DataFrame({"n": [4, 5, 6, 7], "word": ["green", None, "green", "green"]})
    rebindable(spark.createDataFrame(first, IN))
    second = rebindable(spark.createDataFrame(second_rows, IN))
    assert (rebindable.built, rebindable.rebound) == (2, 0)
    assert_df_equality(second, _expected(spark, SECOND), ignore_row_order=True)


def test_a_transform_whose_subquery_reads_the_input_is_built_every_time(spark, inputs):
    def above_average(df: DataFrame) -> DataFrame:
        return df.where(F.col("n") > df.select(F.avg("n")).scalar())

    rebindable = Rebindable(above_average)
    rebindable(inputs["first"])
    second = rebindable(inputs["second"])
    assert (rebindable.built, rebindable.rebound) == (2, 0)
    assert_df_equality(second, spark.createDataFrame([(6, "green"), (7, "green")], IN), ignore_row_order=True)


def test_at_most_the_given_number_of_shapes_is_kept(spark, inputs, transform):
    rebindable = Rebindable(transform, shapes=1)
    rebindable(inputs["first"])
    rebindable(inputs["first"].coalesce(1))  # replaces the first shape's template
    rebindable(inputs["second"])
    assert (rebindable.built, rebindable.rebound) == (3, 0)


def test_a_transform_of_several_inputs_re_binds_each_to_its_own(spark, inputs):
    def tagged(df: DataFrame, tags: DataFrame) -> DataFrame:
        return df.join(F.broadcast(tags), "word", "left").select("n", "word", "tag")

    def tags(rows: list[tuple]) -> DataFrame:
        return spark.createDataFrame(rows, "word string, tag string").localCheckpoint(eager=True)

    rebindable = Rebindable(tagged)
    rebindable(inputs["first"], tags([("red", "r1"), ("blue", "b1")]))
    second = rebindable(inputs["second"], tags([("green", "g2"), ("red", "r2")]))
    assert (rebindable.built, rebindable.rebound) == (1, 1)
    expected = spark.createDataFrame(
        [(4, "green", "g2"), (5, None, None), (6, "green", "g2"), (7, "green", "g2")], "n long, word string, tag string"
    )
    assert_df_equality(second, expected, ignore_row_order=True, ignore_nullable=True)


def test_an_input_whose_column_may_be_null_does_not_reuse_a_template_where_it_could_not(spark):
    """Plan text shows no nullability: a template built over a non-nullable column lets the
    optimiser drop an `IS NULL` filter as always false, which a nullable input needs."""
    strict = StructType([StructField("n", LongType(), False), StructField("word", StringType(), False)])
    rebindable = Rebindable(lambda df: df.where(F.col("word").isNull()).select("n"))
    rebindable(spark.createDataFrame([(1, "red")], strict).localCheckpoint(eager=True))
    loose = rebindable(spark.createDataFrame([(2, "blue"), (3, None)], IN).localCheckpoint(eager=True))
    assert (rebindable.built, rebindable.rebound) == (2, 0)
    assert [r.n for r in loose.collect()] == [3]


def test_generated_method_sizes_reports_each_whole_stage_class_largest_first(spark):
    import operator
    from functools import reduce

    from beejan_lakehouse.plans import JIT_METHOD_LIMIT, generated_method_sizes

    df = spark.range(10).withColumn("x", F.col("id") * 2)
    # One expression of 300 terms: generated inline, not split into methods as columns are.
    terms = [((F.col("x") + i) % 7 == F.col("id") % 7).cast("int") for i in range(300)]
    large = df.select(reduce(operator.add, terms).alias("agree"))
    small_sizes, large_sizes = generated_method_sizes(df), generated_method_sizes(large)
    assert len(small_sizes) == 1 and small_sizes[0][1].startswith("*(1) Project")
    assert 0 < small_sizes[0][0] < 1_000
    assert large_sizes[0][0] > JIT_METHOD_LIMIT
    assert spark.conf.get("spark.sql.adaptive.enabled") == "true"  # restored after planning


def test_the_session_jvm_compiles_methods_over_the_jit_limit(spark, lakehouse_cfg):
    """Generated methods over JIT_METHOD_LIMIT are compiled, not interpreted, in the driver (the
    running JVM) and in executors (their options)."""
    from beejan_lakehouse.session import spark_conf

    jvm = spark._jvm
    hotspot = jvm.java.lang.management.ManagementFactory.getPlatformMXBean(
        jvm.java.lang.Class.forName("com.sun.management.HotSpotDiagnosticMXBean")
    )
    option = hotspot.getVMOption("DontCompileHugeMethods")
    assert (option.getValue(), option.getOrigin().toString()) == ("false", "VM_CREATION")
    assert "-XX:-DontCompileHugeMethods" in spark_conf(lakehouse_cfg)["spark.executor.extraJavaOptions"].split()


def test_generated_process_next_is_compiled_by_c1_only(spark, lakehouse_cfg):
    """Whole-stage `processNext` methods never go to C2 (conf/jvm/compiler_directives.json: C2
    fails on silver's huge ones after seconds of a core), while the rest of the generated code
    does: a hot Range -> Project -> Filter stage has its processNext compiled at a C1 level and
    its per-row consume function at C2's (level 4), as HotSpot's own code list says."""
    import shutil
    import subprocess

    from beejan_lakehouse.session import COMPILER_DIRECTIVES, spark_conf

    jvm = spark._jvm
    hotspot = jvm.java.lang.management.ManagementFactory.getPlatformMXBean(
        jvm.java.lang.Class.forName("com.sun.management.HotSpotDiagnosticMXBean")
    )
    option = hotspot.getVMOption("CompilerDirectivesFile")
    assert (option.getValue(), option.getOrigin().toString()) == (str(COMPILER_DIRECTIVES), "VM_CREATION")
    assert (
        f"-XX:CompilerDirectivesFile={COMPILER_DIRECTIVES}"
        in spark_conf(lakehouse_cfg)["spark.executor.extraJavaOptions"].split()
    )

    # A hot Range -> Project -> Filter stage (~1 s per pass here): its row loop is processNext's,
    # each row's projection a consume function of its own.
    stage = spark.range(20_000_000).withColumn("x", F.col("id") * 7 % 13).where("x > 3")
    for _ in range(3):
        stage.write.format("noop").mode("overwrite").save()

    jcmd = shutil.which("jcmd", path=f"{os.environ.get('JAVA_HOME', '')}/bin:{os.environ.get('PATH', '')}")
    assert jcmd, "jcmd (the JDK's) is needed to list the JIT's compiled methods"
    pid = str(jvm.java.lang.ProcessHandle.current().pid())
    listing = subprocess.run([jcmd, pid, "Compiler.codelist"], capture_output=True, text=True, check=True).stdout
    # Lines: "<compile id> <level> <state> <class>.<method>(<signature>) [...]"; every generated
    # stage of the JVM's life (this test's and earlier ones').
    generated = [line.split()[1:4:2] for line in listing.splitlines() if "$GeneratedIteratorForCodegenStage" in line]
    process_next = {int(level) for level, method in generated if method.split("(")[0].endswith(".processNext")}
    others = {int(level) for level, method in generated if not method.split("(")[0].endswith(".processNext")}
    assert process_next and max(process_next) < 4, process_next
    assert 4 in others, others
