"""Enrichment: place, network, plan, segment and campaign of each complaint from silver.dim_*.

Where a complaint is about: the customer's home city/area, else the social post's place, else
a city or neighbourhood named in the text. Everything else hangs off that place or off the
customer. Missing reference data gives nulls and a quality flag, never a lost row.

How the lookups run: dim_customer (the only dimension that grows with the business) is a
broadcast hash join on customer_id. The other dimensions are tens to hundreds of rows; they are
read once when the transform is built and become literal hash maps in the plan (element_at on
a map), which is a broadcast lookup without a join, an exchange or a per-batch re-read. Build
the transform again after reloading the reference data (the streaming job does so on restart).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from beejan_lakehouse.patterns import starts_with_one_of, trie_pattern
from beejan_lakehouse.silver.dims import ReferenceDims
from beejan_lakehouse.silver.flags import QUALITY_FLAGS, flags_column

LAGOS_ZONE = "Africa/Lagos"
OUTPUT_COLUMNS = (
    "city", "region", "state", "site_id", "cluster_id", "cell_id",
    "plan_id", "plan_type", "segment_id", "campaign_id",
)  # fmt: skip
_EDGE_BEFORE = r"(?<![\p{L}\p{N}_])"
_EDGE_AFTER = r"(?![\p{L}\p{N}_])"
_SEP = "|"  # joins (city, area) into one map key; neither name contains it


def _map(mapping: dict[str, str]) -> Column:
    if not mapping:
        return F.create_map().cast("map<string,string>")
    return F.create_map(*[F.lit(x) for kv in sorted(mapping.items()) for x in kv])


def _get(mapping: Column, key: Column) -> Column:
    # element_at raises on a null key under ANSI mode; try_element_at gives null.
    return F.try_element_at(mapping, key)


def _names_regex(names: Iterable[str]) -> str:
    """Whole-word match of any of `names` in LOWER-CASED text, the longest where several start
    at the same place ("ikeja gra" before "ikeja"); group 1 is the name. A trie, not an
    alternation: 147 neighbourhood names tried one by one at every character were most of
    enrichment's time."""
    lowered = [n.lower() for n in names]
    return starts_with_one_of(lowered) + _EDGE_BEFORE + "(" + trie_pattern(lowered) + ")" + _EDGE_AFTER


class _Reference:
    """The small dimensions as Python dicts (collected once at transform construction)."""

    def __init__(self, dims: ReferenceDims) -> None:
        cities = dims.city.select("city", "state", "region").collect()
        self.city_by_lower = {r.city.lower(): r.city for r in cities}
        self.state = {r.city: r.state for r in cities if r.state}
        self.region = {r.city: r.region for r in cities if r.region}
        clusters = dims.cluster.select("cluster_id", "city", "area").collect()
        self.cluster = {f"{r.city}{_SEP}{r.area}": r.cluster_id for r in clusters}
        cities_of_area: dict[str, set[str]] = defaultdict(set)
        for r in clusters:
            cities_of_area[r.area.lower()].add(r.city)
        # A neighbourhood name used in two cities does not say which city is meant.
        self.area_city = {a: next(iter(c)) for a, c in cities_of_area.items() if len(c) == 1}
        self.area_by_lower = {r.area.lower(): r.area for r in clusters}
        sites = dims.site.select("site_id", "site_type", "city", "area").orderBy("site_id").collect()
        self.site = {f"{r.city}{_SEP}{r.area}": r.site_id for r in reversed(sites)}
        # No store in the neighbourhood: the city's flagship (else its first store) serves it.
        self.city_site: dict[str, str] = {}
        for r in sorted(sites, key=lambda r: (r.site_type != "flagship", r.site_id)):
            self.city_site.setdefault(r.city, r.site_id)
        cells = dims.cell.select("cell_id", "cluster_id").collect()
        cells_of: dict[str, list[str]] = defaultdict(list)
        for r in cells:
            cells_of[r.cluster_id].append(r.cell_id)
        # Without coordinates in the record a cell is only known when its cluster has one cell.
        self.single_cell = {k: v[0] for k, v in cells_of.items() if len(v) == 1}
        self.plan_type = {r.plan_id: r.plan_type for r in dims.plan.select("plan_id", "plan_type").collect()}
        self.segments = {r.segment_id: r.segment_id for r in dims.segment.select("segment_id").collect()}
        self.campaigns = dims.campaign.orderBy(F.col("start_date").desc(), "campaign_id").collect()
        self.city_names = [r.city for r in cities]
        self.area_names = sorted({r.area for r in clusters if r.area.lower() in self.area_city})


def _active_campaign(campaigns: list, plan_type: Column, local_date: Column) -> Column:
    """The most recently started campaign for the plan type whose dates contain the date."""
    active = [
        F.when(
            (plan_type == c.plan_type) & local_date.between(F.lit(c.start_date), F.lit(c.end_date)),
            F.lit(c.campaign_id),
        )
        for c in campaigns
        if c.start_date is not None and c.end_date is not None
    ]
    return F.coalesce(*active) if active else F.lit(None).cast("string")


def enrich(dims: ReferenceDims) -> Callable[[DataFrame], DataFrame]:
    """Add place, network, plan, segment and campaign attributes; one row out per row in.

    Input columns: customer_id (null when unresolved; from resolve_customers), place_raw
    ("<area>, <city>" or null), text_clean, event_ts_utc, optional quality_flags.
    Output columns (added): city, region, state, site_id, cluster_id, cell_id, plan_id,
    plan_type, segment_id, campaign_id (all nullable strings); quality_flags gains
    region_unknown (no known city), cluster_unknown (no known neighbourhood in that city),
    plan_unknown / segment_unknown (a resolved customer whose plan / segment is not in the
    reference).
    """
    ref = _Reference(dims)
    city_by_lower, area_by_lower = _map(ref.city_by_lower), _map(ref.area_by_lower)
    area_city = _map(ref.area_city)
    state, region = _map(ref.state), _map(ref.region)
    cluster, site, city_site = _map(ref.cluster), _map(ref.site), _map(ref.city_site)
    single_cell, plan_type, segments = _map(ref.single_cell), _map(ref.plan_type), _map(ref.segments)
    city_regex = _names_regex(ref.city_names) if ref.city_names else None
    area_regex = _names_regex(ref.area_names) if ref.area_names else None
    customers = F.broadcast(
        dims.customer.select(
            F.col("customer_id").alias("_cust_id"),
            F.col("home_city").alias("_home_city"),
            F.col("home_area").alias("_home_area"),
            F.col("plan_id").alias("_plan_id"),
            F.col("segment_id").alias("_segment_id"),
        ).dropDuplicates(["_cust_id"])  # a repeated id would duplicate complaints
    )

    def found(regex: str | None) -> Column:
        if regex is None:
            return F.lit(None).cast("string")
        hit = F.regexp_extract(F.lower(F.col("text_clean")), regex, 1)
        return F.when(hit != "", hit)

    place_parts = F.split(F.col("place_raw"), ",")
    place_city = _get(city_by_lower, F.lower(F.trim(F.element_at(place_parts, -1))))
    place_area = F.when(F.size(place_parts) > 1, F.trim(F.element_at(place_parts, 1)))
    text_area = _get(area_by_lower, F.col("_text_area_l"))
    text_area_city = _get(area_city, F.col("_text_area_l"))
    text_city = F.coalesce(_get(city_by_lower, F.col("_text_city_l")), text_area_city)
    home_city = _get(city_by_lower, F.lower(F.col("_home_city")))
    # Scanning the text for ~170 place names is the costly part: only when nothing better is known.
    need_text = home_city.isNull() & place_city.isNull()
    text_places = {
        "_text_city_l": F.when(need_text, found(city_regex)),
        "_text_area_l": F.when(need_text, found(area_regex)),
    }
    location = F.when(home_city.isNotNull(), F.struct(home_city.alias("c"), F.col("_home_area").alias("a"))).when(
        place_city.isNotNull(), F.struct(place_city.alias("c"), place_area.alias("a"))
    ).when(
        text_city.isNotNull(),
        # The named neighbourhood only counts when it lies in the city we settled on.
        F.struct(text_city.alias("c"), F.when(text_area_city == text_city, text_area).alias("a")),
    )
    city, area = F.col("_loc.c"), F.col("_loc.a")
    city_area = F.concat(city, F.lit(_SEP), area)
    local_date = F.to_date(F.from_utc_timestamp(F.col("event_ts_utc"), LAGOS_ZONE))
    attributes = {
        "city": city,
        "region": _get(region, city),
        "state": _get(state, city),
        "cluster_id": _get(cluster, city_area),
        "site_id": F.coalesce(_get(site, city_area), _get(city_site, city)),
        "plan_id": F.col("_plan_id"),
        "segment_id": F.col("_segment_id"),
    }
    dependent = {
        "cell_id": _get(single_cell, F.col("cluster_id")),
        "plan_type": _get(plan_type, F.col("plan_id")),
    }
    # Campaign calendars are Lagos business days, not UTC days.
    campaign = _active_campaign(ref.campaigns, F.col("plan_type"), local_date)
    resolved = F.col("customer_id").isNotNull()
    flags = {
        "region_unknown": F.col("region").isNull(),
        "cluster_unknown": F.col("cluster_id").isNull(),
        "plan_unknown": resolved & F.col("plan_type").isNull(),
        "segment_unknown": resolved & _get(segments, F.col("segment_id")).isNull(),
    }
    flagged = {True: flags_column(flags, existing=True), False: flags_column(flags, existing=False)}
    temporary = (
        "_cust_id", "_home_city", "_home_area", "_plan_id", "_segment_id", "_text_city_l", "_text_area_l", "_loc",
    )  # fmt: skip
    join_on = F.col("customer_id") == F.col("_cust_id")

    def apply(df: DataFrame) -> DataFrame:
        located = df.join(customers, join_on, "left").withColumns(text_places).withColumn("_loc", location)
        out = located.withColumns(attributes).withColumns(dependent).withColumn("campaign_id", campaign)
        return out.withColumn(QUALITY_FLAGS, flagged[QUALITY_FLAGS in df.columns]).drop(*temporary)

    return apply
