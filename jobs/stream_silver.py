"""Bronze -> silver: parse, clean, check, de-duplicate, mask, enrich and classify complaints."""

from __future__ import annotations

import sys

from beejan_lakehouse.job import job_parser, job_run
from beejan_lakehouse.session import build_spark
from beejan_lakehouse.silver.stream import silver_context, start_files_to_silver, start_kafka_events_to_silver
from beejan_lakehouse.sources.file_formats import FILE_SOURCES
from beejan_lakehouse.streaming import await_and_log


def main(argv: list[str] | None = None) -> int:
    parser = job_parser(__doc__)
    parser.add_argument(
        "--source",
        choices=["kafka", *FILE_SOURCES, "all"],
        default="kafka",
        help="kafka: the streaming channels (bronze.kafka_events); call_center / web_export: new rows "
        "of those bronze file tables; all: files then Kafka",
    )
    parser.add_argument(
        "--trigger",
        choices=["processingTime", "availableNow"],
        help="for the Kafka events stream (default from conf streams.silver.trigger)",
    )
    parser.add_argument("--timeout", type=float, help="stop a processingTime run after N seconds")
    args = parser.parse_args(argv)
    with job_run("stream_silver", args) as (cfg, summary):
        spark = build_spark(cfg)
        ctx = silver_context(spark, cfg)
        summary["classifier"] = "champion" if ctx.classify else "none (columns null)"
        if args.source in (*FILE_SOURCES, "all"):
            for source in FILE_SOURCES if args.source == "all" else [args.source]:
                await_and_log(start_files_to_silver(spark, cfg, ctx, source))
        if args.source in ("kafka", "all"):
            query = start_kafka_events_to_silver(spark, cfg, ctx, trigger=args.trigger)
            try:
                await_and_log(query, timeout_s=args.timeout)
            finally:
                query.stop()
        batches = spark.table("ops.silver_batches")
        summary.update({k: v for k, v in batches.groupBy().sum().first().asDict().items() if k.startswith("sum(")})
    return 0


if __name__ == "__main__":
    sys.exit(main())
