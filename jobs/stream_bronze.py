"""Stream the Kafka channel topics (social, SMS, web form) into bronze.kafka_events, exactly once."""

from __future__ import annotations

import sys

from beejan_lakehouse.bronze.kafka_events import TABLE, start_kafka_to_bronze
from beejan_lakehouse.job import job_parser, job_run
from beejan_lakehouse.session import build_spark
from beejan_lakehouse.streaming import await_and_log


def main(argv: list[str] | None = None) -> int:
    parser = job_parser(__doc__)
    parser.add_argument(
        "--trigger",
        choices=["processingTime", "availableNow"],
        help="processingTime runs until stopped; availableNow drains the topics and exits "
        "(default from conf streams.bronze_kafka.trigger)",
    )
    parser.add_argument("--timeout", type=float, help="stop a processingTime run after N seconds")
    args = parser.parse_args(argv)
    with job_run("stream_bronze", args) as (cfg, summary):
        spark = build_spark(cfg)
        before = spark.table(TABLE).count() if spark.catalog.tableExists(TABLE) else 0
        query = start_kafka_to_bronze(spark, cfg, trigger=args.trigger)
        try:
            await_and_log(query, timeout_s=args.timeout)
        finally:
            query.stop()
        summary.update(table=TABLE, read_rows=spark.table(TABLE).count() - before, quarantined=0)
        summary["written_rows"] = summary["read_rows"]
    return 0


if __name__ == "__main__":
    sys.exit(main())
