"""Table existence as another process sees it (tables.delta_table_exists)."""

from __future__ import annotations

import shutil

from delta.tables import DeltaTable

from beejan_lakehouse.tables import delta_table_exists


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
