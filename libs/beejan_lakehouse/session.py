"""The one SparkSession factory: Delta, the Kafka connector, the lakehouse catalog, from config.

Every job, test, notebook and the SQL endpoint get their session here, so they all see the same
tables by name (bronze.*, silver.*, gold.*, ops.*). Under `spark-submit` the JVM is already up
with the jars and memory from spark-submit.sh and the builder settings below only fill gaps;
from plain Python (tests, notebooks) the builder starts the JVM with them.
"""

from __future__ import annotations

import os
from pathlib import Path

from pyspark.sql import SparkSession

from beejan_lakehouse.config import CONF_DIR, Config
from beejan_lakehouse.logs import get_logger
from beejan_lakehouse.tables import register_tables

log = get_logger("session")

LOG4J2 = CONF_DIR / "log4j2.properties"


def spark_jars(cfg: Config) -> list[str]:
    """The pinned jars resolved by scripts/setup_jars.sh (Delta + Kafka connector)."""
    jar_dir = cfg["jars"]["dir"]
    if "://" in jar_dir:  # a cluster: jars come from the cluster's own packaging
        return []
    jars = sorted(str(p) for p in Path(jar_dir).glob("*.jar"))
    if not jars:
        raise RuntimeError(f"no jars in {jar_dir}: run scripts/setup.sh (or scripts/setup_jars.sh) first")
    return jars


# The JVM options of the driver and the executors.
# - UTC: the lakehouse's time zone whatever the machine's.
# - -XX:-DontCompileHugeMethods: HotSpot leaves every method over 8,000 bytes of bytecode to its
#   interpreter for the life of the JVM (plans.JIT_METHOD_LIMIT). Whole-stage code for a plan
#   of many operators on wide rows goes over it: silver's per-row pass has two such `processNext`
#   methods (16,041 and 15,098 bytes; parsing through customer resolution's broadcast joins,
#   then masking and enrichment). Interpreted, their own code was 23 % of the JVM's CPU samples
#   over a 500,000-row pass; compiled, 1 %. The 500,000-event bench, one after the other on the
#   same machine: per-row pass 114.5 s instead of 167.1 s, 2,337 instead of 1,940 complaints/s
#   end to end (bench/RESULTS.md, 2026-12-04). Spark's own remedy,
#   spark.sql.codegen.hugeMethodLimit=8000, gives up whole-stage code for those stages: slower.
# - conf/jvm/compiler_directives.json: whole-stage `processNext` methods are compiled by C1 only,
#   never C2. C2 cannot compile those two huge methods ("COMPILE SKIPPED: out of nodes during
#   split"), and each failed attempt took one of the two cores for 3-20 s before they ran as
#   C1 code anyway; C2 used 15-33 CPU-s per 100,000-row per-row pass, with 40-88 s for the JVM.
#   The rest of the generated classes (aggregation and join loops are methods of their own) and
#   Spark's own code still get C2. process_batch on 500,000 saved bronze rows, alternating:
#   123.8 / 137.4 s with the directive, 152.3 / 166.8 s without (bench/RESULTS.md, 2026-12-05).
#   A file HotSpot cannot parse (even an empty list) stops the JVM from starting.
COMPILER_DIRECTIVES = CONF_DIR / "jvm" / "compiler_directives.json"
# The fair scheduler's pools (read by the driver only): see the file, and streaming.scheduler_pool.
SCHEDULER_POOLS = CONF_DIR / "jvm" / "fairscheduler.xml"


def jvm_options(directives: str = str(COMPILER_DIRECTIVES)) -> str:
    """The options above, reading the compiler directives from `directives`."""
    return (
        "-Duser.timezone=UTC -XX:-DontCompileHugeMethods "
        f"-XX:+UnlockDiagnosticVMOptions -XX:CompilerDirectivesFile={directives}"
    )


def is_local(master: str) -> bool:
    """Whether `master` runs the executors inside the driver's JVM (local, local[N], local[*])."""
    return master.startswith("local")


def spark_conf(cfg: Config, app_name: str | None = None, master: str | None = None) -> dict[str, str]:
    """Every Spark property the platform sets, as strings (also used by spark-submit.sh).

    `master` overrides spark.master. On a cluster, executors read the compiler directives that
    spark-submit ships with --files, by name in their working directory: the driver host's path
    does not exist there."""
    spark = cfg["spark"]
    storage_root = cfg["storage"]["root"]
    master = master or spark["master"]
    executor_directives = str(COMPILER_DIRECTIVES) if is_local(master) else COMPILER_DIRECTIVES.name
    conf = {
        "spark.master": master,
        "spark.app.name": app_name or spark["app_name"],
        "spark.driver.memory": spark["driver_memory"],
        "spark.sql.extensions": "io.delta.sql.DeltaSparkSessionExtension",
        "spark.sql.catalog.spark_catalog": "org.apache.spark.sql.delta.catalog.DeltaCatalog",
        "spark.sql.catalogImplementation": cfg["catalog"]["implementation"],
        "spark.sql.warehouse.dir": f"{storage_root}/_warehouse",
        "spark.sql.shuffle.partitions": str(spark["shuffle_partitions"]),
        "spark.default.parallelism": str(spark["shuffle_partitions"]),
        "spark.ui.enabled": str(bool(spark["ui_enabled"])).lower(),
        # The lakehouse runs on UTC whatever the machine's zone (sources are normalised in silver).
        "spark.sql.session.timeZone": "UTC",
        "spark.driver.extraJavaOptions": f"{jvm_options()}{_reserved_heap(spark)} -Dlog4j2.configurationFile={LOG4J2}",
        "spark.executor.extraJavaOptions": jvm_options(executor_directives),
        "spark.ui.showConsoleProgress": "false",
        # Pools share the cores: a job in its own pool does not wait for another pool's jobs
        # (conf/jvm/fairscheduler.xml); jobs without a pool keep Spark's first-in-first-out order.
        "spark.scheduler.mode": "FAIR",
        "spark.scheduler.allocation.file": str(SCHEDULER_POOLS),
        # Streaming state (dedup, windows) in RocksDB: bounded JVM heap, fast restarts.
        "spark.sql.streaming.stateStore.providerClass": (
            "org.apache.spark.sql.execution.streaming.state.RocksDBStateStoreProvider"
        ),
        "spark.sql.execution.arrow.pyspark.enabled": "true",
        # Delta rebuilds table snapshots with 50 tasks by default: pure overhead on 2 cores.
        "spark.databricks.delta.snapshotPartitions": str(spark["shuffle_partitions"]),
        "spark.databricks.delta.optimizeWrite.enabled": "false",
        # Generated code is cached per plan shape; a silver micro-batch alone compiles more
        # classes than the default 100 entries, so every batch recompiled them (janino + JIT).
        "spark.sql.codegen.cache.maxEntries": "2000",
        "spark.databricks.delta.autoCompact.enabled": "false",
    }
    jars = spark_jars(cfg)
    if jars:
        conf["spark.jars"] = ",".join(jars)
    conf.update({k: str(v) for k, v in spark["extra"].items()})
    return conf


def _reserved_heap(spark: dict) -> str:
    """The driver's options that reserve its whole heap at start (spark.reserve_heap, base.yaml);
    in local mode the driver's heap is the executors' too."""
    return f" -Xms{spark['driver_memory']} -XX:+AlwaysPreTouch" if spark["reserve_heap"] else ""


def build_spark(cfg: Config, app_name: str | None = None, extra: dict[str, str] | None = None) -> SparkSession:
    """Create (or reuse) the session for `cfg` and register the lakehouse tables by name."""
    os.environ.setdefault("PYSPARK_PYTHON", _python())
    builder = SparkSession.builder
    for key, value in {**spark_conf(cfg, app_name), **(extra or {})}.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel(cfg["spark"]["log_level"])
    registered = register_tables(spark, cfg)
    log.info(
        "spark %s session %r (%s), %d lakehouse tables registered",
        spark.version,
        spark.conf.get("spark.app.name"),
        spark.conf.get("spark.master", "?"),
        len(registered),
    )
    return spark


def _python() -> str:
    import sys

    return sys.executable
