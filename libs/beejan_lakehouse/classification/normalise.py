"""Text normalisation shared by the rules and the model (one definition, so they agree).

Kept dependency-light and self-contained: the trained pipeline pickles these functions by
value, so a registered model loads without this package installed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import ftfy

# Letters repeated 3+ times ("sloooow", "pleaseeee") squeeze to two: one vocabulary entry
# per shouting style, yet "good"/"too" keep their spelling.
_REPEATS = re.compile(r"([a-z])\1\1+")
_URL = re.compile(r"https?://\S+|www\.\S+")
_MENTION = re.compile(r"@\w+")
# Amounts in any notation (N500, ₦1,500, #500, NGN 2,000, 2k, 500naira) become one token: the value never
# decides the category, the presence of money does.
# The lookahead names every character a match can start with, so the alternation (and its
# word-boundary checks) is only tried there: 2.5x faster on realistic batches, same matches.
_AMOUNT = re.compile(r"(?=[₦#n\d])(?:(?:₦|#|\bn|\bngn)\s?\d[\d,\.]*k?\b|\b\d[\d,\.]*\s?(?:k\b|naira\b|nara\b))")
_SPACES = re.compile(r"\s+")
# Characters that only appear in mojibake (UTF-8 read as cp1252/latin-1): "â€™", "Ã©", "ðŸ".
_MOJIBAKE_HINT = re.compile("[\u00c2\u00c3\u00e2\u00f0\u00c5\u00ce\u00cf\u00d0\u00d1\u00ef]")


def normalise_text(text: object) -> str:
    """Return `text` repaired (mojibake), lower-cased, with URLs/mentions/amounts tokenised.

    None and non-strings become "" or their str(); the result is what rules match against.
    """
    # ftfy costs ~50x a lowercase (more with emoji), so only texts showing mojibake's
    # telltale lead characters pay for it.
    text = _fix_mojibake(text).lower().replace("\u2019", "'")
    text = _URL.sub(" url ", text)
    text = _MENTION.sub(" @user ", text)
    text = _AMOUNT.sub(" amt ", text)
    text = _REPEATS.sub(r"\1\1", text)
    return _SPACES.sub(" ", text).strip()


# Batch normalisation joins the texts with this separator and runs each regex once over the
# whole batch (one C-level pass instead of five Python calls per text). It is chosen so no
# pattern above can match across it: "\n" stops `\S+`/`\w+`/`[\d,.]`/`[a-z]`, and "\x00" is
# neither whitespace nor a digit, so `\s?\d` / `\s?k` cannot bridge two texts.
_SEP = "\n\x00\n"


def _fix_mojibake(text: object) -> str:
    if not isinstance(text, str):
        return "" if text is None else str(text)
    if not text.isascii() and _MOJIBAKE_HINT.search(text):
        return ftfy.fix_text(text)
    return text


def normalise_texts(texts: Iterable[object]) -> list[str]:
    """Vector form of normalise_text (same output); accepts a list, Series, 1-D array or
    1-column DataFrame."""
    columns = getattr(texts, "columns", None)
    if columns is not None:
        # pyfunc passes a DataFrame; the model's only input is its "text" (or first) column.
        texts = texts["text"] if "text" in columns else texts.iloc[:, 0]  # type: ignore[index,union-attr]
    fixed = [_fix_mojibake(t) for t in texts]
    if not fixed:
        return []
    joined = _SEP.join(fixed)
    if joined.count("\x00") != len(fixed) - 1:  # a text holds the separator: per-text path
        return [normalise_text(t) for t in fixed]
    text = joined.lower().replace("\u2019", "'")
    text = _URL.sub(" url ", text)
    text = _MENTION.sub(" @user ", text)
    text = _AMOUNT.sub(" amt ", text)
    text = _REPEATS.sub(r"\1\1", text)
    # str.split() splits on the same characters as `\s` (Py_UNICODE_ISSPACE) and drops the
    # ends: per text, `" ".join(t.split())` is `_SPACES.sub(" ", t).strip()` without a regex
    # replacement at every single space.
    out = [" ".join(t.split()) for t in text.split("\x00")]
    if len(out) != len(fixed):  # lower() never adds NULs, but stay exact if it ever did
        return [normalise_text(t) for t in fixed]
    return out
