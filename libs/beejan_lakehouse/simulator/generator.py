"""Turns scheduled slots into native channel events with noise and ground truth.

Contract: ``Simulator(world, seed, knobs).generate(slots)`` returns ``SimEvent`` objects
sorted by arrival time. Everything about an original event is a function of
(seed, slot.seq, knobs) only: each knob decision uses its own hash-derived uniform, so the
same seed gives byte-identical output and one knob never perturbs another's choices.
Derived events (exact and near duplicates) get ids ``<original id>-x1`` / ``-n1``.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from beejan_lakehouse.simulator import channels as ch
from beejan_lakehouse.simulator import noise as nz
from beejan_lakehouse.simulator.text import L2_LABELS, L2_PRIORS, L2_TO_L1, TextComposer
from beejan_lakehouse.simulator.world import Customer, World

STREAM_CHANNELS = ("social", "sms", "webform")


@dataclass(frozen=True, slots=True)
class Slot:
    """When (arrival, UTC) and where one original complaint enters the system."""

    seq: int
    arrival_utc: datetime
    channel: str
    burst_region: str | None = None


@dataclass(slots=True)
class SimEvent:
    """One delivery of one source record plus its ground truth (never sent to Kafka)."""

    event_id: str
    channel: str
    source_id: str
    arrival_utc: datetime
    record: dict
    truth: dict = field(default_factory=dict)
    raw: bytes | None = None  # set when the bytes on the wire are deliberately broken

    def value_bytes(self) -> bytes:
        """The Kafka value / file payload: compact UTF-8 JSON, or the broken raw bytes."""
        if self.raw is not None:
            return self.raw
        return json.dumps(self.record, ensure_ascii=False, separators=(",", ":")).encode()

    def key_bytes(self) -> bytes:
        return self.source_id.encode()


def _iso(t: datetime) -> str:
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


_INVALID_TS = {
    "social": ("2024-13-45T25:61:00+01:00", "yesterday", "", "0000-00-00T00:00:00Z"),
    "sms": ("2024-02-30 10:11:12", "30/02/2024 10:11", "NaN", "1970-01-01 00:00:00"),
    "webform": (0, -1, 99999999999999999, "undefined"),
    "call_center": ("31/02/2024 10:61", "00/00/0000 00:00", "2024-05-01 10:00", "N/A"),
}
_TS_FIELD = {"social": "created_at", "sms": "received_at", "webform": "ts",
             "call_center": "call_start"}
# (field, replacement or None to delete): what goes missing/invalid per channel.
_MISSING = {
    "social": (("user.handle", None), ("created_at", None), ("text", None)),
    "sms": (("from", ""), ("from", "12345"), ("received_at", None), ("text", None)),
    "webform": (("email", "john@"), ("phone", "080"), ("account_number", "N/A"),
                ("name", ""), ("ts", None)),
    "call_center": (("customer_msisdn", ""), ("agent_id", ""), ("duration_sec", "-5"),
                    ("call_start", "")),
}


class Simulator:
    """Seeded event generator over a ``World`` with the given ``NoiseKnobs``."""

    def __init__(self, world: World, seed: int = 1, knobs: nz.NoiseKnobs | None = None) -> None:
        self.world, self.seed = world, seed
        self.knobs = knobs or nz.NoiseKnobs()
        self.plans = world.plan_names()
        self.by_region: dict[str, list[Customer]] = {}
        for c in world.customers:
            self.by_region.setdefault(world.region_of(c.home_city), []).append(c)
        self._recent_posts: deque[str] = deque(maxlen=500)

    # -- randomness ------------------------------------------------------------------------
    def _u(self, seq: int, knob: str) -> float:
        """Uniform [0,1) for (event, knob); independent of every other draw."""
        h = hashlib.blake2b(f"{self.seed}:{seq}:{knob}".encode(), digest_size=8).digest()
        return int.from_bytes(h, "big") / 2**64

    def _hit(self, seq: int, knob: str) -> bool:
        return self._u(seq, knob) < getattr(self.knobs, f"{knob}_rate")

    def _rng(self, seq: int, tag: str) -> random.Random:
        return random.Random(f"{self.seed}:{seq}:{tag}")

    # -- public ----------------------------------------------------------------------------
    def generate(self, slots: Iterable[Slot]) -> list[SimEvent]:
        """All events (originals and duplicates) for ``slots``, sorted by arrival time."""
        out: list[SimEvent] = []
        for slot in slots:
            out.extend(self.events_for(slot))
        out.sort(key=lambda e: (e.arrival_utc, e.event_id))
        return out

    def events_for(self, slot: Slot) -> list[SimEvent]:
        """The original event of ``slot`` followed by its duplicates (if any knob fires)."""
        original, clean_text = self._original(slot)
        events = [original]
        if self._hit(slot.seq, "exact_dup"):
            events.append(self._exact_dup(original, slot.seq))
        if self._hit(slot.seq, "near_dup"):
            events.append(self._near_dup(original, slot.seq, clean_text))
        return events

    # -- originals -------------------------------------------------------------------------
    def _original(self, slot: Slot) -> tuple[SimEvent, str]:
        seq, channel, k = slot.seq, slot.channel, self.knobs
        r = self._rng(seq, "ev")
        if slot.burst_region:
            cust, l2 = r.choice(self.by_region[slot.burst_region]), "Outage"
        else:
            cust = r.choice(self.world.customers)
            l2 = r.choices(L2_LABELS, L2_PRIORS[channel])[0]
        city, area = cust.home_city, cust.home_area
        if r.random() < 0.15 and not slot.burst_region:  # complaining while away from home
            city = r.choice(self.world.cities)["city"]
            area = r.choice(self.world.areas(city))
        text, secondary = TextComposer(r, self.plans).compose(l2, channel, city, area)
        clean_text = text
        late_by = 0
        if self._hit(seq, "late"):
            late_by = int(math.exp(self._rng(seq, "late").uniform(math.log(120), math.log(259200))))
        event_utc = slot.arrival_utc - timedelta(seconds=r.uniform(0.5, 60) + late_by)
        sid = ch.source_id(channel, self.seed, str(seq), event_utc)
        bad: list[str] = []
        truth = {
            "event_id": f"ev{self.seed}-{seq}", "channel": channel, "source_id": sid,
            "event_time_utc": _iso(event_utc), "arrival_time_utc": _iso(slot.arrival_utc),
            "customer_id": cust.customer_id, "msisdn": cust.msisdn, "city": city,
            "region": self.world.region_of(city), "l1": L2_TO_L1[l2], "l2": l2,
            "secondary_l2": secondary, "clean_text": clean_text, "dup_group": f"ev{self.seed}-{seq}",
            "is_exact_dup": False, "near_dup_of": None, "near_dup_kind": None,
            "bad": False, "bad_reasons": bad, "pii": [], "mojibake": False,
            "late_by_s": late_by, "burst": slot.burst_region is not None,
            "schema_version": "v1", "in_stream": channel in STREAM_CHANNELS,
            "in_export": channel == "webform", "file": None, "line": None, "is_canary": False,
        }
        # Text-level faults first: they happen upstream of the source system.
        if self._hit(seq, "pii"):
            pr = self._rng(seq, "pii")
            values = {"phone": nz.local_phone(cust.msisdn, pr.randrange(5)), "email": cust.email,
                      "account_number": cust.account_number, "card_number": nz.card_number(pr)}
            text, truth["pii"] = nz.inject_pii(pr, text, values)
        if self._hit(seq, "mojibake"):
            if text.isascii():  # mojibake is only visible on non-ASCII; people add emoji
                text += " 😡"
            text, truth["mojibake"] = nz.mojibake(text), True
        if self._hit(seq, "empty_text"):
            text = self._rng(seq, "empty").choice(("", " ", "\n", "."))
            bad.append("empty_text")
        elif self._hit(seq, "huge_text"):
            text = nz.huge_text(self._rng(seq, "huge"), text)
            bad.append("huge_text")
        shown = event_utc
        if self._hit(seq, "future_ts"):
            shown = event_utc + timedelta(days=self._rng(seq, "future").uniform(2, 365))
            bad.append("future_timestamp")
        record = self._render(r, channel, sid, shown, cust, city, area, l2, text, seq)
        if channel == "social":
            if self._recent_posts and r.random() < 0.12:
                record["in_reply_to_post_id"] = r.choice(self._recent_posts)
            self._recent_posts.append(sid)
        if self._hit(seq, "invalid_ts"):
            record[_TS_FIELD[channel]] = self._rng(seq, "ts").choice(_INVALID_TS[channel])
            bad.append("invalid_timestamp")
        if self._hit(seq, "missing_field"):
            name, value = self._rng(seq, "missing").choice(_MISSING[channel])
            _set_path(record, name, value)
            bad.append(f"{'missing' if value is None else 'invalid'}:{name}")
        if k.drift_at_utc is not None and slot.arrival_utc >= k.drift_at_utc:
            _drift(channel, record)
            truth["schema_version"] = "v2"
        if channel == "webform":
            if self._hit(seq, "export_missing"):
                truth["in_export"] = False
            elif self._hit(seq, "stream_missing"):
                truth["in_stream"] = False
        event = SimEvent(truth["event_id"], channel, sid, slot.arrival_utc, record, truth)
        if channel in STREAM_CHANNELS and self._hit(seq, "malformed_json"):
            event.raw = nz.break_json(self._rng(seq, "json"), event.value_bytes())
            bad.append("malformed_json")
        truth["bad"] = bool(bad)
        return event, clean_text

    def _render(self, r: random.Random, channel: str, sid: str, t: datetime, cust: Customer,
                city: str, area: str, l2: str, text: str, seq: int) -> dict:
        if channel == "social":
            return ch.render_social(r, sid, t, cust, city, area, text)
        if channel == "sms":
            return ch.render_sms(r, sid, t, cust, text)
        if channel == "webform":
            return ch.render_webform(r, sid, t, cust, l2, text, self._hit(seq, "wrong_category"))
        return ch.render_call(r, sid, t, cust, l2, text)

    # -- duplicates ------------------------------------------------------------------------
    def _exact_dup(self, orig: SimEvent, seq: int) -> SimEvent:
        """The same bytes delivered again (gateway retry, re-sent file row)."""
        r = self._rng(seq, "xdup")
        truth = dict(orig.truth, event_id=orig.event_id + "-x1", is_exact_dup=True,
                     in_export=False)  # the export is a DB dump: one row per submission
        arrival = orig.arrival_utc + timedelta(seconds=r.uniform(1, 900))
        truth["arrival_time_utc"] = _iso(arrival)
        return SimEvent(truth["event_id"], orig.channel, orig.source_id, arrival,
                        orig.record, truth, orig.raw)

    def _near_dup(self, orig: SimEvent, seq: int, clean_text: str) -> SimEvent:
        """A retweet, a lightly edited re-post, or the same complaint on another channel."""
        r = self._rng(seq, "ndup")
        t0 = orig.truth
        cust = self.world.customers[int(t0["customer_id"][4:]) - 1]
        arrival = orig.arrival_utc + timedelta(seconds=r.uniform(60, 6 * 3600))
        channel, kind = orig.channel, "light_edit"
        if channel == "social" and r.random() < 0.5:
            kind = "retweet"
        elif r.random() < 0.4:
            kind = "cross_channel"
            channel = r.choice([c for c in STREAM_CHANNELS if c != orig.channel])
        composer = TextComposer(r, self.plans)
        if kind == "retweet":
            handle = orig.record.get("user", {}).get("handle", "@someone")
            text = f"RT {handle}: {clean_text}"
            cust = self.world.customers[r.randrange(len(self.world.customers))]
        elif orig.channel == "call_center" and channel != "call_center":
            # The caller also wrote in: same complaint, in the customer's own words.
            text = composer.compose(t0["l2"], channel, t0["city"], cust.home_area)[0]
        elif channel == "call_center":
            text = composer.typo(clean_text, 0.05)
        else:
            text = composer.elongate(composer.typo(clean_text, 0.05))
            if r.random() < 0.4:
                text = r.choice(("Still waiting!! ", "Again: ", "2nd time: ", "", "UPDATE: ")) + text
        sid = ch.source_id(channel, self.seed, f"{seq}-n1", arrival)
        record = self._render(r, channel, sid, arrival - timedelta(seconds=r.uniform(0.5, 30)),
                              cust, t0["city"], cust.home_area, t0["l2"], text, seq)
        if kind == "retweet":
            record["retweet_of_post_id"] = orig.source_id
        truth = dict(t0, event_id=orig.event_id + "-n1", channel=channel, source_id=sid,
                     arrival_time_utc=_iso(arrival), event_time_utc=_iso(arrival),
                     customer_id=cust.customer_id, msisdn=cust.msisdn, clean_text=text,
                     near_dup_of=orig.source_id, near_dup_kind=kind, bad=False, bad_reasons=[],
                     pii=[], mojibake=False, late_by_s=0, file=None, line=None,
                     in_stream=channel in STREAM_CHANNELS, in_export=channel == "webform")
        return SimEvent(truth["event_id"], channel, sid, arrival, record, truth)


def _set_path(record: dict, path: str, value: object) -> None:
    """Set (or delete when ``value`` is None) a dotted field in a record."""
    *parents, leaf = path.split(".")
    target = record
    for p in parents:
        target = target[p]
    if value is None:
        target.pop(leaf, None)
    else:
        target[leaf] = value


def _drift(channel: str, record: dict) -> None:
    """Schema v2: social gains ``lang``, SMS renames ``text``->``body``, web ``ts`` -> str."""
    if channel == "social":
        record["lang"] = "en"
    elif channel == "sms" and "text" in record:
        record["body"] = record.pop("text")
    elif channel == "webform" and isinstance(record.get("ts"), int):
        record["ts"] = str(record["ts"])
