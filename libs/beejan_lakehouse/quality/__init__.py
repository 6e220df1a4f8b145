"""Data-quality expectations: declared rules that quarantine records, and soft quality flags."""

from beejan_lakehouse.quality.expectations import (
    FLAGS,
    RULES,
    Flag,
    Rule,
    evaluate,
    quarantine_rows,
    split_valid,
)

__all__ = ["FLAGS", "RULES", "Flag", "Rule", "evaluate", "quarantine_rows", "split_valid"]
