"""Classification metrics for L1 and L2: per-class P/R/F1, macro-F1, accuracy, confusion."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.metrics import accuracy_score, confusion_matrix, precision_recall_fscore_support

from beejan_lakehouse.classification.taxonomy import Taxonomy


def level_metrics(y_true: Sequence[str], y_pred: Sequence[object], labels: Sequence[str]) -> dict[str, Any]:
    """Metrics for one level; predictions outside `labels` (e.g. None = abstain) count as wrong."""
    y_pred_str = ["<none>" if p is None else str(p) for p in y_pred]
    precision, recall, f1, support = precision_recall_fscore_support(
        list(y_true), y_pred_str, labels=list(labels), zero_division=0
    )
    return {
        "macro_f1": float(np.mean(f1)),
        "accuracy": float(accuracy_score(list(y_true), y_pred_str)),
        "per_class": {
            label: {
                "precision": float(precision[i]),
                "recall": float(recall[i]),
                "f1": float(f1[i]),
                "support": int(support[i]),
            }
            for i, label in enumerate(labels)
        },
        "labels": list(labels),
        "confusion_matrix": confusion_matrix(list(y_true), y_pred_str, labels=list(labels)).tolist(),
    }


def classification_metrics(true_l2: Sequence[str], pred_l2: Sequence[object], taxonomy: Taxonomy) -> dict[str, Any]:
    """L1 and L2 metrics from L2 labels (L1 derived through the taxonomy); keys l1, l2, n."""
    true_l1 = [taxonomy.l1_of(label) for label in true_l2]
    pred_l1 = [None if label is None else taxonomy.l1_of(str(label)) for label in pred_l2]
    return {
        "n": len(true_l2),
        "l1": level_metrics(true_l1, pred_l1, taxonomy.l1_labels),
        "l2": level_metrics(true_l2, pred_l2, taxonomy.l2_labels),
    }


def summary(metrics: dict[str, Any], prefix: str = "") -> dict[str, float]:
    """Flat {name: value} of the headline and per-class numbers (MLflow metric names)."""
    flat = {
        f"{prefix}l1_macro_f1": metrics["l1"]["macro_f1"],
        f"{prefix}l2_macro_f1": metrics["l2"]["macro_f1"],
        f"{prefix}l1_accuracy": metrics["l1"]["accuracy"],
        f"{prefix}l2_accuracy": metrics["l2"]["accuracy"],
    }
    for level in ("l1", "l2"):
        for label, values in metrics[level]["per_class"].items():
            key = label.lower().replace(" ", "_")
            for name in ("precision", "recall", "f1"):
                flat[f"{prefix}{level}_{name}_{key}"] = values[name]
    return flat


def format_level(level: dict[str, Any], title: str) -> str:
    """Human-readable per-class table and confusion matrix for one level."""
    labels = level["labels"]
    width = max(len(label) for label in labels) + 2
    lines = [f"{title}  macro-F1 {level['macro_f1']:.4f}  accuracy {level['accuracy']:.4f}"]
    lines.append(f"{'':<{width}}{'precision':>10}{'recall':>10}{'f1':>10}{'support':>10}")
    for label in labels:
        v = level["per_class"][label]
        lines.append(f"{label:<{width}}{v['precision']:>10.4f}{v['recall']:>10.4f}{v['f1']:>10.4f}{v['support']:>10d}")
    short = [label[:10] for label in labels]
    lines.append("confusion matrix (rows = true, columns = predicted):")
    lines.append(f"{'':<{width}}" + "".join(f"{s:>12}" for s in short))
    for label, row in zip(labels, level["confusion_matrix"], strict=True):
        lines.append(f"{label:<{width}}" + "".join(f"{c:>12d}" for c in row))
    return "\n".join(lines)
