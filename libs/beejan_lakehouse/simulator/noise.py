"""Fault injection: the knobs, and pure helpers that damage text and payloads.

Every knob is a probability applied per *original* event with its own RNG stream (see
``generator.py``), so changing one knob never reshuffles the others and a test can check
that "5% duplicates" yields 5% (± sampling error) and nothing else moved.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, fields
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Burst:
    """An outage burst: Network/Outage traffic in ``region`` x ``factor`` for ``minutes``."""

    region: str
    start_utc: datetime
    minutes: int = 60
    factor: float = 8.0


@dataclass(frozen=True, slots=True)
class NoiseKnobs:
    """Rates are per original event (0..1). Defaults give a realistic, moderately dirty feed."""

    exact_dup_rate: float = 0.03       # re-sent message / duplicated file row (same source id)
    near_dup_rate: float = 0.03        # retweet, light edit, or same complaint on another channel
    mojibake_rate: float = 0.03        # text went through a UTF-8 -> cp1252 round trip
    pii_rate: float = 0.06             # phone/email/account/card number typed into free text
    missing_field_rate: float = 0.02   # a field absent, empty or invalid
    malformed_json_rate: float = 0.005  # Kafka channels: payload bytes are broken JSON
    empty_text_rate: float = 0.005     # text is empty / whitespace
    huge_text_rate: float = 0.001      # text pasted many times (~20-60 KB)
    invalid_ts_rate: float = 0.005     # unparseable or impossible timestamp
    future_ts_rate: float = 0.003      # device clock in the future (days to a year)
    late_rate: float = 0.02            # arrives minutes to days after it happened
    drift_at_utc: datetime | None = None  # schema v2 from this time on (None = never)
    burst: Burst | None = None
    # Source-specific faults.
    cc_header_variant_rate: float = 0.15  # call-centre file written with the v2 header
    cc_semi_structured_rate: float = 0.02  # call-centre row written as a 'CALL|k=v' log line
    cc_unreadable_file_rate: float = 0.02  # whole call-centre file unreadable (gzip/empty)
    export_missing_rate: float = 0.01  # web submission streamed but missing from daily export
    stream_missing_rate: float = 0.01  # web submission only in the export (never streamed)
    wrong_category_rate: float = 0.35  # web-form dropdown category disagrees with the truth

    @classmethod
    def clean(cls) -> NoiseKnobs:
        """All faults off: every event is a well-formed original."""
        zero = {f.name: 0.0 for f in fields(cls) if f.name.endswith("_rate")}
        return cls(**zero)


def mojibake(text: str) -> str:
    """UTF-8 bytes decoded as cp1252 (``₦`` -> ``â‚¦``); bytes cp1252 lacks map to latin-1."""
    data = text.encode("utf-8")
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        # 0x81, 0x8D, 0x8F, 0x90, 0x9D are undefined in cp1252; real systems pass them through.
        return "".join(bytes([b]).decode("cp1252", errors="ignore") or chr(b) for b in data)


def luhn_complete(prefix_digits: str) -> str:
    """Append the Luhn check digit to ``prefix_digits``."""
    total = 0
    for i, ch in enumerate(reversed(prefix_digits)):
        d = int(ch)
        if i % 2 == 0:  # these positions are doubled once the check digit is appended
            d = d * 2 - 9 if d * 2 > 9 else d * 2
        total += d
    return prefix_digits + str((10 - total % 10) % 10)


def luhn_valid(number: str) -> bool:
    digits = [int(c) for c in number if c.isdigit()]
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2 == 1:
            d = d * 2 - 9 if d * 2 > 9 else d * 2
        total += d
    return len(digits) >= 12 and total % 10 == 0


def card_number(rng: random.Random) -> str:
    """A Luhn-valid Verve/Visa/Mastercard-like number (test ranges, never real)."""
    prefix = rng.choice(("5061", "4", "51", "53", "5078"))
    length = 19 if prefix.startswith("50") else 16
    body = prefix + "".join(str(rng.randrange(10)) for _ in range(length - 1 - len(prefix)))
    return luhn_complete(body)


def local_phone(msisdn_e164: str, style: int) -> str:
    """Render +234XXXXXXXXXX as 0XXX..., +234..., 234... or spaced, as people type it."""
    national = msisdn_e164[4:]
    if style == 0:
        return "0" + national
    if style == 1:
        return msisdn_e164
    if style == 2:
        return "234" + national
    if style == 3:
        return f"0{national[:3]} {national[3:6]} {national[6:]}"
    return f"+234 {national[:3]} {national[3:6]} {national[6:]}"


PII_KINDS = ("phone", "email", "account_number", "card_number")
_PII_FRAMES = {
    "phone": ("my number is {v}", "call me on {v}", "line: {v}", "{v} is my number",
              "reach me on {v}", "na {v} be my number"),
    "email": ("my email is {v}", "email me at {v}", "({v})", "contact: {v}"),
    "account_number": ("my account number is {v}", "acct no {v}", "account {v}",
                       "acc: {v}"),
    "card_number": ("I paid with my card {v}", "card no {v} was debited",
                    "the debit was on my card {v}", "my ATM card {v}"),
}


def inject_pii(rng: random.Random, text: str, values: dict[str, str]) -> tuple[str, list[dict]]:
    """Add one or two PII items (values by kind) to ``text``; returns (text, pii records)."""
    kinds = rng.sample(PII_KINDS, 2 if rng.random() < 0.2 else 1)
    records = []
    for kind in kinds:
        value = values[kind]
        snippet = rng.choice(_PII_FRAMES[kind]).format(v=value)
        text = f"{snippet}. {text}" if rng.random() < 0.3 else f"{text} {snippet}"
        records.append({"kind": kind, "value": value})
    return text, records


def break_json(rng: random.Random, payload: bytes) -> bytes:
    """Damage serialised JSON the ways gateways do: truncation, stray quote, trailing junk."""
    kind = rng.randrange(4)
    if kind == 0:
        return payload[: max(1, int(len(payload) * rng.uniform(0.2, 0.9)))]
    if kind == 1:
        return payload.replace(b'":', b"':", 1)
    if kind == 2:
        return payload[:-1] + b",}"
    return payload + b"\x00}garbage"


def huge_text(rng: random.Random, text: str) -> str:
    """The same message pasted until it is 20-60 KB (copy-paste accidents, spam)."""
    target = rng.randrange(20_000, 60_000)
    reps = max(2, target // max(1, len(text) + 1))
    return " ".join([text or "help"] * reps)
