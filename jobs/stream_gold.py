"""Evaluate spike/drop alerts (webhook push); with live.update: stream, also stream silver into gold.live_15min."""

from __future__ import annotations

import sys
import time

from beejan_lakehouse.gold.alerts import evaluate_alerts
from beejan_lakehouse.gold.live import start_live_windows
from beejan_lakehouse.gold.settings import load_gold_settings
from beejan_lakehouse.job import job_parser, job_run
from beejan_lakehouse.logs import get_logger
from beejan_lakehouse.session import build_spark
from beejan_lakehouse.streaming import await_and_log

log = get_logger("job.stream_gold")


def main(argv: list[str] | None = None) -> int:
    parser = job_parser(__doc__)
    parser.add_argument(
        "--trigger",
        choices=["processingTime", "availableNow"],
        help="availableNow: drain what silver holds, evaluate alerts once and stop (default: conf/gold.yaml)",
    )
    parser.add_argument("--no-alerts", action="store_true", help="live windows only")
    args = parser.parse_args(argv)
    settings = load_gold_settings()
    with job_run("stream_gold", args) as (cfg, summary):
        spark = build_spark(cfg, app_name="beejan-stream-gold")
        trigger = args.trigger or settings.live.trigger
        if settings.live.update == "in_silver":
            # Silver's batches update the live table; this job only evaluates the alerts.
            log.info("gold.live_15min is updated by silver (live.update: in_silver): alerts only")
            while trigger != "availableNow" and not args.no_alerts:
                time.sleep(settings.alerts.evaluate_every_seconds)
                _evaluate(spark, cfg, settings, summary)
        else:
            query = start_live_windows(spark, cfg, args.trigger, settings)
            if trigger == "availableNow":
                await_and_log(query)
            else:
                # Alerts run on the driver between waits, off the live query's critical path: a
                # slow webhook never delays the live table.
                while query.isActive:
                    query.awaitTermination(settings.alerts.evaluate_every_seconds)
                    if query.isActive and not args.no_alerts:
                        _evaluate(spark, cfg, settings, summary)
                await_and_log(query, timeout_s=0)
        if not args.no_alerts:
            _evaluate(spark, cfg, settings, summary)
    return 0


def _evaluate(spark, cfg, settings, summary) -> None:
    started = time.monotonic()
    try:
        summary["alerts"] = evaluate_alerts(spark, cfg, settings)
    except Exception:  # an evaluation failure must not stop the live windows
        log.exception("alert evaluation failed; retrying at the next interval")
    log.info("alerts evaluated in %.1f s: %s", time.monotonic() - started, summary.get("alerts"))


if __name__ == "__main__":
    sys.exit(main())
