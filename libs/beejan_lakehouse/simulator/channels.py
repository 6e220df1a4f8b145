"""Native record shapes of the four channels (documented field by field in docs/simulator.md).

Each ``render_*`` returns the dict the real source would emit for one complaint; noise is
applied afterwards by the generator. Times: social ISO-8601 with offset, SMS Lagos local
without zone, web form epoch millis, call centre ``dd/mm/yyyy HH:MM`` Lagos local.
"""

from __future__ import annotations

import hashlib
import random
import re
from datetime import UTC, datetime, timedelta, timezone

from beejan_lakehouse.simulator.geo import CITIES
from beejan_lakehouse.simulator.noise import local_phone
from beejan_lakehouse.simulator.world import Customer

# Africa/Lagos is UTC+1 all year (no DST), so a fixed offset is exact and much faster.
LAGOS = timezone(timedelta(hours=1), "Africa/Lagos")
SOCIAL_EPOCH_MS = 1288834974657  # snowflake-style ids embed milliseconds since this epoch

TOPIC_DEFAULTS = {"social": "beejan.complaints.social", "sms": "beejan.complaints.sms",
                  "webform": "beejan.complaints.webform"}
SHORT_CODES = ("3737", "3737", "3737", "4100", "121")
WEB_CATEGORIES = ("Network problem", "Internet / Data", "Billing & charges", "Refund request",
                  "Customer service", "Other")
# The dropdown entry a customer *should* pick for each true L2.
WEB_CATEGORY_FOR = {"Coverage": "Network problem", "Speed": "Internet / Data",
                    "Outage": "Network problem", "Overcharge": "Billing & charges",
                    "Refund": "Refund request", "Agent experience": "Customer service"}
DISPOSITIONS = {"Coverage": "NET-COV", "Speed": "NET-DATA", "Outage": "NET-OUT",
                "Overcharge": "BIL-DISP", "Refund": "BIL-RFND", "Agent experience": "SVC-CMPL"}
GENERIC_DISPOSITIONS = ("GEN-ENQ", "ESC-L2", "CB-REQ", "TKT-LOG")
WEB_PAGES = ("https://www.beejan.ng/support/complaints", "https://www.beejan.ng/help/contact",
             "https://m.beejan.ng/complaint", "https://www.beejan.ng/support/complaints?src=app")
REFERRERS = ("https://www.google.com/", "https://www.beejan.ng/", "https://m.facebook.com/",
             "", "https://www.beejan.ng/help", "android-app://ng.beejan.selfcare/")
SOCIAL_SOURCES = ("Twitter for Android", "Twitter for iPhone", "Twitter Web App",
                  "Instagram", "Facebook")

_MENTION = re.compile(r"@(\w+)")
_HASHTAG = re.compile(r"#(\w+)")
_URL = re.compile(r"https?://\S+")


def stable_hex(*parts: object, n: int = 32) -> str:
    """Deterministic hex id from the parts (ids must not depend on Python's hash seed)."""
    return hashlib.blake2b(":".join(map(str, parts)).encode(), digest_size=16).hexdigest()[:n]


def social_post_id(seed: int, key: str, at_utc: datetime) -> str:
    """Snowflake-like id: time-ordered like real post ids, unique via a hash of ``key``."""
    ms = int(at_utc.timestamp() * 1000) - SOCIAL_EPOCH_MS
    return str((max(ms, 0) << 22) | (int(stable_hex(seed, key, n=8), 16) & 0x3FFFFF))


def source_id(channel: str, seed: int, key: str, at_utc: datetime) -> str:
    """The id the source system assigns (post id / message id / form id / call id)."""
    if channel == "social":
        return social_post_id(seed, key, at_utc)
    h = stable_hex(seed, channel, key)
    if channel == "sms":
        return "SM" + h
    if channel == "webform":
        return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:32]}"
    return f"CL{at_utc.astimezone(LAGOS):%Y%m%d}{int(h[:10], 16) % 10**7:07d}"


def iso_with_offset(rng: random.Random, t: datetime) -> str:
    # Platforms disagree: some send UTC 'Z', some the user's local offset.
    if rng.random() < 0.5:
        return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + \
            f"{t.microsecond // 1000:03d}Z"
    return t.astimezone(LAGOS).isoformat(timespec="seconds")


def anonymous_handle(rng: random.Random) -> str:
    stem = rng.choice(("naija", "lagos", "abj", "ph", "real", "its", "the", "omo", "king",
                       "queen", "mr", "iam", "official", "just"))
    tail = rng.choice(("boy", "girl", "vibes", "dey", "wizkid_fan", "babe", "guy", "sense",
                       "_tweets", "ng", "247", "_"))
    return f"@{stem}{tail}{rng.randrange(10, 9999)}"


def render_social(rng: random.Random, sid: str, t: datetime, cust: Customer, city: str,
                  area: str, text: str) -> dict:
    """Social webhook ``post.created`` record; only the handle identifies the author."""
    handle = cust.social_handle or anonymous_handle(rng)
    place = geo = None
    if rng.random() < 0.3:
        place = {"full_name": f"{area}, {city}", "country_code": "NG", "place_type": "neighborhood"}
    if rng.random() < 0.1:
        lat, lon = CITIES[city][2], CITIES[city][3]
        geo = {"lat": round(lat + rng.uniform(-0.05, 0.05), 5),
               "lon": round(lon + rng.uniform(-0.05, 0.05), 5)}
    return {
        "event_type": "post.created",
        "post_id": sid,
        "created_at": iso_with_offset(rng, t),
        "user": {"handle": handle, "display_name": cust.name.split()[0] if rng.random() < 0.5
                 else handle.lstrip("@"), "followers_count": int(rng.paretovariate(1.2) * 40),
                 "verified": False},
        "text": text,
        "entities": social_entities(text),
        "in_reply_to_post_id": None,
        "retweet_of_post_id": None,
        "place": place,
        "geo": geo,
        "source": rng.choice(SOCIAL_SOURCES),
    }


def social_entities(text: str) -> dict:
    """Mentions/hashtags/urls as the platform extracts them from the text."""
    return {"mentions": _MENTION.findall(text), "hashtags": _HASHTAG.findall(text),
            "urls": _URL.findall(text)}


def render_sms(rng: random.Random, sid: str, t: datetime, cust: Customer, text: str) -> dict:
    """SMS gateway JSON; ``received_at`` is Lagos wall-clock time without a zone."""
    parts = max(1, -(-len(text) // 153)) if text else 1
    return {
        "message_id": sid,
        "from": local_phone(cust.msisdn, rng.choice((0, 0, 0, 1, 2))),
        "to": rng.choice(SHORT_CODES),
        "text": text,
        "received_at": t.astimezone(LAGOS).strftime("%Y-%m-%d %H:%M:%S"),
        "gateway": rng.choice(("bjn-smsc-01", "bjn-smsc-02")),
        "parts": parts,
        "encoding": "GSM7" if text.isascii() else "UCS2",
    }


def render_webform(rng: random.Random, sid: str, t: datetime, cust: Customer, l2: str,
                   text: str, wrong_category: bool) -> dict:
    """Web-form submit event; ``category`` is what the customer picked, often wrong."""
    category = WEB_CATEGORY_FOR[l2]
    if wrong_category:
        category = rng.choice([c for c in WEB_CATEGORIES if c != category])
    return {
        "form_id": sid,
        "event_type": "complaint_form.submitted",
        "ts": int(t.timestamp() * 1000),
        "name": cust.name if rng.random() < 0.85 else cust.name.upper(),
        "email": cust.email,
        "phone": local_phone(cust.msisdn, rng.choice((0, 0, 1, 3, 4))),
        "account_number": cust.account_number if rng.random() < 0.8 else "",
        "category": category,
        "description": text,
        "page": rng.choice(WEB_PAGES),
        "referrer": rng.choice(REFERRERS),
        "session_id": stable_hex(sid, "session", n=24),
    }


def render_call(rng: random.Random, sid: str, t: datetime, cust: Customer, l2: str,
                notes: str) -> dict:
    """One call-centre row (canonical v1 column names)."""
    disposition = DISPOSITIONS[l2] if rng.random() < 0.75 else rng.choice(GENERIC_DISPOSITIONS)
    return {
        "call_id": sid,
        "agent_id": f"AG{rng.randrange(1000, 1400)}",
        "call_start": t.astimezone(LAGOS).strftime("%d/%m/%Y %H:%M"),
        "duration_sec": str(int(rng.lognormvariate(5.5, 0.6))),
        "customer_msisdn": local_phone(cust.msisdn, rng.choice((0, 0, 2))),
        "disposition_code": disposition,
        "agent_notes": notes,
    }


def text_field(channel: str, record: dict) -> str:
    """Name of the free-text field of a channel's record (after any schema drift)."""
    if channel == "sms":
        return "body" if "body" in record else "text"
    return {"social": "text", "webform": "description", "call_center": "agent_notes"}[channel]
