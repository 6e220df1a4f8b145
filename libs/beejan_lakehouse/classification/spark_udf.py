"""Classify complaints inside Spark: a DataFrame transform built on an iterator pandas UDF.

The champion is resolved on the driver once, when the transform is built (stream start), and
pinned by version: executors load that exact version from its artifact URI, once per Python
worker process (module-level cache), so a newly promoted champion is picked up on restart.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import pandas as pd
from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F
from pyspark.sql.functions import pandas_udf
from pyspark.sql.types import BooleanType, DoubleType, StringType, StructField, StructType
from sklearn.pipeline import Pipeline

from beejan_lakehouse.classification.fusion import ComplaintClassifier
from beejan_lakehouse.classification.registry import ResolvedModel, load_pipeline, resolve_champion
from beejan_lakehouse.classification.rules import RuleSet
from beejan_lakehouse.classification.settings import (
    ClassifierSettings,
    MlflowSettings,
    load_settings,
)
from beejan_lakehouse.classification.taxonomy import Taxonomy, load_taxonomy

CLASSIFICATION_COLUMNS = (
    "l1",
    "l2",
    "confidence",
    "classified_by",
    "model_name",
    "model_version",
    "needs_review",
)

_RESULT_SCHEMA = StructType(
    [
        StructField("l1", StringType(), True),
        StructField("l2", StringType(), True),
        StructField("confidence", DoubleType(), True),
        StructField("classified_by", StringType(), True),
        StructField("needs_review", BooleanType(), True),
    ]
)

# One loaded pipeline per model URI per Python process: Spark reuses Python workers across
# tasks and micro-batches (spark.python.worker.reuse), so each executor loads it once.
_PIPELINES: dict[str, Pipeline] = {}


def cached_pipeline(uri: str) -> Pipeline:
    """Load the pipeline at `uri` on first use in this process; later calls are a dict hit."""
    pipeline = _PIPELINES.get(uri)
    if pipeline is None:
        pipeline = _PIPELINES[uri] = load_pipeline(uri)
    return pipeline


def _classification_udf(
    model_uri: str,
    rules: RuleSet | None,
    taxonomy: Taxonomy,
    confidence_threshold: float,
    rule_confidence: float,
) -> Callable[[Column], Column]:
    # A scalar (not iterator) pandas UDF: Spark evaluates scalar pandas UDFs of one projection
    # in a single Arrow round trip, iterator UDFs each in their own. The model is still loaded
    # once per Python worker (cached_pipeline).
    @pandas_udf(_RESULT_SCHEMA)  # type: ignore[call-overload]
    def classify_batches(texts: pd.Series) -> pd.DataFrame:
        classifier = ComplaintClassifier(
            pipeline=cached_pipeline(model_uri),
            rules=rules,
            taxonomy=taxonomy,
            confidence_threshold=confidence_threshold,
            rule_confidence=rule_confidence,
        )
        return classifier.classify(texts.tolist())

    return classify_batches


def classify(
    model: ResolvedModel,
    settings: ClassifierSettings | None = None,
    text_col: str = "text",
    use_rules: bool = True,
) -> Callable[[DataFrame], DataFrame]:
    """Return a transform adding the classification columns to a DataFrame.

    Input: any DataFrame with string column `text_col` (null allowed: classified from "",
    low confidence, so needs_review). Output: the input columns (then any `with_columns` given
    to the transform) followed by l1, l2, confidence (double), classified_by ("rule" | "model"
    | "both"), model_name, model_version, needs_review (boolean). Row count and order are
    unchanged.
    """
    settings = settings or load_settings()
    taxonomy = load_taxonomy(settings.taxonomy_path)
    # Rules compile on the driver and ship inside the UDF closure (compiled regexes pickle).
    rules = RuleSet.from_yaml(settings.rules_path, taxonomy) if use_rules else None
    udf = _classification_udf(model.uri, rules, taxonomy, settings.confidence_threshold, settings.rule_confidence)

    classification = udf(F.col(text_col)).alias("_classification")
    result = F.col("_classification")
    outputs = [
        result["l1"].alias("l1"),
        result["l2"].alias("l2"),
        result["confidence"].alias("confidence"),
        result["classified_by"].alias("classified_by"),
        F.lit(model.name).alias("model_name"),
        F.lit(model.version).alias("model_version"),
        result["needs_review"].alias("needs_review"),
    ]

    def apply(df: DataFrame, with_columns: Mapping[str, Column] | None = None) -> DataFrame:
        # `with_columns` (e.g. another pandas UDF over the same rows) are computed in the same
        # projection, so Spark runs every Python UDF of the row in one Arrow round trip.
        extra = [c.alias(n) for n, c in (with_columns or {}).items()]
        return df.select("*", classification, *extra).select("*", *outputs).drop("_classification")

    return apply


def classify_with_champion(
    ms: MlflowSettings,
    settings: ClassifierSettings | None = None,
    text_col: str = "text",
) -> Callable[[DataFrame], DataFrame]:
    """`classify` for the current champion; raises LookupError when there is none."""
    champion = resolve_champion(ms)
    if champion is None:
        raise LookupError(
            f"no {ms.champion_alias!r} alias on {ms.model_name!r}: run ./spark-submit.sh train_classifier first"
        )
    return classify(champion, settings, text_col)
