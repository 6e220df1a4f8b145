"""Confusion-matrix images for MLflow (matplotlib, headless)."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def write_confusion_png(level: dict[str, Any], path: Path, title: str) -> Path | None:
    """Draw a level's confusion matrix to `path`; None when matplotlib is not installed."""
    try:
        import matplotlib

        matplotlib.use("Agg")  # no display on servers/executors
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    labels, matrix = level["labels"], level["confusion_matrix"]
    fig, ax = plt.subplots(figsize=(1.2 * len(labels) + 2, 1.0 * len(labels) + 1.5))
    ax.imshow(matrix, cmap="Blues")
    ax.set_xticks(range(len(labels)), labels=labels, rotation=35, ha="right")
    ax.set_yticks(range(len(labels)), labels=labels)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(f"{title} confusion (macro-F1 {level['macro_f1']:.3f})")
    peak = max(max(row) for row in matrix) or 1
    for i, row in enumerate(matrix):
        for j, count in enumerate(row):
            colour = "white" if count > peak / 2 else "black"
            ax.text(j, i, str(count), ha="center", va="center", color=colour)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
