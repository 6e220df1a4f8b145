"""Complaint classification: taxonomy, high-precision rules, an MLflow-tracked model, fusion.

Entry points: `fusion.Classifier` (pure Python/pandas), `spark_udf.classify` (DataFrame
transform for the silver stream), `training.train_and_register`, `evaluation.evaluate_file`.
"""
