"""Customer resolution: MSISDN normalisation, lookup order, pseudonymous keys, unresolved flag."""

from __future__ import annotations

import hashlib
import hmac

import pytest
from chispa import assert_df_equality

from beejan_lakehouse.silver.customers import normalise_msisdn, resolve_customers

KEY = b"test-key-0123456789abcdef"
PARSED_DDL = (
    "source_id string, msisdn_raw string, email_raw string, account_raw string, handle string, text_clean string"
)
RESULT_COLS = [
    "source_id",
    "customer_id",
    "customer_name",
    "resolved_by",
    "customer_resolved",
    "quality_flags",
]
RESULT_DDL = (
    "source_id string, customer_id string, customer_name string, resolved_by string, "
    "customer_resolved boolean, quality_flags array<string>"
)


def _h(value: str) -> str:
    return hmac.new(KEY, value.encode(), hashlib.sha256).hexdigest()


@pytest.fixture(scope="module")
def dim_customer(spark):
    rows = [
        ("C1", "Ngozi Balogun", "+2348031234567", "ngozi@outlook.com", "4084321643", "@ngozi_b"),
        ("C2", "Musa Bello", "+2349051112222", "musa@yahoo.com", "4112223334", None),
    ]
    ddl = (
        "customer_id string, name string, msisdn_e164 string, email_lower string, "
        "account_number string, handle_lower string"
    )
    return spark.createDataFrame(rows, ddl)


def _resolve(spark, dim_customer, rows):
    df = spark.createDataFrame(rows, PARSED_DDL)
    return df.transform(resolve_customers(dim_customer, KEY))


def test_nigerian_phone_formats_become_e164_and_invalid_becomes_null(spark):
    raw = [
        "08031234567",
        "0803 123 4567",
        "0803-123-4567",
        "+234 803 123 4567",
        "2348031234567",
        "12345",
        "080",
        None,
    ]
    df = spark.createDataFrame([(r,) for r in raw], "raw string")
    actual = df.select("raw", normalise_msisdn("raw").alias("e164"))
    e164 = "+2348031234567"
    expected = spark.createDataFrame(
        [(r, e164) for r in raw[:5]] + [("12345", None), ("080", None), (None, None)],
        "raw string, e164 string",
    )
    assert_df_equality(actual, expected, ignore_row_order=True, ignore_nullable=True)


def test_each_identifier_resolves_in_priority_order(spark, dim_customer):
    rows = [
        ("sms", "0803 123-4567", None, None, None, "no network"),
        ("web", None, " NGOZI@Outlook.com ", None, None, "refund"),
        ("acct", None, None, "408-432-1643", None, "charged twice"),
        ("social", None, None, None, "@NGOZI_B", "slow data"),
        ("text_phone", None, None, None, "@stranger", "call me on +234 905 111 2222 pls"),
        ("text_account", None, None, None, None, "acct no 4112223334 was debited"),
        # MSISDN wins over a conflicting e-mail.
        ("both", "09051112222", "ngozi@outlook.com", None, None, "hmm"),
    ]
    actual = _resolve(spark, dim_customer, rows).select(RESULT_COLS)
    expected = spark.createDataFrame(
        [
            ("sms", "C1", "Ngozi Balogun", "msisdn", True, []),
            ("web", "C1", "Ngozi Balogun", "email", True, []),
            ("acct", "C1", "Ngozi Balogun", "account", True, []),
            ("social", "C1", "Ngozi Balogun", "handle", True, []),
            ("text_phone", "C2", "Musa Bello", "text_phone", True, []),
            ("text_account", "C2", "Musa Bello", "text_account", True, []),
            ("both", "C2", "Musa Bello", "msisdn", True, []),
        ],
        RESULT_DDL,
    )
    assert_df_equality(actual, expected, ignore_row_order=True, ignore_nullable=True)


def test_unresolved_rows_are_kept_and_flagged(spark, dim_customer):
    rows = [
        ("anon_sms", "07011111111", None, None, None, "no light no network"),
        ("anon_social", None, None, None, "@Somebody", "una network bad"),
        ("nothing", "12345", "john@", "N/A", None, "help"),
    ]
    actual = _resolve(spark, dim_customer, rows).select(RESULT_COLS)
    unresolved = ["customer_unresolved"]
    expected = spark.createDataFrame(
        [(sid, None, None, None, False, unresolved) for sid in ("anon_sms", "anon_social", "nothing")],
        RESULT_DDL,
    )
    assert_df_equality(actual, expected, ignore_row_order=True, ignore_nullable=True)


def test_keys_are_hmacs_of_customer_account_and_author(spark, dim_customer):
    rows = [
        ("resolved", "08031234567", None, None, None, "x"),
        ("anon_sms", "0701 111 1111", None, "4000000001", None, "x"),
        ("anon_social", None, None, None, "Somebody", "x"),
        ("nobody", None, None, None, None, "x"),
    ]
    actual = _resolve(spark, dim_customer, rows).select("source_id", "customer_key", "account_key", "author_key")
    expected = spark.createDataFrame(
        [
            ("resolved", _h("C1"), _h("4084321643"), _h("C1")),
            ("anon_sms", None, _h("4000000001"), _h("+2347011111111")),
            ("anon_social", None, None, _h("@somebody")),
            ("nobody", None, None, None),
        ],
        "source_id string, customer_key string, account_key string, author_key string",
    )
    assert_df_equality(actual, expected, ignore_row_order=True, ignore_nullable=True)


def test_existing_quality_flags_are_kept(spark, dim_customer):
    df = spark.createDataFrame(
        [("s1", None, None, None, None, "x", ["late_arrival"])], PARSED_DDL + ", quality_flags array<string>"
    )
    actual = df.transform(resolve_customers(dim_customer, KEY)).select("source_id", "quality_flags")
    expected = spark.createDataFrame(
        [("s1", ["late_arrival", "customer_unresolved"])], "source_id string, quality_flags array<string>"
    )
    assert_df_equality(actual, expected, ignore_nullable=True)
