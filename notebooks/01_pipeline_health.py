# Databricks notebook source
# MAGIC %md
# MAGIC # Pipeline health: does every complaint add up?
# MAGIC
# MAGIC For the on-call data engineer. Every bronze record that silver read is inserted,
# MAGIC quarantined (with its reasons) or counted as a duplicate, per micro-batch
# MAGIC (`ops.silver_batches`); this notebook sums that ledger per day, lists why records were
# MAGIC quarantined and which new payload fields bronze has seen.
# MAGIC
# MAGIC Runs on Databricks (the cluster's `spark`) or locally:
# MAGIC `BEEJAN_ENV=dev .venv/bin/python notebooks/01_pipeline_health.py`.

# COMMAND ----------

from beejan_lakehouse.notebook import notebook_session, show

spark, cfg = notebook_session("beejan-pipeline-health")
try:
    display  # noqa: B018 - Databricks provides display()
except NameError:
    display = show

# COMMAND ----------

# MAGIC %md
# MAGIC ## Reconciliation per day (processing time, UTC)
# MAGIC `unaccounted` must be 0 on every row: in = inserted + quarantined + duplicates.

# COMMAND ----------

reconciliation = spark.sql(
    """
    SELECT to_date(started_at) AS day,
           count(*) AS batches,
           sum(rows_in) AS rows_in,
           sum(inserted) AS inserted,
           sum(quarantined) AS quarantined,
           sum(duplicate_delivery) AS duplicate_delivery,
           sum(duplicate_text) AS duplicate_text,
           sum(near_duplicate) AS near_duplicate_flagged,
           sum(rows_in) - sum(inserted + quarantined + duplicate_delivery + duplicate_text) AS unaccounted,
           round(100 * sum(quarantined) / sum(rows_in), 2) AS quarantine_pct
    FROM ops.silver_batches
    GROUP BY to_date(started_at)
    ORDER BY day
    """
)
display(reconciliation)

# COMMAND ----------

# MAGIC %md
# MAGIC ## Why records were quarantined
# MAGIC One row per reason (a record can fail several expectations).

# COMMAND ----------

quarantine_reasons = spark.sql(
    """
    SELECT channel, reason, count(*) AS records
    FROM silver.quarantine LATERAL VIEW explode(reasons) r AS reason
    GROUP BY channel, reason
    ORDER BY records DESC, channel, reason
    """
)
display(quarantine_reasons)

# COMMAND ----------

# MAGIC %md
# MAGIC ## Slowest silver micro-batches

# COMMAND ----------

display(
    spark.sql(
        "SELECT query, batch_id, rows_in, CAST(duration_s AS DOUBLE) AS duration_s, started_at "
        "FROM ops.silver_batches ORDER BY CAST(duration_s AS DOUBLE) DESC LIMIT 10"
    )
)
