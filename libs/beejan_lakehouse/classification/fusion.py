"""Fuse rules and model: a firing high-precision rule wins, otherwise the model decides.

Output per text: l1, l2, confidence, classified_by ("rule" | "model" | "both"), needs_review.
- both:  a rule fired and the model agrees -> confidence max(rule_confidence, p_model).
- rule:  a rule fired and the model disagrees -> rule label, needs_review (disagreement).
- model: no rule fired -> model label and probability; needs_review if p < threshold.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.pipeline import Pipeline

from beejan_lakehouse.classification.model import predict_l2_with_confidence
from beejan_lakehouse.classification.normalise import normalise_texts
from beejan_lakehouse.classification.rules import RuleMatches, RuleSet
from beejan_lakehouse.classification.taxonomy import Taxonomy

OUTPUT_COLUMNS = ("l1", "l2", "confidence", "classified_by", "needs_review")


def fuse(
    rule_matches: RuleMatches,
    model_l2: np.ndarray,
    model_confidence: np.ndarray,
    taxonomy: Taxonomy,
    confidence_threshold: float,
    rule_confidence: float,
) -> pd.DataFrame:
    """Combine aligned rule and model outputs into the OUTPUT_COLUMNS frame (same order)."""
    fired = rule_matches.fired
    agree = fired & (rule_matches.l2 == model_l2)
    l2 = np.where(fired, rule_matches.l2, model_l2)
    confidence = np.where(
        agree,
        np.maximum(model_confidence, rule_confidence),
        np.where(fired, rule_confidence, model_confidence),
    )
    classified_by = np.where(agree, "both", np.where(fired, "rule", "model")).astype(object)
    needs_review = (fired & ~agree) | (~fired & (model_confidence < confidence_threshold))
    l1_of = {label: taxonomy.l1_of(label) for label in set(l2.tolist())}
    l1 = np.array([l1_of[label] for label in l2], dtype=object)
    return pd.DataFrame(
        {
            "l1": l1,
            "l2": l2.astype(object),
            "confidence": confidence.astype(np.float64),
            "classified_by": classified_by,
            "needs_review": needs_review.astype(bool),
        }
    )


@dataclass
class ComplaintClassifier:
    """A fitted pipeline plus rules: everything needed to classify texts outside Spark."""

    pipeline: Pipeline
    rules: RuleSet | None
    taxonomy: Taxonomy
    confidence_threshold: float = 0.55
    rule_confidence: float = 0.95
    model_name: str | None = None
    model_version: str | None = None

    def classify(self, texts: Iterable[object]) -> pd.DataFrame:
        """Classify raw texts; returns OUTPUT_COLUMNS aligned with the input order.

        Identical texts are classified once: real batches repeat texts (retweets, copy-paste
        complaints, "same as above"), and so do texts that only differ before normalisation.
        """
        raw = list(texts)
        raw_unique, raw_codes = _dedup(raw)
        normalised, norm_codes = _dedup(normalise_texts(raw_unique))
        model_l2, model_conf = predict_l2_with_confidence(self.pipeline, normalised)
        if self.rules is None:
            matches = RuleMatches(
                l2=np.full(len(normalised), None, dtype=object),
                rule_id=np.full(len(normalised), None, dtype=object),
                priority=np.zeros(len(normalised), dtype=np.int64),
            )
        else:
            matches = self.rules.match_normalised(normalised)
        fused = fuse(
            matches,
            model_l2,
            model_conf,
            self.taxonomy,
            self.confidence_threshold,
            self.rule_confidence,
        )
        if len(fused) == len(raw):  # nothing repeated: already aligned
            return fused
        codes = norm_codes[raw_codes]
        return pd.DataFrame({column: fused[column].to_numpy()[codes] for column in OUTPUT_COLUMNS})


def _dedup(items: list) -> tuple[list, np.ndarray]:
    """(distinct items in first-seen order, index of each item's distinct value)."""
    seen: dict = {}
    try:
        codes = np.fromiter((seen.setdefault(item, len(seen)) for item in items), dtype=np.int64, count=len(items))
    except TypeError:  # unhashable input: no de-duplication
        return items, np.arange(len(items), dtype=np.int64)
    return list(seen), codes
