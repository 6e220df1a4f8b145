"""Array-column helpers made only of Spark built-ins that keep whole-stage code generation.

Why they exist: every Spark higher-order function (`filter`, `transform`, `aggregate`,
`array_compact` - a `filter` underneath - `map_filter`, `exists`) is a CodegenFallback: it is
interpreted row by row and takes its whole operator out of whole-stage codegen. On Spark 4.2
each interpreted array-element read also rebuilds a task SQLConf (TypeOps -> SQLConf.get). In
silver that was half of the JVM's time for parsing and standardising (JFR, bench/RESULTS.md).
`array_except`, `concat`, `regexp_extract_all` and `size` are generated code.
"""

from __future__ import annotations

from collections.abc import Iterable

from pyspark.sql import Column
from pyspark.sql import functions as F


def _null_string() -> Column:
    return F.array(F.lit(None).cast("string"))


def present(*values: Column) -> Column:
    """array<string> of the non-null `values`, each once, in first-seen order (never null)."""
    if not values:
        return F.array().cast("array<string>")
    return F.array_except(F.array(*values), _null_string())


def compact(arr: Column) -> Column:
    """`arr` without nulls and repeats, order kept (array_distinct(array_compact(arr)), codegen)."""
    return F.array_except(arr, _null_string())


def without(arr: Column, values: Iterable[str]) -> Column:
    """`arr` minus the given string values (and without repeats), order kept."""
    return F.array_except(arr, F.array(*[F.lit(v) for v in values]).cast("array<string>"))


def count_matches(text: Column, regex: str) -> Column:
    """Number of non-overlapping matches of `regex` in `text` (0 for null text)."""
    return F.coalesce(F.size(F.regexp_extract_all(text, F.lit(regex), 0)), F.lit(0))


def any_startswith(arr: Column, prefix: str) -> Column:
    """True when some element of array<string> `arr` starts with `prefix` (false for empty/null)."""
    # Elements never hold the separator \u0001; joining turns the test into one string search.
    sep = "\u0001"
    return F.coalesce(F.concat(F.lit(sep), F.array_join(arr, sep)).contains(sep + prefix), F.lit(False))
