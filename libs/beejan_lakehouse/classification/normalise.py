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
_REPEATS = re.compile(r"([a-z])\1{2,}")
_URL = re.compile(r"https?://\S+|www\.\S+")
_MENTION = re.compile(r"@\w+")
# Amounts in any notation (N500, ₦1,500, #500, NGN 2,000, 2k, 500naira) become one token: the value never
# decides the category, the presence of money does.
_AMOUNT = re.compile(r"(?:₦|#|\bn|\bngn)\s?\d[\d,\.]*k?\b|\b\d[\d,\.]*\s?(?:k\b|naira\b|nara\b)")
_SPACES = re.compile(r"\s+")
# Characters that only appear in mojibake (UTF-8 read as cp1252/latin-1): "â€™", "Ã©", "ðŸ".
_MOJIBAKE_HINT = re.compile("[\u00c2\u00c3\u00e2\u00f0\u00c5\u00ce\u00cf\u00d0\u00d1\u00ef]")


def normalise_text(text: object) -> str:
    """Return `text` repaired (mojibake), lower-cased, with URLs/mentions/amounts tokenised.

    None and non-strings become "" or their str(); the result is what rules match against.
    """
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    # ftfy costs ~50x a lowercase (more with emoji), so only texts showing mojibake's
    # telltale lead characters pay for it.
    if not text.isascii() and _MOJIBAKE_HINT.search(text):
        text = ftfy.fix_text(text)
    text = text.lower().replace("\u2019", "'")
    text = _URL.sub(" url ", text)
    text = _MENTION.sub(" @user ", text)
    text = _AMOUNT.sub(" amt ", text)
    text = _REPEATS.sub(r"\1\1", text)
    return _SPACES.sub(" ", text).strip()


def normalise_texts(texts: Iterable[object]) -> list[str]:
    """Vector form of normalise_text; accepts a list, Series, 1-D array or 1-column DataFrame."""
    columns = getattr(texts, "columns", None)
    if columns is not None:
        # pyfunc passes a DataFrame; the model's only input is its "text" (or first) column.
        texts = texts["text"] if "text" in columns else texts.iloc[:, 0]  # type: ignore[index,union-attr]
    return [normalise_text(t) for t in texts]
