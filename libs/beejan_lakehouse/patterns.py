"""Regular-expression building blocks shared by the Python (`re`) and JVM (java.util.regex)
matchers.

Why a trie: both engines backtrack, so an alternation of N words is tried branch by branch at
every position of the text (N comparisons per character). The same words as a trie (one branch
per next character) cost about one comparison per character, whatever N is: for the 147
neighbourhood names enrichment searches, 2.66 s -> 0.56 s per 50,000 texts
(bench/RESULTS.md).
"""

from __future__ import annotations

import re
from collections.abc import Iterable


def trie_pattern(words: Iterable[str]) -> str:
    """Regex matching exactly `words`, as a trie: '(?:b(?:ack|ill)|c(?:harg(?:ed)?|ut))'.

    At a given position it matches the longest word the text continues with (the branches of a
    node start with different characters, so only one can continue; an optional tail is tried
    before stopping), and backtracks to the shorter ones when what follows fails. Valid in
    Python and Java regex syntax (characters are escaped with a backslash where special).
    """
    trie: dict = {}
    for word in sorted(set(words)):
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}
    if not trie:
        raise ValueError("trie_pattern needs at least one non-empty word")

    def pattern(node: dict) -> str:
        alternatives = [re.escape(ch) + pattern(child) for ch, child in sorted(node.items()) if ch]
        if not alternatives:
            return ""
        body = alternatives[0] if len(alternatives) == 1 else "(?:" + "|".join(alternatives) + ")"
        return f"(?:{body})?" if "" in node else body

    return pattern(trie)
