"""Lakehouse tables by name: where each lives, how it is created, how sessions find it.

The storage root holds one folder per schema (bronze/, silver/, gold/, ops/) and one folder per
Delta table inside it. With the in-memory catalog every session registers what it finds there,
so `bronze.kafka_events` means the same table to a streaming job, a batch job and the SQL
endpoint running side by side in separate JVMs (no single-JVM Derby metastore in the way).
Views are declared in code (VIEWS) and re-created by each session over the tables they read.
"""

from __future__ import annotations

import queue
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql.types import StructType

from beejan_lakehouse.config import Config
from beejan_lakehouse.logs import get_logger

log = get_logger("tables")


@dataclass(frozen=True)
class TableSpec:
    """A Delta table's contract: name, schema, partitioning, invariants, owner layer."""

    name: str  # schema-qualified, e.g. "bronze.kafka_events"
    schema: StructType
    partition_by: tuple[str, ...] = ()
    constraints: dict[str, str] = field(default_factory=dict)  # name -> CHECK expression
    comment: str = ""
    properties: dict[str, str] = field(default_factory=dict)

    @property
    def layer(self) -> str:
        return self.name.split(".", 1)[0]


# Views over registered tables: name -> (tables it needs, SELECT). Created per session.
VIEWS: dict[str, tuple[tuple[str, ...], str]] = {}
# Modules that declare tables and views (importing one fills VIEWS).
TABLE_MODULES = (
    "beejan_lakehouse.bronze.kafka_events",
    "beejan_lakehouse.silver.schema",
    "beejan_lakehouse.gold.live",
)


def table_path(cfg: Config, name: str) -> str:
    """Storage location of a schema-qualified table name."""
    schema, table = _split(name)
    return f"{cfg['storage']['root']}/{schema}/{table}"


def checkpoint_path(cfg: Config, query_name: str) -> str:
    """Checkpoint folder of one streaming query (one per query, never shared)."""
    return f"{cfg['storage']['checkpoints']}/{query_name}"


def _split(name: str) -> tuple[str, str]:
    parts = name.split(".")
    if len(parts) != 2 or not all(parts):
        raise ValueError(f"table name must be schema.table, got {name!r}")
    return parts[0], parts[1]


def _is_local(path: str) -> bool:
    return "://" not in path or path.startswith("file:")


def _delta_tables_under(root: str, schema: str) -> list[str]:
    """Names of Delta tables in root/schema (local storage; a cluster uses a metastore)."""
    folder = Path(root.removeprefix("file:")) / schema
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if (p / "_delta_log").is_dir())


def lakehouse_tables(cfg: Config) -> list[str]:
    """Every Delta table under the storage root, schema-qualified, schema by schema."""
    root = cfg["storage"]["root"]
    return [f"{schema}.{table}" for schema in cfg["catalog"]["schemas"] for table in _delta_tables_under(root, schema)]


def register_tables(spark: SparkSession, cfg: Config) -> list[str]:
    """Create the schemas and register every Delta table found under the storage root."""
    root = cfg["storage"]["root"]
    if _is_local(root):
        Path(root.removeprefix("file:")).mkdir(parents=True, exist_ok=True)
    for schema in cfg["catalog"]["schemas"]:
        spark.sql(f"CREATE SCHEMA IF NOT EXISTS {schema} LOCATION '{root}/{schema}'")
    registered: list[str] = []
    if cfg["catalog"]["implementation"] == "in-memory" and _is_local(root):  # else a metastore knows them
        registered = lakehouse_tables(cfg)
        for name in registered:
            _register(spark, name, table_path(cfg, name))
    create_views(spark)
    return registered


# name -> location registered in each live session (keyed by the JVM session's identity), so
# a session pointed at another storage root (tests, a replay sandbox) re-points its names.
_REGISTERED: dict[tuple[int, str], str] = {}


def _register(spark: SparkSession, name: str, path: str) -> None:
    key = (id(spark._jsparkSession), name)
    if _REGISTERED.get(key) == path:
        return
    if key in _REGISTERED or spark.catalog.tableExists(name):
        spark.sql(f"DROP TABLE IF EXISTS {name}")  # external table: only the name goes
    spark.sql(f"CREATE TABLE {name} USING DELTA LOCATION '{path}'")
    _REGISTERED[key] = path


def create_views(spark: SparkSession) -> list[str]:
    """(Re)create the declared views whose source tables exist in this session's catalog."""
    import importlib

    for module in TABLE_MODULES:
        importlib.import_module(module)
    created = []
    for view, (needs, select) in VIEWS.items():
        if all(spark.catalog.tableExists(t) for t in needs):
            spark.sql(f"CREATE OR REPLACE VIEW {view} AS {select}")
            created.append(view)
    return created


def delta_txn_version(spark: SparkSession, path: str, app_id: str) -> int | None:
    """The last txnVersion committed to the Delta table at `path` for txnAppId `app_id` (None: never)."""
    version = _delta_snapshot(spark, path).transactions().get(app_id)
    return int(version.get()) if version.isDefined() else None


def _delta_snapshot(spark: SparkSession, path: str):  # -> py4j JavaObject (Snapshot)
    """The latest snapshot of the Delta table at `path` (the JVM's DeltaLog, updated)."""
    delta_log = spark.sparkContext._jvm.org.apache.spark.sql.delta.DeltaLog.forTable(spark._jsparkSession, path)
    return delta_log.update(False, _none(spark), _none(spark))


def _none(spark: SparkSession):  # -> py4j JavaObject (scala.None)
    return spark.sparkContext._jvm.scala.Option.empty()


def append_idempotent(df: DataFrame, path: str, app_id: str, batch_id: int) -> None:
    """Append `df` to the Delta table at `path` once per (`app_id`, `batch_id`): a replayed batch
    is skipped by Delta (txnAppId/txnVersion) instead of written twice. Then the new version's
    state is computed in the background (`warm_delta_state_later`) for the next batch's write."""
    df.write.format("delta").mode("append").option("txnAppId", app_id).option("txnVersion", batch_id).save(path)
    warm_delta_state_later(df.sparkSession, path)


# Tables a stream commits to every micro-batch get their Delta checkpoints from the warming
# thread (below), every CHECKPOINT_EVERY versions, instead of inside a commit: Delta writes one
# synchronously in the commit of every `delta.checkpointInterval`-th version (default 10),
# after rebuilding that version's whole state, which made every such micro-batch ~2-3 s slower
# (bench/RESULTS.md, 2026-12-02). Delta's own inline checkpoint stays as the fallback, 10x rarer.
CHECKPOINT_EVERY = 10
BACKGROUND_CHECKPOINTS = {"delta.checkpointInterval": str(10 * CHECKPOINT_EVERY)}

# A table a stream appends to every micro-batch gains one small file per batch (~14,000 a day at a
# batch every ~6 s), and every silver batch scans a day or two of silver.complaints for
# duplicates: with nothing compacting them, batches got slower the longer the stream ran (5.8 s
# -> 7.2 s per batch within 15 minutes, bench/RESULTS.md 2026-12-03). Tables with
# COMPACTION_PROPERTY = N get their small files (below COMPACT_BELOW_BYTES) bin-packed by the
# warming thread every N commits: an OPTIMIZE, whose commit changes no data (Delta stream readers
# skip it) and never conflicts with the blind appends committing beside it. A compaction costs
# 1-2.5 s of the two cores, so tables the batches do not read back (ledgers, quarantine) are
# compacted 4x less often; their state, rebuilt for each txn-checked append, stays small either
# way. The nightly `maintain_tables` job compacts and vacuums every table.
COMPACTION_PROPERTY = "beejan.compactEveryCommits"
COMPACT_EVERY = 25
COMPACT_BELOW_BYTES = 16 * 1024 * 1024
STREAM_APPENDED = {**BACKGROUND_CHECKPOINTS, COMPACTION_PROPERTY: str(COMPACT_EVERY)}
STREAM_APPENDED_NOT_READ_BACK = {**BACKGROUND_CHECKPOINTS, COMPACTION_PROPERTY: str(4 * COMPACT_EVERY)}


def warm_delta_state(spark: SparkSession, path: str) -> None:
    """Compute the state (files, txn versions) of the latest snapshot of the table at `path`, and
    write a Delta checkpoint of it when the last one is CHECKPOINT_EVERY or more versions old;
    first compact its small files when its COMPACTION_PROPERTY says it is time.

    Delta computes the state on first need, per version: a write with txnAppId needs it to check
    the txn, a MERGE or a scan to list files. That is three small Spark jobs, ~0.45 s on the
    2-core machine, inside the next micro-batch's write otherwise (measured 0.70 s -> 0.25 s per
    one-row txn append: bench/RESULTS.md, 2026-12-02). The state is cached on the snapshot,
    which Delta hands to the next reader as long as no one else committed in between.
    A checkpoint is of one version, so it is safe beside later commits (Delta's own are too).
    """
    snapshot = _delta_snapshot(spark, path)
    if _compaction_due(snapshot, path):
        compact_small_files(spark, path)
        snapshot = _delta_snapshot(spark, path)
        _compacted_at[path] = snapshot.version()
        _last_compaction[:] = [path, time.monotonic()]
    snapshot.transactions()
    last_checkpoint = snapshot.logSegment().checkpointProvider().version()  # -1: none yet
    if snapshot.version() - max(last_checkpoint, 0) >= CHECKPOINT_EVERY:
        snapshot.deltaLog().checkpoint(snapshot, _none(spark))


# Table path -> the version at which this process last compacted it (or first warmed it: a
# restarted stream waits a full interval before compacting again).
_compacted_at: dict[str, int] = {}
# [path, monotonic time] of this process's last compaction.
_last_compaction: list = [None, float("-inf")]
# A table's compaction waits while another table's is this recent. The streams' tables are
# first warmed by the same batch, so their intervals (25 and 4 x 25 commits) fell due in the same
# batch every 100 batches: three compactions in one batch made it ~2.5x slower (15.9 s against
# ~6 s, freshness bench 2026-12-03). Spaced out, each of three batches pays for one; a due
# compaction is only postponed (it stays due), never skipped.
COMPACTION_SPACING_S = 20.0


def _compaction_due(snapshot, path: str) -> bool:  # snapshot: py4j JavaObject (Snapshot)
    every = snapshot.metadata().configuration().get(COMPACTION_PROPERTY)
    if not every.isDefined():
        return False
    since = _compacted_at.setdefault(path, snapshot.version())
    if snapshot.version() - since < int(every.get()):
        return False
    last_path, last_at = _last_compaction
    return last_path == path or time.monotonic() - last_at >= COMPACTION_SPACING_S


def compact_small_files(spark: SparkSession, path: str, below_bytes: int = COMPACT_BELOW_BYTES) -> dict[str, int]:
    """Bin-pack the files of the Delta table at `path` smaller than `below_bytes`, per partition
    (Delta OPTIMIZE; a partition with one such file is left alone). Returns files removed/added.

    Files at or above the threshold are never rewritten again, so a stream's compactions each
    rewrite at most about `below_bytes` per partition, however big the table grows.
    """
    from delta.tables import DeltaTable

    started = time.monotonic()
    session = _optimize_session(spark, below_bytes)
    metrics = DeltaTable.forPath(session, path).optimize().executeCompaction().first()["metrics"]
    result = {"files_removed": int(metrics["numFilesRemoved"]), "files_added": int(metrics["numFilesAdded"])}
    log.info(
        "compacted %s: %d small files into %d (%.1f s)",
        path,
        result["files_removed"],
        result["files_added"],
        time.monotonic() - started,
    )
    return result


# (JVM session, threshold) -> a session of the same SparkContext whose OPTIMIZE threshold is set
# (a conf set on the caller's session would reach its other threads' queries).
_optimize_sessions: dict[tuple[int, int], SparkSession] = {}


def _optimize_session(spark: SparkSession, below_bytes: int) -> SparkSession:
    key = (id(spark._jsparkSession), below_bytes)
    session = _optimize_sessions.get(key)
    if session is None:
        session = _optimize_sessions[key] = spark.newSession()
        session.conf.set("spark.databricks.delta.optimize.minFileSize", str(below_bytes))
    return session


_warmer: threading.Thread | None = None
_warmer_lock = threading.Lock()
_warm_queue: queue.SimpleQueue[tuple[Future[bool], SparkSession, str]] = queue.SimpleQueue()


def warm_delta_state_later(spark: SparkSession, path: str) -> Future[bool]:
    """`warm_delta_state` on a background thread (one for the process, tables in commit order),
    right after a stream committed to `path`: between micro-batches and during the next one's
    per-row work, not inside its commits. A failure is logged, never raised: it only means the
    next write computes the state itself. The future says whether it was computed.

    The thread is a daemon: a process never waits for it to exit. (A pool thread was joined at
    interpreter exit, and one in a JVM call when the session had been stopped never returned:
    the process hung after its last line.)
    """
    global _warmer
    future: Future[bool] = Future()
    with _warmer_lock:
        if _warmer is None or not _warmer.is_alive():
            _warmer = threading.Thread(target=_warm_forever, name="delta-warm", daemon=True)
            _warmer.start()
    _warm_queue.put((future, spark, path))
    return future


def _warm_forever() -> None:
    while True:
        future, spark, path = _warm_queue.get()
        if future.set_running_or_notify_cancel():
            future.set_result(_warm_quietly(spark, path))


def _warm_quietly(spark: SparkSession, path: str) -> bool:
    try:
        warm_delta_state(spark, path)
    except Exception as error:  # an optimisation: never the caller's failure
        log.info("could not compute the Delta state (or compact, checkpoint) of %s in the background: %s", path, error)
        return False
    return True


def delta_table_exists(spark: SparkSession, path: str) -> bool:
    """True when `path` holds a Delta table with at least one commit, as of now.

    Not `DeltaTable.isDeltaTable`: it answers from the JVM's cached DeltaLog, so once it has
    seen a `_delta_log` folder without a commit (another process creating the table at that
    moment) it keeps answering False for that path. Resolving a read refreshes the log.
    """
    from pyspark.errors import AnalysisException

    try:
        spark.read.format("delta").load(path).schema  # noqa: B018 - resolving is the check
    except AnalysisException:
        return False
    return True


def ensure_table(spark: SparkSession, cfg: Config, spec: TableSpec) -> str:
    """Create the Delta table of `spec` at its path if missing, with constraints; returns the path.

    Idempotent: an existing table is registered in this session's catalog and given the
    constraints and table properties the spec declares that it lacks (one ALTER each, only then).
    """
    from delta.tables import DeltaTable

    path = table_path(cfg, spec.name)
    if not delta_table_exists(spark, path):
        builder = DeltaTable.createIfNotExists(spark).location(path).addColumns(spec.schema)
        if spec.partition_by:
            builder = builder.partitionedBy(*spec.partition_by)
        if spec.comment:
            builder = builder.comment(spec.comment)
        for key, value in spec.properties.items():
            builder = builder.property(key, value)
        builder.execute()
        log.info("created table %s at %s", spec.name, path)
    _register(spark, spec.name, path)
    properties = {row["key"]: row["value"] for row in spark.sql(f"SHOW TBLPROPERTIES {spec.name}").collect()}
    for constraint, expression in spec.constraints.items():
        if f"delta.constraints.{constraint.lower()}" not in properties:
            spark.sql(f"ALTER TABLE {spec.name} ADD CONSTRAINT {constraint} CHECK ({expression})")
    changed = {k: v for k, v in spec.properties.items() if properties.get(k) != v}
    if changed:
        listed = ", ".join(f"'{k}' = '{v}'" for k, v in changed.items())
        spark.sql(f"ALTER TABLE {spec.name} SET TBLPROPERTIES ({listed})")
    create_views(spark)
    return path
