"""Compute gold.daily_kpis for one Africa/Lagos business day (default yesterday) or a date range."""

from __future__ import annotations

import sys
from datetime import date

from beejan_lakehouse.gold.daily import backfill, compute_daily_kpis, yesterday
from beejan_lakehouse.gold.settings import load_gold_settings
from beejan_lakehouse.job import job_parser, job_run
from beejan_lakehouse.session import build_spark


def main(argv: list[str] | None = None) -> int:
    parser = job_parser(__doc__)
    parser.add_argument("--date", type=date.fromisoformat, help="business day YYYY-MM-DD (default: yesterday, Lagos)")
    parser.add_argument("--start", type=date.fromisoformat, help="first day of a backfill (with --end)")
    parser.add_argument("--end", type=date.fromisoformat, help="last day of a backfill, inclusive")
    args = parser.parse_args(argv)
    if (args.start is None) != (args.end is None) or (args.start and args.date):
        parser.error("use --date, or --start together with --end")
    settings = load_gold_settings()
    with job_run("daily_kpis", args) as (cfg, summary):
        spark = build_spark(cfg, app_name="beejan-daily-kpis")
        if args.start:
            summary["rows"] = backfill(spark, cfg, args.start, args.end, settings)
        else:
            day = args.date or yesterday(settings.daily.business_timezone)
            summary["date"] = day.isoformat()
            summary["rows"] = compute_daily_kpis(spark, cfg, day, settings)
    return 0


if __name__ == "__main__":
    sys.exit(main())
