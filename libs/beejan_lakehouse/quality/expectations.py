"""Silver expectations: declared rules evaluated per record, quarantine split, quality flags.

A Rule is a SQL condition that must hold for a valid record; a record failing any rule goes
to silver.quarantine with every failing rule's reason. A Flag is a soft issue: the record stays
in silver with the flag in quality_flags. Both are plain SQL so they read like the Delta CHECK
constraints and can be listed in docs or ops tables as they are.

Rules that read payload fields skip records whose payload could not be parsed at all, so a
broken JSON message is quarantined as 'malformed_json' alone, not also as 'missing_text' etc.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from beejan_lakehouse.arrays import compact, present, without
from beejan_lakehouse.columns import with_timestamp
from beejan_lakehouse.silver.schema import CHANNELS, QUARANTINE

MAX_TEXT_CHARS = 5_000
FUTURE_TOLERANCE_MINUTES = 10  # device clocks run a little fast; beyond this a time is future
EARLIEST_EVENT = "2015-01-01"  # before Beejan's complaint channels existed: impossible
LATEST_EVENT = "2100-01-01"  # garbage epoch values, not a fast clock
# parse_errors entries that make a record unusable; every other entry is a soft note.
FATAL_PARSE_ERRORS = ("malformed_json", "malformed_record")

_UNPARSEABLE = "array_contains(parse_errors, 'malformed_json') OR array_contains(parse_errors, 'malformed_record')"
_CHANNELS_SQL = ", ".join(f"'{c}'" for c in CHANNELS)


@dataclass(frozen=True)
class Rule:
    """An expectation: `valid_when` (SQL) must be true, else the record fails with `reason`."""

    name: str
    valid_when: str
    reason: str
    needs_payload: bool = True  # skipped (passes) when the payload itself is unparseable


@dataclass(frozen=True)
class Flag:
    """A soft quality issue: `flag` is added to quality_flags where `when` (SQL) is true."""

    name: str
    when: str
    flag: str


RULES: tuple[Rule, ...] = (
    Rule("well_formed_json", "NOT array_contains(parse_errors, 'malformed_json')", "malformed_json",
         needs_payload=False),
    Rule("well_formed_record", "NOT array_contains(parse_errors, 'malformed_record')", "malformed_record",
         needs_payload=False),
    Rule("valid_channel", f"channel IN ({_CHANNELS_SQL})", "invalid_channel", needs_payload=False),
    Rule("source_id_present", "source_id IS NOT NULL AND trim(source_id) <> ''", "missing_source_id",
         needs_payload=False),
    Rule("text_present", "text_raw IS NOT NULL", "missing_text"),
    # Letters, digits or symbols (emoji are \p{So}): "." or whitespace alone is no complaint.
    Rule("text_not_empty", r"text_raw IS NULL OR text_clean RLIKE '[\\p{L}\\p{N}\\p{So}]'", "empty_text"),
    Rule("text_length_sane", f"length(text_clean) <= {MAX_TEXT_CHARS}", "text_too_long"),
    # Absent field = missing; present but empty or not a time (e.g. '', 'N/A') = invalid.
    Rule("event_time_present", "event_ts_raw IS NOT NULL", "missing_event_time"),
    Rule("event_time_parseable", "event_ts_raw IS NULL OR event_ts_utc IS NOT NULL", "invalid_timestamp"),
    Rule("event_time_possible",
         f"event_ts_utc IS NULL OR (event_ts_utc >= TIMESTAMP'{EARLIEST_EVENT} 00:00:00' "
         f"AND event_ts_utc < TIMESTAMP'{LATEST_EVENT} 00:00:00')", "invalid_timestamp"),
    Rule("event_time_not_future",
         f"event_ts_utc IS NULL OR event_ts_utc >= TIMESTAMP'{LATEST_EVENT} 00:00:00' "
         f"OR event_ts_utc <= ingest_ts + INTERVAL {FUTURE_TOLERANCE_MINUTES} MINUTES", "future_timestamp"),
)  # fmt: skip

_BLANK = "({c} IS NULL OR trim({c}) = '')"
_NG_MSISDN = r"^(0|234)[789][01][0-9]{8}$"

FLAGS: tuple[Flag, ...] = (
    Flag("missing_msisdn", f"channel IN ('sms', 'call_center') AND {_BLANK.format(c='msisdn_raw')}",
         "missing_msisdn"),
    Flag("invalid_msisdn",
         f"NOT {_BLANK.format(c='msisdn_raw')} AND NOT regexp_replace(msisdn_raw, '[ +()-]', '') "
         f"RLIKE '{_NG_MSISDN}'", "invalid_msisdn"),
    Flag("invalid_email", f"NOT {_BLANK.format(c='email_raw')} AND NOT trim(email_raw) "
         r"RLIKE '^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$'", "invalid_email"),
    Flag("invalid_account", f"NOT {_BLANK.format(c='account_raw')} AND NOT trim(account_raw) RLIKE '^[0-9]{{10}}$'",
         "invalid_account"),
    Flag("missing_name", f"channel IN ('webform', 'web_export') AND {_BLANK.format(c='name_raw')}",
         "missing_name"),
    Flag("missing_handle", f"channel = 'social' AND {_BLANK.format(c='handle')}", "missing_handle"),
    Flag("missing_agent_id", f"channel = 'call_center' AND {_BLANK.format(c='agent_id')}", "missing_agent_id"),
)  # fmt: skip


def _failure(rule: Rule) -> Column:
    valid = F.coalesce(F.expr(rule.valid_when), F.lit(False))  # unknown (NULL) is a failure
    if rule.needs_payload:
        valid = valid | F.expr(_UNPARSEABLE)
    return F.when(~valid, F.lit(rule.reason))


def evaluate(rules: Sequence[Rule] = RULES, flags: Sequence[Flag] = FLAGS) -> Callable[[DataFrame], DataFrame]:
    """Evaluate `rules` and `flags` on every record.

    Input: the PARSED columns plus text_clean (and clean_flags if present, from clean_text).
    Output: the input plus reasons (array<string>: every failing rule's reason in declaration
    order, deduplicated, empty when valid) and quality_flags (array<string>: the flags that
    fire, then clean_flags, then the non-fatal parse_errors such as drift notes).
    """
    reasons = present(*[_failure(r) for r in rules])
    fired = present(*[F.when(F.coalesce(F.expr(f.when), F.lit(False)), F.lit(f.flag)) for f in flags])
    notes = without(F.col("parse_errors"), FATAL_PARSE_ERRORS)
    quality = {
        True: compact(F.concat(fired, F.col("clean_flags"), notes)),
        False: compact(F.concat(fired, notes)),
    }

    def apply(df: DataFrame) -> DataFrame:
        return df.withColumns({"reasons": reasons, "quality_flags": quality["clean_flags" in df.columns]})

    return apply


def quarantine_rows(df: DataFrame, at: datetime) -> DataFrame:
    """Evaluated records -> the QUARANTINE schema (quarantine_id, ..., bronze lineage),
    quarantined `at`.

    Input: PARSED columns plus reasons. quarantine_id = sha2 of the channel and the bronze
    coordinates (table, partition, offset, file, line), so re-quarantining a replayed record
    yields the same id. The channel stands for the Kafka topic, which the coordinates do not
    hold: every channel's topic has a partition 0 with an offset 7.
    """
    coordinates = F.concat_ws(
        "|",
        F.col("channel"),
        F.col("bronze_table"),
        *[F.coalesce(F.col(c).cast("string"), F.lit("")) for c in
          ("bronze_partition", "bronze_offset", "bronze_file", "bronze_line")],
    )  # fmt: skip
    exprs = {"quarantine_id": F.sha2(coordinates, 256)}
    stamped = with_timestamp(df, "quarantined_at", at)
    return stamped.select(*[exprs.get(f.name, F.col(f.name)).cast(f.dataType).alias(f.name) for f in QUARANTINE.fields])


def split_valid(
    df: DataFrame, rules: Sequence[Rule] = RULES, flags: Sequence[Flag] = FLAGS
) -> tuple[DataFrame, DataFrame]:
    """(valid, quarantined): records passing every rule, and the rest in the QUARANTINE schema.

    Input: PARSED columns plus text_clean (reasons/quality_flags are computed if absent).
    valid keeps every input column plus reasons (empty) and quality_flags.
    """
    evaluated = df if "reasons" in df.columns else df.transform(evaluate(rules, flags))
    valid = evaluated.where(F.size("reasons") == 0)
    quarantined = quarantine_rows(evaluated.where(F.size("reasons") > 0), datetime.now(UTC))
    return valid, quarantined
