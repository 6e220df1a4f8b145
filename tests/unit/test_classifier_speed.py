"""The inference fast paths change nothing: batch normalisation, the calibrated-probability
shortcut and within-batch de-duplication give exactly what the plain paths give."""

from __future__ import annotations

import json
import random

import numpy as np
import pytest

from beejan_lakehouse.classification.fusion import fuse
from beejan_lakehouse.classification.model import (
    SCORE_CHUNK,
    build_pipeline,
    features_and_classifier,
    predict_l2_with_confidence,
    predict_proba_normalised,
)
from beejan_lakehouse.classification.normalise import normalise_text, normalise_texts
from beejan_lakehouse.classification.registry import build_classifier
from beejan_lakehouse.classification.settings import load_settings

EDGE_TEXTS = [
    None,
    "",
    "   ",
    "N500",
    " n",
    "500",
    "k more",
    "ngn\n5",
    "pay 2k\n000 naira",
    "www.beejan.com\nfoo",
    "@a\n@b",
    "sooo\nooo",
    "Iâ€™m tired",
    "x\u00a0y\u2028z",
    "\x1c a \x1d",
    "a\x00b",
    "İstanbul",
    "₦1,500 #200 NGN 2,000 500naira",
]


@pytest.fixture(scope="module")
def corpus() -> list[str]:
    settings = load_settings()
    texts = []
    for path in (settings.curated_train_path, settings.eval_fixed_path):
        with open(path, encoding="utf-8") as fh:
            texts += [json.loads(line)["text"] for line in fh]
    return texts


@pytest.fixture(scope="module")
def classifier(corpus):
    settings = load_settings()
    with open(settings.curated_train_path, encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh][:400]
    pipeline = build_pipeline(settings.model).fit([r["text"] for r in rows], [r["l2"] for r in rows])
    return build_classifier(pipeline, settings)


def test_batch_normalisation_equals_per_text(corpus) -> None:
    texts = corpus + EDGE_TEXTS
    assert normalise_texts(texts) == [normalise_text(t) for t in texts]
    rng = random.Random(7)
    # Every kind of whitespace `\s` knows (the batch path splits with str.split instead).
    spaces = "\n\t\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\u00a0\u2000\u2028\u2029\u3000"
    alphabet = [*"ann gk5,.#₦@/:w \u2019â€™Ã٣", *spaces, "naira", "ngn", "www.", "http://", "ooo"]
    for _ in range(2000):
        batch = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 6))) for _ in range(rng.randint(1, 5))]
        assert normalise_texts(batch) == [normalise_text(t) for t in batch], batch


def test_fast_probabilities_equal_sklearn_predict_proba(classifier, corpus) -> None:
    # More texts than one scoring slice (SCORE_CHUNK), so the slices' results are stitched too.
    normalised = normalise_texts(corpus + EDGE_TEXTS)
    assert len(normalised) > 2 * SCORE_CHUNK
    fast = predict_proba_normalised(classifier.pipeline, normalised)
    slow = features_and_classifier(classifier.pipeline).predict_proba(normalised)
    assert fast.shape == slow.shape
    assert np.abs(fast - slow).max() < 1e-5
    assert (fast.argmax(axis=1) == slow.argmax(axis=1)).all()


def test_deduplicated_classification_equals_one_text_at_a_time(classifier, corpus) -> None:
    rng = random.Random(3)
    texts = [rng.choice(corpus[:300] + EDGE_TEXTS) for _ in range(1500)]
    texts += [t.upper() for t in texts[:50]]  # differ raw, equal once normalised
    batch = classifier.classify(texts)
    assert len(batch) == len(texts)
    normalised = [normalise_text(t) for t in texts]
    matches = [classifier.rules.match_normalised([t]) for t in normalised]
    labels, confidences = zip(*(predict_l2_with_confidence(classifier.pipeline, [t]) for t in normalised), strict=True)
    for i in rng.sample(range(len(texts)), 200):
        one = fuse(
            matches[i],
            labels[i],
            confidences[i],
            classifier.taxonomy,
            classifier.confidence_threshold,
            classifier.rule_confidence,
        ).iloc[0]
        row = batch.iloc[i]
        assert (row["l1"], row["l2"], row["classified_by"], row["needs_review"]) == (
            one["l1"],
            one["l2"],
            one["classified_by"],
            one["needs_review"],
        ), texts[i]
        assert row["confidence"] == pytest.approx(one["confidence"], abs=1e-6)
