"""Reconcile one Lagos day's web-form export with the streamed web-form events (default yesterday).

Reads bronze.web_export_raw and bronze.kafka_events (channel 'webform'), replaces the day's rows
of ops.webform_reconciliation (only_in_stream, only_in_export, field_mismatch) and logs the
counts as one line plus one line per difference. Run after the day's export has been ingested
(./spark-submit.sh ingest_files --source web_export). Exit 0 whatever the differences: they are
findings for ops, not a job failure.
"""

from __future__ import annotations

import sys
from datetime import date

from beejan_lakehouse.bronze.reconcile import TIME_TOLERANCE_S, lagos_yesterday, reconcile_day
from beejan_lakehouse.job import job_parser, job_run
from beejan_lakehouse.session import build_spark


def main(argv: list[str] | None = None) -> int:
    parser = job_parser(__doc__.splitlines()[0])
    parser.add_argument(
        "--date", type=date.fromisoformat, help="Lagos business day YYYY-MM-DD (default: yesterday, Lagos)"
    )
    parser.add_argument(
        "--time-tolerance-s",
        type=int,
        default=TIME_TOLERANCE_S,
        help=f"stream vs export event time difference still counted equal (default {TIME_TOLERANCE_S})",
    )
    args = parser.parse_args(argv)
    day = args.date or lagos_yesterday()
    with job_run("reconcile_web_export", args) as (cfg, summary):
        spark = build_spark(cfg, app_name="beejan-reconcile-web-export")
        summary["date"] = day.isoformat()
        summary.update(reconcile_day(spark, cfg, day, args.time_tolerance_s))
    return 0


if __name__ == "__main__":
    sys.exit(main())
