"""Labelled text sets: the curated JSONL files, the simulator's texts, and their hashes."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd

from beejan_lakehouse.classification.taxonomy import Taxonomy, TaxonomyError

LABELLED_COLUMNS = ["text", "l1", "l2", "channel", "source"]


def file_sha256(path: str | Path) -> str:
    """Hex SHA-256 of a file's bytes (the data version logged with every training run)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def frame_sha256(frame: pd.DataFrame) -> str:
    """Hex SHA-256 of a labelled frame's text/l1/l2 in row order."""
    digest = hashlib.sha256()
    for text, l1, l2 in frame[["text", "l1", "l2"]].itertuples(index=False):
        digest.update(f"{text}\x1f{l1}\x1f{l2}\x1e".encode())
    return digest.hexdigest()


def load_labelled_jsonl(path: str | Path, taxonomy: Taxonomy, source: str = "file") -> pd.DataFrame:
    """Read JSONL lines with text, l1, l2 (channel optional, other keys ignored).

    Raises TaxonomyError naming the line when a label is unknown or l1 does not own l2.
    Returns LABELLED_COLUMNS.
    """
    rows = []
    with open(path, encoding="utf-8") as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            item = json.loads(line)
            try:
                taxonomy.validate_pair(item["l1"], item["l2"])
            except (KeyError, TaxonomyError) as exc:
                raise TaxonomyError(f"{path}:{number}: {exc}") from exc
            rows.append(
                {
                    "text": str(item["text"]),
                    "l1": item["l1"],
                    "l2": item["l2"],
                    "channel": item.get("channel"),
                    "source": source,
                }
            )
    return pd.DataFrame(rows, columns=LABELLED_COLUMNS)


def simulator_texts(n: int, seed: int, taxonomy: Taxonomy) -> pd.DataFrame:
    """Labelled texts from the channel simulator, or an empty frame if it is unavailable."""
    if n <= 0:
        return pd.DataFrame(columns=LABELLED_COLUMNS)
    try:
        from beejan_lakehouse.simulator.text import generate_labelled_texts
    except ImportError:
        return pd.DataFrame(columns=LABELLED_COLUMNS)
    rows = [
        {
            "text": str(item["text"]),
            "l1": item["l1"],
            "l2": item["l2"],
            "channel": item.get("channel"),
            "source": "simulator",
        }
        for item in generate_labelled_texts(n, seed)
    ]
    for row in rows:
        taxonomy.validate_pair(row["l1"], row["l2"])
    return pd.DataFrame(rows, columns=LABELLED_COLUMNS)
