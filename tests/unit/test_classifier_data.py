"""The curated sets: labels valid, sizes as documented, and eval_fixed never copies training."""

from __future__ import annotations

import json
import re
from collections import Counter
from difflib import SequenceMatcher

from beejan_lakehouse.classification.normalise import normalise_texts
from beejan_lakehouse.classification.settings import load_settings
from beejan_lakehouse.classification.taxonomy import load_taxonomy


def _rows(path) -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _key(text: str) -> str:
    """Normalised, letters and digits only: catches copies that differ in case/spacing/punctuation."""
    return re.sub(r"[^a-z0-9]+", " ", text).strip()


def test_labels_are_consistent_with_the_taxonomy() -> None:
    settings = load_settings()
    taxonomy = load_taxonomy(settings.taxonomy_path)
    for path in (settings.curated_train_path, settings.eval_fixed_path):
        for row in _rows(path):
            assert row["text"].strip(), path
            assert taxonomy.l1_of(row["l2"]) == row["l1"], row


def test_set_sizes_per_label() -> None:
    settings = load_settings()
    train = Counter(r["l2"] for r in _rows(settings.curated_train_path))
    evaluation = Counter(r["l2"] for r in _rows(settings.eval_fixed_path))
    assert min(train.values()) >= 200, train
    assert min(evaluation.values()) >= 90, evaluation


def test_eval_fixed_has_no_exact_or_near_copy_of_training_text() -> None:
    settings = load_settings()
    train = [_key(t) for t in normalise_texts([r["text"] for r in _rows(settings.curated_train_path)])]
    evaluation = [_key(t) for t in normalise_texts([r["text"] for r in _rows(settings.eval_fixed_path)])]
    assert len(set(evaluation)) == len(evaluation), "duplicate texts inside eval_fixed"
    assert not set(train) & set(evaluation), "exact (normalised) overlap"
    near = []
    for e in evaluation:
        for t in train:
            matcher = SequenceMatcher(None, e, t, autojunk=False)
            if matcher.real_quick_ratio() >= 0.9 and matcher.quick_ratio() >= 0.9 and matcher.ratio() >= 0.9:
                near.append((e, t))
    assert not near, f"near-copies between eval_fixed and curated_train: {near[:5]}"
