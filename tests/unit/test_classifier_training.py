"""Training registers and promotes; a worse model never takes champion; evaluation output."""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path

import pytest
from mlflow.tracking import MlflowClient

from beejan_lakehouse.classification.settings import (
    MlflowSettings,
    ModelParams,
    load_settings,
)
from beejan_lakehouse.classification.training import train_and_register

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT / "jobs"))
import evaluate_classifier  # noqa: E402  (jobs/ is not a package)

SMALL = 360  # curated rows: enough for every class, fast to fit


def _mlflow(tmp: Path) -> MlflowSettings:
    uri = f"sqlite:///{tmp / 'mlflow.db'}"
    return MlflowSettings(tracking_uri=uri, registry_uri=uri, artifact_location=str(tmp / "artifacts"))


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory):
    """A temp sqlite registry holding a champion trained on a small curated subset."""
    ms = _mlflow(tmp_path_factory.mktemp("mlflow"))
    first = train_and_register(ms, load_settings(), simulator_samples=0, max_curated_rows=SMALL)
    return ms, first


def test_first_training_registers_and_sets_champion(registry) -> None:
    ms, first = registry
    client = MlflowClient(tracking_uri=ms.tracking_uri, registry_uri=ms.registry_uri)
    champion = client.get_model_version_by_alias("complaint_classifier", "champion")
    assert first.promoted is True
    assert first.version == "1"
    assert str(champion.version) == "1"
    run = client.get_run(first.run_id)
    assert run.data.metrics["l2_macro_f1"] == pytest.approx(first.metrics["l2_macro_f1"])
    assert "data.curated_train.sha256" in run.data.tags
    assert run.data.params["curated_rows"] == str(SMALL)
    artifacts = {a.path for a in client.list_artifacts(first.run_id, "evaluation")}
    assert "evaluation/confusion_l2.png" in artifacts


def test_worse_model_does_not_take_champion(registry) -> None:
    ms, first = registry
    crippled = dataclasses.replace(
        load_settings(),
        model=ModelParams(n_bits=3, c=0.0001),
    )
    worse = train_and_register(ms, crippled, simulator_samples=0, max_curated_rows=SMALL)
    client = MlflowClient(tracking_uri=ms.tracking_uri, registry_uri=ms.registry_uri)
    assert worse.metrics["l2_macro_f1"] < first.metrics["l2_macro_f1"]
    assert worse.promoted is False
    assert worse.champion_metrics["l2_macro_f1"] == pytest.approx(first.metrics["l2_macro_f1"])
    champion = client.get_model_version_by_alias("complaint_classifier", "champion")
    assert str(champion.version) == first.version


def test_equally_good_model_takes_champion(registry) -> None:
    ms, first = registry
    again = train_and_register(ms, load_settings(), simulator_samples=0, max_curated_rows=SMALL)
    client = MlflowClient(tracking_uri=ms.tracking_uri, registry_uri=ms.registry_uri)
    assert again.metrics["l2_macro_f1"] == pytest.approx(first.metrics["l2_macro_f1"])
    assert again.promoted is True
    assert str(client.get_model_version_by_alias("complaint_classifier", "champion").version) == (again.version)


def _labelled_file(tmp_path: Path) -> Path:
    lines = [
        {"text": "no network since morning in Ikeja", "l1": "Network", "l2": "Outage"},
        {"text": "una debit me twice for one recharge", "l1": "Billing", "l2": "Overcharge"},
        {"text": "abeg reverse my money, recharge failed", "l1": "Billing", "l2": "Refund"},
        {"text": "agent hung up on me", "l1": "Service", "l2": "Agent experience", "x": 1},
    ]
    path = tmp_path / "sample.jsonl"
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    return path


def test_evaluate_json_output_has_headline_metrics(registry, tmp_path, capsys) -> None:
    ms, _ = registry
    args = ["--env", "dev", "--tracking-uri", ms.tracking_uri, "--input"]
    assert evaluate_classifier.main([*args, str(_labelled_file(tmp_path)), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["n"] == 4
    assert 0.0 <= out["l1_macro_f1"] <= 1.0 and 0.0 <= out["l2_macro_f1"] <= 1.0
    assert out["model_name"] == "complaint_classifier"
    assert set(out["l2"]["per_class"]) == {
        "Coverage", "Speed", "Outage", "Overcharge", "Refund", "Agent experience",
    }  # fmt: skip
    assert sum(map(sum, out["l2"]["confusion_matrix"])) == 4


def test_evaluate_text_output_lists_classes_and_confusion(registry, tmp_path, capsys) -> None:
    ms, _ = registry
    args = ["--env", "dev", "--tracking-uri", ms.tracking_uri, "--input"]
    assert evaluate_classifier.main([*args, str(_labelled_file(tmp_path))]) == 0
    out = capsys.readouterr().out
    for needle in (
        "L1 (rules+model)  macro-F1",
        "L2 (rules+model)  macro-F1",
        "accuracy",
        "Agent experience",
        "confusion matrix",
        "rules only",
    ):
        assert needle in out


def test_evaluate_trains_first_champion_on_fresh_registry(tmp_path, capsys) -> None:
    ms = _mlflow(tmp_path)
    args = ["--env", "dev", "--tracking-uri", ms.tracking_uri,
            "--artifact-location", ms.artifact_location]  # fmt: skip
    assert evaluate_classifier.main([*args, "--input", str(_labelled_file(tmp_path)), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["model_version"] == "1"
