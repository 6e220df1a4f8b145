"""trie_pattern: the same matches as a longest-first alternation, in Python and in Spark (Java);
starts_with_one_of: a guard that changes no match."""

from __future__ import annotations

import re

import pytest
from chispa import assert_df_equality
from pyspark.sql import functions as F

from beejan_lakehouse.patterns import starts_with_one_of, trie_pattern

NAMES = ["ikeja", "ikeja gra", "gra", "ikorodu", "lekki phase 1", "v.i."]
EDGE = r"(?<![\w])(", r")(?![\w])"


def _alternation(words: list[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=lambda w: (-len(w), w)))


@pytest.mark.parametrize("word", NAMES)
def test_every_word_matches_whole(word):
    assert re.fullmatch(trie_pattern(NAMES), word)


@pytest.mark.parametrize("text", ["ikej", "ikeja g", "gr", "lekki phase", "vxi.", ""])
def test_a_prefix_or_a_near_miss_does_not_match_whole(text):
    assert re.fullmatch(trie_pattern(NAMES), text) is None


def test_the_longest_word_wins_and_a_failed_edge_falls_back_to_a_shorter_one():
    texts = ["no signal in ikeja gra since monday", "ikeja grammar school", "at ikorodu.", "v.i. office", "x"]
    trie = re.compile(EDGE[0] + trie_pattern(NAMES) + EDGE[1])
    alternation = re.compile(EDGE[0] + _alternation(NAMES) + EDGE[1])

    def first(regex: re.Pattern[str], text: str) -> str | None:
        match = regex.search(text)
        return match.group(1) if match else None

    found = [first(trie, t) for t in texts]
    assert found == ["ikeja gra", "ikeja", "ikorodu", "v.i.", None]
    assert found == [first(alternation, t) for t in texts]


def test_java_regex_reads_the_pattern_as_python_does(spark):
    pattern = r"(?<![\p{L}\p{N}_])(" + trie_pattern(NAMES) + r")(?![\p{L}\p{N}_])"
    df = spark.createDataFrame(
        [("a", "no signal in ikeja gra since monday"), ("b", "ikeja grammar school"), ("c", "at v.i. now"),
         ("d", "lekki phase 1!"), ("e", "gracious")],
        "id string, text string",
    )  # fmt: skip
    actual = df.select("id", F.regexp_extract("text", pattern, 1).alias("found"))
    expected = spark.createDataFrame(
        [("a", "ikeja gra"), ("b", "ikeja"), ("c", "v.i."), ("d", "lekki phase 1"), ("e", "")],
        "id string, found string",
    )
    assert_df_equality(actual, expected, ignore_row_order=True, ignore_nullable=True)


def test_no_words_is_an_error():
    with pytest.raises(ValueError):
        trie_pattern([])


def test_the_first_character_guard_lists_each_first_character_once_escaped():
    assert starts_with_one_of(["back", "bill", "cut", ".net", ""]) == r"(?=[\.bc])"
    with pytest.raises(ValueError):
        starts_with_one_of(["", ""])


def test_the_guard_changes_no_match_in_python_or_java(spark):
    texts = [
        "no signal in ikeja gra since monday", "ikeja grammar school", "at v.i. now", "lekki phase 1!",
        "gracious", "xikeja", "v.i.ikeja", "gra gra", "",
    ]  # fmt: skip
    py_plain = re.compile(EDGE[0] + trie_pattern(NAMES) + EDGE[1])
    py_guarded = re.compile(starts_with_one_of(NAMES) + py_plain.pattern)
    assert [py_guarded.findall(t) for t in texts] == [py_plain.findall(t) for t in texts]
    plain = r"(?<![\p{L}\p{N}_])(" + trie_pattern(NAMES) + r")(?![\p{L}\p{N}_])"
    guarded = starts_with_one_of(NAMES) + plain
    df = spark.createDataFrame([(t,) for t in texts], "text string")
    found = df.select(
        F.regexp_extract_all("text", F.lit(plain), 1).alias("plain"),
        F.regexp_extract_all("text", F.lit(guarded), 1).alias("guarded"),
    ).collect()
    assert [r.guarded for r in found] == [r.plain for r in found]
    assert found[0].guarded == ["ikeja gra"] and found[7].guarded == ["gra", "gra"]
