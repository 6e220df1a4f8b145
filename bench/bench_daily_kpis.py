"""Daily KPI SLA: `./spark-submit.sh daily_kpis --date D` over a 40,000-complaint day with 28 days
of history behind it (the trailing 7- and 28-day averages read them), wall time incl. JVM start.

    .venv/bin/python bench/bench_daily_kpis.py [--per-day 40000] [--history-days 28] [--runs 2]

silver.complaints is filled (untimed) with `gold.synthetic.synthetic_day` rows in a temporary
lakehouse; then the job runs `--runs` times; each run prints its KPI row count (a re-run replaces the
day's partition, so the count stays the same).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import REPO_ROOT, machine, run_job

from beejan_lakehouse.config import load_config
from beejan_lakehouse.gold.synthetic import synthetic_day
from beejan_lakehouse.session import build_spark
from beejan_lakehouse.silver.schema import SILVER_COMPLAINTS
from beejan_lakehouse.tables import ensure_table, table_path

DAY = dt.date(2026, 11, 20)


def fill_silver(root: Path, per_day: int, history_days: int) -> int:
    cfg = load_config("test", {"storage.root": str(root), "storage.checkpoints": str(root / "_checkpoints")})
    spark = build_spark(cfg, app_name="bench-daily-kpis-fill")
    try:
        ensure_table(spark, cfg, SILVER_COMPLAINTS)
        path = table_path(cfg, SILVER_COMPLAINTS.name)
        for back in range(history_days, -1, -1):
            day = DAY - dt.timedelta(days=back)
            synthetic_day(spark, day, n=per_day, seed=back + 1).write.format("delta").mode("append").save(path)
        return spark.read.format("delta").load(path).count()
    finally:
        spark.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-day", type=int, default=40_000)
    parser.add_argument("--history-days", type=int, default=28)
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args(argv)
    root = Path(tempfile.mkdtemp(prefix="bench-kpis-")) / "lakehouse"
    rows = fill_silver(root, args.per_day, args.history_days)
    cmd = [str(REPO_ROOT / "spark-submit.sh"), "daily_kpis", "--env", "test", "--date", DAY.isoformat()]
    cmd += ["--set", f"storage.root={root}", "--set", f"storage.checkpoints={root / '_checkpoints'}"]
    print(f"date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC")
    print(f"machine: {machine()}")
    print(f"silver.complaints: {rows} rows ({args.history_days} history days + {DAY}, {args.per_day}/day)")
    for run in range(1, args.runs + 1):
        wall, summary = run_job(cmd)
        print(f"run {run}: {wall:.1f} s wall incl. JVM start | {summary}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
