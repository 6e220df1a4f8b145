"""The three run modes behind ``jobs/simulate.py``: day, live and bulk.

Each returns a small dict summary (also printed by the CLI) so tests and benchmarks can
assert on it without parsing console output.
"""

from __future__ import annotations

import heapq
import json
import time as _time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from beejan_lakehouse.simulator import drops, profiles
from beejan_lakehouse.simulator.channels import LAGOS, TOPIC_DEFAULTS
from beejan_lakehouse.simulator.generator import STREAM_CHANNELS, SimEvent, Simulator
from beejan_lakehouse.simulator.noise import NoiseKnobs
from beejan_lakehouse.simulator.truth import write_truth
from beejan_lakehouse.simulator.world import World


@dataclass
class RunConfig:
    """What every mode needs: world, seed, knobs, where files go, where Kafka is."""

    world: World
    seed: int = 1
    knobs: NoiseKnobs = field(default_factory=NoiseKnobs)
    landing: Path = Path("lakehouse/landing")
    bootstrap_servers: str | None = None
    topics: dict[str, str] = field(default_factory=lambda: dict(TOPIC_DEFAULTS))
    producer_config: dict = field(default_factory=dict)
    log: Callable[[str], None] = print


def region_share(world: World) -> dict[str, float]:
    """Share of customers per region (bursts scale with the region's normal traffic)."""
    counts = Counter(world.region_of(c.home_city) for c in world.customers)
    return {r: n / len(world.customers) for r, n in counts.items()}


def _producer(cfg: RunConfig):  # imported lazily: file-only runs need no Kafka client
    from beejan_lakehouse.simulator.producers import ChannelProducer

    return ChannelProducer(cfg.bootstrap_servers, cfg.topics, **cfg.producer_config)


def run_day(cfg: RunConfig, day: date, total: int = 40_000, files: bool = True,
            kafka: bool = False) -> dict:
    """One Lagos day: call-centre hourly CSVs + web export (+ stream JSONL) and/or Kafka."""
    sim = Simulator(cfg.world, cfg.seed, cfg.knobs)
    t0 = _time.perf_counter()
    slots = profiles.day_slots(day, total, cfg.seed, burst=cfg.knobs.burst,
                               region_share=region_share(cfg.world))
    # Duplicates of late-evening complaints can arrive after midnight: they belong to the
    # next day's drop, which this run does not own.
    events = [e for e in sim.generate(slots) if e.arrival_utc.astimezone(LAGOS).date() == day]
    gen_s = _time.perf_counter() - t0
    summary: dict = {"mode": "day", "date": day.isoformat(), "events": len(events),
                     "generation_s": round(gen_s, 2)}
    # Call-centre and export files are always written: they only exist as files.
    cc = drops.write_call_center_drops(events, cfg.landing, cfg.seed, cfg.knobs)
    export = drops.write_web_export(events, cfg.landing, day)
    summary.update(call_center_files=len(cc), web_export=str(export))
    if files:
        streams = drops.write_stream_files(events, cfg.landing, day)
        summary["stream_files"] = {k: str(v) for k, v in streams.items()}
    if kafka:
        with _producer(cfg) as producer:
            for e in events:
                if e.channel in STREAM_CHANNELS and e.truth["in_stream"]:
                    producer.send(e.channel, e.key_bytes(), e.value_bytes())
            producer.flush()
        summary["delivered"] = dict(producer.delivered)
        summary["failed"] = dict(producer.failed)
    truth_path, summary_path = write_truth(events, cfg.landing, f"{day:%Y%m%d}")
    summary.update(truth=str(truth_path), truth_summary=str(summary_path))
    return summary


def run_live(cfg: RunConfig, rate: float, minutes: float, burst_after_min: float | None = None,
             burst_region: str | None = None, burst_minutes: int = 10,
             burst_factor: float = 8.0, progress_every_s: float = 5.0,
             clock: Callable[[], float] = _time.time,
             sleep: Callable[[float], None] = _time.sleep) -> dict:
    """Real-time stream at ``rate`` events/s for ``minutes``; optional burst; Kafka if set."""
    from beejan_lakehouse.simulator.noise import Burst

    sim = Simulator(cfg.world, cfg.seed, cfg.knobs)
    start_wall = clock()
    start_utc = datetime.fromtimestamp(start_wall, UTC)
    seconds = minutes * 60
    slots = list(profiles.live_slots(rate, seconds, start_utc, cfg.seed,
                                     first_seq=int(start_wall) * 100_000))
    if burst_region and burst_after_min is not None:
        burst = Burst(burst_region, start_utc + timedelta(minutes=burst_after_min),
                      burst_minutes, burst_factor)
        base = rate * 60 * 0.13 * region_share(cfg.world).get(burst_region, 0.1)
        slots += profiles.burst_slots(burst, base, slots[-1].seq + 1 if slots else 0, cfg.seed)
    pending: list[tuple[datetime, str, SimEvent]] = []
    for s in slots:
        for e in sim.events_for(s):
            heapq.heappush(pending, (e.arrival_utc, e.event_id, e))
    producer = _producer(cfg) if cfg.bootstrap_servers else None
    end_utc = start_utc + timedelta(seconds=seconds)
    sent: list[SimEvent] = []
    next_progress = progress_every_s
    while pending and pending[0][0] <= end_utc:
        now_utc = datetime.fromtimestamp(clock(), UTC)
        while pending and pending[0][0] <= min(now_utc, end_utc):
            e = heapq.heappop(pending)[2]
            if producer and e.channel in STREAM_CHANNELS and e.truth["in_stream"]:
                producer.send(e.channel, e.key_bytes(), e.value_bytes())
            sent.append(e)
        elapsed = clock() - start_wall
        if elapsed >= next_progress:
            delivered = sum(producer.delivered.values()) if producer else 0
            cfg.log(f"[live] {elapsed:6.0f}s sent={len(sent)} rate={len(sent) / elapsed:.1f}/s "
                    f"delivered={delivered} burst={sum(e.truth['burst'] for e in sent)}")
            next_progress += progress_every_s
        if pending and pending[0][0] > now_utc:
            sleep(min(0.2, (pending[0][0] - now_utc).total_seconds()))
    summary: dict = {"mode": "live", "events": len(sent)}
    if producer:
        producer.flush()
        producer.close()
        summary.update(delivered=dict(producer.delivered), failed=dict(producer.failed))
    drops.write_call_center_drops(sent, cfg.landing, cfg.seed, cfg.knobs)
    tag = f"live_{start_utc:%Y%m%dT%H%M%S}"
    summary["truth"] = str(write_truth(sent, cfg.landing, tag)[0])
    return summary


def run_bulk(cfg: RunConfig, n: int, pool_size: int = 4000, truth: bool = False) -> dict:
    """``n`` stream events as fast as possible; reports generation (and produce) rate."""
    bulk = profiles.BulkGenerator(Simulator(cfg.world, cfg.seed, cfg.knobs), pool_size)
    t0 = _time.perf_counter()
    count = 0
    for _ in bulk.events(n):
        count += 1
    gen_s = _time.perf_counter() - t0
    summary: dict = {"mode": "bulk", "events": count, "generation_s": round(gen_s, 3),
                     "generation_events_per_s": round(count / max(gen_s, 1e-9))}
    cfg.log(f"[bulk] generated {count} events in {gen_s:.2f}s = "
            f"{summary['generation_events_per_s']:,} events/s (generation only)")
    truth_fh = None
    if truth:
        (cfg.landing / "truth").mkdir(parents=True, exist_ok=True)
        truth_fh = (cfg.landing / "truth" / f"truth_bulk_seed{cfg.seed}.jsonl").open("w")
    if cfg.bootstrap_servers or truth_fh:
        producer = _producer(cfg) if cfg.bootstrap_servers else None
        t1 = _time.perf_counter()
        for channel, key, value, l1, l2 in bulk.events(n):
            if producer:
                producer.send(channel, key, value)
            if truth_fh:
                truth_fh.write(json.dumps({"channel": channel, "source_id": key.decode(),
                                           "l1": l1, "l2": l2}) + "\n")
        if producer:
            producer.flush()
            producer.close()
            summary.update(delivered=dict(producer.delivered), failed=dict(producer.failed))
        total_s = _time.perf_counter() - t1
        summary["produce_events_per_s"] = round(n / max(total_s, 1e-9))
        cfg.log(f"[bulk] produced {n} events in {total_s:.2f}s = "
                f"{summary['produce_events_per_s']:,} events/s end to end")
        if truth_fh:
            truth_fh.close()
    return summary
