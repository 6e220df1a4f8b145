"""Score the classifier (champion + rules) on a labelled JSONL file and report the metrics."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from beejan_lakehouse.classification.datasets import load_labelled_jsonl
from beejan_lakehouse.classification.fusion import ComplaintClassifier, fuse
from beejan_lakehouse.classification.metrics import classification_metrics, format_level
from beejan_lakehouse.classification.model import predict_l2_with_confidence
from beejan_lakehouse.classification.normalise import normalise_texts
from beejan_lakehouse.classification.settings import (
    ClassifierSettings,
    MlflowSettings,
    load_settings,
)
from beejan_lakehouse.classification.taxonomy import load_taxonomy


def score_frame(classifier: ComplaintClassifier, frame: pd.DataFrame) -> dict[str, Any]:
    """Metrics of rules+model (fused), model alone and rules alone on a labelled frame.

    `frame` needs text and l2 columns. Rules alone abstain where no rule fires; an
    abstention counts as a wrong prediction, so rules_only measures what rules could do
    without the model.
    """
    taxonomy = classifier.taxonomy
    normalised = normalise_texts(frame["text"].tolist())
    model_l2, model_conf = predict_l2_with_confidence(classifier.pipeline, normalised)
    if classifier.rules is None:
        raise ValueError("score_frame needs a classifier with rules")
    matches = classifier.rules.match_normalised(normalised)
    fused = fuse(
        matches,
        model_l2,
        model_conf,
        taxonomy,
        classifier.confidence_threshold,
        classifier.rule_confidence,
    )
    true_l2 = frame["l2"].tolist()
    fired = matches.fired
    rule_correct = (matches.l2[fired] == np.asarray(true_l2, dtype=object)[fired]).sum()
    return {
        "n": len(frame),
        "fused": classification_metrics(true_l2, fused["l2"].tolist(), taxonomy),
        "model_only": classification_metrics(true_l2, list(model_l2), taxonomy),
        "rules_only": classification_metrics(true_l2, list(matches.l2), taxonomy),
        "rule_coverage": float(fired.mean()) if len(frame) else 0.0,
        "rule_precision": float(rule_correct / fired.sum()) if fired.any() else 0.0,
        "needs_review_rate": float(fused["needs_review"].mean()) if len(frame) else 0.0,
        "classified_by": fused["classified_by"].value_counts().to_dict(),
    }


def evaluate_file(
    path: str | Path,
    ms: MlflowSettings,
    settings: ClassifierSettings | None = None,
    train_if_missing: bool = True,
) -> dict[str, Any]:
    """Score the current champion with rule fusion on `path` (JSONL: text, l1, l2).

    Trains and promotes a first champion when none exists and `train_if_missing`.
    Returns score_frame's report plus model_name and model_version.
    """
    from beejan_lakehouse.classification.registry import (
        build_classifier,
        load_pipeline,
        resolve_champion,
    )

    settings = settings or load_settings()
    champion = resolve_champion(ms)
    if champion is None:
        if not train_if_missing:
            raise LookupError(f"no {ms.champion_alias!r} version of {ms.model_name!r}")
        from beejan_lakehouse.classification.training import train_and_register

        train_and_register(ms, settings)
        champion = resolve_champion(ms)
        assert champion is not None, "training did not promote a first champion"
    classifier = build_classifier(load_pipeline(champion.uri), settings, champion)
    frame = load_labelled_jsonl(path, load_taxonomy(settings.taxonomy_path))
    report = score_frame(classifier, frame)
    report.update({"model_name": champion.name, "model_version": champion.version})
    return report


def json_summary(report: dict[str, Any]) -> dict[str, Any]:
    """The one-object JSON form: headline metrics, per-class F1 and confusion matrices."""
    fused = report["fused"]
    return {
        "n": report["n"],
        "model_name": report.get("model_name"),
        "model_version": report.get("model_version"),
        "l1_macro_f1": fused["l1"]["macro_f1"],
        "l2_macro_f1": fused["l2"]["macro_f1"],
        "l1_accuracy": fused["l1"]["accuracy"],
        "l2_accuracy": fused["l2"]["accuracy"],
        "model_only_l1_macro_f1": report["model_only"]["l1"]["macro_f1"],
        "model_only_l2_macro_f1": report["model_only"]["l2"]["macro_f1"],
        "rules_only_l1_macro_f1": report["rules_only"]["l1"]["macro_f1"],
        "rules_only_l2_macro_f1": report["rules_only"]["l2"]["macro_f1"],
        "rule_coverage": report["rule_coverage"],
        "rule_precision": report["rule_precision"],
        "needs_review_rate": report["needs_review_rate"],
        "l1": fused["l1"],
        "l2": fused["l2"],
    }


def format_report(report: dict[str, Any]) -> str:
    """Human-readable report: per-class tables, macro-F1, accuracy, confusion matrices."""
    fused = report["fused"]
    lines = [
        f"model {report.get('model_name')} v{report.get('model_version')}  n={report['n']}",
        format_level(fused["l1"], "L1 (rules+model)"),
        "",
        format_level(fused["l2"], "L2 (rules+model)"),
        "",
        "comparison (macro-F1 L1 / L2):",
        f"  rules+model {fused['l1']['macro_f1']:.4f} / {fused['l2']['macro_f1']:.4f}",
        f"  model only  {report['model_only']['l1']['macro_f1']:.4f} / {report['model_only']['l2']['macro_f1']:.4f}",
        f"  rules only  {report['rules_only']['l1']['macro_f1']:.4f} / "
        f"{report['rules_only']['l2']['macro_f1']:.4f}"
        f"  (coverage {report['rule_coverage']:.1%}, precision {report['rule_precision']:.1%})",
        f"needs_review rate {report['needs_review_rate']:.1%}; classified_by " + json.dumps(report["classified_by"]),
    ]
    return "\n".join(lines)
