"""De-duplication: first delivery kept, exact text dropped, near-duplicates and retweets clustered."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from chispa import assert_df_equality
from pyspark.sql import functions as F

from beejan_lakehouse.silver.dedup import DedupSettings, NearDuplicateFinder, complaint_id, keep_first_delivery

T0 = datetime(2026, 11, 20, 8, 0, 0)
SLOW = "my data has been very slow since morning in lekki, videos no dey load at all"
BATCH = "complaint_id string, author_key string, event_ts_utc timestamp, text_masked string, retweet_of_id string"
HISTORY = "complaint_id string, author_key string, event_ts_utc timestamp, text_masked string, dup_cluster_id string"


@pytest.fixture(scope="module")
def finder(spark) -> NearDuplicateFinder:
    return NearDuplicateFinder(DedupSettings(window_hours=24, threshold=0.6, num_hashes=24))


def flags(df):
    return df.select("complaint_id", "is_duplicate", "dup_kind", "dup_cluster_id")


def expected(spark, rows):
    return spark.createDataFrame(
        rows, "complaint_id string, is_duplicate boolean, dup_kind string, dup_cluster_id string"
    )


def test_complaint_id_is_sha256_of_channel_and_source_id(spark):
    df = spark.createDataFrame([("sms", "SM1")], "channel string, source_id string")
    assert (
        df.select(complaint_id("channel", "source_id").alias("id")).first()["id"]
        == hashlib.sha256(b"sms|SM1").hexdigest()
    )


def test_keep_first_delivery_keeps_earliest_ingested_copy(spark):
    df = spark.createDataFrame(
        [("c1", T0 + timedelta(seconds=5), 7, None), ("c1", T0, 9, None), ("c2", T0, 1, None)],
        "complaint_id string, ingest_ts timestamp, bronze_offset long, bronze_line int",
    )
    expected_df = spark.createDataFrame(
        [("c1", T0, 9, None), ("c2", T0, 1, None)],
        "complaint_id string, ingest_ts timestamp, bronze_offset long, bronze_line int",
    )
    assert_df_equality(keep_first_delivery(df), expected_df, ignore_row_order=True, ignore_nullable=True)


def test_same_author_exact_text_near_edit_and_window(spark, finder):
    batch = spark.createDataFrame(
        [
            ("a1", "alice", T0, SLOW, None),
            ("a2", "alice", T0 + timedelta(hours=1), SLOW + " abeg", None),  # light edit
            ("a3", "alice", T0 + timedelta(hours=2), SLOW.upper() + "!!", None),  # same text
            ("b1", "bola", T0, SLOW, None),  # another customer: not a duplicate
            ("a4", "alice", T0 + timedelta(hours=27), SLOW, None),  # beyond 24 h of a1..a3
            ("a5", "alice", T0 + timedelta(hours=3), "I was charged twice for my recharge of N500", None),
        ],
        BATCH,
    )
    history = spark.createDataFrame([], HISTORY)
    result = batch.transform(finder.mark(history))
    assert_df_equality(
        flags(result),
        expected(
            spark,
            [
                ("a1", False, None, "a1"),
                ("a2", True, "near", "a1"),
                ("a3", True, "exact_text", "a1"),
                ("b1", False, None, "b1"),
                ("a4", False, None, "a4"),
                ("a5", False, None, "a5"),
            ],
        ),
        ignore_row_order=True,
        ignore_nullable=True,
    )


def test_a_text_too_short_to_sign_only_matches_the_same_text(spark, finder):
    # Exact text is compared by its key (a hash of the normalised text), near text by the
    # signatures, and a text under minhash.MIN_CHARS has none: "ok" and "OK!" are the same
    # text, "ok" and "ko" share no match, however alike their (absent) signatures.
    batch = spark.createDataFrame(
        [
            ("s1", "alice", T0, "ok", None),
            ("s2", "alice", T0 + timedelta(minutes=5), "OK!", None),
            ("s3", "alice", T0 + timedelta(minutes=10), "ko", None),
            ("s4", "alice", T0 + timedelta(minutes=15), "o k", None),  # "o k": 3 characters, signed
            ("s5", "alice", T0 + timedelta(minutes=20), "o  k", None),  # same normalised text as s4
        ],
        BATCH,
    )
    assert_df_equality(
        flags(batch.transform(finder.mark(spark.createDataFrame([], HISTORY)))),
        expected(
            spark,
            [
                ("s1", False, None, "s1"),
                ("s2", True, "exact_text", "s1"),
                ("s3", False, None, "s3"),
                ("s4", False, None, "s4"),
                ("s5", True, "exact_text", "s4"),
            ],
        ),
        ignore_row_order=True,
        ignore_nullable=True,
    )


def test_text_key_is_equal_for_equal_texts_only_and_null_for_null(spark):
    from beejan_lakehouse.silver.dedup import text_key

    df = spark.createDataFrame([("no network",), ("no network",), ("no  network",), (None,)], "t string")
    keys = [r[0] for r in df.select(text_key(F.col("t"))).collect()]
    assert keys[0] == keys[1] and keys[0] is not None
    assert keys[2] not in (keys[0], None)
    assert keys[3] is None


def test_pairs_across_a_time_bucket_boundary_and_chains_in_the_batch(spark, finder):
    # Candidates are paired by (author, 24 h bucket since the epoch, UTC days here): an earlier
    # batch row pairs with the later one in the next bucket, a history row with a batch row in
    # the bucket before its own (history is earlier whatever its time), and a chain of edits
    # ends in its first complaint's cluster.
    day = datetime(2026, 11, 20, tzinfo=UTC)
    history = spark.createDataFrame(
        [
            (
                "h1",
                "bola",
                day + timedelta(hours=24, minutes=20),
                "no network in ikeja since yesterday, calls no dey go",
                "h0",
            )
        ],
        HISTORY,
    )
    batch = spark.createDataFrame(
        [
            ("x1", "alice", day + timedelta(hours=23, minutes=30), SLOW, None),
            ("x2", "alice", day + timedelta(hours=24, minutes=30), SLOW + " abeg", None),
            # 23 h 45 min after x2, 24 h 45 min after x1: pairs with x2 only.
            ("x3", "alice", day + timedelta(hours=48, minutes=15), SLOW + " abeg o", None),
            (
                "y1",
                "bola",
                day + timedelta(hours=23, minutes=50),
                "no network in ikeja since yesterday, calls no dey go at all",
                None,
            ),
        ],
        BATCH,
    )
    assert_df_equality(
        flags(batch.transform(finder.mark(history))),
        expected(
            spark,
            [
                ("x1", False, None, "x1"),
                ("x2", True, "near", "x1"),
                ("x3", True, "near", "x1"),
                ("y1", True, "near", "h0"),
            ],
        ),
        ignore_row_order=True,
        ignore_nullable=True,
    )


def test_history_rows_are_earlier_and_lend_their_cluster(spark, finder):
    history = spark.createDataFrame(
        [("h1", "chidi", T0, "no network in ikeja since yesterday, calls no dey go", "h0")], HISTORY
    )
    batch = spark.createDataFrame(
        [("c1", "chidi", T0 + timedelta(hours=5), "no network in ikeja since yesterday, calls no dey go at all", None)],
        BATCH,
    )
    assert_df_equality(
        flags(batch.transform(finder.mark(history))),
        expected(spark, [("c1", True, "near", "h0")]),
        ignore_nullable=True,
    )


def test_retweet_of_a_held_complaint_joins_its_cluster(spark, finder):
    original = hashlib.sha256(b"social|p1").hexdigest()
    history = spark.createDataFrame([(original, "dayo", T0, "network is terrible in yaba", original)], HISTORY)
    batch = spark.createDataFrame(
        [
            ("r1", "femi", T0 + timedelta(minutes=3), "RT network is terrible in yaba", "p1"),
            ("r2", "femi", T0 + timedelta(minutes=4), "RT something else entirely", "p404"),
        ],
        BATCH,
    )
    assert_df_equality(
        flags(batch.transform(finder.mark(history))),
        expected(spark, [("r1", True, "retweet", original), ("r2", False, None, "r2")]),
        ignore_row_order=True,
        ignore_nullable=True,
    )


def test_rows_without_author_are_never_matched(spark, finder):
    batch = spark.createDataFrame([("n1", None, T0, SLOW, None), ("n2", None, T0, SLOW, None)], BATCH)
    assert_df_equality(
        flags(batch.transform(finder.mark(spark.createDataFrame([], HISTORY)))),
        expected(spark, [("n1", False, None, "n1"), ("n2", False, None, "n2")]),
        ignore_row_order=True,
        ignore_nullable=True,
    )


def test_the_silver_scan_of_a_batch_spans_the_window_either_side_rounded_out_to_whole_hours():
    from datetime import UTC, datetime

    from beejan_lakehouse.silver.pipeline import scan_bounds

    lo, hi = datetime(2026, 12, 2, 10, 17, 5, 123456, tzinfo=UTC), datetime(2026, 12, 2, 13, 0, tzinfo=UTC)
    assert scan_bounds((lo, hi), 24) == (datetime(2026, 12, 1, 10, tzinfo=UTC), datetime(2026, 12, 3, 13, tzinfo=UTC))
    # Every batch within the same hours scans the same span (the same literals, the same code).
    later = (lo.replace(minute=59), hi.replace(second=0))
    assert scan_bounds(later, 24) == scan_bounds((lo, hi), 24)


def test_agreement_is_the_share_of_signature_positions_that_agree(spark):
    from beejan_lakehouse.silver.minhash import agreement, hash_family, signatures

    a, b = hash_family(24, 7)
    texts = [SLOW, SLOW.replace("lekki", "ajah"), "no network at all in my area since yesterday", "ok"]
    sigs = signatures(texts, a, b)
    assert sigs[3] is None  # too short to sign
    pairs = [(0, 0), (0, 1), (0, 2), (1, 2), (0, 3)]
    rows = [
        (i, j, None if sigs[i] is None else sigs[i].tolist(), None if sigs[j] is None else sigs[j].tolist())
        for i, j in pairs
    ]
    df = spark.createDataFrame(rows, "i int, j int, a array<bigint>, b array<bigint>")
    got = df.select("i", "j", agreement(df["a"], df["b"], 24).alias("s"))
    # Positions agree where the min-hashes are equal, and only there (element i is i << 32 | h_i).
    want = [(i, j, None if sigs[j] is None else float((sigs[i] == sigs[j]).sum()) / 24) for i, j in pairs]
    assert want[0][2] == 1.0 and 0.0 < want[1][2] < 1.0  # the pairs span the whole range
    assert_df_equality(got, spark.createDataFrame(want, "i int, j int, s double"), ignore_nullable=True)
    # The same values as counting the common elements.
    same = df.where(agreement(df["a"], df["b"], 24) * 24 != F.size(F.array_intersect("a", "b")))
    assert same.count() == 0


def test_the_pair_matching_is_generated_code_the_jit_compiles(spark, finder):
    # A generated method over HotSpot's limit runs in the bytecode interpreter: the similarity
    # of ~2,000,000 candidate pairs took 19-24 s instead of ~6 s on a 500,000-row batch.
    from beejan_lakehouse.plans import JIT_METHOD_LIMIT, generated_method_sizes

    batch = spark.createDataFrame([("a1", "alice", T0, SLOW, None)], BATCH)
    sizes = generated_method_sizes(batch.transform(finder.mark(spark.createDataFrame([], HISTORY))))
    assert any("SortMergeJoin" in subtree or "BroadcastHashJoin" in subtree for _, subtree in sizes), sizes
    assert max(size for size, _ in sizes) <= JIT_METHOD_LIMIT, sizes


def test_a_batch_is_signed_as_each_text_alone():
    # signatures() works through long batches SIGN_CHUNK texts at a time: the slices' edges
    # (a null, a too-short text, a one-character text at a boundary) must not shift anything.
    from beejan_lakehouse.silver.minhash import SIGN_CHUNK, hash_family, signatures

    a, b = hash_family(24, 11)
    texts = [
        None if i % 97 == 0 else "ok" if i % 89 == 0 else f"{SLOW} {i}"[: 3 + i % 70]
        for i in range(2 * SIGN_CHUNK + 37)
    ]
    texts[SIGN_CHUNK - 1], texts[SIGN_CHUNK] = None, "x"
    batch = signatures(texts, a, b)
    alone = [signatures([t], a, b)[0] for t in texts]
    assert len(batch) == len(texts)
    assert sum(s is None for s in batch) > 2
    for got, want in zip(batch, alone, strict=True):
        assert (got is None and want is None) or (got is not None and want is not None and (got == want).all())
