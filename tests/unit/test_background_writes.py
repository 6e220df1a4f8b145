"""streaming.in_background / run_concurrently: a batch's independent writes on their own threads."""

import threading
import time

import pytest

from beejan_lakehouse.silver.pipeline import LIVE_POOL
from beejan_lakehouse.streaming import in_background, run_concurrently, scheduler_pool

TIMEOUT_S = 10


def test_tasks_run_while_the_body_runs_and_are_waited_for():
    started, release = threading.Event(), threading.Event()
    done: list[str] = []

    def task() -> None:
        started.set()
        assert release.wait(TIMEOUT_S)
        done.append("task")

    with in_background([task]):
        assert started.wait(TIMEOUT_S)  # the task is running before the body ends
        assert done == []
        release.set()
    assert done == ["task"]  # leaving the block waited for it


def test_a_failing_task_is_re_raised_after_every_task_ran_to_its_end():
    done: list[str] = []

    def fails() -> None:
        raise RuntimeError("write failed")

    with pytest.raises(RuntimeError, match="write failed"):
        run_concurrently([fails, lambda: done.append("other")])
    assert done == ["other"]


def test_the_body_failing_comes_first_and_the_tasks_still_finish():
    release = threading.Event()
    done: list[str] = []

    def task() -> None:
        assert release.wait(TIMEOUT_S)
        done.append("task")

    with pytest.raises(ValueError, match="body"), in_background([task]):
        release.set()
        raise ValueError("body")
    assert done == ["task"]


def test_a_job_in_a_pool_of_its_own_does_not_queue_behind_a_long_job(spark):
    """In the fair scheduler (session.spark_conf), a job started in `scheduler_pool` gets the
    next free core while another thread's long job (60 tasks of 0.25 s on two cores, default
    pool) still has most of its tasks to run; in the default pool it would wait for all of them
    to start. The pool is the thread's own and is unset on leaving."""
    sc = spark.sparkContext
    tasks = 60
    long_done = threading.Event()

    group = "pool-test-long-job"

    def long_job() -> None:
        sc.setJobGroup(group, "a long job in the default pool")
        # A lambda: pickled by value (a function of this module would be imported by name,
        # and the Python workers cannot import a test module).
        sc.parallelize(range(tasks), tasks).map(lambda x: time.sleep(0.25) or x).count()
        long_done.set()

    def running_stage() -> int | None:
        # By its group: other tests' background jobs (Delta state warming) may be running too.
        jobs = [sc.statusTracker().getJobInfo(j) for j in sc.statusTracker().getJobIdsForGroup(group)]
        return next((job.stageIds[0] for job in jobs if job is not None and job.stageIds), None)

    thread = threading.Thread(target=long_job)
    thread.start()
    deadline = time.monotonic() + 60
    while (stage := running_stage()) is None:
        assert time.monotonic() < deadline, "the long job never started"
        time.sleep(0.02)
    with scheduler_pool(spark, LIVE_POOL):
        assert sc.getLocalProperty("spark.scheduler.pool") == LIVE_POOL
        assert spark.range(1000).where("id % 7 = 0").count() == 143
    completed = sc.statusTracker().getStageInfo(stage).numCompletedTasks
    assert sc.getLocalProperty("spark.scheduler.pool") is None
    assert not long_done.is_set() and completed < tasks // 2, completed
    thread.join(120)
    assert long_done.is_set()
