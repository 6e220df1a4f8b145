"""Python-side batch helpers for the numpy work inside pandas UDFs."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def in_slices(items: Sequence[T], size: int, fn: Callable[[Sequence[T]], R]) -> list[R]:
    """`fn` over consecutive slices of at most `size` items, in order (one call when they fit,
    also when there are none).

    For vectorised numpy passes over an Arrow batch: the arrays of a 10,000-text batch (n-gram
    or shingle hashes, several MB) fall out of the CPU's caches between passes, a few hundred
    texts' stay in them (bench/RESULTS.md, 2026-12-05). Only for row-wise work, where each
    item's result does not depend on the others in its slice.
    """
    return [fn(items[i : i + size]) for i in range(0, len(items), size)] or [fn(items)]
