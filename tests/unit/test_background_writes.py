"""streaming.in_background / run_concurrently: a batch's independent writes on their own threads."""

import threading

import pytest

from beejan_lakehouse.streaming import in_background, run_concurrently

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
