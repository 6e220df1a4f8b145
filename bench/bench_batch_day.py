"""Batch SLA: one day of call-centre files (40,000 rows in hourly drops) to silver plus the day's
KPIs, as one `./spark-submit.sh daily_batch` run, wall time including JVM start.

    .venv/bin/python bench/bench_batch_day.py [--rows 40000]

Files are generated first (not timed) into a temporary lakehouse; the classifier is the dev
registry's champion (trained first if there is none).
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
from beejan_lakehouse.simulator.drops import write_call_center_drops
from beejan_lakehouse.simulator.generator import Simulator
from beejan_lakehouse.simulator.noise import NoiseKnobs
from beejan_lakehouse.simulator.profiles import day_slots
from beejan_lakehouse.simulator.world import build_world

DAY = dt.date(2026, 11, 20)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=40_000)
    args = parser.parse_args(argv)
    root = Path(tempfile.mkdtemp(prefix="bench-batch-"))
    knobs = NoiseKnobs(cc_unreadable_file_rate=0.0)
    sim = Simulator(build_world(), seed=3, knobs=knobs)
    # Call-centre calls are about a quarter of all complaints: simulate a big enough day.
    events = [e for e in sim.generate(day_slots(DAY, total=args.rows * 4, seed=3)) if e.channel == "call_center"]
    events = events[: args.rows]

    from beejan_lakehouse.classification.settings import load_settings, mlflow_settings
    from beejan_lakehouse.classification.training import ensure_champion

    ensure_champion(mlflow_settings("dev"), load_settings())
    dev = load_config("dev")
    sets = {
        "storage.root": root / "lakehouse",
        "storage.checkpoints": root / "lakehouse" / "_checkpoints",
        "storage.landing": root / "landing",
        "mlflow.tracking_uri": dev["mlflow"]["tracking_uri"],
        "mlflow.registry_uri": dev["mlflow"]["registry_uri"],
        "mlflow.artifact_location": dev["mlflow"]["artifact_location"],
    }
    cmd = [str(REPO_ROOT / "spark-submit.sh"), "daily_batch", "--env", "test", "--date", DAY.isoformat()]
    for key, value in sets.items():
        cmd += ["--set", f"{key}={value}"]
    # Steady state, as in production: the lakehouse tables and reference dimensions exist
    # already (an untimed first run on an empty landing folder creates them).
    (root / "landing" / "call_center").mkdir(parents=True)
    run_job(cmd)
    files = write_call_center_drops(events, root / "landing", seed=3, knobs=knobs)
    wall, summary = run_job(cmd)
    print(f"date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC")
    print(f"machine: {machine()}")
    print(f"call-centre day: {len(events)} rows in {len(files)} hourly files")
    print(f"daily_batch (JVM start + files -> bronze -> silver + daily KPIs): {wall:.1f} s wall")
    print(summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())
