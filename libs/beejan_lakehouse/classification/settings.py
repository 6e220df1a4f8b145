"""Classifier settings from conf/classifier/classifier.yaml, and MLflow locations.

Relative paths in the YAML resolve against the repository root (the parent of `conf/`).
MLflow URIs come from the platform config when it is importable, otherwise from the
`mlflow_fallback` section; jobs and tests may override every URI explicitly.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

SETTINGS_RELATIVE_PATH = Path("conf/classifier/classifier.yaml")


def repo_root() -> Path:
    """Return the repository root: the nearest ancestor of this file that holds conf/classifier.

    BEEJAN_HOME overrides it, as for the platform config (a wheel installed on a cluster has
    no conf/ next to it).
    """
    override = os.environ.get("BEEJAN_HOME")
    if override:
        return Path(override).resolve()
    for parent in Path(__file__).resolve().parents:
        if (parent / SETTINGS_RELATIVE_PATH).is_file():
            return parent
    return Path.cwd().resolve()


def resolve_path(value: str | os.PathLike[str], root: Path | None = None) -> Path:
    """Resolve a path from config against the repository root unless it is absolute."""
    path = Path(value)
    return path if path.is_absolute() else (root or repo_root()) / path


def resolve_uri(uri: str, root: Path | None = None) -> str:
    """Make a relative `sqlite:///rel/path` or bare relative path absolute against the repo root.

    Other URIs (http, databricks, s3a, absolute sqlite) pass through unchanged.
    """
    if uri.startswith("sqlite:///") and not uri.startswith("sqlite:////"):
        return "sqlite:///" + str(resolve_path(uri.removeprefix("sqlite:///"), root))
    if "://" not in uri and not uri.startswith("databricks"):
        return str(resolve_path(uri, root))
    return uri


@dataclass(frozen=True)
class ModelParams:
    """Vectoriser and classifier hyper-parameters (see conf/classifier/classifier.yaml)."""

    word_ngram_range: tuple[int, int] = (1, 2)
    char_ngram_range: tuple[int, int] = (2, 5)
    # Hash space per analyzer: 2**n_bits columns (collisions are negligible at 2**20).
    n_bits: int = 20
    c: float = 0.5
    class_weight: str | None = "balanced"
    calibration_method: str = "sigmoid"
    calibration_cv: int = 3

    def as_dict(self) -> dict[str, Any]:
        """Flat dict for MLflow params."""
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


@dataclass(frozen=True)
class MlflowSettings:
    """Where runs, models and artifacts live, and the registry names used for the champion."""

    tracking_uri: str
    registry_uri: str
    artifact_location: str | None
    experiment: str = "complaints-classifier"
    model_name: str = "complaint_classifier"
    champion_alias: str = "champion"


@dataclass(frozen=True)
class ClassifierSettings:
    """Everything the classifier needs that is not an MLflow location."""

    taxonomy_path: Path
    rules_path: Path
    curated_train_path: Path
    eval_fixed_path: Path
    seed: int = 42
    simulator_samples: int = 0
    simulator_seed: int = 0
    model: ModelParams = field(default_factory=ModelParams)
    confidence_threshold: float = 0.55
    rule_confidence: float = 0.95
    mlflow_fallback: dict[str, Any] = field(default_factory=dict)


def load_settings(path: Path | None = None) -> ClassifierSettings:
    """Load conf/classifier/classifier.yaml (or `path`) into ClassifierSettings."""
    root = repo_root()
    with open(path or root / SETTINGS_RELATIVE_PATH, encoding="utf-8") as fh:
        raw = yaml.safe_load(fh)
    paths, training, fusion = raw["paths"], raw.get("training", {}), raw.get("fusion", {})
    model_raw = dict(raw.get("model", {}))
    for key in ("word_ngram_range", "char_ngram_range"):
        if key in model_raw:
            model_raw[key] = tuple(model_raw[key])
    return ClassifierSettings(
        taxonomy_path=resolve_path(paths["taxonomy"], root),
        rules_path=resolve_path(paths["rules"], root),
        curated_train_path=resolve_path(paths["curated_train"], root),
        eval_fixed_path=resolve_path(paths["eval_fixed"], root),
        seed=int(training.get("seed", 42)),
        simulator_samples=int(training.get("simulator_samples", 0)),
        simulator_seed=int(training.get("simulator_seed", 0)),
        model=ModelParams(**model_raw),
        confidence_threshold=float(fusion.get("confidence_threshold", 0.55)),
        rule_confidence=float(fusion.get("rule_confidence", 0.95)),
        mlflow_fallback=dict(raw.get("mlflow_fallback", {})),
    )


def mlflow_settings(
    env: str | None = None,
    settings: ClassifierSettings | None = None,
    tracking_uri: str | None = None,
    registry_uri: str | None = None,
    artifact_location: str | None = None,
) -> MlflowSettings:
    """MLflow locations: explicit arguments > platform config for `env` > mlflow_fallback."""
    section: dict[str, Any] = {}
    if env is not None:
        try:
            from beejan_lakehouse.config import load_config  # platform-owned loader

            section = dict(load_config(env).get("mlflow") or {})
        except ImportError:
            section = {}
    if not section:
        section = dict((settings or load_settings()).mlflow_fallback)
    root = repo_root()
    tracking = tracking_uri or section["tracking_uri"]
    registry = registry_uri or (None if tracking_uri else section.get("registry_uri")) or tracking
    artifacts = artifact_location or (None if tracking_uri else section.get("artifact_location"))
    return MlflowSettings(
        tracking_uri=resolve_uri(tracking, root),
        registry_uri=resolve_uri(registry, root),
        artifact_location=resolve_uri(artifacts, root) if artifacts else None,
        experiment=section.get("experiment", "complaints-classifier"),
        model_name=section.get("model_name", "complaint_classifier"),
        champion_alias=section.get("champion_alias", "champion"),
    )
