"""MinHash signatures of character 3-shingles, vectorised over a whole Arrow batch with numpy.

Why not Spark ML's NGram -> HashingTF -> MinHashLSH chain: it measured 86 µs per complaint on
the 2-core machine (three Scala UDFs that convert arrays element by element, then one
vector_to_array per hash), a third of silver's whole per-row budget. This computes the same
kind of signature (one min-hash per hash function over the set of 3-shingles) for a batch
of 10,000 texts in a handful of numpy passes, a few µs per text. Deterministic: the hash
family comes from the configured seed, never from Python's randomised `hash`.

Signature layout: element i is `i << 32 | h_i` (h_i a 32-bit min-hash): two signatures agree
where their elements are equal, position by position (`agreement`, generated code in Spark),
and an element can only equal the other signature's at the same position, so
`size(array_intersect(a, b))` counts the same.
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from functools import reduce

import numpy as np
import pandas as pd
from pyspark.sql import Column
from pyspark.sql.functions import pandas_udf
from pyspark.sql.types import ArrayType, LongType

from beejan_lakehouse.batches import in_slices

SHINGLE = 3
PAD = "  "  # short words still shingle with their neighbourhood ("  ok  " has 4 shingles)
MIN_CHARS = 3  # shorter normalised texts get no signature and are never near-matched
_K1 = np.uint64(0x100000001B3)
_K2 = np.uint64(0x100000001B3 * 0x100000001B3 % 2**64)
_MIX = np.uint64(0x9E3779B97F4A7C15)
_SHIFT = np.uint64(32)


def hash_family(num_hashes: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(a, b) of the multiply-shift hashes h_i(x) = (a_i * x + b_i) >> 32 (mod 2**64); a_i odd."""
    rng = np.random.default_rng(seed)
    a = rng.integers(1, 2**63, size=num_hashes, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
    b = rng.integers(0, 2**63, size=num_hashes, dtype=np.uint64)
    return a, b


# Texts per numpy pass (batches.in_slices; the 24 hash functions each re-read the slice's
# shingle hashes): 10.9 -> 6.5-7.1 us per text on one core.
SIGN_CHUNK = 500


def signatures(texts: list[str | None], a: np.ndarray, b: np.ndarray) -> list[np.ndarray | None]:
    """Position-encoded MinHash signature of each text's 3-shingles; None when too short/null."""
    return [sig for part in in_slices(texts, SIGN_CHUNK, lambda part: _signatures(part, a, b)) for sig in part]


def _signatures(texts: Sequence[str | None], a: np.ndarray, b: np.ndarray) -> list[np.ndarray | None]:
    out: list[np.ndarray | None] = [None] * len(texts)
    keep = [i for i, t in enumerate(texts) if t is not None and len(t) >= MIN_CHARS]
    if not keep:
        return out
    padded = [PAD + texts[i] + PAD for i in keep]  # type: ignore[operator]
    lengths = np.fromiter(map(len, padded), dtype=np.int64, count=len(padded))
    codes = np.frombuffer("".join(padded).encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    # Every position's 3-shingle hash, then drop the two per text that run into the next text.
    x = (codes[:-2] * _K2 + codes[1:-1] * _K1 + codes[2:]) * _MIX
    ends = np.cumsum(lengths)
    crossing = np.concatenate([ends - 2, ends - 1])
    valid = np.ones(len(codes), dtype=bool)
    valid[crossing[crossing < len(valid)]] = False
    x = x[valid[:-2]]
    seg_starts = np.concatenate(([0], np.cumsum(lengths - (SHINGLE - 1))[:-1]))
    sig = np.empty((len(keep), len(a)), dtype=np.int64)
    for i in range(len(a)):
        h = (x * a[i] + b[i]) >> _SHIFT
        sig[:, i] = np.minimum.reduceat(h, seg_starts).astype(np.int64) | (i << 32)
    for row, i in enumerate(keep):
        out[i] = sig[row]
    return out


def signature_udf(num_hashes: int, seed: int):
    """A pandas UDF: normalised text (string) -> array<bigint> signature (null when too short)."""
    a, b = hash_family(num_hashes, seed)

    # Scalar, not iterator: it then shares one Arrow round trip with the classifier UDF.
    @pandas_udf(ArrayType(LongType()))  # type: ignore[call-overload]
    def minhash(texts: pd.Series) -> pd.Series:
        return pd.Series(signatures(texts.tolist(), a, b), dtype=object)

    return minhash


def agreement(sig_a: Column, sig_b: Column, num_hashes: int) -> Column:
    """Estimated Jaccard similarity: the share of signature positions that agree (null when
    either signature is null).

    One comparison of two longs per position, in generated code: `size(array_intersect(a, b))`
    gives the same values but builds a hash set per pair, twice the cost on 3,000,000 pairs
    (bench/RESULTS.md). `get` is null past a shorter array's end, never an error.
    """
    from pyspark.sql import functions as F

    agree = [(F.get(sig_a, i) == F.get(sig_b, i)).cast("int") for i in range(num_hashes)]
    return reduce(operator.add, agree) / F.lit(float(num_hashes))
