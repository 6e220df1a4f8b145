"""Table maintenance: compact small files (Delta OPTIMIZE) and delete unreferenced ones (VACUUM).

Streams append a file per micro-batch, and OPTIMIZE, MERGE and the daily KPIs' partition
replacement leave the files they replaced behind for time travel. The streaming tables compact
themselves as they run (tables.COMPACTION_PROPERTY); `maintain_lakehouse` is the nightly pass over
every table: compaction below `maintenance.compact_below_mb`, then VACUUM of what no version
within `maintenance.vacuum_retention_hours` references.
"""

from __future__ import annotations

import time

from pyspark.sql import SparkSession

from beejan_lakehouse.config import Config
from beejan_lakehouse.logs import get_logger
from beejan_lakehouse.tables import compact_small_files, lakehouse_tables, table_path

log = get_logger("maintenance")

# Delta's own floor for VACUUM retention (spark.databricks.delta.retentionDurationCheck.enabled).
DELTA_MIN_RETENTION_HOURS = 168


def maintain_table(spark: SparkSession, path: str, compact_below_bytes: int, retention_hours: float) -> dict[str, int]:
    """Compact, then vacuum, the Delta table at `path`: files compacted/written/deleted."""
    from delta.tables import DeltaTable

    compacted = compact_small_files(spark, path, compact_below_bytes)
    table = DeltaTable.forPath(_vacuum_session(spark, retention_hours), path)
    table.vacuum(retention_hours)
    # VACUUM logs what it deleted in the table's history (its own commit, "VACUUM END").
    vacuumed = table.history(20).where("operation = 'VACUUM END'").first()
    return {**compacted, "files_deleted": int(vacuumed["operationMetrics"]["numDeletedFiles"])}


def maintain_lakehouse(spark: SparkSession, cfg: Config, tables: list[str] | None = None) -> dict[str, dict[str, int]]:
    """`maintain_table` for `tables` (default: all of them) with the conf's thresholds."""
    settings = cfg["maintenance"]
    below = int(settings["compact_below_mb"]) * 1024 * 1024
    retention = float(settings["vacuum_retention_hours"])
    if retention < DELTA_MIN_RETENTION_HOURS:
        log.warning(
            "VACUUM retention %.1f h is below Delta's %d h floor: time travel and streams restarted "
            "from older versions lose the files they need",
            retention,
            DELTA_MIN_RETENTION_HOURS,
        )
    results = {}
    for name in tables or lakehouse_tables(cfg):
        started = time.monotonic()
        results[name] = maintain_table(spark, table_path(cfg, name), below, retention)
        log.info(
            "maintained %s: %s (%.1f s)",
            name,
            " ".join(f"{k}={v}" for k, v in results[name].items()),
            time.monotonic() - started,
        )
    return results


def _vacuum_session(spark: SparkSession, retention_hours: float) -> SparkSession:
    """The session VACUUM runs in (its own: these confs must not reach anything else).

    VACUUM lists the table's folders in tasks of spark.sql.sources.parallelPartitionDiscovery
    .parallelism (10,000 by default: ~40 s for a four-file table on the 2-core machine), here as
    many as shuffle partitions; its history entry is always written (the count it reports); and
    below Delta's retention floor only when configured so.
    """
    session = spark.newSession()
    tasks = spark.conf.get("spark.sql.shuffle.partitions")
    session.conf.set("spark.sql.sources.parallelPartitionDiscovery.parallelism", tasks)
    session.conf.set("spark.databricks.delta.vacuum.logging.enabled", "true")
    if retention_hours < DELTA_MIN_RETENTION_HOURS:
        session.conf.set("spark.databricks.delta.retentionDurationCheck.enabled", "false")
    return session

