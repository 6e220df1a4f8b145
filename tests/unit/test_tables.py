"""Table existence as another process sees it, idempotent appends, state warming and checkpoints."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap

import pytest
from delta.tables import DeltaTable

from beejan_lakehouse.tables import (
    BACKGROUND_CHECKPOINTS,
    CHECKPOINT_EVERY,
    COMPACTION_PROPERTY,
    STREAM_APPENDED,
    STREAM_APPENDED_NOT_READ_BACK,
    append_idempotent,
    delta_table_exists,
    delta_txn_version,
    ensure_table,
    warm_delta_state_later,
)


def test_a_table_created_by_another_writer_is_seen_after_an_early_negative_answer(spark, tmp_path):
    path = tmp_path / "t"
    (path / "_delta_log").mkdir(parents=True)  # another process is creating the table right now
    assert delta_table_exists(spark, str(path)) is False
    assert DeltaTable.isDeltaTable(spark, str(path)) is False  # caches the answer in this JVM

    # The other process commits: its files appear without this JVM writing anything there.
    elsewhere = tmp_path / "written_elsewhere"
    spark.range(3).write.format("delta").save(str(elsewhere))
    shutil.rmtree(path)
    shutil.copytree(elsewhere, path)

    assert DeltaTable.isDeltaTable(spark, str(path)) is False  # the stale answer this helper avoids
    assert delta_table_exists(spark, str(path)) is True
    assert spark.read.format("delta").load(str(path)).count() == 3


def test_a_missing_path_is_not_a_table(spark, tmp_path):
    assert delta_table_exists(spark, str(tmp_path / "nothing_here")) is False


def _ledger_row(spark, batch_id: int):
    from datetime import UTC, datetime

    from beejan_lakehouse.silver.pipeline import SILVER_BATCHES

    row = ("q", batch_id, 1, 1, 0, 0, 0, 0, datetime(2026, 12, 2, tzinfo=UTC), "0.1")
    return spark.createDataFrame([row], SILVER_BATCHES.schema)


def _jobs_of(spark, group: str, action) -> int:
    """Spark jobs `action` ran (on this thread, under its own job group)."""
    sc = spark.sparkContext
    sc.setJobGroup(group, group)
    try:
        action()
    finally:
        sc.setLocalProperty("spark.jobGroup.id", None)
    return len(sc.statusTracker().getJobIdsForGroup(group))


def test_an_idempotent_append_lands_once_per_batch_id(spark, tmp_path):
    path = str(tmp_path / "ledger")
    for batch_id in (0, 0, 1, 1, 0):  # replays of batch 0 and 1 are skipped
        append_idempotent(_ledger_row(spark, batch_id), path, "app", batch_id)
    rows = spark.read.format("delta").load(path).select("batch_id").collect()
    assert sorted(r.batch_id for r in rows) == [0, 1]
    assert delta_txn_version(spark, path, "app") == 1
    assert delta_txn_version(spark, path, "other") is None


def test_a_table_warmed_after_its_commit_takes_the_next_txn_append_in_one_spark_job(spark, tmp_path):
    """What warm_delta_state_later is for: Delta computes a version's state (three small jobs)
    for the txn check of the next write, unless it was computed beforehand."""
    path = str(tmp_path / "ledger")
    write = _ledger_row(spark, 0).write.format("delta").mode("append")
    write.option("txnAppId", "app").option("txnVersion", 0).save(path)
    cold = _jobs_of(spark, "cold", lambda: append_idempotent(_ledger_row(spark, 1), path, "app", 1))
    assert warm_delta_state_later(spark, path).result(timeout=120) is True  # the one append_idempotent queued
    warm = _jobs_of(spark, "warm", lambda: append_idempotent(_ledger_row(spark, 2), path, "app", 2))
    assert warm == 1 < cold
    assert spark.read.format("delta").load(path).count() == 3


def test_a_table_that_cannot_be_warmed_is_logged_not_raised_and_the_warmer_keeps_working(spark, tmp_path, caplog):
    broken = tmp_path / "broken" / "_delta_log"
    broken.mkdir(parents=True)
    (broken / "00000000000000000000.json").write_text("this is not a Delta commit\n")
    with caplog.at_level("INFO", logger="beejan.tables"):
        assert warm_delta_state_later(spark, str(broken.parent)).result(timeout=120) is False
    assert any("could not compute the Delta state" in r.getMessage() for r in caplog.records)
    path = str(tmp_path / "ledger")
    _ledger_row(spark, 0).write.format("delta").save(path)
    assert warm_delta_state_later(spark, path).result(timeout=120) is True


def _checkpoint_versions(path: str) -> list[int]:
    from pathlib import Path

    return sorted(int(p.name.split(".")[0]) for p in Path(path, "_delta_log").glob("*.checkpoint.parquet"))


def test_a_table_committed_to_every_batch_is_checkpointed_by_the_warmer_not_inside_a_commit(spark, lakehouse_cfg):
    """BACKGROUND_CHECKPOINTS: the CHECKPOINT_EVERY-th commit costs what the others cost (one
    job once warmed; inline, Delta rebuilt the state and wrote the checkpoint in it), and the
    warming thread writes the checkpoint of that version instead."""
    from dataclasses import replace

    from beejan_lakehouse.silver.pipeline import SILVER_BATCHES

    spec = replace(SILVER_BATCHES, name="ops.ledger_under_test", constraints={})
    assert spec.properties.items() >= BACKGROUND_CHECKPOINTS.items()
    path = ensure_table(spark, lakehouse_cfg, spec)  # version 0
    jobs = {}
    for batch_id in range(1, CHECKPOINT_EVERY + 2):  # versions 1 .. CHECKPOINT_EVERY + 1
        jobs[batch_id] = _jobs_of(
            spark, f"append-{batch_id}", lambda b=batch_id: append_idempotent(_ledger_row(spark, b), path, "app", b)
        )
        assert warm_delta_state_later(spark, path).result(timeout=120) is True  # after the one queued
        assert _checkpoint_versions(path) == ([CHECKPOINT_EVERY] if batch_id >= CHECKPOINT_EVERY else [])
    assert jobs[CHECKPOINT_EVERY] == jobs[CHECKPOINT_EVERY - 1] == 1
    assert spark.read.format("delta").load(path).count() == CHECKPOINT_EVERY + 1


@pytest.fixture
def no_recent_compaction(monkeypatch):
    """This process's last compaction (another test's table) is long past."""
    from beejan_lakehouse import tables

    monkeypatch.setattr(tables, "_last_compaction", [None, float("-inf")])
    return tables


def test_stream_appended_tables_are_compacted_by_the_warmer_every_n_commits_rows_and_txns_intact(
    spark, lakehouse_cfg, no_recent_compaction
):
    """STREAM_APPENDED: a file per micro-batch piles up (silver's batches read the recent ones);
    every N commits after the warmer first saw the table, it bin-packs them into one. Rows, the
    txn versions (replays still skipped) and the one-job warm append are what they were."""
    from dataclasses import replace

    from beejan_lakehouse.silver.pipeline import SILVER_BATCHES
    from beejan_lakehouse.silver.schema import SILVER_COMPLAINTS, SILVER_QUARANTINE

    assert STREAM_APPENDED.items() <= SILVER_COMPLAINTS.properties.items()
    assert SILVER_QUARANTINE.properties == SILVER_BATCHES.properties == STREAM_APPENDED_NOT_READ_BACK
    every = 3
    spec = replace(
        SILVER_BATCHES,
        name="ops.compacted_under_test",
        constraints={},
        properties={**STREAM_APPENDED, COMPACTION_PROPERTY: str(every)},
    )
    path = ensure_table(spark, lakehouse_cfg, spec)  # version 0
    files = []
    for batch_id in range(1, 8):  # versions 1-4, OPTIMIZE 5, 6-8, OPTIMIZE 9
        append_idempotent(_ledger_row(spark, batch_id), path, "app", batch_id)
        assert warm_delta_state_later(spark, path).result(timeout=120) is True
        files.append(DeltaTable.forPath(spark, path).detail().first()["numFiles"])
    assert files == [1, 2, 3, 1, 2, 3, 1]
    history = DeltaTable.forPath(spark, path).history().orderBy("version").collect()
    assert [h["version"] for h in history if h["operation"] == "OPTIMIZE"] == [5, 9]
    assert delta_txn_version(spark, path, "app") == 7
    append_idempotent(_ledger_row(spark, 4), path, "app", 4)  # a replay: skipped
    warm = _jobs_of(spark, "after-compaction", lambda: append_idempotent(_ledger_row(spark, 8), path, "app", 8))
    assert warm == 1
    rows = spark.read.format("delta").load(path).select("batch_id").collect()
    assert sorted(r.batch_id for r in rows) == list(range(1, 9))


def test_a_due_compaction_waits_while_another_tables_is_recent_then_runs(
    spark, lakehouse_cfg, no_recent_compaction, monkeypatch
):
    """Tables first warmed by the same batch fall due together; the second one's compaction is
    postponed (not skipped) until COMPACTION_SPACING_S after the first, so one batch never pays
    for several."""
    from dataclasses import replace

    from beejan_lakehouse.silver.pipeline import SILVER_BATCHES

    tables = no_recent_compaction
    every = 2
    paths = [
        ensure_table(
            spark,
            lakehouse_cfg,
            replace(
                SILVER_BATCHES,
                name=f"ops.spaced_{name}",
                constraints={},
                properties={**STREAM_APPENDED, COMPACTION_PROPERTY: str(every)},
            ),
        )
        for name in ("a", "b")
    ]

    def append_and_warm(path: str, batch_id: int) -> int:
        append_idempotent(_ledger_row(spark, batch_id), path, "app", batch_id)
        assert warm_delta_state_later(spark, path).result(timeout=120) is True
        return DeltaTable.forPath(spark, path).detail().first()["numFiles"]

    def optimized(path: str) -> list[int]:
        history = DeltaTable.forPath(spark, path).history().collect()
        return sorted(h["version"] for h in history if h["operation"] == "OPTIMIZE")

    monkeypatch.setattr(tables, "COMPACTION_SPACING_S", 3600.0)
    a, b = paths
    assert [append_and_warm(p, 1) for p in paths] == [1, 1]  # versions 1: first warmed
    assert [append_and_warm(p, 2) for p in paths] == [2, 2]
    assert [append_and_warm(p, 3) for p in paths] == [1, 3]  # both due: a compacted, b postponed
    assert optimized(a) == [4] and optimized(b) == []
    assert append_and_warm(b, 4) == 4  # still within the spacing after a's
    tables._last_compaction[1] -= tables.COMPACTION_SPACING_S  # ... which has now passed
    assert append_and_warm(b, 5) == 1
    assert optimized(b) == [6]
    assert delta_txn_version(spark, b, "app") == 5
    assert sorted(r.batch_id for r in spark.read.format("delta").load(b).collect()) == [1, 2, 3, 4, 5]


def test_ensure_table_gives_an_existing_table_the_properties_its_spec_declares(spark, lakehouse_cfg):
    from dataclasses import replace

    from beejan_lakehouse.silver.pipeline import SILVER_BATCHES

    spec = replace(SILVER_BATCHES, name="ops.older_ledger", constraints={})
    path = ensure_table(spark, lakehouse_cfg, replace(spec, properties={}))  # as an older release made it
    interval = "delta.checkpointInterval"
    assert interval not in DeltaTable.forPath(spark, path).detail().first()["properties"]
    ensure_table(spark, lakehouse_cfg, spec)
    assert DeltaTable.forPath(spark, path).detail().first()["properties"][interval] == spec.properties[interval]
    versions = DeltaTable.forPath(spark, path).history().count()
    ensure_table(spark, lakehouse_cfg, spec)  # nothing to change: no commit
    assert DeltaTable.forPath(spark, path).history().count() == versions


def test_a_warm_that_never_returns_does_not_keep_the_process_from_exiting():
    """A warm stuck in a JVM call (as one is after the session was stopped) must not hang the
    process at exit: the warmer is a daemon thread, not a pool thread joined at exit."""
    script = textwrap.dedent(
        """
        import threading
        from beejan_lakehouse import tables

        started = threading.Event()

        def stuck(spark, path):
            started.set()
            threading.Event().wait()  # never returns, like a py4j call to a stopped session

        tables.warm_delta_state = stuck
        future = tables.warm_delta_state_later(None, "/nowhere")
        assert started.wait(30)
        assert not future.done()
        print("leaving", flush=True)
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert (done.returncode, done.stdout.strip()) == (0, "leaving"), done.stderr


def test_silver_complaints_keep_statistics_of_the_filtered_columns_not_the_texts(spark, lakehouse_cfg):
    """Delta's data-skipping statistics of silver.complaints cover STATS_COLUMNS only (by default
    they would cover the first 32 columns, the texts among them)."""
    import json
    from datetime import datetime
    from pathlib import Path

    from pyspark.sql.types import ArrayType, BooleanType, DoubleType, IntegerType, LongType, StringType, TimestampType

    from beejan_lakehouse.silver.schema import COMPLAINTS, SILVER_COMPLAINTS, STATS_COLUMNS

    path = ensure_table(spark, lakehouse_cfg, SILVER_COMPLAINTS)
    by_type = {
        IntegerType(): 1,
        LongType(): 1,
        DoubleType(): 0.5,
        BooleanType(): False,
        TimestampType(): datetime(2026, 12, 3, 9, 30),
        ArrayType(StringType()): [],
    }
    values = {f.name: by_type.get(f.dataType, f"{f.name} value") for f in COMPLAINTS}
    values.update(channel="sms", event_date="2026-12-03", l1="Network", l2="Speed")
    spark.createDataFrame([tuple(values[f.name] for f in COMPLAINTS)], COMPLAINTS).write.format("delta").mode(
        "append"
    ).save(path)

    commit = Path(path, "_delta_log", f"{DeltaTable.forPath(spark, path).history(1).first()['version']:020d}.json")
    (add,) = [json.loads(line)["add"] for line in commit.read_text().splitlines() if '"add"' in line]
    stats = json.loads(add["stats"])
    assert set(stats["minValues"]) == set(stats["nullCount"]) == set(STATS_COLUMNS)
    assert stats["minValues"]["event_ts_utc"].startswith("2026-12-03T09:30:00")
    assert {"text_clean", "text_masked"}.isdisjoint(stats["maxValues"])
