"""Ingest new call-centre drops and web-form exports from the landing folder into bronze."""

from __future__ import annotations

import sys

from beejan_lakehouse.bronze.files import start_files_to_bronze
from beejan_lakehouse.job import job_parser, job_run
from beejan_lakehouse.logs import get_logger
from beejan_lakehouse.session import build_spark
from beejan_lakehouse.sources.file_formats import FILE_SOURCES
from beejan_lakehouse.streaming import await_and_log

log = get_logger("job.ingest_files")


def main(argv: list[str] | None = None) -> int:
    parser = job_parser(__doc__)
    parser.add_argument("--source", choices=[*FILE_SOURCES, "all"], default="all")
    args = parser.parse_args(argv)
    sources = list(FILE_SOURCES) if args.source == "all" else [args.source]
    with job_run("ingest_files", args) as (cfg, summary):
        spark = build_spark(cfg)
        for source in sources:
            totals: dict[str, int] = {}
            await_and_log(start_files_to_bronze(spark, cfg, FILE_SOURCES[source], totals))
            summary[source] = totals
            if totals.get("quarantined"):
                log.warning("%s: %d file(s) quarantined; see bronze.landing_files", source, totals["quarantined"])
    return 0  # quarantined files are reported, never a failure: the other files loaded


if __name__ == "__main__":
    sys.exit(main())
