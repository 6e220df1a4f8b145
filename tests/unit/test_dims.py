"""Reference dimensions: schemas, key normalisation, idempotent loads from conf/reference."""

from __future__ import annotations

import csv
import shutil
from datetime import date
from pathlib import Path

from chispa import assert_df_equality

from beejan_lakehouse.config import CONF_DIR
from beejan_lakehouse.silver.dims import DIM_SPECS, build_dim, load_reference_dims
from beejan_lakehouse.tables import table_path

REFERENCE = CONF_DIR / "reference"
CSV_OF = {
    "dim_customer": "customers", "dim_city": "cities", "dim_site": "sites", "dim_cluster": "clusters",
    "dim_cell": "cells", "dim_plan": "tariff_plans", "dim_campaign": "campaigns", "dim_segment": "segments",
}  # fmt: skip


def _csv_rows(name: str) -> int:
    with (REFERENCE / f"{name}.csv").open(encoding="utf-8") as handle:
        return sum(1 for _ in csv.DictReader(handle))


def test_load_writes_every_dim_with_its_schema_and_reloading_changes_nothing(spark, lakehouse_cfg):
    first = load_reference_dims(spark, lakehouse_cfg, REFERENCE)
    second = load_reference_dims(spark, lakehouse_cfg, REFERENCE)
    assert first == second == {dim: _csv_rows(name) for dim, name in CSV_OF.items()}
    for dim, spec in DIM_SPECS.items():
        table = spark.read.format("delta").load(table_path(lakehouse_cfg, spec.name))
        assert [(f.name, f.dataType) for f in table.schema] == [(f.name, f.dataType) for f in spec.schema], dim
    customers = spark.read.format("delta").load(table_path(lakehouse_cfg, "silver.dim_customer"))
    assert customers.where("msisdn_e164 IS NULL").count() == 0  # every reference MSISDN is valid


def test_dim_customer_normalises_lookup_keys_and_nulls_shared_ones(spark, tmp_path: Path):
    ref = tmp_path / "reference"
    shutil.copytree(REFERENCE, ref)
    (ref / "customers.csv").write_text(
        "customer_id,name,msisdn,account_number,email,social_handle,home_city,home_area,plan_id,segment_id,joined_on\n"
        "C1,Ngozi Balogun,0803 123 4567,4084321643,Ngozi@Outlook.com,@Ngozi_B,Lagos,Yaba,PLN-D1G,SEG-YTH,2018-05-31\n"
        "C2,Musa Bello,+2349051112222,408-111-2223,family@gmail.com,,Abuja,Kubwa,PLN-PP5,SEG-PRM,2020-01-02\n"
        "C3,Ada Bello,12345,4112223334,FAMILY@gmail.com,bello_ada,Abuja,Kubwa,PLN-PP5,SEG-PRM,not-a-date\n",
        encoding="utf-8",
    )
    actual = build_dim(spark, ref, "dim_customer")
    expected = spark.createDataFrame(
        [
            (
                "C1",
                "Ngozi Balogun",
                "+2348031234567",
                "ngozi@outlook.com",
                "4084321643",
                "@ngozi_b",
                "Lagos",
                "Yaba",
                "PLN-D1G",
                "SEG-YTH",
                date(2018, 5, 31),
            ),
            # A shared family e-mail names no one: it is no lookup key for either customer.
            (
                "C2",
                "Musa Bello",
                "+2349051112222",
                None,
                "4081112223",
                None,
                "Abuja",
                "Kubwa",
                "PLN-PP5",
                "SEG-PRM",
                date(2020, 1, 2),
            ),
            ("C3", "Ada Bello", None, None, "4112223334", "@bello_ada", "Abuja", "Kubwa", "PLN-PP5", "SEG-PRM", None),
        ],
        DIM_SPECS["dim_customer"].schema,
    )  # fmt: skip
    assert_df_equality(actual, expected, ignore_row_order=True, ignore_nullable=True)
