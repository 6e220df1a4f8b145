# Databricks notebook source
# MAGIC %md
# MAGIC # Complaints now and yesterday
# MAGIC
# MAGIC For managers and analysts: the live 15-minute picture (`gold.live_15min`, updated every
# MAGIC micro-batch), the business day's KPIs (`gold.daily_kpis`, Africa/Lagos day) and the open
# MAGIC spike/drop alerts (`gold.alerts`). Contracts: docs/gold.md.
# MAGIC
# MAGIC Locally: `BEEJAN_ENV=dev [BEEJAN_KPI_DATE=YYYY-MM-DD] .venv/bin/python notebooks/02_live_and_daily_kpis.py`;
# MAGIC on Databricks set the `kpi_date` widget (default: the latest day computed).

# COMMAND ----------

import os

from beejan_lakehouse.notebook import notebook_session, show

spark, cfg = notebook_session("beejan-live-and-kpis")
try:
    display  # noqa: B018 - Databricks provides display()
except NameError:
    display = show
try:
    dbutils.widgets.text("kpi_date", "")
    kpi_date = dbutils.widgets.get("kpi_date")
except NameError:
    kpi_date = os.environ.get("BEEJAN_KPI_DATE", "")
if not kpi_date:
    kpi_date = str(spark.sql("SELECT max(kpi_date) FROM gold.daily_kpis").first()[0])

# COMMAND ----------

# MAGIC %md
# MAGIC ## Last 15 minutes per region (the live widget's query)

# COMMAND ----------

display(spark.table("gold.live_last_15min").orderBy("complaints", ascending=False))

# COMMAND ----------

# MAGIC %md
# MAGIC ## Busiest 15-minute windows of the day, by region and category

# COMMAND ----------

busiest_windows = spark.sql(
    f"""
    SELECT window_start, region, l1, l2, sum(complaints) AS complaints
    FROM gold.live_15min
    WHERE window_date = '{kpi_date}'
    GROUP BY window_start, region, l1, l2
    ORDER BY complaints DESC, window_start, region, l1, l2
    LIMIT 20
    """
)
display(busiest_windows)

# COMMAND ----------

# MAGIC %md
# MAGIC ## The day's volumes by region and L1 category, against the trailing 7-day average

# COMMAND ----------

volumes = spark.sql(
    f"""
    SELECT dimension, dimension_value,
           max(CASE WHEN metric = 'volume' THEN value END) AS complaints,
           round(max(CASE WHEN metric = 'share' THEN value END), 4) AS share,
           round(max(CASE WHEN metric = 'avg_7d' THEN value END), 1) AS avg_7d,
           round(max(CASE WHEN metric = 'change_vs_7d' THEN value END), 4) AS change_vs_7d
    FROM gold.daily_kpis
    WHERE kpi_date = '{kpi_date}' AND dimension IN ('region', 'l1')
    GROUP BY dimension, dimension_value
    ORDER BY dimension, complaints DESC, dimension_value
    """
)
display(volumes)

# COMMAND ----------

# MAGIC %md
# MAGIC ## Alerts raised (newest first)

# COMMAND ----------

display(
    spark.sql(
        "SELECT kind, severity, region, category, window_start, observed, expected, status "
        "FROM gold.alerts ORDER BY window_start DESC, severity DESC LIMIT 20"
    )
)
