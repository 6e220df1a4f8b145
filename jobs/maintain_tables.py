"""Table maintenance: compact small files (OPTIMIZE) and vacuum unreferenced ones, every table or some."""

from __future__ import annotations

import sys

from beejan_lakehouse.job import job_parser, job_run
from beejan_lakehouse.maintenance import maintain_lakehouse
from beejan_lakehouse.session import build_spark


def main(argv: list[str] | None = None) -> int:
    parser = job_parser(__doc__)
    parser.add_argument(
        "--table",
        action="append",
        dest="tables",
        metavar="SCHEMA.TABLE",
        help="maintain only this table (repeatable; default: every table under the storage root)",
    )
    args = parser.parse_args(argv)
    with job_run("maintain_tables", args) as (cfg, summary):
        spark = build_spark(cfg, app_name="beejan-maintain-tables")
        results = maintain_lakehouse(spark, cfg, args.tables)
        summary["tables"] = len(results)
        for key in ("files_removed", "files_added", "files_deleted"):
            summary[key] = sum(r[key] for r in results.values())
    return 0


if __name__ == "__main__":
    sys.exit(main())
