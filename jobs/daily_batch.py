"""Nightly batch: ingest new landing files, bring them to silver, then compute the day's KPIs."""

from __future__ import annotations

import sys
import time
from datetime import date

from beejan_lakehouse.bronze.files import start_files_to_bronze
from beejan_lakehouse.gold.daily import compute_daily_kpis, yesterday
from beejan_lakehouse.gold.settings import load_gold_settings
from beejan_lakehouse.job import job_parser, job_run
from beejan_lakehouse.session import build_spark
from beejan_lakehouse.silver.stream import silver_context, start_files_to_silver
from beejan_lakehouse.sources.file_formats import FILE_SOURCES
from beejan_lakehouse.streaming import await_and_log


def main(argv: list[str] | None = None) -> int:
    parser = job_parser(__doc__)
    parser.add_argument("--date", type=date.fromisoformat, help="business day YYYY-MM-DD (default: yesterday, Lagos)")
    args = parser.parse_args(argv)
    settings = load_gold_settings()
    with job_run("daily_batch", args) as (cfg, summary):
        started = time.monotonic()
        spark = build_spark(cfg, app_name="beejan-daily-batch")
        summary["session_s"] = round(time.monotonic() - started, 1)
        for source, fmt in FILE_SOURCES.items():
            files: dict[str, int] = {}
            await_and_log(start_files_to_bronze(spark, cfg, fmt, files))
            summary[f"{source}_files"] = files
        summary["bronze_s"] = round(time.monotonic() - started - summary["session_s"], 1)
        ctx = silver_context(spark, cfg)
        for source in FILE_SOURCES:
            await_and_log(start_files_to_silver(spark, cfg, ctx, source))
        summary["silver_s"] = round(time.monotonic() - started - summary["session_s"] - summary["bronze_s"], 1)
        kpis_started = time.monotonic()
        day = args.date or yesterday(settings.daily.business_timezone)
        summary["kpi_date"] = day.isoformat()
        summary["kpi_rows"] = compute_daily_kpis(spark, cfg, day, settings)
        summary["kpis_s"] = round(time.monotonic() - kpis_started, 1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
