"""The simulated world: reference data (places, network, plans, campaigns, customers).

Contract: ``build_world(seed)`` is a pure function of the seed; ``write_reference`` writes
one CSV per table plus ``manifest.json`` with ``\\n`` line endings, so the committed
``conf/reference`` is byte-reproducible with
``python -m beejan_lakehouse.simulator.world --out conf/reference``.
Join keys the channels carry: MSISDN (SMS, call centre, web form), e-mail and account
number (web form), social handle (social), city/neighbourhood names and geo (social place).
"""

from __future__ import annotations

import argparse
import csv
import json
import random
from dataclasses import asdict, dataclass, fields
from datetime import date
from pathlib import Path

from beejan_lakehouse.simulator.geo import CITIES, CITY_CODES, REGIONS

DEFAULT_WORLD_SEED = 20240501
DEFAULT_CUSTOMERS = 5000

# Real Nigerian mobile prefixes (after the leading 0), mixed so MSISDNs look plausible.
MSISDN_PREFIXES = ("803", "806", "813", "816", "810", "814", "903", "906", "703", "706",
                   "802", "808", "812", "701", "708", "902", "805", "807", "705", "815",
                   "811", "905", "809", "817", "818", "909", "908", "913", "916", "704")

FIRST_NAMES = (
    "Adebayo", "Adaeze", "Chinedu", "Ngozi", "Oluwaseun", "Funmilayo", "Emeka", "Aisha",
    "Ibrahim", "Fatima", "Musa", "Zainab", "Tunde", "Yetunde", "Obinna", "Chioma", "Kelechi",
    "Amaka", "Babajide", "Temitope", "Uche", "Nkechi", "Segun", "Bukola", "Abdullahi",
    "Hauwa", "Usman", "Halima", "Femi", "Kemi", "Ikenna", "Ifeoma", "Damilola", "Tobi",
    "Blessing", "Precious", "Godwin", "Patience", "Emmanuel", "Joy", "Samuel", "Grace",
    "David", "Esther", "Michael", "Faith", "John", "Mary", "Victor", "Gift", "Chukwudi",
    "Ebuka", "Sade", "Bola", "Yusuf", "Maryam", "Aliyu", "Hadiza", "Efe", "Oghenekaro",
    "Tamuno", "Ibiso", "Ekaette", "Ini", "Nneka", "Onyeka", "Dayo", "Wale", "Rukayat",
    "Kunle", "Folake", "Chidi", "Ada", "Seyi", "Lola", "Bashir", "Amina", "Sani", "Zara",
)
LAST_NAMES = (
    "Adeyemi", "Okafor", "Balogun", "Nwosu", "Okonkwo", "Bello", "Abubakar", "Eze",
    "Ogunleye", "Adewale", "Ibrahim", "Mohammed", "Okeke", "Chukwu", "Olawale", "Danjuma",
    "Ogundipe", "Afolabi", "Nwachukwu", "Ekwueme", "Usman", "Lawal", "Oladipo", "Obi",
    "Akinola", "Onyekachi", "Ojo", "Suleiman", "Yakubu", "Agbaje", "Ikwuemesi", "Uzor",
    "Etim", "Bassey", "Effiong", "Okon", "Edet", "Ighalo", "Oshodi", "Fashola", "Sanusi",
    "Aliyu", "Garba", "Umar", "Adeleke", "Odukoya", "Anyanwu", "Igwe", "Onuoha", "Omotosho",
    "Babatunde", "Oyelaran", "Dike", "Ezenwa", "Orji", "Amadi", "Wike", "Ikpe", "Tom",
)
EMAIL_DOMAINS = ("gmail.com", "gmail.com", "gmail.com", "yahoo.com", "yahoo.co.uk",
                 "hotmail.com", "outlook.com", "icloud.com", "ymail.com")

SEGMENTS = (
    ("SEG-YTH", "Youth", "prepaid", "18-25, data heavy, social bundles"),
    ("SEG-MAS", "Mass market", "prepaid", "voice-first, low ARPU"),
    ("SEG-PRM", "Premium", "postpaid", "high ARPU individuals"),
    ("SEG-SME", "SME", "postpaid", "small businesses, shared plans"),
    ("SEG-ENT", "Enterprise", "postpaid", "corporate accounts"),
    ("SEG-STU", "Student", "prepaid", "campus bundles"),
)
SEGMENT_WEIGHTS = (28, 40, 10, 8, 3, 11)

# (plan_id, name, kind, monthly price in naira, data allowance in MB, validity days)
TARIFF_PLANS = (
    ("PLN-PULSE", "Beejan Pulse", "prepaid", 0, 0, 0),
    ("PLN-SMART", "Beejan Smart", "prepaid", 0, 0, 0),
    ("PLN-XTRA", "BeeXtra Talk", "prepaid", 0, 0, 0),
    ("PLN-D100", "Daily 100MB", "data_bundle", 100, 100, 1),
    ("PLN-D1G", "Daily 1GB", "data_bundle", 350, 1024, 1),
    ("PLN-W2G", "Weekly 2GB", "data_bundle", 600, 2048, 7),
    ("PLN-M1G5", "Monthly 1.5GB", "data_bundle", 1000, 1536, 30),
    ("PLN-M6G", "Monthly 6GB", "data_bundle", 2500, 6144, 30),
    ("PLN-M20G", "Monthly 20GB", "data_bundle", 5500, 20480, 30),
    ("PLN-M75G", "Monthly 75GB", "data_bundle", 15000, 76800, 30),
    ("PLN-SOC", "Social Bundle 1GB", "data_bundle", 300, 1024, 7),
    ("PLN-PP5", "Postpaid Connect 5k", "postpaid", 5000, 10240, 30),
    ("PLN-PP10", "Postpaid Connect 10k", "postpaid", 10000, 25600, 30),
    ("PLN-PP25", "Postpaid Premier 25k", "postpaid", 25000, 102400, 30),
    ("PLN-BIZ", "Business Flex", "postpaid", 18000, 51200, 30),
)

CAMPAIGNS = (
    ("CMP-2024-01", "New Year Data Blast", "2024-01-01", "2024-01-21", "data_bundle"),
    ("CMP-2024-02", "Val Double Data", "2024-02-10", "2024-02-18", "data_bundle"),
    ("CMP-2024-03", "Easter Bonanza", "2024-03-25", "2024-04-08", "data_bundle"),
    ("CMP-2024-04", "Sallah Talk Free", "2024-04-08", "2024-04-15", "prepaid"),
    ("CMP-2024-05", "May Day Recharge Bonus", "2024-04-29", "2024-05-12", "prepaid"),
    ("CMP-2024-06", "Postpaid Switch & Save", "2024-06-01", "2024-07-31", "postpaid"),
    ("CMP-2024-07", "Back to Campus", "2024-09-01", "2024-10-15", "data_bundle"),
    ("CMP-2024-08", "Independence 64", "2024-09-28", "2024-10-06", "prepaid"),
    ("CMP-2024-09", "Detty December", "2024-12-01", "2025-01-05", "data_bundle"),
    ("CMP-2025-01", "Ramadan Nights", "2025-03-01", "2025-03-30", "data_bundle"),
    ("CMP-2025-02", "5G Launch Lagos", "2025-06-01", "2025-08-31", "data_bundle"),
    ("CMP-2025-03", "Detty December 2.0", "2025-12-01", "2026-01-05", "data_bundle"),
    ("CMP-2026-01", "New Year 2026 Blast", "2026-01-01", "2026-01-31", "data_bundle"),
)


@dataclass(frozen=True, slots=True)
class Customer:
    """One subscriber; ``msisdn`` is E.164 (+234...), the join key for SMS and calls."""

    customer_id: str
    name: str
    msisdn: str
    account_number: str
    email: str
    social_handle: str
    home_city: str
    home_area: str
    plan_id: str
    segment_id: str
    joined_on: str


@dataclass(frozen=True, slots=True)
class World:
    """All reference tables as tuples of rows (dicts of str) plus the customers."""

    seed: int
    regions: tuple[dict[str, str], ...]
    cities: tuple[dict[str, str], ...]
    sites: tuple[dict[str, str], ...]
    clusters: tuple[dict[str, str], ...]
    cells: tuple[dict[str, str], ...]
    tariff_plans: tuple[dict[str, str], ...]
    campaigns: tuple[dict[str, str], ...]
    segments: tuple[dict[str, str], ...]
    customers: tuple[Customer, ...]

    def areas(self, city: str) -> tuple[str, ...]:
        """Neighbourhood names of a city (used in complaint text)."""
        return CITIES[city][5]

    def region_of(self, city: str) -> str:
        return CITIES[city][1]

    def plan_names(self) -> tuple[str, ...]:
        return tuple(p["plan_name"] for p in self.tariff_plans)


def _handle(rng: random.Random, first: str, last: str) -> str:
    # Handles are only loosely derived from names, like real ones.
    style = rng.randrange(6)
    tail = str(rng.randrange(1, 999)) if rng.random() < 0.6 else ""
    base = (first.lower(), f"{first}_{last}".lower(), f"{first[0]}{last}".lower(),
            f"the{first}".lower(), f"{first.lower()}_official", f"{last.lower()}{first[:3]}")
    return "@" + base[style] + tail


def _customers(rng: random.Random, n: int) -> tuple[Customer, ...]:
    city_names = list(CITIES)
    city_weights = [CITIES[c][4] for c in city_names]
    seg_ids = [s[0] for s in SEGMENTS]
    prepaid = [p[0] for p in TARIFF_PLANS if p[2] != "postpaid"]
    postpaid = [p[0] for p in TARIFF_PLANS if p[2] == "postpaid"]
    seen_msisdn: set[str] = set()
    out = []
    for i in range(n):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        while True:
            msisdn = "+234" + rng.choice(MSISDN_PREFIXES) + f"{rng.randrange(10**7):07d}"
            if msisdn not in seen_msisdn:
                seen_msisdn.add(msisdn)
                break
        city = rng.choices(city_names, city_weights)[0]
        seg = rng.choices(seg_ids, SEGMENT_WEIGHTS)[0]
        is_post = dict((s[0], s[2]) for s in SEGMENTS)[seg] == "postpaid"
        plan = rng.choice(postpaid if is_post else prepaid)
        sep = rng.choice((".", "", "_"))
        email = f"{first}{sep}{last}{rng.randrange(100) if rng.random() < 0.5 else ''}".lower()
        joined = date(2012, 1, 1).toordinal() + rng.randrange(4500)
        out.append(Customer(
            customer_id=f"CUST{i + 1:07d}", name=f"{first} {last}", msisdn=msisdn,
            # Account numbers: 10 digits starting 40 (postpaid 41) - what billing prints.
            account_number=("41" if is_post else "40") + f"{rng.randrange(10**8):08d}",
            email=f"{email}@{rng.choice(EMAIL_DOMAINS)}",
            # About 40% of customers never linked a social handle to their account.
            social_handle=_handle(rng, first, last) if rng.random() < 0.6 else "",
            home_city=city, home_area=rng.choice(CITIES[city][5]), plan_id=plan,
            segment_id=seg, joined_on=date.fromordinal(joined).isoformat()))
    return tuple(out)


def build_world(seed: int = DEFAULT_WORLD_SEED, n_customers: int = DEFAULT_CUSTOMERS) -> World:
    """Build the whole reference world deterministically from ``seed``."""
    rng = random.Random(f"world:{seed}")
    regions = tuple({"region": r, "region_code": r[:2].upper() if r != "Lagos" else "LG"}
                    for r in REGIONS)
    cities, sites, clusters, cells = [], [], [], []
    for city, (state, region, lat, lon, _w, areas) in CITIES.items():
        code = CITY_CODES[city]
        cities.append({"city": city, "city_code": code, "state": state, "region": region,
                       "lat": f"{lat:.4f}", "lon": f"{lon:.4f}"})
        for k, area in enumerate(areas[: max(1, len(areas) // 3)]):
            sites.append({"site_id": f"STR-{code}-{k + 1:02d}",
                          "site_name": f"Beejan Experience Centre {area}",
                          "site_type": "flagship" if k == 0 else "store",
                          "city": city, "area": area})
        for c, area in enumerate(areas):
            cluster_id = f"{code}-C{c + 1:02d}"
            clusters.append({"cluster_id": cluster_id, "city": city, "area": area,
                             "region": region, "tech": rng.choice(("4G", "4G", "4G/5G", "3G/4G"))})
            for s in range(rng.randrange(3, 9)):
                cells.append({"cell_id": f"{cluster_id}-{rng.randrange(1000, 9999)}{s}",
                              "cluster_id": cluster_id, "city": city, "area": area,
                              "lat": f"{lat + rng.uniform(-0.08, 0.08):.5f}",
                              "lon": f"{lon + rng.uniform(-0.08, 0.08):.5f}",
                              "band": rng.choice(("L800", "L1800", "L2600", "U2100", "N3500"))})
    plans = tuple({"plan_id": p[0], "plan_name": p[1], "plan_type": p[2],
                   "price_ngn": str(p[3]), "data_mb": str(p[4]), "validity_days": str(p[5])}
                  for p in TARIFF_PLANS)
    campaigns = tuple({"campaign_id": c[0], "campaign_name": c[1], "start_date": c[2],
                       "end_date": c[3], "plan_type": c[4]} for c in CAMPAIGNS)
    segments = tuple({"segment_id": s[0], "segment_name": s[1], "plan_type": s[2],
                      "description": s[3]} for s in SEGMENTS)
    return World(seed=seed, regions=regions, cities=tuple(cities), sites=tuple(sites),
                 clusters=tuple(clusters), cells=tuple(cells), tariff_plans=plans,
                 campaigns=campaigns, segments=segments,
                 customers=_customers(rng, n_customers))


TABLES = ("regions", "cities", "sites", "clusters", "cells", "tariff_plans", "campaigns",
          "segments", "customers")


def _rows(world: World, table: str) -> list[dict[str, str]]:
    if table == "customers":
        return [asdict(c) for c in world.customers]
    return list(getattr(world, table))


def write_reference(world: World, out_dir: str | Path) -> list[Path]:
    """Write ``<table>.csv`` for every table and ``manifest.json``; returns the paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for table in TABLES:
        rows = _rows(world, table)
        path = out / f"{table}.csv"
        with path.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
        paths.append(path)
    manifest = {"seed": world.seed, "generator": "beejan_lakehouse.simulator.world",
                "tables": {t: {"file": f"{t}.csv", "rows": len(_rows(world, t))} for t in TABLES}}
    mpath = out / "manifest.json"
    mpath.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return [*paths, mpath]


def load_customers(ref_dir: str | Path) -> tuple[Customer, ...]:
    """Read ``customers.csv`` back into ``Customer`` rows (for checks and enrichment tests)."""
    names = [f.name for f in fields(Customer)]
    with (Path(ref_dir) / "customers.csv").open(encoding="utf-8", newline="") as fh:
        return tuple(Customer(**{k: row[k] for k in names}) for row in csv.DictReader(fh))


def main(argv: list[str] | None = None) -> int:
    """CLI: ``python -m beejan_lakehouse.simulator.world --out conf/reference``."""
    p = argparse.ArgumentParser(description="Generate Beejan reference data (seeded).")
    p.add_argument("--out", default="conf/reference")
    p.add_argument("--seed", type=int, default=DEFAULT_WORLD_SEED)
    p.add_argument("--customers", type=int, default=DEFAULT_CUSTOMERS)
    args = p.parse_args(argv)
    for path in write_reference(build_world(args.seed, args.customers), args.out):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
