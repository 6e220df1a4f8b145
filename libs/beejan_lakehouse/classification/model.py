"""The scikit-learn pipeline: normalise -> word + char TF-IDF -> calibrated linear SVM on L2.


Only L2 is learned; L1 is derived from L2 through the taxonomy, so the two never disagree.
Step 0 ("normalise") makes the pipeline usable on raw text (pyfunc); callers that already
normalised (the fusion path) skip it with `features_and_classifier(pipeline)`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.svm import LinearSVC

from beejan_lakehouse.classification.features import HashedTfidf
from beejan_lakehouse.classification.normalise import normalise_texts
from beejan_lakehouse.classification.settings import ModelParams


def build_pipeline(params: ModelParams, seed: int = 42) -> Pipeline:
    """Return an unfitted pipeline mapping raw texts to L2 labels (predict / predict_proba)."""
    # Hashed, batch-vectorised n-grams (features.py): same TF-IDF idea as sklearn's
    # TfidfVectorizer, ~20x faster on short texts. Word tokens keep 1-char words and
    # apostrophes ("e" = EDGE, "don't"); char n-grams carry typo and Pidgin robustness.
    word = HashedTfidf("word", params.word_ngram_range, params.n_bits)
    char = HashedTfidf("char", params.char_ngram_range, params.n_bits)
    svm = LinearSVC(C=params.c, class_weight=params.class_weight, random_state=seed)
    # ensemble=False: one SVM refit on all data plus CV-fitted calibration, so inference
    # pays for one matrix product instead of calibration_cv of them.
    classifier = CalibratedClassifierCV(svm, method=params.calibration_method, cv=params.calibration_cv, ensemble=False)
    return Pipeline(
        [
            ("normalise", FunctionTransformer(normalise_texts, validate=False)),
            ("features", FeatureUnion([("word", word), ("char", char)])),
            ("classifier", classifier),
        ]
    )


def features_and_classifier(pipeline: Pipeline) -> Pipeline:
    """The pipeline without its normalise step, for texts normalised already."""
    return pipeline[1:]


def predict_l2_with_confidence(pipeline: Pipeline, normalised_texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Return (L2 label per text, probability of that label) for normalised texts."""
    if len(normalised_texts) == 0:
        return np.empty(0, dtype=object), np.empty(0, dtype=np.float64)
    proba = features_and_classifier(pipeline).predict_proba(list(normalised_texts))
    best = proba.argmax(axis=1)
    classes = np.asarray(pipeline.classes_, dtype=object)
    return classes[best], proba[np.arange(len(best)), best].astype(np.float64)
