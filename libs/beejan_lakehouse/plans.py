"""Transforms built once and re-bound to each micro-batch, instead of rebuilt every batch.

PySpark analyses every DataFrame call in the JVM as it is made: silver's per-row transform is
~80 calls, about a second of driver time per micro-batch on the 2-core machine, for a plan that
differs from the previous batch's only in the materialised rows it reads. A `Rebindable`
transform is built once per input shape; for each later input of that shape the analysed plan
is copied with the new input's RDD in place of the template's (the JVM helper
`com.beejan.spark.PlanRebinder`, built by scripts/setup_jars.sh from jvm/src): 0.1 s for that
plan (bench/RESULTS.md). Optimisation and physical planning still run per batch, as any query's.

The contract: nothing the transform builds changes between batches but its inputs (no value
computed in Python from the rows, the clock or a table's current version while building: a
template would keep the first batch's), and the inputs' leaves are all materialised
(`localCheckpoint`), the only leaves whose data the rebinding can swap. Other inputs, and
transforms whose subqueries read the input, are built each time, with the same result.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Callable

from py4j.java_gateway import JavaClass, JavaObject
from pyspark.sql import DataFrame, SparkSession

from beejan_lakehouse.logs import get_logger

log = get_logger("plans")

REBINDER = "com.beejan.spark.PlanRebinder"
# Attribute ids (`#123`) are the only part of an analysed input plan's text that differs
# between two batches of the same shape (with the same schema, nullability included: a template
# whose column is not nullable lets the optimiser drop null checks a nullable input needs).
_EXPR_IDS = re.compile(r"#\d+L?")


class Rebindable:
    """`transform` (DataFrames -> DataFrame) built once per input shape, re-bound afterwards.

    `rebindable(*dfs)` returns what `transform(*dfs)` returns. `keep=False` uses a template when
    one exists but does not make one from these inputs (a template holds on to its inputs'
    materialised rows for as long as it is kept: make them from small inputs). At most `shapes`
    templates are kept, the least recently used dropped first.
    """

    def __init__(self, transform: Callable[..., DataFrame], shapes: int = 4) -> None:
        self.transform = transform
        self.shapes = shapes
        # input shapes -> (template input plans, template output plan), or None: build each time.
        self._templates: OrderedDict[str, tuple[list[JavaObject], JavaObject] | None] = OrderedDict()
        self.built = 0  # times `transform` ran (for tests and logs)
        self.rebound = 0  # times a template was re-bound

    def __call__(self, *dfs: DataFrame, keep: bool = True) -> DataFrame:
        spark = dfs[0].sparkSession
        rebinder = _rebinder(spark)
        if rebinder is None:
            return self._build(dfs)
        given = [df._jdf.queryExecution().analyzed() for df in dfs]
        # The plan text names no types and no nullability: the schemas (JSON) go into the key too.
        shape = "\n--\n".join(f"{_EXPR_IDS.sub('', plan.treeString())}{plan.schema().json()}" for plan in given)
        if shape in self._templates:
            self._templates.move_to_end(shape)
            template = self._templates[shape]
            if template is not None:
                self.rebound += 1
                session = spark._jsparkSession
                plan = rebinder.rebind(template[1], template[0], given, session)
                return DataFrame(spark._jvm.org.apache.spark.sql.classic.Dataset.ofRows(session, plan), spark)
        out = self._build(dfs)
        if keep and shape not in self._templates:
            made = out._jdf.queryExecution().analyzed()
            ok = rebinder.canRebind(made, given)
            if not ok:
                log.info("%s: built every time (its input or a subquery cannot be re-bound)", self.transform)
            self._templates[shape] = (given, made) if ok else None
            while len(self._templates) > self.shapes:
                self._templates.popitem(last=False)
        return out

    def _build(self, dfs: tuple[DataFrame, ...]) -> DataFrame:
        self.built += 1
        return self.transform(*dfs)


_AVAILABLE: dict[int, JavaClass | None] = {}


def _rebinder(spark: SparkSession) -> JavaClass | None:
    """The JVM helper, or None when this JVM does not have it (e.g. a cluster without the jar)."""
    key = id(spark._jvm)
    if key not in _AVAILABLE:
        found = spark._jvm.com.beejan.spark.PlanRebinder
        _AVAILABLE[key] = found if isinstance(found, JavaClass) else None
        if _AVAILABLE[key] is None:
            log.warning("%s is not on the classpath (scripts/setup_jars.sh): plans are built every batch", REBINDER)
    return _AVAILABLE[key]


# HotSpot compiles no method over 8,000 bytes of bytecode (-XX:+DontCompileHugeMethods, the
# default): a whole-stage generated `processNext` above it runs in the bytecode interpreter for
# the life of the JVM. Spark's own limit (spark.sql.codegen.hugeMethodLimit) is 65,535. The
# platform's JVMs turn the default off (session.jvm_options); staying under the limit still
# spares the JIT a huge compilation, and keeps a JVM started without the option fast.
JIT_METHOD_LIMIT = 8_000


def generated_method_sizes(df: DataFrame) -> list[tuple[int, str]]:
    """(largest method's bytecode size, subtree's first line) of each whole-stage generated
    class of `df`'s physical plan, largest first: compiled, not run.

    Planned without adaptive execution, whose plan has no generated stages until it runs (the
    session's setting is switched off for the planning and restored: a diagnostic, not for a
    session other threads are planning queries in).
    """
    spark = df.sparkSession
    adaptive = spark.conf.get("spark.sql.adaptive.enabled")
    spark.conf.set("spark.sql.adaptive.enabled", "false")
    try:
        # A new Dataset: `df`'s own physical plan may already be made (and cached) with AQE.
        plan = df.select("*")._jdf.queryExecution().executedPlan()
    finally:
        spark.conf.set("spark.sql.adaptive.enabled", adaptive)
    debug = spark._jvm.org.apache.spark.sql.execution.debug.package
    stages = debug.codegenStringSeq(plan)
    sizes = []
    for i in range(stages.size()):
        stage = stages.apply(i)
        sizes.append((int(stage._3().maxMethodCodeSize()), stage._1().strip().splitlines()[0]))
    return sorted(sizes, reverse=True)
