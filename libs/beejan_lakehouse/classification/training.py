"""Train the complaint classifier, log it to MLflow, register it, promote it if not worse.

Promotion rule: the new version takes the champion alias only if, on the fixed evaluation
set scored with the current rules, its (L2 macro-F1, L1 macro-F1) is >= the champion's,
compared lexicographically. The champion is re-scored now rather than trusting its old
metrics, so a changed rules file or evaluation set cannot make the comparison stale.
"""

from __future__ import annotations

import json
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cloudpickle
import ftfy
import mlflow
import numpy as np
import pandas as pd
import sklearn
from mlflow.models import infer_signature

from beejan_lakehouse.classification import features as features_module
from beejan_lakehouse.classification import normalise as normalise_module
from beejan_lakehouse.classification.datasets import (
    file_sha256,
    frame_sha256,
    load_labelled_jsonl,
    simulator_texts,
)
from beejan_lakehouse.classification.evaluation import score_frame
from beejan_lakehouse.classification.metrics import summary
from beejan_lakehouse.classification.model import build_pipeline
from beejan_lakehouse.classification.plots import write_confusion_png
from beejan_lakehouse.classification.registry import (
    ResolvedModel,
    build_classifier,
    configure_mlflow,
    load_pipeline,
    resolve_champion,
)
from beejan_lakehouse.classification.settings import (
    ClassifierSettings,
    MlflowSettings,
    load_settings,
)
from beejan_lakehouse.classification.taxonomy import load_taxonomy


@dataclass
class TrainingResult:
    """What a training run produced and decided."""

    run_id: str
    version: str
    promoted: bool
    metrics: dict[str, float]
    champion_metrics: dict[str, float] | None
    train_rows: int
    train_seconds: float
    details: dict[str, Any] = field(default_factory=dict)


def load_training_frame(
    settings: ClassifierSettings,
    simulator_samples: int | None = None,
    max_curated_rows: int | None = None,
) -> pd.DataFrame:
    """Curated examples (optionally the first `max_curated_rows`) plus simulator texts."""
    taxonomy = load_taxonomy(settings.taxonomy_path)
    curated = load_labelled_jsonl(settings.curated_train_path, taxonomy, source="curated")
    if max_curated_rows is not None:
        curated = curated.head(max_curated_rows)
    n_sim = settings.simulator_samples if simulator_samples is None else simulator_samples
    simulated = simulator_texts(n_sim, settings.simulator_seed, taxonomy)
    return pd.concat([curated, simulated], ignore_index=True)


def _experiment_id(ms: MlflowSettings) -> str:
    experiment = mlflow.get_experiment_by_name(ms.experiment)
    if experiment is not None:
        return experiment.experiment_id
    location = ms.artifact_location
    if location and "://" not in location:
        location = Path(location).resolve().as_uri()
    return mlflow.create_experiment(ms.experiment, artifact_location=location)


def _score(pipeline, settings: ClassifierSettings, eval_frame: pd.DataFrame) -> dict[str, Any]:
    return score_frame(build_classifier(pipeline, settings), eval_frame)


def _is_at_least_as_good(new: dict[str, float], old: dict[str, float]) -> bool:
    return (new["l2_macro_f1"], new["l1_macro_f1"]) >= (old["l2_macro_f1"], old["l1_macro_f1"])


def train_and_register(
    ms: MlflowSettings,
    settings: ClassifierSettings | None = None,
    simulator_samples: int | None = None,
    max_curated_rows: int | None = None,
    promote: bool = True,
) -> TrainingResult:
    """Fit on curated (+ simulator) data, evaluate on the fixed set, log, register, promote.

    Never trains on settings.eval_fixed_path. Returns the run id, the registered version,
    whether it became champion, and the flat metrics logged to MLflow.
    """
    settings = settings or load_settings()
    taxonomy = load_taxonomy(settings.taxonomy_path)
    client = configure_mlflow(ms)
    train = load_training_frame(settings, simulator_samples, max_curated_rows)
    eval_frame = load_labelled_jsonl(settings.eval_fixed_path, taxonomy, source="eval_fixed")

    pipeline = build_pipeline(settings.model, seed=settings.seed)
    started = time.perf_counter()
    pipeline.fit(train["text"].tolist(), train["l2"].to_numpy())
    train_seconds = time.perf_counter() - started

    report = _score(pipeline, settings, eval_frame)
    metrics = {
        **summary(report["fused"]),
        **summary(report["model_only"], prefix="model_only_"),
        **summary(report["rules_only"], prefix="rules_only_"),
        "rule_coverage": report["rule_coverage"],
        "rule_precision": report["rule_precision"],
        "needs_review_rate": report["needs_review_rate"],
        "train_seconds": train_seconds,
    }

    with mlflow.start_run(experiment_id=_experiment_id(ms)) as run:
        mlflow.log_params(
            {
                **{f"model_{k}": v for k, v in settings.model.as_dict().items()},
                "seed": settings.seed,
                "simulator_samples": int((train["source"] == "simulator").sum()),
                "simulator_seed": settings.simulator_seed,
                "curated_rows": int((train["source"] == "curated").sum()),
                "train_rows": len(train),
                "eval_rows": len(eval_frame),
                "confidence_threshold": settings.confidence_threshold,
                "rule_confidence": settings.rule_confidence,
            }
        )
        mlflow.set_tags(
            {
                "data.curated_train.sha256": file_sha256(settings.curated_train_path),
                "data.eval_fixed.sha256": file_sha256(settings.eval_fixed_path),
                "data.train_frame.sha256": frame_sha256(train),
                "conf.rules.sha256": file_sha256(settings.rules_path),
                "conf.taxonomy.sha256": file_sha256(settings.taxonomy_path),
                "sklearn_version": sklearn.__version__,
            }
        )
        mlflow.log_metrics(metrics)
        with tempfile.TemporaryDirectory() as tmp:
            report_path = Path(tmp) / "eval_report.json"
            report_path.write_text(json.dumps(report, indent=2))
            mlflow.log_artifact(str(report_path), artifact_path="evaluation")
            for level in ("l1", "l2"):
                png = write_confusion_png(report["fused"][level], Path(tmp) / f"confusion_{level}.png", level.upper())
                if png is not None:
                    mlflow.log_artifact(str(png), artifact_path="evaluation")
        mlflow.log_artifact(str(settings.rules_path), artifact_path="conf")
        mlflow.log_artifact(str(settings.taxonomy_path), artifact_path="conf")
        model_info = _log_model(pipeline, eval_frame, ms.model_name)
        version = str(model_info.registered_model_version)

    champion = resolve_champion(ms)
    champion_metrics = None
    promoted = False
    if champion is not None and champion.version != version:
        champion_report = _score(load_pipeline(champion.uri), settings, eval_frame)
        champion_metrics = summary(champion_report["fused"])
    if promote and (champion_metrics is None or _is_at_least_as_good(metrics, champion_metrics)):
        client.set_registered_model_alias(ms.model_name, ms.champion_alias, version)
        promoted = True
    for key in ("l1_macro_f1", "l2_macro_f1"):
        client.set_model_version_tag(ms.model_name, version, f"eval_{key}", f"{metrics[key]:.4f}")
    client.set_model_version_tag(ms.model_name, version, "run_id", run.info.run_id)
    return TrainingResult(
        run_id=run.info.run_id,
        version=version,
        promoted=promoted,
        metrics=metrics,
        champion_metrics=champion_metrics,
        train_rows=len(train),
        train_seconds=train_seconds,
        details={"report": report},
    )


def _log_model(pipeline, eval_frame: pd.DataFrame, model_name: str):
    example = pd.DataFrame({"text": eval_frame["text"].head(5).tolist()})
    signature = infer_signature(example, np.asarray(pipeline.predict(example), dtype=object))
    # Embed the normaliser's and featuriser's code in the pickle: the registered model loads
    # with scikit-learn + ftfy alone, without this package (or its version) installed.
    for module in (normalise_module, features_module):
        cloudpickle.register_pickle_by_value(module)
    try:
        return mlflow.sklearn.log_model(
            pipeline,
            name="model",
            signature=signature,
            input_example=example,
            registered_model_name=model_name,
            serialization_format=mlflow.sklearn.SERIALIZATION_FORMAT_CLOUDPICKLE,
            # Explicit requirements skip MLflow's slow subprocess-based inference.
            pip_requirements=[
                f"scikit-learn=={sklearn.__version__}",
                f"ftfy=={ftfy.__version__}",
                f"pandas=={pd.__version__}",
                f"numpy=={np.__version__}",
                f"cloudpickle=={cloudpickle.__version__}",
            ],
        )
    finally:
        for module in (normalise_module, features_module):
            cloudpickle.unregister_pickle_by_value(module)


def ensure_champion(ms: MlflowSettings, settings: ClassifierSettings) -> ResolvedModel:
    """The current champion; trains, registers and promotes a first one when there is none."""
    champion = resolve_champion(ms)
    if champion is None:
        train_and_register(ms, settings)
        champion = resolve_champion(ms)
    if champion is None:
        raise LookupError(f"training did not produce a {ms.champion_alias!r} for {ms.model_name!r}")
    return champion
