"""gold.alerts: spikes and drops per region x category per 15-minute window, pushed to a webhook.

Detection (`detect`, a pure transform): for every region x category (l1 and l2 levels, channels
summed) and window, the baseline is the same key's counts over the preceding
`alerts.baseline_windows` windows (zero where the key had no complaints). With median m and
MAD d of the baseline, the robust z-score is (observed - m) / max(1.4826 d, sqrt(max(m, 1))):
the Poisson floor stops a flat, small baseline (d = 0) from making every wobble an alert.
A spike needs z >= spike_z, observed >= min_observed and observed >= min_ratio x m; a drop
needs z <= -drop_z, m >= min_expected_for_drop, and a window that is no longer the newest (an
open window always looks like a drop). Thresholds: conf/gold.yaml.

The window grid is the set of windows that have any complaint at all: a window with nothing
anywhere is a pipeline outage (a data-health matter), not a regional drop.

Alerts are MERGEd on a deterministic alert_id (kind|region|level|category|window_start), so
re-evaluation updates a spike's observed count instead of duplicating it, and pushed once to
the webhook (JSON POST, retries with backoff); every attempt round is recorded in
ops.alert_deliveries and a failure never raises. Contract: docs/gold.md.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from typing import Any

from pyspark.sql import Column, DataFrame, SparkSession, Window
from pyspark.sql import functions as F
from pyspark.sql.types import (
    DoubleType,
    IntegerType,
    LongType,
    StringType,
    StructField,
    StructType,
    TimestampType,
)

from beejan_lakehouse.config import Config
from beejan_lakehouse.gold.live import LIVE_15MIN, UNKNOWN
from beejan_lakehouse.gold.settings import AlertSettings, GoldSettings, WebhookSettings, load_gold_settings
from beejan_lakehouse.logs import get_logger
from beejan_lakehouse.tables import TableSpec, ensure_table, table_path

log = get_logger("gold.alerts")

PAYLOAD_SCHEMA = "beejan.alert.v1"
WINDOW_MINUTES = 15

ALERTS = TableSpec(
    name="gold.alerts",
    schema=StructType(
        [
            StructField("alert_id", StringType(), False),  # sha2(kind|region|level|category|window_start)
            StructField("kind", StringType(), False),  # spike | drop
            StructField("region", StringType(), False),
            StructField("category_level", StringType(), False),  # l1 | l2
            StructField("category", StringType(), False),  # e.g. Network, Outage
            StructField("window_start", TimestampType(), False),
            StructField("window_end", TimestampType(), False),
            StructField("observed", LongType(), False),  # complaints in the window
            StructField("expected", DoubleType(), False),  # baseline median
            StructField("z_score", DoubleType(), False),  # robust z (see module doc)
            StructField("severity", StringType(), False),  # warning | high | critical
            StructField("created_at", TimestampType(), False),
            StructField("updated_at", TimestampType(), False),
            StructField("status", StringType(), False),  # open (a ticketing system may close it)
        ]
    ),
    constraints={
        "valid_kind": "kind IN ('spike', 'drop')",
        "valid_severity": "severity IN ('warning', 'high', 'critical')",
        "valid_level": "category_level IN ('l1', 'l2')",
    },
    comment="Spike/drop alerts per region x category x 15-minute window; the ticketing contract "
    "(docs/gold.md). Owner: gold.",
)

ALERT_DELIVERIES = TableSpec(
    name="ops.alert_deliveries",
    schema=StructType(
        [
            StructField("alert_id", StringType(), False),
            StructField("url", StringType(), False),
            StructField("status", StringType(), False),  # delivered | failed
            StructField("attempts", IntegerType(), False),
            StructField("http_status", IntegerType()),
            StructField("error", StringType()),
            StructField("attempted_at", TimestampType(), False),
        ]
    ),
    comment="Each webhook delivery round of an alert (retries inside a round). Owner: gold.",
)


def category_counts(live: DataFrame) -> DataFrame:
    """gold.live_15min rows -> counts per window x region x category at both levels.

    Output: window_start, window_end, region, category_level ('l1'|'l2'), category, observed.
    'Unknown' regions and categories are left out: they say nothing about a place or an issue.
    """
    levels = [
        live.select("window_start", "window_end", "region", F.lit(level).alias("category_level"),
                    F.col(level).alias("category"), "complaints")
        for level in ("l1", "l2")
    ]  # fmt: skip
    return (
        levels[0]
        .unionByName(levels[1])
        .where((F.col("region") != UNKNOWN) & (F.col("category") != UNKNOWN))
        .groupBy("window_start", "window_end", "region", "category_level", "category")
        .agg(F.sum("complaints").cast("long").alias("observed"))
    )


def _median(sorted_values: Column) -> Column:
    n = F.size(sorted_values)
    lower = F.element_at(sorted_values, F.floor((n + 1) / 2).cast("int"))
    upper = F.element_at(sorted_values, F.floor(n / 2).cast("int") + 1)
    return F.when(n > 0, (lower + upper) / 2.0)


def detect(counts: DataFrame, settings: AlertSettings, evaluate_from: datetime | None = None) -> DataFrame:
    """Window counts -> alert candidates (ALERTS columns but created_at/updated_at/status).

    Input: category_counts() output. Baselines use the whole input; alerts are only emitted for
    windows starting at or after `evaluate_from` (None: all).
    """
    key = ["region", "category_level", "category"]
    grid = (
        counts.select("window_start", "window_end").distinct()
        .crossJoin(counts.select(*key).distinct())
        .join(counts, ["window_start", "window_end", *key], "left")
        .withColumn("observed", F.coalesce("observed", F.lit(0)).cast("long"))
    )  # fmt: skip
    # Every window of the grid (not only the key's own rows) is one baseline step.
    previous = Window.partitionBy(*key).orderBy("window_start").rowsBetween(-settings.baseline_windows, -1)
    newest = counts.agg(F.max("window_start")).first()[0]
    baseline = grid.withColumn("_base", F.array_sort(F.collect_list(F.col("observed").cast("double")).over(previous)))
    with_stats = baseline.withColumn("expected", _median(F.col("_base"))).withColumn(
        "_mad", _median(F.array_sort(F.transform("_base", lambda x: F.abs(x - F.col("expected")))))
    )
    sigma = F.greatest(F.col("_mad") * 1.4826, F.sqrt(F.greatest(F.col("expected"), F.lit(1.0))))
    scored = with_stats.withColumn("z_score", (F.col("observed") - F.col("expected")) / sigma)
    enough = F.size("_base") >= settings.min_baseline_windows
    spike = (
        enough
        & (F.col("z_score") >= settings.spike_z)
        & (F.col("observed") >= settings.min_observed)
        & (F.col("observed") >= F.col("expected") * settings.min_ratio)
    )
    drop = (
        enough
        & (F.col("z_score") <= -settings.drop_z)
        & (F.col("expected") >= settings.min_expected_for_drop)
        & (F.col("window_start") < F.lit(newest))
    )
    magnitude = F.abs("z_score")
    severity = (
        F.when(magnitude >= settings.severity_critical_z, "critical")
        .when(magnitude >= settings.severity_high_z, "high")
        .otherwise("warning")
    )
    kind = F.when(spike, "spike").when(drop, "drop")
    alerts = scored.withColumn("kind", kind).where(F.col("kind").isNotNull())
    if evaluate_from is not None:
        alerts = alerts.where(F.col("window_start") >= F.lit(evaluate_from))
    alert_id = F.sha2(F.concat_ws("|", "kind", *key, F.date_format("window_start", "yyyy-MM-dd'T'HH:mm:ss'Z'")), 256)
    return alerts.select(
        alert_id.alias("alert_id"), "kind", *key, "window_start", "window_end", "observed",
        "expected", "z_score", severity.alias("severity"),
    )  # fmt: skip


def ensure_alert_tables(spark: SparkSession, cfg: Config) -> None:
    """Create gold.alerts and ops.alert_deliveries if missing."""
    for spec in (ALERTS, ALERT_DELIVERIES):
        ensure_table(spark, cfg, spec)


def evaluate_alerts(
    spark: SparkSession, cfg: Config, settings: GoldSettings | None = None, until: datetime | None = None
) -> dict[str, int]:
    """Detect over the newest `lookback_windows` windows of gold.live_15min (up to `until`), MERGE
    into gold.alerts, then push undelivered alerts to the webhook. Returns counts; never raises
    for webhook failures."""
    from delta.tables import DeltaTable

    settings = settings or load_gold_settings()
    a = settings.alerts
    ensure_table(spark, cfg, LIVE_15MIN)
    ensure_alert_tables(spark, cfg)
    live = spark.read.format("delta").load(table_path(cfg, LIVE_15MIN.name))
    if until is not None:
        live = live.where(F.col("window_start") < F.lit(until))
    newest = live.agg(F.unix_micros(F.max("window_start"))).first()[0]
    if newest is None:
        return {"candidates": 0, "pushed": 0, "failed": 0}
    newest_ts = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=newest)
    evaluate_from = newest_ts - timedelta(minutes=WINDOW_MINUTES * (a.lookback_windows - 1))
    read_from = evaluate_from - timedelta(minutes=WINDOW_MINUTES * a.baseline_windows)
    recent = live.where((F.col("window_date") >= f"{read_from:%Y-%m-%d}") & (F.col("window_start") >= F.lit(read_from)))
    now = datetime.now(UTC)
    candidates = (
        detect(category_counts(recent), a, evaluate_from)
        .withColumns({"created_at": F.lit(now), "updated_at": F.lit(now), "status": F.lit("open")})
        .select(*[f.name for f in ALERTS.schema])
        .localCheckpoint()  # evaluated once: MERGE and the log below must see the same rows
    )
    found = candidates.count()
    if found:
        (
            DeltaTable.forPath(spark, table_path(cfg, ALERTS.name)).alias("t")
            .merge(candidates.alias("s"), "t.alert_id = s.alert_id")
            .whenMatchedUpdate(
                condition="t.observed <> s.observed",
                set={c: f"s.{c}" for c in ("observed", "expected", "z_score", "severity", "updated_at")},
            )
            .whenNotMatchedInsertAll()
            .execute()
        )  # fmt: skip
    pushed, failed = push_pending(spark, cfg, settings.webhook)
    return {"candidates": found, "pushed": pushed, "failed": failed}


def alert_payload(alert: dict[str, Any]) -> dict[str, Any]:
    """The webhook JSON body of one gold.alerts row (timestamps ISO-8601 UTC with 'Z')."""
    body: dict[str, Any] = {"schema": PAYLOAD_SCHEMA}
    for field in ALERTS.schema:
        value = alert[field.name]
        if isinstance(value, datetime):
            value = value.strftime("%Y-%m-%dT%H:%M:%SZ")
        body[field.name] = value
    return body


def post_json(url: str, body: dict[str, Any], hook: WebhookSettings) -> tuple[bool, int, int | None, str | None]:
    """POST `body` with retries and exponential backoff: (ok, attempts, last HTTP status, last error)."""
    data = json.dumps(body, sort_keys=True).encode()
    status: int | None = None
    error: str | None = None
    for attempt in range(1, hook.max_attempts + 1):
        request = urllib.request.Request(url, data=data, method="POST", headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=hook.timeout_seconds) as response:
                status = response.status
                if 200 <= status < 300:
                    return True, attempt, status, None
                error = f"HTTP {status}"
        except urllib.error.HTTPError as exc:
            status, error = exc.code, f"HTTP {exc.code}"
        except (urllib.error.URLError, OSError) as exc:
            error = f"{type(exc).__name__}: {exc}"
        if attempt < hook.max_attempts:
            time.sleep(hook.backoff_seconds * 2 ** (attempt - 1))
    return False, hook.max_attempts, status, error


def push_pending(spark: SparkSession, cfg: Config, hook: WebhookSettings) -> tuple[int, int]:
    """POST every alert not yet delivered (and not given up on) to the webhook; (delivered, failed)."""
    if not hook.url:
        return 0, 0
    deliveries = spark.read.format("delta").load(table_path(cfg, ALERT_DELIVERIES.name))
    done = deliveries.groupBy("alert_id").agg(
        F.max(F.col("status") == "delivered").alias("delivered"),
        F.count(F.lit(1)).alias("rounds"),
    )
    pending = (
        spark.read.format("delta").load(table_path(cfg, ALERTS.name))
        .join(done, "alert_id", "left")
        .where(F.col("delivered").isNull() | (~F.col("delivered") & (F.col("rounds") < hook.max_rounds)))
        .withColumns({c: F.date_format(c, "yyyy-MM-dd HH:mm:ss") for c in ("window_start", "window_end",
                                                                           "created_at", "updated_at")})
        .orderBy("window_start", "alert_id")
        .collect()
    )  # fmt: skip
    records = []
    for row in pending:
        alert = {k: (_parse_utc(v) if k in ("window_start", "window_end", "created_at", "updated_at") else v)
                 for k, v in row.asDict().items()}  # fmt: skip
        ok, attempts, status, error = post_json(hook.url, alert_payload(alert), hook)
        if not ok:
            log.error("webhook delivery of alert %s failed after %d attempt(s): %s", alert["alert_id"], attempts, error)
        records.append((alert["alert_id"], hook.url, "delivered" if ok else "failed", attempts, status, error,
                        datetime.now(UTC)))  # fmt: skip
    if records:
        spark.createDataFrame(records, ALERT_DELIVERIES.schema).write.format("delta").mode("append").save(
            table_path(cfg, ALERT_DELIVERIES.name)
        )
    delivered = sum(1 for r in records if r[2] == "delivered")
    return delivered, len(records) - delivered


def _parse_utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)
