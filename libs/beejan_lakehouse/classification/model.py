"""The scikit-learn pipeline: normalise -> word + char TF-IDF -> calibrated linear SVM on L2.


Only L2 is learned; L1 is derived from L2 through the taxonomy, so the two never disagree.
Step 0 ("normalise") makes the pipeline usable on raw text (pyfunc); callers that already
normalised (the fusion path) skip it with `features_and_classifier(pipeline)`.
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from scipy.special import expit
from sklearn.calibration import CalibratedClassifierCV
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.svm import LinearSVC

from beejan_lakehouse.batches import in_slices
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


class _FastScorer:
    """predict_proba of a fitted pipeline's features + sigmoid-calibrated LinearSVC, without
    sklearn's per-call overhead: no FeatureUnion hstack (a COO round trip), no input
    validation, one sparse x dense product per analyzer into float32 weights, then the
    calibrators' own formula (expit(-(a*d + b)), normalised over classes). Same numbers as
    `predict_proba` to float32 precision (tests/unit/test_classifier_speed.py).
    """

    def __init__(self, pipeline: Pipeline) -> None:
        union, calibrated = pipeline[1], pipeline[-1]
        transformers = [t for _, t in union.transformer_list]
        (cc,) = calibrated.calibrated_classifiers_
        svm = cc.estimator
        if cc.method != "sigmoid" or len(cc.classes) < 3 or list(svm.classes_) != list(cc.classes):
            raise TypeError("fast path needs a multi-class sigmoid-calibrated linear model")
        coef = np.asarray(svm.coef_, dtype=np.float32)
        self.blocks = []
        offset = 0
        for t in transformers:
            width = 1 << t.n_bits
            # Fold idf into the weights: x_j = idf_j / norm, so x @ w = (1/norm) * sum(idf_j w_j).
            weights = np.ascontiguousarray((coef[:, offset : offset + width] * t.idf_).T)
            self.blocks.append((t, weights, t.idf_ * t.idf_))
            offset += width
        if offset != coef.shape[1]:
            raise TypeError("feature width does not match the classifier")
        self.intercept = np.asarray(svm.intercept_, dtype=np.float64)
        self.a = np.array([c.a_ for c in cc.calibrators], dtype=np.float64)
        self.b = np.array([c.b_ for c in cc.calibrators], dtype=np.float64)

    def predict_proba(self, texts: list[str]) -> np.ndarray:
        n = len(texts)
        decision = np.tile(self.intercept, (n, 1))
        for transformer, weights, idf_sq in self.blocks:
            rows, cols = transformer._hashes(texts)
            counts = np.bincount(rows, minlength=n)
            indptr = np.zeros(n + 1, dtype=np.int64)
            np.cumsum(counts, out=indptr[1:])
            norms = np.sqrt(np.bincount(rows, weights=idf_sq[cols], minlength=n))
            norms[norms == 0] = 1.0
            ones = np.ones(len(cols), dtype=np.float32)
            x = sp.csr_matrix((ones, cols, indptr), shape=(n, weights.shape[0]))
            decision += (x @ weights) / norms[:, None]
        proba = expit(-(self.a * decision + self.b))
        denominator = proba.sum(axis=1, keepdims=True)
        uniform = np.full_like(proba, 1 / proba.shape[1])
        proba = np.divide(proba, denominator, out=uniform, where=denominator != 0)
        proba[(proba > 1.0) & (proba <= 1.0 + 1e-5)] = 1.0
        return proba


_SCORERS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
# Texts per call of the fast path (batches.in_slices; ~650 char n-gram hashes per silver text):
# char hashing 21 -> 12 us per text, the whole scoring 37 -> 30 us on one core.
SCORE_CHUNK = 1_000


def predict_proba_normalised(pipeline: Pipeline, normalised_texts: Sequence[str]) -> np.ndarray:
    """Class probabilities (columns = pipeline.classes_) for normalised texts, fast path when
    the pipeline has the shape build_pipeline gives it, sklearn's predict_proba otherwise."""
    scorer = _SCORERS.get(pipeline)
    if scorer is None:
        try:
            scorer = _FastScorer(pipeline)
        except (TypeError, AttributeError, ValueError):
            scorer = False
        _SCORERS[pipeline] = scorer
    texts = list(normalised_texts)
    if scorer is False:
        return features_and_classifier(pipeline).predict_proba(texts)
    return np.vstack(in_slices(texts, SCORE_CHUNK, scorer.predict_proba))


def predict_l2_with_confidence(pipeline: Pipeline, normalised_texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Return (L2 label per text, probability of that label) for normalised texts."""
    if len(normalised_texts) == 0:
        return np.empty(0, dtype=object), np.empty(0, dtype=np.float64)
    proba = predict_proba_normalised(pipeline, normalised_texts)
    best = proba.argmax(axis=1)
    classes = np.asarray(pipeline.classes_, dtype=object)
    return classes[best], proba[np.arange(len(best)), best].astype(np.float64)
