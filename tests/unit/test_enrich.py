"""Enrichment: place from customer/place/text, network, plan, segment, campaign; no row lost."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from chispa import assert_df_equality

from beejan_lakehouse.silver.dims import ReferenceDims
from beejan_lakehouse.silver.enrich import OUTPUT_COLUMNS, enrich

IN_DDL = "source_id string, customer_id string, place_raw string, text_clean string, event_ts_utc timestamp"
OUT_DDL = (
    "source_id string, city string, region string, state string, site_id string, cluster_id string, "
    "cell_id string, plan_id string, plan_type string, segment_id string, campaign_id string, "
    "quality_flags array<string>"
)
NOV20 = datetime(2026, 11, 20, 10, 0)


@pytest.fixture(scope="module")
def dims(spark) -> ReferenceDims:
    df = spark.createDataFrame
    return ReferenceDims(
        customer=df(
            [
                ("C1", "Lagos", "Ikeja GRA", "PLN-D1G", "SEG-YTH"),
                ("C2", "Abuja", "Gwarinpa", "PLN-PP5", "SEG-NEW"),
                ("C3", "Atlantis", "Nowhere", "PLN-GONE", "SEG-YTH"),
            ],
            "customer_id string, home_city string, home_area string, plan_id string, segment_id string",
        ),
        city=df(
            [("Lagos", "Lagos", "Lagos"), ("Abuja", "FCT", "North Central")],
            "city string, state string, region string",
        ),
        site=df(
            [
                ("STR-LAG-01", "flagship", "Lagos", "Lekki Phase 1"),
                ("STR-LAG-03", "store", "Lagos", "Ikeja GRA"),
                ("STR-ABJ-01", "flagship", "Abuja", "Gwarinpa"),
            ],
            "site_id string, site_type string, city string, area string",
        ),
        cluster=df(
            [
                ("LAG-C01", "Lagos", "Lekki Phase 1"),
                ("LAG-C03", "Lagos", "Ikeja GRA"),
                ("ABJ-C01", "Abuja", "Gwarinpa"),
            ],
            "cluster_id string, city string, area string",
        ),
        cell=df(
            [("LAG-C01-1", "LAG-C01"), ("LAG-C01-2", "LAG-C01"), ("ABJ-C01-9", "ABJ-C01")],
            "cell_id string, cluster_id string",
        ),
        plan=df([("PLN-D1G", "data_bundle"), ("PLN-PP5", "postpaid")], "plan_id string, plan_type string"),
        campaign=df(
            [
                ("CMP-OLD", date(2026, 10, 1), date(2026, 11, 20), "data_bundle"),
                ("CMP-A", date(2026, 11, 1), date(2026, 11, 30), "data_bundle"),
                ("CMP-B", date(2026, 11, 21), date(2026, 11, 21), "postpaid"),
            ],
            "campaign_id string, start_date date, end_date date, plan_type string",
        ),
        segment=df([("SEG-YTH",)], "segment_id string"),
    )


def _enrich(spark, dims, rows):
    return (
        spark.createDataFrame(rows, IN_DDL)
        .transform(enrich(dims))
        .select("source_id", *OUTPUT_COLUMNS, "quality_flags")
    )


def test_resolved_customer_gets_home_place_network_plan_segment_and_campaign(spark, dims):
    rows = [("home", "C1", "Gwarinpa, Abuja", "no network in abuja", NOV20)]
    expected = [
        ("home", "Lagos", "Lagos", "Lagos", "STR-LAG-03", "LAG-C03", None, "PLN-D1G", "data_bundle",
         "SEG-YTH", "CMP-A", []),
    ]  # fmt: skip
    assert_df_equality(_enrich(spark, dims, rows), spark.createDataFrame(expected, OUT_DDL), ignore_nullable=True)


def test_campaign_is_chosen_on_the_lagos_date_and_single_cell_clusters_give_a_cell(spark, dims):
    # 23:30 UTC on the 20th is already the 21st in Lagos: CMP-B's one-day window.
    rows = [("late", "C2", None, "x", datetime(2026, 11, 20, 23, 30))]
    expected = [
        ("late", "Abuja", "North Central", "FCT", "STR-ABJ-01", "ABJ-C01", "ABJ-C01-9", "PLN-PP5", "postpaid",
         "SEG-NEW", "CMP-B", ["segment_unknown"]),
    ]  # fmt: skip
    assert_df_equality(_enrich(spark, dims, rows), spark.createDataFrame(expected, OUT_DDL), ignore_nullable=True)


def test_unresolved_complaints_are_placed_from_social_place_then_text(spark, dims):
    rows = [
        ("place", None, "Lekki Phase 1, Lagos", "no signal in Abuja", NOV20),
        ("text_area", None, None, "no signal in ikeja gra since monday", NOV20),
        ("text_city", None, None, "ABUJA network bad", NOV20),
        ("nowhere", None, None, "hello", NOV20),
    ]
    unknown_cluster = ["cluster_unknown"]
    expected = [
        ("place", "Lagos", "Lagos", "Lagos", "STR-LAG-01", "LAG-C01", None, None, None, None, None, []),
        ("text_area", "Lagos", "Lagos", "Lagos", "STR-LAG-03", "LAG-C03", None, None, None, None, None, []),
        ("text_city", "Abuja", "North Central", "FCT", "STR-ABJ-01", None, None, None, None, None, None,
         unknown_cluster),
        ("nowhere", None, None, None, None, None, None, None, None, None, None,
         ["region_unknown", "cluster_unknown"]),
    ]  # fmt: skip
    actual = _enrich(spark, dims, rows)
    assert_df_equality(actual, spark.createDataFrame(expected, OUT_DDL), ignore_row_order=True, ignore_nullable=True)


def test_missing_reference_gives_nulls_and_flags(spark, dims):
    rows = [("unknown_ref", "C3", None, "x", NOV20)]
    expected = [
        ("unknown_ref", None, None, None, None, None, None, "PLN-GONE", None, "SEG-YTH", None,
         ["region_unknown", "cluster_unknown", "plan_unknown"]),
    ]  # fmt: skip
    assert_df_equality(_enrich(spark, dims, rows), spark.createDataFrame(expected, OUT_DDL), ignore_nullable=True)


def test_every_row_is_kept_even_with_a_repeated_customer_in_the_reference(spark, dims):
    repeated = dims.customer.unionByName(dims.customer)
    dims_with_repeat = ReferenceDims(**{**dims.__dict__, "customer": repeated})
    customers = ["C1", "C2", "C3", None, "C404"]
    places = [None, "Lekki Phase 1, Lagos", "Mars", ""]
    rows = [
        (f"r{i}", customers[i % 5], places[i % 4], "abuja lagos ikeja gra", None if i % 7 == 0 else NOV20)
        for i in range(60)
    ]
    out = spark.createDataFrame(rows, IN_DDL).transform(enrich(dims_with_repeat))
    assert out.count() == 60
    assert out.select("source_id").distinct().count() == 60
