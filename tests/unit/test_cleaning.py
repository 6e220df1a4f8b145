"""clean_text and language_hint: exact expected DataFrames."""

from __future__ import annotations

from chispa import assert_df_equality

from beejan_lakehouse.silver.cleaning import clean_text, language_hint


def _texts(spark, *texts: str | None):
    return spark.createDataFrame([(t, []) for t in texts], "text_raw string, parse_errors array<string>")


def _clean(spark, *texts: str | None):
    return _texts(spark, *texts).transform(clean_text)


def test_mojibake_is_repaired_and_flagged(spark):
    actual = _clean(spark, "I was charged â‚¦500 twice", "Iâ€™m tired ðŸ˜¡")
    expected = spark.createDataFrame(
        [("I was charged ₦500 twice", ["mojibake_fixed"]), ("I’m tired 😡", ["mojibake_fixed"])],
        "text_clean string, clean_flags array<string>",
    )
    assert_df_equality(actual.select("text_clean", "clean_flags"), expected, ignore_row_order=True,
                       ignore_nullable=True)  # fmt: skip


def test_emoji_and_clean_text_pass_through_unflagged(spark):
    actual = _clean(spark, "no network 😤🙄 #BeejanDown", "na wa ₦1,000 don go")
    expected = spark.createDataFrame(
        [("no network 😤🙄 #BeejanDown", []), ("na wa ₦1,000 don go", [])],
        "text_clean string, clean_flags array<string>",
    )
    assert_df_equality(actual.select("text_clean", "clean_flags"), expected, ignore_row_order=True,
                       ignore_nullable=True)  # fmt: skip


def test_whitespace_is_collapsed_and_trimmed(spark):
    actual = _clean(spark, "  slow\t\tdata \n\n since\u00a0morning  ")
    expected = spark.createDataFrame([("slow data since morning",)], "text_clean string")
    assert_df_equality(actual.select("text_clean"), expected, ignore_nullable=True)


def test_unicode_is_nfc_normalised(spark):
    actual = _clean(spark, "cafe\u0301 signal")  # e + combining acute
    assert_df_equality(actual.select("text_clean"), spark.createDataFrame([("caf\u00e9 signal",)], "text_clean string"),
                       ignore_nullable=True)  # fmt: skip


def test_missing_text_cleans_to_empty_with_zero_raw_length(spark):
    actual = _clean(spark, None, " ab ")
    expected = spark.createDataFrame(
        [(None, "", 0), (" ab ", "ab", 4)], "text_raw string, text_clean string, text_length_raw int"
    )
    assert_df_equality(actual.select("text_raw", "text_clean", "text_length_raw"), expected, ignore_row_order=True,
                       ignore_nullable=True)  # fmt: skip


def test_language_hint_en_pcm_mixed(spark):
    df = spark.createDataFrame(
        [("my data is very slow since yesterday",), ("abeg una fix am, network no dey work",),
         ("I have been charged twice for the same bundle abeg",), ("...",), ("make am fit work o, na so",),
         ("abeg make am fit work, na so o",), ("Abeg: 1 2 3 4 5 6 7 8 9",), ("",)],
        "text_clean string",
    )  # fmt: skip
    # Weak markers alone are English; beside a strong one they count (6 markers of 8 words).
    expected = spark.createDataFrame(
        [("my data is very slow since yesterday", "en"), ("abeg una fix am, network no dey work", "pcm"),
         ("I have been charged twice for the same bundle abeg", "mixed"), ("...", None),
         ("make am fit work o, na so", "en"), ("abeg make am fit work, na so o", "pcm"),
         ("Abeg: 1 2 3 4 5 6 7 8 9", "pcm"), ("", None)],
        "text_clean string, language_hint string",
    )  # fmt: skip
    assert_df_equality(df.transform(language_hint), expected, ignore_row_order=True, ignore_nullable=True)
