"""Load the reference data (customers, places, network, plans, campaigns) into the silver.dim_* tables."""

from __future__ import annotations

import sys

from beejan_lakehouse.config import CONF_DIR
from beejan_lakehouse.job import job_parser, job_run
from beejan_lakehouse.session import build_spark
from beejan_lakehouse.silver.dims import load_reference_dims


def main(argv: list[str] | None = None) -> int:
    parser = job_parser(__doc__)
    parser.add_argument(
        "--ref-dir",
        default=str(CONF_DIR / "reference"),
        help="folder holding the reference CSVs (default: conf/reference)",
    )
    args = parser.parse_args(argv)
    with job_run("load_reference", args) as (cfg, summary):
        spark = build_spark(cfg)
        summary.update(load_reference_dims(spark, cfg, args.ref_dir))
    return 0


if __name__ == "__main__":
    sys.exit(main())
