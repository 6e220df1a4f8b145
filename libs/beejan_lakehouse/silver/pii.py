"""PII masking: phones, e-mails, account numbers, Luhn-valid cards and customer names -> typed tokens.

Everything runs as Spark SQL expressions (Java regex, higher-order functions): no Python UDF,
so masking costs microseconds per row. The patterns are tuned against the texts the business
actually receives, where most digit runs are NOT PII: amounts (₦5,000, N5000, #2000, 5k),
dates (2024-05-01, 01/05/2024), durations (3 days), ticket refs (#1234567, BJN-1234567,
INC1234567: 6-7 digits) and speed-test URLs (/result/1234567890).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from beejan_lakehouse.arrays import present

PII_TYPES = ("PHONE", "EMAIL", "ACCOUNT", "CARD", "NAME")

EMAIL_PATTERN = r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
# What every e-mail match contains: an '@' between a local-part and a domain character. Most
# '@' in complaints are mentions ("@BeejanCare"), which this rejects in one scan, where the
# e-mail regex backtracks over every word of the text. It opens with the '@' (a literal, tried
# first at each position), then looks back at the character before it.
EMAIL_HINT = r"@(?<=[A-Za-z0-9._%+-]@)[A-Za-z0-9-]"
# The digit patterns below open with a lookahead on the characters a match can start with,
# then the lookbehind: both engines try a pattern at every position and run its nodes in
# order, so a lookbehind first is evaluated (and passes) at nearly every character of a text,
# where the lookahead fails at once on the letters and spaces that make most of it. Same
# matches; on 50,000 real texts the three replacements cost 0.53 -> 0.23 s (bench/RESULTS.md).
# Nigerian mobile numbers as people type them: 0803…, +234803…, 234803…, with spaces or
# dashes between groups. Mobile ranges are 070x/080x/081x/090x/091x: requiring [789][01]
# keeps 11-digit refs and amounts out. No digit may touch either end.
PHONE_PATTERN = r"(?=[+20])(?<!\d)(?:\+?234[ -]?|0)[789][01]\d(?:[ -]?\d){7}(?!\d)"
# Bank/telco account numbers (NUBAN style): exactly 10 digits, not part of a URL path/query.
ACCOUNT_PATTERN = r"(?=\d)(?<![\d/=])\d{10}(?!\d)"
# Card candidates: 13-19 contiguous digits, or 4-digit groups separated by a space or dash.
# Only candidates passing the Luhn check are masked (a 16-digit order ref stays).
CARD_CANDIDATE_PATTERN = r"(?=\d)(?<!\d)(?:\d{13,19}|\d{4}(?:[ -]\d{4}){2,3}(?:[ -]\d{1,4})?)(?!\d)"
# What every phone, account or card match above needs: at least 10 ASCII digits in the text
# (a phone has 11 or 13, an account 10, a card 12 or more). On the simulator's texts 8 % have
# them, so the five scans of masking and customer resolution are skipped on the others, for one
# scan that stops at the tenth digit. Anchored and possessive: one pass, no backtracking.
MIN_NUMBER_DIGITS = 10
_ENOUGH_DIGITS = rf"^(?:\D*+\d){{{MIN_NUMBER_DIGITS}}}"


def may_hold_numbers(text: Column) -> Column:
    """False where `text` has too few digits for any phone, account or card pattern to match."""
    return text.rlike(_ENOUGH_DIGITS)


# Names are matched as whole words: a letter, digit or underscore may not touch either end.
_WORD_EDGE_BEFORE = r"(?<![\p{L}\p{N}_])"
_WORD_EDGE_AFTER = r"(?![\p{L}\p{N}_])"
MIN_NAME_PART = 2  # single letters ("A. Bello") would mask every "a"


def luhn_valid(candidate: Column) -> Column:
    """True when the digits of `candidate` are 13-19 long and pass the Luhn checksum."""
    digits = F.reverse(F.regexp_replace(candidate, r"[^0-9]", ""))
    n = F.length(digits)

    def add_digit(acc: Column, i: Column) -> Column:
        d = F.substring(digits, i, 1).cast("int")
        # From the right, every second digit is doubled; a two-digit result counts its digit sum.
        doubled = F.when(d * 2 > 9, d * 2 - 9).otherwise(d * 2)
        return acc + F.when(i % 2 == 0, doubled).otherwise(d)

    checksum = F.aggregate(F.sequence(F.lit(1), n), F.lit(0), add_digit)
    return n.between(13, 19) & (checksum % 10 == 0)


def _mask_cards(text: Column) -> Column:
    candidates = F.regexp_extract_all(text, F.lit(CARD_CANDIDATE_PATTERN), 0)
    cards = F.filter(candidates, luhn_valid)
    masked = F.aggregate(cards, text, lambda acc, card: F.replace(acc, card, F.lit("<CARD>")))
    # The Luhn check is interpreted code (higher-order functions): only where a candidate is.
    return F.when(text.rlike(CARD_CANDIDATE_PATTERN), masked).otherwise(text)


# Name parts: runs of at least MIN_NAME_PART characters between whitespace and commas.
_NAME_PART = rf"[^\s,]{{{MIN_NAME_PART},}}"


def name_parts(*name_cols: Column) -> Column:
    """Distinct lower-case name parts of the given columns (backslashes dropped); never null."""
    empty = F.array().cast("array<string>")
    return F.array_distinct(
        F.concat(
            *[
                F.coalesce(F.regexp_extract_all(F.lower(F.regexp_replace(c, r"\\", "")), F.lit(_NAME_PART), 0), empty)
                for c in name_cols
            ]
        )
    )


def name_pattern(parts: Column) -> Column:
    """Case-insensitive whole-word regex over the `name_parts`; null if there are none."""
    # \Q...\E quotes each part (name_parts has removed the backslashes that could end a quote).
    quoted = F.concat(F.lit(r"\Q"), F.array_join(parts, r"\E|\Q"), F.lit(r"\E"))
    pattern = F.concat(F.lit("(?iu)" + _WORD_EDGE_BEFORE + "(?:"), quoted, F.lit(")" + _WORD_EDGE_AFTER))
    # An empty alternation would match the empty string everywhere.
    return F.when(F.size(parts) > 0, pattern)


def mask_pii(
    text_col: str = "text_clean",
    name_cols: Sequence[str] = ("customer_name", "name_raw"),
) -> Callable[[DataFrame], DataFrame]:
    """Replace PII in `text_col` by typed tokens <PHONE> <EMAIL> <ACCOUNT> <CARD> <NAME>.

    Input columns: text_col (string); any of name_cols present (the resolved customer's name
    from resolve_customers, the name the customer typed); missing name columns are skipped.
    Output columns: text_masked (string, null only when text_col is null), pii_types
    (array<string>, never null: the token types found, in PII_TYPES order).
    Order matters: e-mails before names (addresses contain names), phones before cards and
    accounts (an 13-digit 234… phone is also a card candidate).
    """

    text = F.col(text_col)
    # Each stage is a column of its own: the next stage and the type check both read it,
    # and Spark evaluates it once per row.
    # The e-mail regex backtracks over every word: only on texts with what an address needs
    # (most have no '@'; of those that do, 3 % on the simulator's texts hold an address).
    has_email = (F.instr(text, "@") > 0) & text.rlike(EMAIL_HINT)
    emails = F.when(has_email, F.regexp_replace(text, EMAIL_PATTERN, "<EMAIL>")).otherwise(text)
    # Masking only removes digits, so the input text's digit count gates every later stage.
    numbers = F.col("_pii_numbers")

    def gated(stage: Column, before: str) -> Column:
        return F.when(numbers, stage).otherwise(F.col(before))

    stages = [
        ("_pii_numbers", may_hold_numbers(text)),
        ("_pii_email", emails),
        ("_pii_phone", gated(F.regexp_replace(F.col("_pii_email"), PHONE_PATTERN, "<PHONE>"), "_pii_email")),
        ("_pii_card", gated(_mask_cards(F.col("_pii_phone")), "_pii_phone")),
        ("_pii_account", gated(F.regexp_replace(F.col("_pii_card"), ACCOUNT_PATTERN, "<ACCOUNT>"), "_pii_card")),
    ]
    masked = F.col("_pii_account")
    changed = {
        "PHONE": F.col("_pii_phone") != F.col("_pii_email"),
        "EMAIL": F.col("_pii_email") != text,
        "ACCOUNT": F.col("_pii_account") != F.col("_pii_card"),
        "CARD": F.col("_pii_card") != F.col("_pii_phone"),
        "NAME": F.col("text_masked") != F.col("_pii_account"),
    }
    types = present(*[F.when(changed[t], F.lit(t)) for t in PII_TYPES])
    temporary = ("_pii_numbers", "_pii_email", "_pii_phone", "_pii_card", "_pii_account", "_pii_names")
    # One regex per row (each row has its own names): cheaper than any pre-test measured.
    parts = F.col("_pii_names")
    pattern = name_pattern(parts)
    with_names = F.when(pattern.isNull(), masked).otherwise(F.regexp_replace(masked, pattern, F.lit("<NAME>")))
    name_parts_of: dict[tuple[str, ...], Column] = {}

    def apply(df: DataFrame) -> DataFrame:
        staged = df
        for name, col in stages:
            staged = staged.withColumn(name, col)
        present_names = tuple(c for c in name_cols if c in df.columns)
        if present_names:
            if present_names not in name_parts_of:
                name_parts_of[present_names] = name_parts(*[F.col(c) for c in present_names])
            staged = staged.withColumn("_pii_names", name_parts_of[present_names]).withColumn("text_masked", with_names)
        else:
            staged = staged.withColumn("text_masked", masked)
        return staged.withColumn("pii_types", types).drop(*temporary)

    return apply
