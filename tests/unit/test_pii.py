"""PII masking: typed tokens for phones, e-mails, accounts, Luhn cards, names; no false positives."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date

import ftfy
import pytest
from chispa import assert_df_equality
from pyspark.sql import functions as F

from beejan_lakehouse.config import CONF_DIR
from beejan_lakehouse.silver.customers import resolve_customers
from beejan_lakehouse.silver.dims import build_dim
from beejan_lakehouse.silver.pii import (
    ACCOUNT_PATTERN,
    CARD_CANDIDATE_PATTERN,
    EMAIL_HINT,
    EMAIL_PATTERN,
    PHONE_PATTERN,
    mask_pii,
    may_hold_numbers,
)
from beejan_lakehouse.simulator.channels import text_field
from beejan_lakehouse.simulator.generator import Simulator
from beejan_lakehouse.simulator.noise import NoiseKnobs, card_number, luhn_complete
from beejan_lakehouse.simulator.profiles import day_slots
from beejan_lakehouse.simulator.world import build_world

CARD = card_number(random.Random(7))  # Luhn-valid, 16 or 19 digits
CARD_SPACED = " ".join(luhn_complete("412345678901234")[i : i + 4] for i in range(0, 16, 4))
NOT_A_CARD = CARD[:-1] + str((int(CARD[-1]) + 1) % 10)  # same digits, checksum broken
OUT_DDL = "text_clean string, text_masked string, pii_types array<string>"


def _mask(spark, rows, ddl="text_clean string"):
    return spark.createDataFrame(rows, ddl).transform(mask_pii())


@pytest.mark.parametrize(
    ("text", "masked", "types"),
    [
        ("my number is 08031234567 pls", "my number is <PHONE> pls", ["PHONE"]),
        ("call me on 0803 123 4567.", "call me on <PHONE>.", ["PHONE"]),
        ("line: +234 803 123 4567", "line: <PHONE>", ["PHONE"]),
        ("na 2348031234567 be my number", "na <PHONE> be my number", ["PHONE"]),
        ("reach me on 0803-123-4567", "reach me on <PHONE>", ["PHONE"]),
        ("(ngozi.balogun@outlook.com)", "(<EMAIL>)", ["EMAIL"]),
        ("@BeejanCare mail me: ada_o-1@yahoo.co.uk @MTN", "@BeejanCare mail me: <EMAIL> @MTN", ["EMAIL"]),
        ("acct no 4084321643 was debited", "acct no <ACCOUNT> was debited", ["ACCOUNT"]),
        (f"card no {CARD} was debited", "card no <CARD> was debited", ["CARD"]),
        (f"my ATM card {CARD_SPACED}", "my ATM card <CARD>", ["CARD"]),
        (
            "email me at a.b@gmail.com or 09051112222, account 4112223334",
            "email me at <EMAIL> or <PHONE>, account <ACCOUNT>",
            ["PHONE", "EMAIL", "ACCOUNT"],
        ),
    ],
)
def test_each_pii_kind_becomes_its_token(spark, text, masked, types):
    expected = spark.createDataFrame([(text, masked, types)], OUT_DDL)
    assert_df_equality(_mask(spark, [(text,)]), expected, ignore_nullable=True)


@pytest.mark.parametrize(
    "text",
    [
        "I was charged ₦5,000 then N2500 then #1000 then 5k, 1,500 naira, NGN 25,000",
        "since 01/05/2024 10:30 and 2024-05-01T09:15:22Z, 3 days now, over 2 weeks",
        "ticket #1234567, ref BJN-7654321, INC4455667, ref 123456",
        "see https://www.speedtest.net/result/4084321643 download 0.5Mbps",
        f"order number {NOT_A_CARD} and 1234567890123 are not cards",
        "my line 0803 is bad, 080 code, 2023 till 2024",
        "@BeejanCare @Beejan_NG no data since 9am @ ikeja, mail @ gmail . com",
    ],
)
def test_amounts_dates_durations_and_refs_are_not_pii(spark, text):
    expected = spark.createDataFrame([(text, text, [])], OUT_DDL)
    assert_df_equality(_mask(spark, [(text,)]), expected, ignore_nullable=True)


def test_every_text_holding_an_address_passes_the_email_hint(spark):
    # The hint gates the e-mail regex: a text it rejects is never searched for an address.
    texts = [
        "a@b.co", "x.y+z%w@mail-1.example.ng", "x@y.ab-c@d.org", "me:_@x.io", "-@-.ng", "ping @ada hi",
        "@a.com", "a@", "a@.com", "mail a @ b.com", "user@@b.com", "ü@b.com", "a@b", "",
    ]  # fmt: skip
    df = spark.createDataFrame([(t,) for t in texts], "text string")
    rows = df.select(F.col("text").rlike(EMAIL_PATTERN).alias("email"), F.col("text").rlike(EMAIL_HINT).alias("hint"))
    found = [(r.email, r.hint) for r in rows.collect()]
    assert [e for e, _ in found] == [True] * 5 + [False] * 9
    assert all(h for e, h in found if e)
    assert [h for _, h in found][5:] == [False] * 7 + [True, False]


def test_the_digit_gate_passes_every_number_match_and_rejects_texts_with_fewer_than_ten_digits(spark):
    # The gate skips the phone, card and account patterns (masking, customer resolution) on
    # texts it rejects: it must pass every text any of them matches.
    edge = [
        ("0803 123 456", True),  # exactly ten digits
        ("call 0803 123 45 at 9", True),
        ("call 0803 123 45", False),  # nine
        ("a1b2c3d4e5f6g7h8i9", False),
        ("\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669\u0660\u0661", False),  # not ASCII digits
        ("", False),
        (None, None),
    ]
    simulated = [row[-1] for row in _simulated_rows(300)[0]]
    texts = [t for t, _ in edge] + simulated
    df = spark.createDataFrame([(t,) for t in texts], "text string")
    number = F.lit(False)
    for pattern in (PHONE_PATTERN, ACCOUNT_PATTERN, CARD_CANDIDATE_PATTERN):
        number = number | F.col("text").rlike(pattern)
    rows = df.select(may_hold_numbers(F.col("text")).alias("gate"), number.alias("number")).collect()
    assert [r.gate for r in rows[: len(edge)]] == [expected for _, expected in edge]
    assert not [t for t, r in zip(texts, rows, strict=True) if r.number and not r.gate]
    assert sum(r.number for r in rows[len(edge) :]) > 50  # the simulated PII is there to find


def test_names_of_the_customer_and_the_typed_name_are_masked_as_whole_words(spark):
    rows = [
        ("Obi here, OBI again; obiora is not me. Ada said hi", "Ngozi Obi", "ADA"),
        ("Ngozi complaining, no name typed", "Ngozi Obi", None),
        ("unresolved sender Tunde writes", None, "tunde"),
        ("no names at all", None, None),
    ]
    ddl = "text_clean string, customer_name string, name_raw string"
    actual = _mask(spark, rows, ddl).select("text_clean", "text_masked", "pii_types")
    expected = spark.createDataFrame(
        [
            (rows[0][0], "<NAME> here, <NAME> again; obiora is not me. <NAME> said hi", ["NAME"]),
            (rows[1][0], "<NAME> complaining, no name typed", ["NAME"]),
            (rows[2][0], "unresolved sender <NAME> writes", ["NAME"]),
            (rows[3][0], "no names at all", []),
        ],
        OUT_DDL,
    )
    assert_df_equality(actual, expected, ignore_row_order=True, ignore_nullable=True)


def test_null_text_stays_null_with_no_types(spark):
    expected = spark.createDataFrame([(None, None, [])], OUT_DDL)
    assert_df_equality(_mask(spark, [(None,)]), expected, ignore_nullable=True)


def _simulated_rows(n: int) -> tuple[list[tuple], dict[tuple[str, str], list[str]]]:
    """PARSED-like rows from simulator records (+ the truth's injected PII by source id)."""
    knobs = replace(NoiseKnobs.clean(), pii_rate=0.5, mojibake_rate=0.1)
    events = Simulator(build_world(), 11, knobs).generate(day_slots(date(2026, 11, 20), n, 11))
    rows, truth = [], {}
    for e in events:
        r = e.record
        text = r.get(text_field(e.channel, r))
        msisdn = r.get("from") or r.get("phone") or r.get("customer_msisdn")
        handle = (r.get("user") or {}).get("handle")
        rows.append(
            (e.channel, e.source_id, msisdn, r.get("email"), r.get("account_number"), r.get("name"), handle,
             ftfy.fix_text(text))
        )  # fmt: skip
        truth[(e.channel, e.source_id)] = [p["value"] for p in e.truth["pii"]]
    return rows, truth


def test_no_injected_pii_survives_and_clean_texts_stay_clean(spark):
    rows, truth = _simulated_rows(600)
    ddl = (
        "channel string, source_id string, msisdn_raw string, email_raw string, account_raw string, "
        "name_raw string, handle string, text_clean string"
    )
    dim_customer = build_dim(spark, CONF_DIR / "reference", "dim_customer")
    masked = (
        spark.createDataFrame(rows, ddl)
        .transform(resolve_customers(dim_customer, b"k" * 32))
        .transform(mask_pii())
        .select("channel", "source_id", "text_masked", "pii_types")
        .collect()
    )
    assert len(masked) == len(rows)
    with_pii = [m for m in masked if truth[(m.channel, m.source_id)]]
    assert len(with_pii) > 100  # the sample really exercises masking
    leaks = [
        (m.source_id, value)
        for m in with_pii
        for value in truth[(m.channel, m.source_id)]
        if value in m.text_masked or value.replace(" ", "") in m.text_masked.replace(" ", "")
    ]
    assert leaks == []
    # Realistic texts without injected PII (amounts, tickets, URLs, dates) get no digit token.
    false_hits = [
        (m.source_id, m.pii_types, m.text_masked)
        for m in masked
        if not truth[(m.channel, m.source_id)] and set(m.pii_types) - {"NAME"}
    ]
    assert false_hits == []
