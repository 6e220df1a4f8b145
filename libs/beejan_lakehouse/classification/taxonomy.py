"""Load and validate the L1/L2 complaint taxonomy (conf/classifier/taxonomy.yaml)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml


class TaxonomyError(ValueError):
    """The taxonomy file is malformed, or a label is not in it."""


@dataclass(frozen=True)
class Taxonomy:
    """L1 and L2 labels in file order, each L2's parent L1, and the business descriptions."""

    l1_labels: tuple[str, ...]
    l2_labels: tuple[str, ...]
    l1_of_l2: dict[str, str]
    descriptions: dict[str, str]

    def l1_of(self, l2: str) -> str:
        """Return the L1 that `l2` belongs to; raise TaxonomyError for an unknown L2."""
        try:
            return self.l1_of_l2[l2]
        except KeyError as exc:
            raise TaxonomyError(f"unknown L2 label {l2!r}; known: {list(self.l2_labels)}") from exc

    def validate_pair(self, l1: str, l2: str) -> None:
        """Raise TaxonomyError unless `l2` is a known L2 under the known L1 `l1`."""
        if self.l1_of(l2) != l1:
            raise TaxonomyError(f"L2 {l2!r} belongs to {self.l1_of(l2)!r}, not {l1!r}")


def load_taxonomy(path: str | Path) -> Taxonomy:
    """Parse the taxonomy YAML; raise TaxonomyError naming what is missing or duplicated."""
    with open(path, encoding="utf-8") as fh:
        raw = yaml.safe_load(fh) or {}
    tree = raw.get("l1")
    if not isinstance(tree, dict) or not tree:
        raise TaxonomyError(f"{path}: top-level 'l1' mapping is missing or empty")
    l1_of_l2: dict[str, str] = {}
    descriptions: dict[str, str] = {}
    for l1, node in tree.items():
        children = (node or {}).get("l2")
        if not isinstance(children, dict) or not children:
            raise TaxonomyError(f"{path}: L1 {l1!r} has no 'l2' children")
        descriptions[l1] = str((node or {}).get("description", "")).strip()
        for l2, child in children.items():
            if l2 in l1_of_l2 or l2 in tree:
                raise TaxonomyError(f"{path}: label {l2!r} is defined twice")
            l1_of_l2[l2] = l1
            descriptions[l2] = str((child or {}).get("description", "")).strip()
    return Taxonomy(
        l1_labels=tuple(tree),
        l2_labels=tuple(l1_of_l2),
        l1_of_l2=l1_of_l2,
        descriptions=descriptions,
    )
