"""Channel simulator job: ``python jobs/simulate.py {day,live,bulk} [options]``.

Thin wiring only: parse arguments, build the seeded world and noise knobs, call
``beejan_lakehouse.simulator.runner``. Run via ``./spark-submit.sh simulate --env dev ...``
(``--env`` is accepted and ignored: the simulator needs no Spark and no environment config).
See docs/simulator.md for formats, knobs and ground truth.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import fields, replace
from datetime import UTC, date, datetime, time
from pathlib import Path

from beejan_lakehouse.simulator.channels import LAGOS, TOPIC_DEFAULTS
from beejan_lakehouse.simulator.noise import Burst, NoiseKnobs
from beejan_lakehouse.simulator.runner import RunConfig, run_bulk, run_day, run_live
from beejan_lakehouse.simulator.world import DEFAULT_WORLD_SEED, build_world

RATE_KNOBS = [f.name for f in fields(NoiseKnobs) if f.name.endswith("_rate")]


def _when(value: str, day: date | None) -> datetime:
    """ISO datetime (zone optional, Lagos assumed) or ``HH:MM`` Lagos time on ``day``."""
    if len(value) <= 5 and ":" in value:
        hh, mm = value.split(":")
        return datetime.combine(day or date.today(), time(int(hh), int(mm)), LAGOS)
    t = datetime.fromisoformat(value)
    return t if t.tzinfo else t.replace(tzinfo=LAGOS)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="simulate", description=__doc__.splitlines()[0])
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--env", default=None, help="accepted for spark-submit.sh; unused")
    common.add_argument("--seed", type=int, default=1, help="event seed (default 1)")
    common.add_argument("--world-seed", type=int, default=DEFAULT_WORLD_SEED,
                        help="reference-data seed; default matches conf/reference")
    common.add_argument("--customers", type=int, default=5000)
    common.add_argument("--out", "--landing", dest="out", default="lakehouse/landing",
                        help="landing root for files and truth (default lakehouse/landing)")
    common.add_argument("--bootstrap-servers", default=None,
                        help="Kafka bootstrap servers; omit to skip Kafka")
    for ch, topic in TOPIC_DEFAULTS.items():
        common.add_argument(f"--topic-{ch}", default=topic, help=f"default {topic}")
    common.add_argument("--compression", default="gzip",
                        help="producer compression_type (gzip, none, snappy, lz4, zstd)")
    common.add_argument("--linger-ms", type=int, default=20)
    common.add_argument("--clean", action="store_true", help="all fault rates 0 (then knobs)")
    for name in RATE_KNOBS:
        default = getattr(NoiseKnobs(), name)
        common.add_argument(f"--{name.replace('_', '-')}", type=float, default=None,
                            help=f"default {default}")
    common.add_argument("--drift-at", default=None,
                        help="schema v2 from this time (ISO, or HH:MM Lagos on --date)")
    common.add_argument("--burst-region", default=None, help="e.g. Lagos, 'South West'")
    common.add_argument("--burst-at", default=None, help="day mode: HH:MM Lagos or ISO")
    common.add_argument("--burst-minutes", type=int, default=60)
    common.add_argument("--burst-factor", type=float, default=8.0)

    sub = p.add_subparsers(dest="mode", required=True)
    d = sub.add_parser("day", parents=[common], help="one day of traffic (files and/or Kafka)")
    d.add_argument("--date", default=None, help="YYYY-MM-DD (default today, Lagos)")
    d.add_argument("--total", type=int, default=40_000, help="original complaints (default 40000)")
    d.add_argument("--sink", choices=("files", "kafka", "both"), default=None,
                   help="stream channels to JSONL files, Kafka or both "
                        "(default: kafka if --bootstrap-servers else files)")
    lv = sub.add_parser("live", parents=[common], help="steady real-time rate to Kafka")
    lv.add_argument("--rate", type=float, default=50.0, help="events/s (default 50)")
    lv.add_argument("--minutes", type=float, default=5.0)
    lv.add_argument("--burst-after-min", type=float, default=None,
                    help="start a --burst-region burst this many minutes in")
    b = sub.add_parser("bulk", parents=[common], help="as fast as possible, for benchmarks")
    b.add_argument("--events", type=int, default=1_000_000)
    b.add_argument("--pool-size", type=int, default=4000)
    b.add_argument("--truth", action="store_true", help="write compact bulk truth JSONL")
    return p


def knobs_from_args(args: argparse.Namespace, day: date | None) -> NoiseKnobs:
    """Default knobs (or all-zero with --clean), overridden by any explicit knob flags."""
    knobs = NoiseKnobs.clean() if args.clean else NoiseKnobs()
    overrides = {n: getattr(args, n) for n in RATE_KNOBS if getattr(args, n) is not None}
    if args.drift_at:
        overrides["drift_at_utc"] = _when(args.drift_at, day).astimezone(UTC)
    if args.burst_region and args.burst_at:
        overrides["burst"] = Burst(args.burst_region,
                                   _when(args.burst_at, day).astimezone(UTC),
                                   args.burst_minutes, args.burst_factor)
    return replace(knobs, **overrides)


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns a process exit code."""
    args = build_parser().parse_args(argv)
    day = date.fromisoformat(args.date) if getattr(args, "date", None) else \
        datetime.now(LAGOS).date()
    cfg = RunConfig(
        world=build_world(args.world_seed, args.customers), seed=args.seed,
        knobs=knobs_from_args(args, day), landing=Path(args.out),
        bootstrap_servers=args.bootstrap_servers,
        topics={ch: getattr(args, f"topic_{ch}") for ch in TOPIC_DEFAULTS},
        producer_config={"compression_type": None if args.compression == "none"
                         else args.compression, "linger_ms": args.linger_ms},
        log=lambda msg: print(msg, flush=True))
    if args.mode == "day":
        sink = args.sink or ("kafka" if args.bootstrap_servers else "files")
        if sink != "files" and not args.bootstrap_servers:
            print("--sink kafka/both needs --bootstrap-servers", file=sys.stderr)
            return 2
        summary = run_day(cfg, day, args.total, files=sink in ("files", "both"),
                          kafka=sink in ("kafka", "both"))
    elif args.mode == "live":
        summary = run_live(cfg, args.rate, args.minutes, args.burst_after_min,
                           args.burst_region, args.burst_minutes, args.burst_factor)
    else:
        summary = run_bulk(cfg, args.events, args.pool_size, args.truth)
    print(json.dumps(summary, indent=2, default=str))
    return 1 if summary.get("failed") else 0


if __name__ == "__main__":
    raise SystemExit(main())
