"""Complaint text generation with ground-truth labels.

Texts are composed from independent pools (opener, issue phrase, detail, secondary issue,
closer, channel decorations) with slot values and random perturbations (typos, txt-speak,
casing, elongation, sarcasm), so the number of distinct surface forms is huge and no small
template set dominates. Public entry point for classifier training:
``generate_labelled_texts(n, seed)``.
"""

from __future__ import annotations

import random
import re

from beejan_lakehouse.simulator import lexicon as lx
from beejan_lakehouse.simulator.geo import CITIES
from beejan_lakehouse.simulator.phrases import AGENT_NOTES, ISSUE, SECONDARY

L2_TO_L1: dict[str, str] = {
    "Coverage": "Network", "Speed": "Network", "Outage": "Network",
    "Overcharge": "Billing", "Refund": "Billing", "Agent experience": "Service",
}
L2_LABELS: tuple[str, ...] = tuple(L2_TO_L1)
CHANNELS: tuple[str, ...] = ("social", "sms", "webform", "call_center")

# Label mix per channel (share of L2): social skews to network rants, the call centre and
# web form to billing, mirroring how customers pick a channel for a problem.
L2_PRIORS: dict[str, tuple[float, ...]] = {
    "social": (0.15, 0.22, 0.16, 0.18, 0.09, 0.20),
    "sms": (0.16, 0.18, 0.12, 0.26, 0.16, 0.12),
    "webform": (0.14, 0.15, 0.08, 0.26, 0.22, 0.15),
    "call_center": (0.14, 0.14, 0.12, 0.27, 0.17, 0.16),
}

DETAILS: dict[str, tuple[str, ...]] = {
    "Network": (
        "I have restarted my phone several times.", "tried another phone, same thing",
        "I've toggled airplane mode, no change.", "my other sim on another network works fine",
        "my neighbours on Beejan have the same problem", "I'm on {plan}.",
        "I use this line for work", "I don try everything, nothing work",
        "reset network settings, still same", "even my mifi is affected"),
    "Billing": (
        "I have the debit alert screenshot.", "my bank statement shows the debit",
        "I did not authorise this.", "please check my transaction history",
        "the reference number is {ticket}", "I'm on {plan}.", "I have screenshots",
        "I no subscribe for anything", "I dialled the code to check and saw it",
        "this is the second time this month"),
    "Service": (
        "this is the third time I am complaining.", "I have the call logs to prove it",
        "I recorded the conversation.", "my ticket number is {ticket}",
        "I don waste so much airtime calling", "I have been a customer for 8 years",
        "I went there with my ID and everything", "nobody cares honestly"),
}

_NOTE_PREFIX = ("ID&V done. ", "IDV ok, ", "Verified cust. ", "Repeat caller. ",
                "Caller irate. ", "Cust calm. ", "Call from alt no. ", "VIP cust - ",
                "Cx on {plan}. ", "2nd call today. ", "Pidgin speaker, ", "Transferred from IVR. ")
_NOTE_SUFFIX = (". cust advised to call back if persists", ". SMS sent w/ ticket ref",
                ". ref {ticket}", " - TL informed", ". cust not satisfied", ". cust ok w/ resolution",
                ". FCR no", ". FCR yes", ". call dropped before wrap-up", ". follow up in {days}",
                ". alt contact taken", ". case notes updated")
_SLOT = re.compile(r"\{(\w+)\}")
_KEY_NEIGHBOURS = {"a": "sq", "e": "wr", "i": "uo", "o": "ip", "n": "bm", "t": "ry",
                   "s": "ad", "r": "et", "l": "k", "d": "sf", "m": "n", "h": "gj"}


def format_naira(rng: random.Random, amount: int) -> str:
    """Render an amount the many ways Nigerians type naira (₦, N, NGN, #, k, 'naira')."""
    style = rng.randrange(8)
    if style == 0:
        return f"₦{amount:,}"
    if style == 1:
        return f"N{amount:,}"
    if style == 2:
        return f"N{amount}"
    if style == 3:
        return f"#{amount}"  # '#' stands in for ₦ on many keyboards
    if style == 4:
        return f"{amount:,} naira"
    if style == 5:
        return f"NGN {amount:,}"
    if style == 6 and amount >= 1000:
        return f"{amount / 1000:g}k"
    return f"₦{amount}"


class TextComposer:
    """Composes labelled complaint texts; all randomness comes from the given ``rng``."""

    def __init__(self, rng: random.Random, plans: tuple[str, ...] | None = None) -> None:
        self.rng = rng
        self.plans = plans or ("Monthly 1.5GB", "Daily 1GB", "Weekly 2GB", "Beejan Pulse",
                               "Postpaid Connect 5k", "Monthly 6GB", "Social Bundle 1GB")

    # -- slots -----------------------------------------------------------------------------
    def _slot(self, name: str, city: str, area: str) -> str:
        r = self.rng
        if name == "area":
            return area if r.random() < 0.8 else f"{area}, {city}"
        if name == "city":
            return city
        if name in ("amount", "amount2"):
            return format_naira(r, r.choice(lx.AMOUNTS))
        if name == "dur":
            return r.choice(lx.DURATIONS)
        if name == "since":
            return r.choice(lx.SINCE)
        if name == "data":
            return r.choice(lx.DATA_SIZES)
        if name == "plan":
            return r.choice(self.plans)
        if name == "hold":
            return r.choice(lx.HOLDS)
        if name == "days":
            return r.choice(lx.DAYS)
        if name == "ticket":
            return r.choice(("#", "BJN-", "ref ", "INC", "")) + str(r.randrange(100000, 9999999))
        if name == "n":
            return r.choice(("3", "4", "5", "6", "10", "several", "many", "like 7"))
        return name

    def fill(self, template: str, city: str, area: str) -> str:
        """Replace ``{slot}`` markers with random values for this city/area."""
        return _SLOT.sub(lambda m: self._slot(m.group(1), city, area), template)

    # -- perturbations ---------------------------------------------------------------------
    def typo(self, text: str, rate: float) -> str:
        """Inject character-level typos into roughly ``rate`` of the words."""
        r = self.rng
        words = text.split(" ")
        for i, w in enumerate(words):
            if len(w) < 4 or r.random() >= rate or w.startswith(("@", "#", "http")):
                continue
            j = r.randrange(1, len(w) - 1)
            kind = r.randrange(4)
            if kind == 0:
                w = w[:j] + w[j + 1] + w[j] + w[j + 2:]
            elif kind == 1:
                w = w[:j] + w[j + 1:]
            elif kind == 2:
                w = w[:j] + w[j] + w[j:]
            else:
                w = w[:j] + r.choice(_KEY_NEIGHBOURS.get(w[j].lower(), w[j])) + w[j + 1:]
            words[i] = w
        return " ".join(words)

    def txt_speak(self, text: str, rate: float) -> str:
        """Replace common words by SMS spellings with probability ``rate`` each."""
        r = self.rng
        out = []
        for w in text.split(" "):
            sub = lx.TXT_SPEAK.get(w.lower())
            out.append(r.choice(sub) if sub and r.random() < rate else w)
        return " ".join(out)

    def casing(self, text: str, caps_rate: float, lower_rate: float) -> str:
        r = self.rng.random()
        if r < caps_rate:
            return text.upper()
        if r < caps_rate + lower_rate:
            return text.lower()
        return text

    def elongate(self, text: str) -> str:
        # 'pleaseeee', 'sooo', '!!!' - emphasis the way people type when angry.
        r = self.rng
        if r.random() < 0.5:
            return text.rstrip(".") + r.choice(("!!!", "!!", "??", "?!", "...", "!!!!!"))
        words = text.split(" ")
        i = r.randrange(len(words))
        if words[i].isalpha() and len(words[i]) > 1 and words[i][-1] in "aeiouyAEIOUY":
            words[i] = words[i] + words[i][-1] * r.randrange(2, 5)
        return " ".join(words)

    # -- composition -----------------------------------------------------------------------
    def core(self, l2: str, city: str, area: str) -> tuple[str, str | None]:
        """Issue sentence(s) for ``l2`` plus an optional secondary label."""
        r = self.rng
        first = r.choice(ISSUE[l2])
        text = self.fill(first, city, area)
        if r.random() < 0.25:  # a second phrasing of the same issue adds variety and length
            extra = self.fill(r.choice([x for x in ISSUE[l2] if x != first]), city, area)
            text = f"{text}{r.choice(('. ', ', ', '. Also ', '... ', ' and '))}{extra}"
        secondary = None
        if r.random() < 0.12:
            secondary = r.choice([x for x in L2_LABELS if x != l2])
            fragment = r.choice(SECONDARY[secondary])
            joiners = ((". ", ", ", "... ") if fragment.startswith(("and", "also", "plus"))
                       else (". ", ", ", "... ", ". Also "))
            text = f"{text}{r.choice(joiners)}{fragment}"
        return text, secondary

    def compose(self, l2: str, channel: str, city: str, area: str) -> tuple[str, str | None]:
        """One complaint text in the style of ``channel``; returns (text, secondary_l2)."""
        if channel == "call_center":
            return self.agent_note(l2, city, area), None
        r = self.rng
        l1 = L2_TO_L1[l2]
        core, secondary = self.core(l2, city, area)
        if r.random() < 0.35:
            core = f"{core}. {self.fill(r.choice(DETAILS[l1]), city, area)}"
        if channel == "social" and r.random() < 0.1:
            return self._social_decor(r.choice(lx.SARCASM).format(core=core[0].lower() + core[1:]),
                                      l1), secondary
        parts = [r.choice(lx.OPENERS), core]
        closer = r.choice(lx.CLOSERS)
        if channel == "sms":
            parts[0] = parts[0] if r.random() < 0.3 else ""
            closer = closer if r.random() < 0.3 else ""
        parts.append(closer)
        text = " ".join(p for p in parts if p)
        if channel == "sms":
            text = self.txt_speak(text, 0.6)
            text = self.casing(text, 0.06, 0.45)
        else:
            text = self.casing(text, 0.05 if channel == "social" else 0.02,
                               0.2 if channel == "social" else 0.08)
        text = self.typo(text, {"sms": 0.06, "social": 0.04}.get(channel, 0.02))
        if r.random() < 0.25:
            text = self.elongate(text)
        if channel == "social":
            text = self._social_decor(text, l1)
        elif channel == "sms" and r.random() < 0.1:
            text = f"{text} {r.choice(lx.EMOJI['any'])}"
        return text, secondary

    def _social_decor(self, text: str, l1: str) -> str:
        r = self.rng
        if r.random() < 0.6:
            mention = r.choice(lx.MENTIONS)
            text = f"{mention} {text}" if r.random() < 0.7 else f"{text} {mention}"
        if r.random() < 0.6:
            pool = lx.EMOJI["any"] + lx.EMOJI[l1]
            text = f"{text} {''.join(r.choice(pool) for _ in range(r.randrange(1, 4)))}"
        if r.random() < 0.45:
            pool = lx.HASHTAGS["any"] + lx.HASHTAGS[l1]
            text = f"{text} {' '.join(r.sample(pool, r.randrange(1, 3)))}"
        if r.random() < 0.1:
            code = "".join(r.choice("abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")
                           for _ in range(10))
            url = r.choice(lx.URLS).format(code=code, num=r.randrange(10**9, 10**10))
            text = f"{text} {url}"
        return text

    def agent_note(self, l2: str, city: str, area: str) -> str:
        """Terse agent note (call-centre register) for ``l2``."""
        r = self.rng
        note = self.fill(r.choice(AGENT_NOTES[l2]), city, area)
        # Label-neutral call-handling boilerplate agents add around the substance.
        if r.random() < 0.45:
            note = self.fill(r.choice(_NOTE_PREFIX), city, area) + note
        if r.random() < 0.45:
            note = note.rstrip(".") + self.fill(r.choice(_NOTE_SUFFIX), city, area)
        if r.random() < 0.2:
            note = note.replace("Customer", "Cust").replace(" and ", " & ")
        if r.random() < 0.15:
            note = note.upper()
        return self.typo(note, 0.03)


def random_place(rng: random.Random) -> tuple[str, str]:
    """A (city, area) pair weighted by the customer base."""
    names = list(CITIES)
    city = rng.choices(names, [CITIES[c][4] for c in names])[0]
    return city, rng.choice(CITIES[city][5])


def generate_labelled_texts(n: int, seed: int, balanced: bool = False,
                            mojibake_rate: float = 0.03) -> list[dict[str, str]]:
    """``n`` labelled texts as dicts {text, l1, l2, channel}; same seed => same list.

    The RNG is namespaced ("labelled-texts:<seed>"), independent of the event simulator's
    streams, so a held-out set is simply another seed. ``balanced`` draws L2 uniformly
    instead of the channel priors. ``mojibake_rate`` mangles that share of texts the way a
    cp1252 system would (the held-out realism the classifier targets ask for).
    """
    from beejan_lakehouse.simulator.noise import mojibake  # noise imports text helpers

    rng = random.Random(f"labelled-texts:{seed}")
    composer = TextComposer(rng)
    out = []
    for _ in range(n):
        channel = rng.choice(CHANNELS)
        weights = None if balanced else L2_PRIORS[channel]
        l2 = rng.choices(L2_LABELS, weights)[0]
        city, area = random_place(rng)
        text, _secondary = composer.compose(l2, channel, city, area)
        if rng.random() < mojibake_rate:
            text = mojibake(text)
        out.append({"text": text, "l1": L2_TO_L1[l2], "l2": l2, "channel": channel})
    return out
