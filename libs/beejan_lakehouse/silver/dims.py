"""Reference dimensions (silver.dim_*): loaded from conf/reference, read by resolution and enrichment.

Each load is an idempotent full overwrite (a new Delta version), so the reference data in use
at any past time is recoverable with time travel, and re-running a load changes nothing.
silver.dim_customer holds PII (name, MSISDN, e-mail): RESTRICTED like silver text_clean.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pyspark import StorageLevel
from pyspark.sql import DataFrame, SparkSession, Window
from pyspark.sql import functions as F
from pyspark.sql.types import DateType, DoubleType, IntegerType, StringType, StructField, StructType

from beejan_lakehouse.config import Config
from beejan_lakehouse.logs import get_logger
from beejan_lakehouse.silver.customers import account_key, email_key, handle_key, normalise_msisdn
from beejan_lakehouse.tables import TableSpec, ensure_table, table_path

log = get_logger("silver.dims")


def _s(name: str, nullable: bool = True) -> StructField:
    return StructField(name, StringType(), nullable)


DIM_CUSTOMER = TableSpec(
    name="silver.dim_customer",
    schema=StructType(
        [
            _s("customer_id", False),
            _s("name"),  # PII
            _s("msisdn_e164"),  # lookup key, E.164; null when invalid or shared by customers
            _s("email_lower"),  # lookup key, lowercase; null when shared (family addresses)
            _s("account_number"),  # lookup key, 10 digits; null when shared
            _s("handle_lower"),  # lookup key, '@' + lowercase handle; null when none or shared
            _s("home_city"),
            _s("home_area"),
            _s("plan_id"),
            _s("segment_id"),
            StructField("joined_on", DateType()),
        ]
    ),
    constraints={"e164_msisdn": "msisdn_e164 IS NULL OR msisdn_e164 RLIKE '^[+][1-9][0-9]{6,14}$'"},
    comment="Customers with their lookup keys (RESTRICTED: PII). From conf/reference/customers.csv.",
)
DIM_CITY = TableSpec(
    name="silver.dim_city",
    schema=StructType(
        [
            _s("city", False),
            _s("city_code"),
            _s("state"),
            _s("region"),
            _s("region_code"),  # from regions.csv
            StructField("lat", DoubleType()),
            StructField("lon", DoubleType()),
        ]
    ),
    comment="Cities with state and commercial region. From cities.csv + regions.csv.",
)
DIM_SITE = TableSpec(
    name="silver.dim_site",
    schema=StructType([_s("site_id", False), _s("site_name"), _s("site_type"), _s("city"), _s("area")]),
    comment="Stores and experience centres (site_type flagship | store). From sites.csv.",
)
DIM_CLUSTER = TableSpec(
    name="silver.dim_cluster",
    schema=StructType([_s("cluster_id", False), _s("city"), _s("area"), _s("region"), _s("tech")]),
    comment="Radio clusters, one per (city, area). From clusters.csv.",
)
DIM_CELL = TableSpec(
    name="silver.dim_cell",
    schema=StructType(
        [
            _s("cell_id", False),
            _s("cluster_id"),
            _s("city"),
            _s("area"),
            StructField("lat", DoubleType()),
            StructField("lon", DoubleType()),
            _s("band"),
        ]
    ),
    comment="Radio cells with their cluster and position. From cells.csv.",
)
DIM_PLAN = TableSpec(
    name="silver.dim_plan",
    schema=StructType(
        [
            _s("plan_id", False),
            _s("plan_name"),
            _s("plan_type"),  # prepaid | data_bundle | postpaid
            StructField("price_ngn", IntegerType()),
            StructField("data_mb", IntegerType()),
            StructField("validity_days", IntegerType()),
        ]
    ),
    comment="Tariff plans. From tariff_plans.csv.",
)
DIM_CAMPAIGN = TableSpec(
    name="silver.dim_campaign",
    schema=StructType(
        [
            _s("campaign_id", False),
            _s("campaign_name"),
            StructField("start_date", DateType()),
            StructField("end_date", DateType()),  # inclusive
            _s("plan_type"),  # the plan type the campaign targets
        ]
    ),
    constraints={"campaign_dates": "start_date IS NULL OR end_date IS NULL OR start_date <= end_date"},
    comment="Marketing campaigns, active start_date..end_date inclusive. From campaigns.csv.",
)
DIM_SEGMENT = TableSpec(
    name="silver.dim_segment",
    schema=StructType([_s("segment_id", False), _s("segment_name"), _s("plan_type"), _s("description")]),
    comment="Customer segments. From segments.csv.",
)

DIM_SPECS: dict[str, TableSpec] = {
    spec.name.split(".")[1]: spec
    for spec in (DIM_CUSTOMER, DIM_CITY, DIM_SITE, DIM_CLUSTER, DIM_CELL, DIM_PLAN, DIM_CAMPAIGN, DIM_SEGMENT)
}


def _read_csv(spark: SparkSession, ref_dir: str, name: str) -> DataFrame:
    # Everything as string first: build_dim try_casts, so a bad value is a null, not a failed load.
    return spark.read.option("header", True).option("inferSchema", False).csv(f"{ref_dir}/{name}.csv")


def _unique_or_null(col: str) -> F.Column:
    """The key where exactly one row holds it; a shared key names no one, so it is nulled."""
    return F.when(F.count(F.lit(1)).over(Window.partitionBy(col)) == 1, F.col(col))


def _customers(spark: SparkSession, ref_dir: str) -> DataFrame:
    raw = _read_csv(spark, ref_dir, "customers")
    keyed = raw.select(
        "customer_id",
        "name",
        normalise_msisdn("msisdn").alias("msisdn_e164"),
        email_key(F.col("email")).alias("email_lower"),
        account_key(F.col("account_number")).alias("account_number"),
        handle_key(F.col("social_handle")).alias("handle_lower"),
        "home_city",
        "home_area",
        "plan_id",
        "segment_id",
        F.try_to_date(F.col("joined_on")).alias("joined_on"),
    )
    for key in ("msisdn_e164", "email_lower", "account_number", "handle_lower"):
        keyed = keyed.withColumn(key, _unique_or_null(key))
    return keyed


def _cities(spark: SparkSession, ref_dir: str) -> DataFrame:
    regions = _read_csv(spark, ref_dir, "regions").select("region", "region_code")
    return _read_csv(spark, ref_dir, "cities").join(regions, "region", "left")


def _plain(name: str) -> Callable[[SparkSession, str], DataFrame]:
    return lambda spark, ref_dir: _read_csv(spark, ref_dir, name)


_BUILDERS: dict[str, Callable[[SparkSession, str], DataFrame]] = {
    "dim_customer": _customers,
    "dim_city": _cities,
    "dim_site": _plain("sites"),
    "dim_cluster": _plain("clusters"),
    "dim_cell": _plain("cells"),
    "dim_plan": _plain("tariff_plans"),
    "dim_campaign": _plain("campaigns"),
    "dim_segment": _plain("segments"),
}


def build_dim(spark: SparkSession, ref_dir: str | Path, dim: str) -> DataFrame:
    """One dimension from the reference CSVs, conformed to its TableSpec schema (cast, ordered)."""
    spec = DIM_SPECS[dim]
    df = _BUILDERS[dim](spark, str(ref_dir))
    return df.select([F.col(f.name).try_cast(f.dataType).alias(f.name) for f in spec.schema.fields])


def load_reference_dims(spark: SparkSession, cfg: Config, ref_dir: str | Path) -> dict[str, int]:
    """Create (if missing) and overwrite every silver.dim_* table from `ref_dir`; rows per dim."""
    counts: dict[str, int] = {}
    for dim, spec in DIM_SPECS.items():
        path = ensure_table(spark, cfg, spec)
        df = build_dim(spark, ref_dir, dim)
        # The whole reference set is the truth: replace, never merge (a removed site disappears).
        df.write.format("delta").mode("overwrite").save(path)
        counts[dim] = spark.read.format("delta").load(path).count()
        log.info("loaded %s: %d rows from %s", spec.name, counts[dim], ref_dir)
    return counts


@dataclass(frozen=True)
class ReferenceDims:
    """The reference dimensions as DataFrames, as resolution and enrichment consume them."""

    customer: DataFrame
    city: DataFrame
    site: DataFrame
    cluster: DataFrame
    cell: DataFrame
    plan: DataFrame
    campaign: DataFrame
    segment: DataFrame

    def cached(self) -> ReferenceDims:
        """The same dimensions held in executor memory, read from storage once.

        Every micro-batch joins or collects them several times; from the cache that costs
        milliseconds instead of a Delta snapshot and file read each time. Reloaded reference
        data is picked up when the stream restarts (it builds its context again).
        """
        frames = {f: getattr(self, f).persist(StorageLevel.MEMORY_AND_DISK) for f in self.__dataclass_fields__}
        for frame in frames.values():
            frame.count()  # materialise now, not inside the first micro-batch
        return ReferenceDims(**frames)


def read_reference_dims(spark: SparkSession, cfg: Config) -> ReferenceDims:
    """The silver.dim_* Delta tables (load them first with load_reference_dims)."""
    frames = {
        dim.removeprefix("dim_"): spark.read.format("delta").load(table_path(cfg, spec.name))
        for dim, spec in DIM_SPECS.items()
    }
    return ReferenceDims(**frames)


def reference_dims_from_csv(spark: SparkSession, ref_dir: str | Path) -> ReferenceDims:
    """The dimensions straight from the CSVs, no tables (unit tests, notebooks)."""
    return ReferenceDims(**{dim.removeprefix("dim_"): build_dim(spark, ref_dir, dim) for dim in DIM_SPECS})
