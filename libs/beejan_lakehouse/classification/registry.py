"""MLflow registry access: point MLflow at the configured stores, find and load the champion."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import mlflow
from mlflow.exceptions import MlflowException
from mlflow.tracking import MlflowClient
from sklearn.pipeline import Pipeline

from beejan_lakehouse.classification.fusion import ComplaintClassifier
from beejan_lakehouse.classification.rules import RuleSet
from beejan_lakehouse.classification.settings import (
    ClassifierSettings,
    MlflowSettings,
    load_settings,
)
from beejan_lakehouse.classification.taxonomy import load_taxonomy


@dataclass(frozen=True)
class ResolvedModel:
    """A registered model version pinned by number; `uri` loads it without the registry."""

    name: str
    version: str
    uri: str


def configure_mlflow(ms: MlflowSettings) -> MlflowClient:
    """Point this process's MLflow at the settings' stores; create local sqlite folders."""
    for uri in (ms.tracking_uri, ms.registry_uri):
        if uri.startswith("sqlite:///"):
            Path(uri.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    mlflow.set_tracking_uri(ms.tracking_uri)
    mlflow.set_registry_uri(ms.registry_uri)
    return MlflowClient(tracking_uri=ms.tracking_uri, registry_uri=ms.registry_uri)


def resolve_champion(ms: MlflowSettings) -> ResolvedModel | None:
    """Return the version the champion alias points at, or None if there is no champion."""
    client = configure_mlflow(ms)
    try:
        mv = client.get_model_version_by_alias(ms.model_name, ms.champion_alias)
    except MlflowException:
        return None
    # The download URI is a plain artifact location (file://, s3://...): executors load it
    # without talking to the registry, and a later alias move cannot change it mid-stream.
    uri = client.get_model_version_download_uri(ms.model_name, mv.version)
    return ResolvedModel(name=ms.model_name, version=str(mv.version), uri=uri)


def load_pipeline(uri: str) -> Pipeline:
    """Load a logged classifier pipeline (sklearn flavour) from any MLflow model URI."""
    return mlflow.sklearn.load_model(uri)


def build_classifier(
    pipeline: Pipeline,
    settings: ClassifierSettings | None = None,
    model: ResolvedModel | None = None,
    use_rules: bool = True,
) -> ComplaintClassifier:
    """Wrap a pipeline with the configured taxonomy, rules and fusion thresholds."""
    settings = settings or load_settings()
    taxonomy = load_taxonomy(settings.taxonomy_path)
    rules = RuleSet.from_yaml(settings.rules_path, taxonomy) if use_rules else None
    return ComplaintClassifier(
        pipeline=pipeline,
        rules=rules,
        taxonomy=taxonomy,
        confidence_threshold=settings.confidence_threshold,
        rule_confidence=settings.rule_confidence,
        model_name=model.name if model else None,
        model_version=model.version if model else None,
    )
