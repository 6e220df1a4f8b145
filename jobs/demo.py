"""End-to-end demo: simulate a day of complaints, run every pipeline stage, print what landed."""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from beejan_lakehouse.broker import spec_from_config
from beejan_lakehouse.broker import start as start_broker
from beejan_lakehouse.bronze.files import start_files_to_bronze
from beejan_lakehouse.bronze.kafka_events import TABLE as KAFKA_EVENTS
from beejan_lakehouse.bronze.kafka_events import start_kafka_to_bronze
from beejan_lakehouse.config import Config, load_config
from beejan_lakehouse.job import job_parser, job_run
from beejan_lakehouse.session import build_spark
from beejan_lakehouse.simulator.channels import LAGOS
from beejan_lakehouse.simulator.runner import RunConfig, run_day
from beejan_lakehouse.simulator.world import build_world
from beejan_lakehouse.sources.file_formats import FILE_SOURCES
from beejan_lakehouse.streaming import await_and_log
from beejan_lakehouse.topics import ensure_topics, topic_name


def simulate(cfg: Config, total: int, seed: int) -> dict:
    """Yesterday (Lagos) at `total` complaints: streams to Kafka, call-centre/export files to landing."""
    day = (datetime.now(UTC).astimezone(LAGOS) - timedelta(days=1)).date()
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


def main(argv: list[str] | None = None) -> int:
    parser = job_parser(__doc__)
    parser.add_argument("--complaints", type=int, default=1000, help="complaints to simulate (default 1000)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    cfg = load_config(args.env)
    if args.env != "prod":
        start_broker(spec_from_config(args.env))  # idempotent: reuses a running broker
        ensure_topics(cfg)
    with job_run("demo", args.env) as (cfg, summary):
        summary["simulated"] = simulate(cfg, args.complaints, args.seed)["delivered"]
        spark = build_spark(cfg, app_name="beejan-demo")
        summary["files"] = to_bronze(spark, cfg)
        report(spark)
    return 0


if __name__ == "__main__":
    sys.exit(main())
