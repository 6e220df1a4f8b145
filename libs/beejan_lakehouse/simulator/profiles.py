"""Traffic profiles: when complaints arrive (day curve, live rate, bursts) and bulk fast path.

``day_slots`` spreads ~40,000 complaints over a Lagos day following ``DAY_CURVE``;
``live_slots`` yields a steady rate from a start time; ``BulkGenerator`` recombines a
pre-generated pool of rendered payloads so generation runs far faster than any broker.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from beejan_lakehouse.simulator.channels import LAGOS
from beejan_lakehouse.simulator.generator import STREAM_CHANNELS, SimEvent, Simulator, Slot
from beejan_lakehouse.simulator.noise import Burst

# Relative complaint volume per Lagos hour: quiet at night, a morning peak when people find
# their data gone, a lunch plateau and an evening peak after work.
DAY_CURVE: tuple[float, ...] = (
    0.8, 0.5, 0.35, 0.3, 0.4, 0.9, 2.0, 3.6, 5.2, 6.3, 6.6, 6.4,
    6.0, 5.8, 5.6, 5.5, 5.7, 6.2, 6.8, 7.0, 6.2, 4.6, 2.9, 1.6,
)
CHANNEL_MIX: dict[str, float] = {"social": 0.30, "sms": 0.25, "webform": 0.20,
                                 "call_center": 0.25}
# Share of Network/Outage in normal traffic: the base a burst multiplies.
_OUTAGE_SHARE = 0.13
_DAY_SEQ_SPAN = 10_000_000  # seq numbers per day: keeps ids unique across simulated days


def day_seq_base(day: date) -> int:
    return day.toordinal() * _DAY_SEQ_SPAN


def day_slots(day: date, total: int = 40_000, seed: int = 1,
              mix: dict[str, float] | None = None, burst: Burst | None = None,
              region_share: dict[str, float] | None = None) -> list[Slot]:
    """Slots for one Lagos calendar day, ``total`` originals (+ burst extras), by arrival."""
    mix = mix or CHANNEL_MIX
    rng = random.Random(f"day:{seed}:{day.isoformat()}")
    start = datetime.combine(day, time(0), LAGOS).astimezone(UTC)
    weights = [w / sum(DAY_CURVE) for w in DAY_CURVE]
    channels = list(mix)
    cweights = [mix[c] for c in channels]
    hours = rng.choices(range(24), weights, k=total)
    times = sorted(start + timedelta(hours=h, seconds=rng.uniform(0, 3600)) for h in hours)
    chans = rng.choices(channels, cweights, k=total)
    base = day_seq_base(day)
    slots = [Slot(base + i, t, c) for i, (t, c) in enumerate(zip(times, chans, strict=True))]
    if burst is not None:
        share = (region_share or {}).get(burst.region, 0.12)
        per_min = total * _OUTAGE_SHARE * share / 1440 * 3  # daytime rate ~3x the average
        slots.extend(burst_slots(burst, per_min, base + total, seed))
        slots.sort(key=lambda s: (s.arrival_utc, s.seq))
    return slots


def burst_slots(burst: Burst, base_per_minute: float, first_seq: int, seed: int,
                mix: dict[str, float] | None = None) -> list[Slot]:
    """Extra Network/Outage slots: (factor-1) x the normal outage rate for the window."""
    mix = mix or CHANNEL_MIX
    rng = random.Random(f"burst:{seed}:{burst.region}:{burst.start_utc.isoformat()}")
    n = round(base_per_minute * (burst.factor - 1) * burst.minutes)
    times = sorted(burst.start_utc + timedelta(seconds=rng.uniform(0, burst.minutes * 60))
                   for _ in range(n))
    chans = rng.choices(list(mix), list(mix.values()), k=n)
    return [Slot(first_seq + i, t, c, burst.region) for i, (t, c) in
            enumerate(zip(times, chans, strict=True))]


def live_slots(rate: float, seconds: float, start_utc: datetime, seed: int,
               first_seq: int = 0, mix: dict[str, float] | None = None) -> Iterator[Slot]:
    """A steady ``rate`` of slots per second for ``seconds``, arrival times from start."""
    mix = mix or CHANNEL_MIX
    rng = random.Random(f"live:{seed}:{first_seq}")
    channels, weights = list(mix), list(mix.values())
    n = int(rate * seconds)
    for i in range(n):
        yield Slot(first_seq + i, start_utc + timedelta(seconds=i / rate),
                   rng.choices(channels, weights)[0])


@dataclass(slots=True)
class _Template:
    channel: str
    parts: tuple[bytes, bytes, bytes]  # payload split around the source id and time
    id_first: bool
    l1: str
    l2: str
    time_kind: str


_SID, _TS = "@@SID@@", "@@TS@@"


class BulkGenerator:
    """Benchmark generator: realistic payloads recombined at > 100k events/s.

    A pool of fully generated events (default knobs, duplicates off since every bulk event
    gets a fresh source id) is rendered once with sentinel id/time; each bulk event only
    splices a new id and a time. ``events()`` yields (channel, key, value, l1, l2).
    """

    def __init__(self, sim: Simulator, pool_size: int = 4000, start_utc: datetime | None = None,
                 span_seconds: float = 86400.0, channels: tuple[str, ...] = STREAM_CHANNELS) -> None:
        self.start = start_utc or datetime(2024, 5, 1, tzinfo=UTC)
        self.span = span_seconds
        self.seed = sim.seed
        mix = {c: CHANNEL_MIX[c] for c in channels}
        slots = live_slots(pool_size / 60, 60, self.start, sim.seed, 0, mix)
        self.templates = [t for t in (self._template(e) for s in slots
                                      for e in sim.events_for(s)[:1]) if t is not None]

    @staticmethod
    def _template(e: SimEvent) -> _Template | None:
        if e.raw is not None:
            return None  # broken bytes cannot be re-templated; bulk payloads stay parseable
        rec = dict(e.record)
        id_key = {"social": "post_id", "sms": "message_id", "webform": "form_id"}[e.channel]
        ts_key = {"social": "created_at", "sms": "received_at", "webform": "ts"}[e.channel]
        if id_key not in rec or ts_key not in rec or e.truth["bad"]:
            return None
        rec[id_key], rec[ts_key] = _SID, _TS
        payload = SimEvent("", e.channel, "", e.arrival_utc, rec).value_bytes()
        sid_q, ts_q = f'"{_SID}"'.encode(), f'"{_TS}"'.encode()
        i, j = payload.index(sid_q), payload.index(ts_q)
        first, second = (sid_q, ts_q) if i < j else (ts_q, sid_q)
        a, rest = payload.split(first, 1)
        b, c = rest.split(second, 1)
        return _Template(e.channel, (a, b, c), i < j, e.truth["l1"], e.truth["l2"], e.channel)

    def events(self, n: int) -> Iterator[tuple[str, bytes, bytes, str, str]]:
        """``n`` events as (channel, key, value, l1, l2); virtual time spans ``span_seconds``."""
        templates, k = self.templates, len(self.templates)
        step = self.span / max(n, 1)
        start_s = self.start.timestamp()
        cache_sec, ts_cache = -1, {}
        for i in range(n):
            t = templates[(i * 7919) % k]  # prime stride: neighbours differ in channel/text
            now = start_s + i * step
            sec = int(now)
            if sec != cache_sec:
                cache_sec = sec
                dt = datetime.fromtimestamp(sec, UTC)
                ts_cache = {
                    "social": json.dumps(dt.isoformat().replace("+00:00", "Z")).encode(),
                    "sms": json.dumps(dt.astimezone(LAGOS).strftime("%Y-%m-%d %H:%M:%S")).encode(),
                }
            if t.channel == "webform":
                ts = str(int(now * 1000)).encode()
                sid = f"{self.seed & 0xFFFFFFFF:08x}-0000-4000-a000-{i:012x}"
            else:
                ts = ts_cache[t.channel]
                sid = (str(1_700_000_000_000_000_000 + i) if t.channel == "social"
                       else f"SMB{self.seed & 0xFFFFFFFF:08x}{i:021x}")
            key = sid.encode()
            sid_b = b'"' + key + b'"'
            a, b, c = t.parts
            value = a + sid_b + b + ts + c if t.id_first else a + ts + b + sid_b + c
            yield t.channel, key, value, t.l1, t.l2
