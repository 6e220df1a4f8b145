"""End-to-end demo: simulate a day of complaints, run every stage and the table maintenance, print what landed."""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from beejan_lakehouse.broker import spec_from_config
from beejan_lakehouse.broker import start as start_broker
from beejan_lakehouse.bronze.files import start_files_to_bronze
from beejan_lakehouse.bronze.kafka_events import TABLE as KAFKA_EVENTS
from beejan_lakehouse.bronze.kafka_events import start_kafka_to_bronze
from beejan_lakehouse.classification.settings import load_settings, mlflow_settings
from beejan_lakehouse.classification.training import ensure_champion as ensure_champion_model
from beejan_lakehouse.config import Config
from beejan_lakehouse.gold.alerts import evaluate_alerts
from beejan_lakehouse.gold.daily import compute_daily_kpis
from beejan_lakehouse.gold.live import start_live_windows
from beejan_lakehouse.gold.settings import load_gold_settings
from beejan_lakehouse.job import job_parser, job_run
from beejan_lakehouse.maintenance import maintain_lakehouse
from beejan_lakehouse.session import build_spark
from beejan_lakehouse.silver.stream import silver_context, start_files_to_silver, start_kafka_events_to_silver
from beejan_lakehouse.simulator.channels import LAGOS
from beejan_lakehouse.simulator.runner import RunConfig, run_day
from beejan_lakehouse.simulator.world import build_world
from beejan_lakehouse.sources.file_formats import FILE_SOURCES
from beejan_lakehouse.streaming import await_and_log
from beejan_lakehouse.topics import ensure_topics, topic_name


def demo_day():
    """The simulated business day: yesterday in Lagos (what the daily KPIs report by default)."""
    return (datetime.now(UTC).astimezone(LAGOS) - timedelta(days=1)).date()


def simulate(cfg: Config, total: int, seed: int) -> dict:
    """One day (demo_day) at `total` complaints: streams to Kafka, call-centre/export files to landing."""
    day = demo_day()
    run = RunConfig(
        world=build_world(),
        seed=seed,
        landing=Path(cfg["storage"]["landing"]),
        bootstrap_servers=cfg["kafka"]["bootstrap_servers"],
        topics={c: topic_name(cfg, c) for c in ("social", "sms", "webform")},
        log=lambda _line: None,
    )
    return run_day(run, day, total=total, files=False, kafka=True)


def to_bronze(spark, cfg: Config) -> dict:
    await_and_log(start_kafka_to_bronze(spark, cfg, trigger="availableNow"))
    files: dict[str, dict] = {}
    for source, fmt in FILE_SOURCES.items():
        files[source] = {}
        await_and_log(start_files_to_bronze(spark, cfg, fmt, files[source]))
    return files


def ensure_champion(env: str) -> str:
    """The classifier champion silver will use; trains and registers the first one if none exists."""
    settings = load_settings()
    champion = ensure_champion_model(mlflow_settings(env, settings), settings)
    return f"{champion.name} v{champion.version}"


def to_silver(spark, cfg: Config) -> None:
    ctx = silver_context(spark, cfg)
    for source in FILE_SOURCES:
        await_and_log(start_files_to_silver(spark, cfg, ctx, source))
    await_and_log(start_kafka_events_to_silver(spark, cfg, ctx, trigger="availableNow"))


def to_gold(spark, cfg: Config, day) -> dict:
    settings = load_gold_settings()
    if settings.live.update == "stream":  # else silver's batches have updated gold.live_15min already
        await_and_log(start_live_windows(spark, cfg, "availableNow", settings))
    return {"alerts": evaluate_alerts(spark, cfg, settings), "kpi_rows": compute_daily_kpis(spark, cfg, day, settings)}


def report(spark) -> None:
    print("\n== bronze.kafka_events by channel (all runs) ==")
    spark.sql(
        f"SELECT channel, count(*) AS messages, min(ingest_ts) AS first_ingest, max(ingest_ts) AS last_ingest "
        f"FROM {KAFKA_EVENTS} GROUP BY channel ORDER BY channel"
    ).show(truncate=False)
    print("== landing files ==")
    spark.sql(
        "SELECT source, status, coalesce(reason, '') AS reason, count(*) AS files, sum(records) AS records "
        "FROM bronze.landing_files GROUP BY ALL ORDER BY ALL"
    ).show(truncate=False)
    print("== a few SMS exactly as received (bronze.sms_raw) ==")
    spark.sql(
        "SELECT partition, offset, substr(CAST(value AS STRING), 1, 110) AS payload FROM bronze.sms_raw "
        "ORDER BY ingest_ts DESC, offset LIMIT 3"
    ).show(truncate=False)
    print("== bronze.kafka_events history (time travel: VERSION AS OF n) ==")
    spark.sql(f"DESCRIBE HISTORY {KAFKA_EVENTS}").select("version", "timestamp", "operation").show(5, False)
    print("== silver reconciliation per batch (rows_in = inserted + quarantined + duplicates) ==")
    spark.sql(
        "SELECT query, batch_id, rows_in, inserted, quarantined, duplicate_delivery, duplicate_text, "
        "near_duplicate FROM ops.silver_batches ORDER BY started_at DESC LIMIT 6"
    ).show(truncate=False)
    print("== silver.complaints: complaints by L1/L2 (near-duplicates excluded) ==")
    spark.sql(
        "SELECT l1, l2, count(*) AS complaints, round(avg(confidence), 2) AS avg_conf, "
        "sum(CAST(needs_review AS INT)) AS needs_review FROM silver.complaints WHERE NOT is_duplicate "
        "GROUP BY l1, l2 ORDER BY l1, l2"
    ).show(truncate=False)
    print("== a few masked complaints ==")
    spark.sql(
        "SELECT channel, region, l2, classified_by, substr(text_masked, 1, 90) AS text_masked "
        "FROM silver.complaints WHERE size(pii_types) > 0 ORDER BY event_ts_utc DESC LIMIT 5"
    ).show(truncate=False)
    print("== gold.live_15min: the busiest 15-minute windows ==")
    spark.sql(
        "SELECT window_start, region, l1, sum(complaints) AS complaints FROM gold.live_15min "
        "GROUP BY ALL ORDER BY complaints DESC, window_start LIMIT 8"
    ).show(truncate=False)
    print("== gold.daily_kpis: volumes by region ==")
    spark.sql(
        "SELECT kpi_date, dimension_value AS region, value AS complaints FROM gold.daily_kpis "
        "WHERE dimension = 'region' AND metric = 'volume' ORDER BY value DESC LIMIT 8"
    ).show(truncate=False)
    print("== gold.alerts ==")
    spark.sql(
        "SELECT kind, region, category, window_start, observed, expected, severity FROM gold.alerts "
        "ORDER BY window_start DESC LIMIT 5"
    ).show(truncate=False)
    print("== silver.quarantine reasons ==")
    spark.sql(
        "SELECT channel, array_join(reasons, ', ') AS reasons, count(*) AS records FROM silver.quarantine "
        "GROUP BY ALL ORDER BY records DESC"
    ).show(truncate=False)


def main(argv: list[str] | None = None) -> int:
    parser = job_parser(__doc__)
    parser.add_argument("--complaints", type=int, default=1000, help="complaints to simulate (default 1000)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    with job_run("demo", args) as (cfg, summary):
        if args.env != "prod":
            start_broker(spec_from_config(args.env))  # idempotent: reuses a running broker
            ensure_topics(cfg)
        summary["simulated"] = simulate(cfg, args.complaints, args.seed)["delivered"]
        spark = build_spark(cfg, app_name="beejan-demo")
        summary["files"] = to_bronze(spark, cfg)
        summary["classifier"] = ensure_champion(args.env)
        to_silver(spark, cfg)
        summary["gold"] = to_gold(spark, cfg, demo_day())
        # What runs nightly after the KPIs: every table compacted, unreferenced files vacuumed.
        maintained = maintain_lakehouse(spark, cfg).values()
        summary["maintenance"] = {k: sum(r[k] for r in maintained) for k in ("files_removed", "files_added")}
        report(spark)
    return 0


if __name__ == "__main__":
    sys.exit(main())
