"""Shared streaming plumbing: triggers from config and a per-micro-batch progress log."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

from pyspark.sql import SparkSession
from pyspark.sql.streaming import DataStreamWriter, StreamingQuery

from beejan_lakehouse.logs import get_logger

log = get_logger("streaming")


def with_trigger(writer: DataStreamWriter, trigger: str, interval: str | None = None) -> DataStreamWriter:
    """Apply a trigger named in config: processingTime (continuous service) or availableNow."""
    if trigger == "availableNow":
        return writer.trigger(availableNow=True)
    if trigger == "processingTime":
        return writer.trigger(processingTime=interval or "1 second")
    raise ValueError(f"unknown trigger {trigger!r}: expected processingTime or availableNow")


class CheckpointRun:
    """The identity of a streaming query's checkpoint, for Delta txnAppIds written in foreachBatch.

    Spark writes `<checkpoint>/metadata` ({"id": ...}) when a query first starts and keeps it for
    every restart on that checkpoint. A batch's writes use txnAppId "<prefix>-<query>-<id>" and
    txnVersion = batch id: a restart replays a batch under the same app id (Delta skips what was
    committed), while a new checkpoint (reprocessing, batch ids from 0 again) gets a new app id
    instead of having every batch up to the old run's last id silently skipped.
    """

    def __init__(self, spark: SparkSession, checkpoint: str) -> None:
        self.spark, self.checkpoint = spark, checkpoint
        self._id: str | None = None

    @property
    def id(self) -> str:
        """Read on first use: the metadata exists once the query runs its first batch."""
        if self._id is None:
            text = "\n".join(r.value for r in self.spark.read.text(f"{self.checkpoint}/metadata").collect())
            self._id = str(json.loads(text)["id"])
        return self._id


def run_concurrently(tasks: list[Callable[[], object]]) -> None:
    """Run a batch's independent writes on their own threads; re-raise the first failure.

    Every task runs to its end (commits are waiting more than working: log listing, small
    jobs), so a failure leaves the others committed, which idempotent writes expect.
    """
    if len(tasks) == 1:
        tasks[0]()
        return
    with in_background(tasks):
        pass


@contextmanager
def in_background(tasks: list[Callable[[], object]]) -> Iterator[None]:
    """Start `tasks` on their own threads while the body runs; on leaving, wait for every one
    of them and re-raise the first failure (the body's own exception, if any, comes first:
    the tasks still run to their end before it propagates)."""
    with ThreadPoolExecutor(max_workers=max(1, len(tasks)), thread_name_prefix="batch-write") as pool:
        futures = [pool.submit(task) for task in tasks]
        yield
        for future in futures:
            future.result()


_POOL = "spark.scheduler.pool"


@contextmanager
def scheduler_pool(spark: SparkSession, pool: str) -> Iterator[None]:
    """Run the Spark jobs this thread starts in fair-scheduler pool `pool` (conf/jvm/fairscheduler.xml).

    Pools share the cores, where jobs of one pool run first in first out: jobs started here
    do not queue behind another thread's long job. Delta's own background jobs for them inherit
    the pool (they capture the caller's local properties)."""
    sc = spark.sparkContext
    previous = sc.getLocalProperty(_POOL)
    sc.setLocalProperty(_POOL, pool)
    try:
        yield
    finally:
        sc.setLocalProperty(_POOL, previous)  # type: ignore[arg-type]  # None removes it


def txn_app_id(prefix: str, query: str, run: str | None) -> str:
    """Delta txnAppId of a query's batch writes: per checkpoint run when one is given."""
    return f"{prefix}-{query}" if run is None else f"{prefix}-{query}-{run}"


def progress_summary(progress: dict[str, Any]) -> str:
    """One log line for a micro-batch: rows read and written, rates, duration."""
    sink_rows = progress.get("sink", {}).get("numOutputRows", -1)
    return (
        f"query={progress.get('name')} batch={progress.get('batchId')} "
        f"read={progress.get('numInputRows', 0)} written={sink_rows} "
        f"in_rate={progress.get('inputRowsPerSecond', 0.0):.0f}/s "
        f"proc_rate={progress.get('processedRowsPerSecond', 0.0):.0f}/s "
        f"duration_ms={progress.get('durationMs', {}).get('triggerExecution', 0)}"
    )


def await_and_log(query: StreamingQuery, timeout_s: float | None = None) -> None:
    """Wait for a query to stop (availableNow) or time out, logging each new micro-batch."""
    seen: set[int] = set()
    deadline = None if timeout_s is None else time.monotonic() + timeout_s
    while query.isActive:
        query.awaitTermination(1)
        _log_new(query, seen)
        if deadline is not None and time.monotonic() > deadline:
            break
    _log_new(query, seen)
    if query.exception() is not None:
        raise RuntimeError(f"streaming query {query.name} failed: {query.exception()}")


def _log_new(query: StreamingQuery, seen: set[int]) -> None:
    for progress in query.recentProgress:
        batch = progress["batchId"] if isinstance(progress, dict) else progress.batchId
        if batch in seen:
            continue
        seen.add(batch)
        data = progress if isinstance(progress, dict) else json.loads(progress.json)
        if data.get("numInputRows", 0) or batch == 0:
            log.info(progress_summary(data))
