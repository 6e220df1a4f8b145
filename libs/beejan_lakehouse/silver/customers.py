"""Customer resolution: who sent a complaint, as pseudonymous keys, via the customer reference.

Identifiers are tried in order of how reliably they name one subscriber: the sender's MSISDN,
then e-mail, account number, social handle, and finally a phone or account number the customer
typed into the text (social posts often carry one). An unresolved complaint is kept and flagged
`customer_unresolved`: an unknown customer is still a complaint.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

import pandas as pd
import phonenumbers
from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F
from pyspark.sql.types import StringType

from beejan_lakehouse.lookup import lookup_table, with_lookup
from beejan_lakehouse.silver.flags import QUALITY_FLAGS, add_flags, flags_column
from beejan_lakehouse.silver.keys import pseudonymise
from beejan_lakehouse.silver.pii import ACCOUNT_PATTERN, PHONE_PATTERN, may_hold_numbers

DEFAULT_REGION = "NG"
# (resolved_by value, candidate key column), in priority order.
RESOLUTION_ORDER = (
    ("msisdn", "_key_msisdn"),
    ("email", "_key_email"),
    ("account", "_key_account"),
    ("handle", "_key_handle"),
    ("text_phone", "_key_text_phone"),
    ("text_account", "_key_text_account"),
)
# The dim_customer lookup column each candidate is matched against.
_DIM_KEY = {
    "msisdn": "msisdn_e164",
    "email": "email_lower",
    "account": "account_number",
    "handle": "handle_lower",
    "text_phone": "msisdn_e164",
    "text_account": "account_number",
}


@lru_cache(maxsize=200_000)
def to_e164(raw: str) -> str | None:
    """E.164 form of a phone number as typed (Nigerian numbering by default), None if invalid."""
    digits = raw.strip()
    # 234803… without '+' would be read as a national number: it is already international.
    if digits.startswith("234") and len("".join(ch for ch in digits if ch.isdigit())) == 13:
        digits = "+" + digits
    try:
        number = phonenumbers.parse(digits, DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@F.pandas_udf(StringType())
def _e164_udf(raw: pd.Series) -> pd.Series:
    # The same few thousand senders repeat all day: the lru_cache turns most rows into a dict hit.
    return raw.map(to_e164, na_action="ignore")


def normalise_msisdn(col: Column | str) -> Column:
    """A phone column ('0803…', '+234803…', '234803…', spaces/dashes) as E.164; invalid -> null."""
    return _e164_udf(F.col(col) if isinstance(col, str) else col)


def handle_key(col: Column) -> Column:
    """A social handle as matched: lowercase with one leading '@' (handles are case-insensitive)."""
    bare = F.regexp_replace(F.lower(F.trim(col)), r"^@+", "")
    return F.when(bare != "", F.concat(F.lit("@"), bare))


def email_key(col: Column) -> Column:
    """An e-mail as matched: trimmed, lowercase, null unless it looks like an address."""
    email = F.lower(F.trim(col))
    return F.when(email.rlike(r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$"), email)


def account_key(col: Column) -> Column:
    """An account number as matched: digits only, null unless exactly 10 digits."""
    digits = F.regexp_replace(col, r"[\s-]", "")
    return F.when(digits.rlike(r"^\d{10}$"), digits)


def _nullif_empty(col: Column) -> Column:
    return F.when(col != "", col)


def resolve_customers(dim_customer: DataFrame, key: bytes) -> Callable[[DataFrame], DataFrame]:
    """Match each complaint to a customer and derive its pseudonymous keys.

    dim_customer: silver.dim_customer (customer_id, name, msisdn_e164, email_lower,
    account_number, handle_lower); lookup keys must be unique (load_reference_dims nulls
    ambiguous ones). It is broadcast: one hash join per identifier, no shuffle.
    Input columns: msisdn_raw, email_raw, account_raw, handle, text_clean (+ any others, kept).
    Output columns (added): customer_id and customer_name (INTERNAL: PII, used by mask_pii and
    enrich, drop before writing silver), customer_key, account_key, author_key (HMAC-SHA256
    hex), customer_resolved (bool), resolved_by (msisdn | email | account | handle |
    text_phone | text_account | null), quality_flags (+ 'customer_unresolved').
    """
    lookup = dim_customer.select("customer_id", "name", "account_number", *set(_DIM_KEY.values()))
    # Built once per stream (a column or a join is a py4j round trip; batches reuse them).
    rights = {
        kind: F.broadcast(
            lookup.where(F.col(_DIM_KEY[kind]).isNotNull())
            # Guards row counts even on a dimension not built by load_reference_dims.
            .dropDuplicates([_DIM_KEY[kind]])
            .select(
                F.col(_DIM_KEY[kind]).alias(f"_rk_{kind}"),
                F.struct("customer_id", "name", "account_number").alias(f"_m_{kind}"),
            )
        )
        for kind, _ in RESOLUTION_ORDER
    }
    conditions = {kind: F.col(key_col) == F.col(f"_rk_{kind}") for kind, key_col in RESOLUTION_ORDER}
    text = F.col("text_clean")
    # Most texts have too few digits for either pattern: one cheap scan instead of two.
    numbers = may_hold_numbers(text)
    text_phone = {"_raw_text_phone": F.when(numbers, _nullif_empty(F.regexp_extract(text, PHONE_PATTERN, 0)))}
    number_keys = [F.col("msisdn_raw"), F.col("_raw_text_phone")]
    identifiers = {
        "_key_email": email_key(F.col("email_raw")),
        "_key_account": account_key(F.col("account_raw")),
        "_key_handle": handle_key(F.col("handle")),
        "_key_text_account": F.when(numbers, _nullif_empty(F.regexp_extract(text, ACCOUNT_PATTERN, 0))),
    }
    kinds = [kind for kind, _ in RESOLUTION_ORDER]
    match = F.coalesce(*[F.col(f"_m_{k}") for k in kinds])
    resolved_by = F.coalesce(*[F.when(F.col(f"_m_{k}").isNotNull(), F.lit(k)) for k in kinds])
    author = F.coalesce(F.col("customer_id"), F.col("_key_msisdn"), F.col("_key_email"), F.col("_key_handle"))
    customer = {
        "customer_id": F.col("_match.customer_id"),
        "customer_name": F.col("_match.name"),
    }
    keys = {
        "customer_key": pseudonymise(F.col("customer_id"), key),
        "account_key": pseudonymise(F.coalesce(F.col("_match.account_number"), "_key_account"), key),
        "author_key": pseudonymise(author, key),
        "customer_resolved": F.col("customer_id").isNotNull(),
        "resolved_by": resolved_by,
    }
    unresolved = flags_column({"customer_unresolved": ~F.col("customer_resolved")})
    temporary = ["_match", *[c for _, c in RESOLUTION_ORDER], *[f"_m_{k}" for k in kinds]]

    def apply(df: DataFrame) -> DataFrame:
        with_text_ids = df.withColumns(text_phone)
        # phonenumbers runs once per distinct number as typed (senders repeat all day).
        numbers = lookup_table(with_text_ids, number_keys, normalise_msisdn, "_e164")
        keyed = (
            with_lookup(with_text_ids, number_keys[0], numbers, "_e164", "_key_msisdn")
            .transform(lambda d: with_lookup(d, number_keys[1], numbers, "_e164", "_key_text_phone"))
            .withColumns(identifiers)
            .drop("_raw_text_phone")
        )
        for kind, _ in RESOLUTION_ORDER:
            keyed = keyed.join(rights[kind], conditions[kind], "left").drop(f"_rk_{kind}")
        out = keyed.withColumn("_match", match).withColumns(customer).withColumns(keys)
        if QUALITY_FLAGS in df.columns:
            out = out.withColumn(QUALITY_FLAGS, unresolved)
        else:
            out = add_flags(out, {"customer_unresolved": ~F.col("customer_resolved")})
        return out.drop(*temporary)

    return apply
