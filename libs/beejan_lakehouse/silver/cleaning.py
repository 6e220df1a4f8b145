"""Text cleaning for silver: encoding repair (ftfy), Unicode NFC, whitespace; a language hint.

Throughput: only rows that can need Python are sent to it. A row whose text has no character
in U+00C2..U+00F4 (every UTF-8 lead byte read as cp1252/latin-1 lands there, so all mojibake
does) and no combining mark (the only thing NFC changes in practice) is already clean; for
those the UDF receives null, so Arrow ships almost nothing and ftfy never runs.
"""

from __future__ import annotations

import pandas as pd
from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F
from pyspark.sql.functions import pandas_udf
from pyspark.sql.types import StringType

MOJIBAKE_FIXED = "mojibake_fixed"
# Characters mojibake is made of (UTF-8 lead bytes C2..F4 decoded as cp1252/latin-1).
_MOJIBAKE_HINT = r"[\x{00C2}-\x{00F4}]"
_NEEDS_PYTHON = _MOJIBAKE_HINT + r"|\p{M}"
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
    raw = F.col("text_raw")
    needs_python = raw.rlike(_NEEDS_PYTHON)
    repaired = F.coalesce(_fix_text_udf(F.when(needs_python, raw)), raw)
    collapsed = F.trim(F.regexp_replace(repaired, _WHITESPACE, " "))
    mojibake = raw.rlike(_MOJIBAKE_HINT) & (repaired != raw)
    return (
        df.withColumn("text_clean", F.coalesce(collapsed, F.lit("")))
        .withColumn("text_length_raw", F.coalesce(F.length(raw), F.lit(0)).cast("int"))
        .withColumn("clean_flags", F.array_compact(F.array(F.when(mojibake, F.lit(MOJIBAKE_FIXED)))))
    )


def _language_hint(text: Column) -> Column:
    tokens = F.filter(F.split(F.lower(text), r"[^a-z]+"), lambda t: t != "")
    strong = F.array(*[F.lit(w) for w in sorted(set(PIDGIN_MARKERS) - set(_WEAK))])
    weak = F.array(*[F.lit(w) for w in _WEAK])
    n_strong = F.size(F.filter(tokens, lambda t: F.array_contains(strong, t)))
    n_weak = F.size(F.filter(tokens, lambda t: F.array_contains(weak, t)))
    markers = n_strong + F.when(n_strong > 0, n_weak).otherwise(0)
    share = markers / F.greatest(F.size(tokens), F.lit(1))
    return (
        F.when(F.size(tokens) == 0, F.lit(None))
        .when(markers == 0, F.lit("en"))
        .when(share >= PIDGIN_SHARE, F.lit("pcm"))
        .otherwise(F.lit("mixed"))
    )


def language_hint(df: DataFrame) -> DataFrame:
    """Add language_hint: 'en' | 'pcm' | 'mixed' (null for text without words).

    Input: text_clean. A cheap heuristic on Pidgin marker words (PIDGIN_MARKERS): no marker ->
    'en'; markers >= PIDGIN_SHARE of the words -> 'pcm'; otherwise 'mixed'.
    """
    return df.withColumn("language_hint", _language_hint(F.col("text_clean")))
