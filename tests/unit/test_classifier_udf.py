"""The Spark transform classifies exactly like the registered pyfunc model plus rule fusion."""

from __future__ import annotations

import mlflow
import pandas as pd
import pytest

from beejan_lakehouse.classification.registry import build_classifier, load_pipeline, resolve_champion
from beejan_lakehouse.classification.settings import MlflowSettings, load_settings
from beejan_lakehouse.classification.spark_udf import CLASSIFICATION_COLUMNS, classify
from beejan_lakehouse.classification.training import train_and_register

TEXTS = [
    "no network since morning in Ikeja",
    "una debit me twice for the same recharge",
    "abeg reverse my money, recharge no enter",
    "the agent was rude and hung up on me",
    "data dey crawl for Lekki, youtube no gree play",
    "I have to go outside to make calls, my estate has no signal",
    "wetin dey happen to this una network sef",
    "Iâ€™m tired of this network in Wuse",
    "",
    None,
]


@pytest.fixture(scope="module")
def champion(tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp("mlflow_udf")
    uri = f"sqlite:///{tmp / 'mlflow.db'}"
    ms = MlflowSettings(uri, uri, str(tmp / "artifacts"))
    train_and_register(ms, load_settings(), simulator_samples=0, max_curated_rows=360)
    return resolve_champion(ms)


def test_udf_matches_pyfunc_model_and_fusion(spark, champion) -> None:
    df = spark.createDataFrame([(i, t) for i, t in enumerate(TEXTS)], "complaint_id INT, text STRING").repartition(3)
    result = df.transform(classify(champion)).orderBy("complaint_id")
    assert result.columns == ["complaint_id", "text", *CLASSIFICATION_COLUMNS]
    rows = result.toPandas()

    expected = build_classifier(load_pipeline(champion.uri), load_settings()).classify(TEXTS)
    for column in ("l1", "l2", "classified_by", "needs_review"):
        assert rows[column].tolist() == expected[column].tolist(), column
    assert rows["confidence"].tolist() == pytest.approx(expected["confidence"].tolist())
    assert set(rows["model_name"]) == {"complaint_classifier"}
    assert set(rows["model_version"]) == {champion.version}

    # Where no rule fired the label is the registered pyfunc model's own prediction.
    pyfunc = mlflow.pyfunc.load_model(champion.uri)
    predicted = pyfunc.predict(pd.DataFrame({"text": ["" if t is None else t for t in TEXTS]}))
    by_model = rows["classified_by"] == "model"
    assert by_model.any()
    assert rows.loc[by_model, "l2"].tolist() == [p for p, m in zip(predicted, by_model, strict=True) if m]
