"""De-duplication: exact repeats are kept once; near-duplicates are clustered and flagged.

- Same source message delivered twice: same `complaint_id` (sha2 of channel and source id);
  kept once within a batch here and against silver by the writer's anti-join.
- Same text from the same author within the window (`dup_kind = 'exact_text'`): dropped.
- Near-duplicates (light edits, the same complaint on two channels) from the same author within
  the window: MinHash signatures over character 3-shingles (`minhash.py`) whose agreement
  estimates Jaccard similarity >= threshold; flagged `is_duplicate` with the first
  complaint's cluster id. Retweets of a complaint we hold join its cluster (`dup_kind = 'retweet'`).

Candidates are paired by an equi-join on `author_key` within the window rather than by
`approxSimilarityJoin`: duplicates are same-author by definition, and a global bucket join
explodes on frequent short texts ("no network") shared by thousands of different customers.
"The first" is the earliest by event time (then complaint id); rows already in silver are
always earlier than the batch being processed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from beejan_lakehouse.columns import per_session
from beejan_lakehouse.silver.minhash import agreement, signature_udf

# Silver columns the de-duplication needs from earlier complaints (dup_cluster_id is never null).
HISTORY_COLUMNS = ("complaint_id", "author_key", "event_ts_utc", "text_masked", "dup_cluster_id")


@dataclass(frozen=True)
class DedupSettings:
    """Window and similarity settings (conf: silver.dedup)."""

    window_hours: int = 24
    threshold: float = 0.6  # estimated Jaccard similarity of character 3-shingles
    num_hashes: int = 24
    seed: int = 20261122


def complaint_id(channel: Column | str, source_id: Column | str) -> Column:
    """Deterministic complaint id: sha2-256 of 'channel|source_id' (hex)."""
    return F.sha2(
        F.concat_ws(
            "|",
            F.col(channel) if isinstance(channel, str) else channel,
            F.col(source_id) if isinstance(source_id, str) else source_id,
        ),
        256,
    )


def keep_first_delivery(df: DataFrame) -> DataFrame:
    """Drop repeated deliveries of one source message within a batch (same complaint_id).

    Keeps the earliest ingested copy (then lowest bronze offset/line) so the choice is stable.
    """
    order = Window.partitionBy("complaint_id").orderBy(
        "ingest_ts", F.col("bronze_offset").asc_nulls_last(), F.col("bronze_line").asc_nulls_last()
    )
    return df.withColumn("_rn", F.row_number().over(order)).where("_rn = 1").drop("_rn")


def normalised_text(col: str) -> Column:
    """Lower case, every run of non-letters/digits (but the <TOKEN> brackets) as one space."""
    return F.trim(F.regexp_replace(F.lower(F.col(col)), r"[^\p{L}\p{N}<>]+", " "))


def text_key(norm: Column) -> Column:
    """A normalised text's 64-bit hash (xxhash64; null for null), what the exact-text match
    compares: 8 bytes where the text is ~120 characters in de-duplication's shuffles. Two
    different texts of one author within the window share a key with probability 2**-64.
    """
    return F.when(norm.isNotNull(), F.xxhash64(norm))


class NearDuplicateFinder:
    """MinHash signatures and the same-author, same-window matching around them."""

    def __init__(self, settings: DedupSettings) -> None:
        self.settings = settings
        self._signature = signature_udf(settings.num_hashes, settings.seed)

    def signed(self, norm: Column, where: Column | None = None) -> dict[str, Column]:
        """De-duplication's inputs from a `normalised_text` column: `_sig` (its MinHash signature,
        array<bigint>, a pandas UDF, see minhash.py; null for a text shorter than
        minhash.MIN_CHARS, and where `where` does not hold) and `_text_key` (its `text_key`)."""
        return {"_sig": self._signature(norm if where is None else F.when(where, norm)), "_text_key": text_key(norm)}

    def signatures(self, df: DataFrame) -> DataFrame:
        """Adds `signed` of the normalised text_masked (`_sig`, `_text_key`).

        Rows that already carry both (computed with the other per-row work) are left as they are.
        """
        if {"_text_key", "_sig"} <= set(df.columns):
            return df
        norm, signed = self._signature_columns
        return df.withColumn("_norm", norm).withColumns(signed).drop("_norm")

    @cached_property
    def _signature_columns(self) -> tuple[Column, dict[str, Column]]:
        return normalised_text("text_masked"), self.signed(F.col("_norm"))

    def mark(self, history: DataFrame) -> Callable[[DataFrame], DataFrame]:
        """Flag duplicates in a batch against itself and `history` (silver rows in the window).

        Input: batch with complaint_id, author_key, event_ts_utc, text_masked (or _text_key and
        _sig, see `signatures`), retweet_of_id. History: HISTORY_COLUMNS: the authors' earlier
        complaints in the window plus any complaint the batch retweets. Output: the batch plus is_duplicate,
        dup_kind ('exact_text' rows are to be dropped, 'near', 'retweet' or null) and
        dup_cluster_id (the cluster's first complaint id; a complaint that is nobody's
        duplicate is its own cluster). Pass a materialised batch: it is read three times.

        `matches` then `resolve`, in one plan; silver materialises the matches in between
        (`matches` explains why).
        """

        def apply(batch: DataFrame) -> DataFrame:
            return self.resolve(batch, self.matches(batch, history), history)

        return apply

    def matches(self, batch: DataFrame, history: DataFrame) -> DataFrame:
        """Each batch row's best earlier match (`mark`'s inputs): complaint_id, _kind ('exact_text'
        or 'near'), _cluster (the match's cluster, or its id for a batch row). Few rows.

        The candidate pairs are most of de-duplication's work. `resolve` reads the matches in
        three places (the batch's rows, the chains' roots, the retweets' originals), and Spark
        re-ran the pairing for each whose columns differed (bench/RESULTS.md): a caller that
        materialises the matches pairs once.
        """
        c = _pairing_columns(self.settings)
        signed = self.signatures(batch)
        history_signed = self.signatures(history.select(*HISTORY_COLUMNS))
        pool = (
            history_signed.where(c["has_author"])
            .select(*c["history_candidate"])
            .unionByName(signed.where(c["has_author"]).select(*c["batch_candidate"]))
        )
        # Equi-join on (author, time bucket) so an author's whole history is never paired
        # with itself: each candidate is offered to the buckets of the rows it can precede
        # within the window (`c_buckets`); then the exact window applies.
        left = signed.where(c["has_author"]).select(*c["left"])
        right = pool.withColumn("c_bucket", c["c_buckets"])
        pairs = left.join(right, c["pair"]).where(c["earlier"])
        # Filtered first, then labelled: a label column filtered on `is not null` puts the
        # similarity into the join's generated code twice, a method too long for the JIT.
        matched = pairs.where(c["is_match"]).withColumn("_kind", c["kind"])
        return matched.withColumn("_rn", c["rank"]).where(c["is_best"]).select(*c["best"])

    def resolve(self, batch: DataFrame, matches: DataFrame, history: DataFrame) -> DataFrame:
        """`mark`'s output from the batch, its `matches` and the history."""
        return _resolve(batch.join(matches, "complaint_id", "left"), history)


@per_session
def _pairing_columns(s: DedupSettings) -> dict:
    """The column expressions of `mark`, built once per session for these settings."""
    bucket_s = s.window_hours * 3600

    def candidate(cluster: Column, from_history: bool) -> list[Column]:
        return [
            F.col("complaint_id").alias("c_id"),
            F.col("author_key").alias("c_author"),
            F.col("event_ts_utc").alias("c_ts"),
            F.col("_text_key").alias("c_text_key"),
            F.col("_sig").alias("c_sig"),
            cluster.alias("c_cluster"),
            F.lit(from_history).alias("c_history"),
        ]

    c_bucket = F.floor(F.unix_timestamp("c_ts") / bucket_s)
    # Null (no match) where a text is too short to be signed (minhash.MIN_CHARS).
    similar = agreement(F.col("_sig"), F.col("c_sig"), s.num_hashes) >= s.threshold
    same_text = F.col("_text_key") == F.col("c_text_key")
    first = Window.partitionBy("complaint_id").orderBy(F.col("c_history").desc(), "c_ts", "c_id")
    return {
        "has_author": F.col("author_key").isNotNull(),
        "history_candidate": candidate(F.col("dup_cluster_id"), True),
        "batch_candidate": candidate(F.lit(None).cast("string"), False),
        "left": [
            F.col("complaint_id"),
            F.col("author_key"),
            F.col("event_ts_utc"),
            F.col("_text_key"),
            F.col("_sig"),
            F.floor(F.unix_timestamp("event_ts_utc") / bucket_s).alias("_bucket"),
        ],
        # A history row counts as earlier than any batch row (`earlier`): its own bucket and
        # both neighbours. A batch row is only ever the earlier one of a pair, so the later row
        # is in its bucket or the next (buckets are as wide as the window): a third fewer
        # candidate rows in the join's shuffle and no pairs that `earlier` would drop anyway.
        "c_buckets": F.explode(
            F.when(F.col("c_history"), F.array(c_bucket - 1, c_bucket, c_bucket + 1)).otherwise(
                F.array(c_bucket, c_bucket + 1)
            )
        ),
        "pair": (F.col("author_key") == F.col("c_author"))
        & (F.col("_bucket") == F.col("c_bucket"))
        & (F.col("complaint_id") != F.col("c_id"))
        & (F.abs(F.unix_timestamp("event_ts_utc") - F.unix_timestamp("c_ts")) <= bucket_s),
        "earlier": F.col("c_history")
        | (F.col("c_ts") < F.col("event_ts_utc"))
        | ((F.col("c_ts") == F.col("event_ts_utc")) & (F.col("c_id") < F.col("complaint_id"))),
        # A pair matches on the same text or a similar one; the kind of a match (`is_match` rows).
        "is_match": same_text | similar,
        "kind": F.when(same_text, F.lit("exact_text")).otherwise(F.lit("near")),
        "rank": F.row_number().over(first),
        "is_best": F.col("_rn") == 1,
        "best": [F.col("complaint_id"), F.col("_kind"), F.coalesce("c_cluster", "c_id").alias("_cluster")],
    }


def _resolve(df: DataFrame, history: DataFrame) -> DataFrame:
    """Final duplicate columns; chains inside one batch collapse to their root cluster.

    The duplicates and the retweeted originals are few next to the batch, so both lookups are
    broadcast: the batch is never shuffled again here.
    """
    c = _resolve_columns()
    roots = F.broadcast(df.where(c["has_cluster"]).select(*c["roots"]))
    resolved = df.join(roots, c["is_root"], "left").withColumn("_cluster", c["root_cluster"]).drop("_child", "_root")
    # A retweet of a complaint we hold joins that complaint's cluster.
    targets = F.broadcast(resolved.where(c["is_retweet"]).select(c["retweeted"].alias("_orig_id")))
    originals = F.broadcast(
        history.select(*c["history_originals"])
        .unionByName(resolved.select(*c["batch_originals"]))
        .join(targets, "_orig_id", "left_semi")
        .dropDuplicates(["_orig_id"])
    )
    with_rt = resolved.join(originals, c["is_original"], "left")
    return with_rt.withColumns(c["final"]).withColumn("is_duplicate", c["is_duplicate"]).drop(*c["temporary"])


@per_session
def _resolve_columns() -> dict:
    retweeted = complaint_id(F.lit("social"), F.col("retweet_of_id"))
    retweet = F.col("retweet_of_id").isNotNull() & F.col("_orig_cluster").isNotNull() & F.col("_kind").isNull()
    return {
        "has_cluster": F.col("_cluster").isNotNull(),
        "roots": [F.col("complaint_id").alias("_child"), F.col("_cluster").alias("_root")],
        "is_root": F.col("_cluster") == F.col("_child"),
        "root_cluster": F.coalesce("_root", "_cluster"),
        "is_retweet": F.col("retweet_of_id").isNotNull(),
        "retweeted": retweeted,
        "history_originals": [F.col("complaint_id").alias("_orig_id"), F.col("dup_cluster_id").alias("_orig_cluster")],
        "batch_originals": [
            F.col("complaint_id").alias("_orig_id"),
            F.coalesce("_cluster", "complaint_id").alias("_orig_cluster"),
        ],
        "is_original": retweeted == F.col("_orig_id"),
        "final": {
            "dup_kind": F.when(retweet, F.lit("retweet")).otherwise(F.col("_kind")),
            "dup_cluster_id": F.when(retweet, F.col("_orig_cluster")).otherwise(F.coalesce("_cluster", "complaint_id")),
        },
        "is_duplicate": F.col("dup_kind").isNotNull(),
        "temporary": ("_kind", "_cluster", "_orig_id", "_orig_cluster", "_text_key", "_sig"),
    }
