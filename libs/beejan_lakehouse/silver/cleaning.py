"""Text cleaning for silver: encoding repair (ftfy), Unicode NFC, whitespace; a language hint.

Throughput: only texts that can need Python are sent to it, each distinct one once, on a side
frame whose results are broadcast back (`lookup.py`). A text with no character in
U+00C2..U+00F4 (every UTF-8 lead byte read as cp1252/latin-1 lands there, so all mojibake does)
and no combining mark (the only thing NFC changes in practice) is already clean.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd
from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F
from pyspark.sql.functions import pandas_udf
from pyspark.sql.types import StringType

from beejan_lakehouse.arrays import count_matches, present
from beejan_lakehouse.columns import per_session
from beejan_lakehouse.lookup import lookup_table, with_lookup
from beejan_lakehouse.patterns import starts_with_one_of, trie_pattern

MOJIBAKE_FIXED = "mojibake_fixed"
# What UTF-8 read as cp1252/latin-1 always contains: a lead byte C2..F4 followed by a
# continuation byte 80..BF, both as the characters those codecs decode them to (cp1252 maps
# 80..9F to the letters and punctuation below, latin-1 keeps them as C1 controls).
_CONTINUATION = (
    r"\x{0080}-\x{00BF}\x{20AC}\x{201A}\x{0192}\x{201E}\x{2026}\x{2020}\x{2021}\x{02C6}\x{2030}"
    r"\x{0160}\x{2039}\x{0152}\x{017D}\x{2018}\x{2019}\x{201C}\x{201D}\x{2022}\x{2013}\x{2014}"
    r"\x{02DC}\x{2122}\x{0161}\x{203A}\x{0153}\x{017E}\x{0178}"
)
_MOJIBAKE_HINT = r"[\x{00C2}-\x{00F4}][" + _CONTINUATION + "]"
# ftfy also applies NFC, which changes texts with a combining diacritic (Yoruba tone marks typed
# as separate characters). Not every mark: emoji variation selectors (U+FE0F) are marks too.
_COMBINING = r"[\x{0300}-\x{036F}\x{1AB0}-\x{1AFF}\x{1DC0}-\x{1DFF}\x{20D0}-\x{20FF}\x{FE20}-\x{FE2F}]"
_NEEDS_PYTHON = _MOJIBAKE_HINT + "|" + _COMBINING
# Unicode whitespace, not just ASCII (\s in Java regex is ASCII-only): NBSP, thin spaces, ...
_WHITESPACE = r"[\s\p{Z}\x{FEFF}]+"

# Pidgin words that are not also common English words (so "I am" or "na" in txt-speak do not
# count); lower case, matched as whole tokens.
PIDGIN_MARKERS = (
    "abeg", "dey", "wetin", "una", "wahala", "abi", "sef", "pikin", "comot", "wey", "sabi",
    "kuku", "oya", "jare", "shey", "naim", "wan", "dem", "haba", "chai", "omo", "mtchew",
    "ehn", "o", "don", "oga", "nawa", "make", "fit", "am", "na",
)  # fmt: skip
# Markers that are strong on their own; the weak ones ('make', 'fit', 'am', 'na', 'o', 'don')
# only count next to a strong one, because they are also English or txt-speak.
_WEAK = ("make", "fit", "am", "na", "o", "don")
PIDGIN_SHARE = 0.2  # share of marker tokens from which a text reads as Pidgin, not mixed


@pandas_udf(StringType())  # type: ignore[call-overload]
def _fix_text_udf(texts: pd.Series) -> pd.Series:
    import ftfy  # imported on the executor, where the UDF runs

    def fix(t: str | None) -> str | None:
        if t is None:
            return None
        # Keep typographic quotes: 'Iâ€™m' must become 'I’m', not "I'm"; NFC is ftfy's default.
        return ftfy.fix_text(t, uncurl_quotes=False)

    return texts.map(fix)


def clean_text(df: DataFrame) -> DataFrame:
    """Repair and normalise the complaint text.

    Input: text_raw, parse_errors. Output: the input plus text_clean (string, never null:
    encoding repaired, NFC, whitespace collapsed, trimmed; emoji kept), text_length_raw (int,
    characters of text_raw, 0 when null) and clean_flags (array<string>: 'mojibake_fixed'
    when the repair changed a text that looked like mojibake), consumed by the expectations.
    """
    c = _clean_columns()
    fixes = lookup_table(df.where(c["needs_python"]), [c["raw"]], _fix_text_udf, "_fixed", spread=True)
    return (
        with_lookup(df, c["raw"], fixes, "_fixed", "_repaired")
        .withColumns({name: c[name] for name in ("text_clean", "text_length_raw", "clean_flags")})
        .drop("_repaired")
    )


@per_session
def _clean_columns() -> dict[str, Column]:
    raw = F.col("text_raw")
    repaired = F.coalesce(F.col("_repaired"), raw)
    collapsed = F.trim(F.regexp_replace(repaired, _WHITESPACE, " "))
    # Only a repaired text can be flagged: the comparison first, the regex on the few repaired.
    mojibake = (repaired != raw) & raw.rlike(_MOJIBAKE_HINT)
    # One reference to the raw text: clean_text filters on this, and where its input is not
    # materialised Spark pushes the filter into the parsers, repeating the text's expression
    # (from_csv for the files) once per reference. A non-ASCII pre-test did that three times.
    return {
        "raw": raw,
        "needs_python": raw.rlike(_NEEDS_PYTHON),
        "text_clean": F.coalesce(collapsed, F.lit("")),
        "text_length_raw": F.coalesce(F.length(raw), F.lit(0)).cast("int"),
        "clean_flags": present(F.when(mojibake, F.lit(MOJIBAKE_FIXED))),
    }


def _words_regex(words: Iterable[str]) -> str:
    # A whole token of [a-z] equal to one of the words (tokens are maximal [a-z] runs).
    words = sorted(words)
    return starts_with_one_of(words) + "(?<![a-z])" + trie_pattern(words) + "(?![a-z])"


_STRONG_REGEX = _words_regex(set(PIDGIN_MARKERS) - set(_WEAK))
_WEAK_REGEX = _words_regex(_WEAK)


def language_hint(df: DataFrame) -> DataFrame:
    """Add language_hint: 'en' | 'pcm' | 'mixed' (null for text without words).

    Input: text_clean. A cheap heuristic on Pidgin marker words (PIDGIN_MARKERS): no marker ->
    'en'; markers >= PIDGIN_SHARE of the words -> 'pcm'; otherwise 'mixed'. Words are the
    maximal runs of a-z in the lower-cased text; counted with regexes (generated code).
    """
    strong, hint = _language_columns()
    return df.withColumns(strong).withColumn("language_hint", hint).drop(*strong)


@per_session
def _language_columns() -> tuple[dict[str, Column], Column]:
    lower = F.lower(F.col("text_clean"))
    strong = F.col("_lh_strong")
    # Without a strong marker there is no marker at all (the weak ones count only beside a
    # strong one): 'en', or null without a word. Only the other texts (under half of them) are
    # searched for the weak markers and have their words counted.
    markers = strong + count_matches(lower, _WEAK_REGEX)
    share = markers / count_matches(lower, "[a-z]+")  # a strong marker is a word: never 0
    hint = (
        F.when(strong > 0, F.when(share >= PIDGIN_SHARE, F.lit("pcm")).otherwise(F.lit("mixed")))
        .when(lower.rlike("[a-z]"), F.lit("en"))
        .otherwise(F.lit(None).cast("string"))
    )
    return {"_lh_strong": count_matches(lower, _STRONG_REGEX)}, hint
