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


def starts_with_one_of(words: Iterable[str]) -> str:
    """Lookahead on the first characters of `words`: '(?=[bc])' for back, bill, cut.

    Put it before a pattern's leading lookbehind (word edge): the engines try a pattern at every
    position and run its nodes in order, so a lookbehind first passes at most characters and
    then walks the trie's first branch; the lookahead is one character-class test that fails on
    every character no word starts with. Same matches; on 50,000 real texts the neighbourhood
    search went 0.35 -> 0.22 s and the Pidgin marker count 0.20 -> 0.11 s (bench/RESULTS.md).
    """
    firsts = sorted({w[0] for w in words if w})
    if not firsts:
        raise ValueError("starts_with_one_of needs at least one non-empty word")
    return "(?=[" + "".join(re.escape(c) for c in firsts) + "])"
