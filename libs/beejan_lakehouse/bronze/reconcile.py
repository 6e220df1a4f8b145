"""Web-form daily export vs streamed web-form events: the differences of one Lagos business day.

The web DB's daily export (bronze.web_export_raw, one file per Lagos day) and the web-form
stream (bronze.kafka_events, channel 'webform') should hold the same submissions. Both sides
are parsed with the silver parsers (parse_webform / parse_web_export -> PARSED) and joined on
the form id (PARSED.source_id). Differences go to `ops.webform_reconciliation` and the log.

Kinds (RECON_KINDS):
  only_in_stream  streamed (a readable payload), absent from every export
  only_in_export  in the day's export, no readable streamed copy (never streamed, or every copy
                  was malformed JSON: details.stream_malformed_copies says which)
  field_mismatch  in both, and at least one of COMPARED_FIELDS differs after normalisation

Normalisation (both sides alike): whitespace runs collapsed and trimmed, empty = null; name,
email, category lower-cased; phone digits only, local 0XXXXXXXXXX as 234XXXXXXXXXX; account
number upper-cased without blanks; description keeps its case. event_time: both sides at
second precision in UTC (stream `ts` epoch millis from the browser; export `submitted_at`, the
server's Lagos wall clock); they match when within TIME_TOLERANCE_S (5 min): the browser clock
and network latency legitimately shift the stream time by seconds (the simulator's re-posts
by up to 30 s), while a broken client clock (epoch 0, 'undefined', days ahead) is a finding.
A time missing on one side only is a mismatch.

Day attribution (reconcile_day): the export of day D is the file named for D
(webform_export_YYYYMMDD.csv; the Lagos date of submitted_at when a file name carries no
date). A stream row belongs to D when its form id is in D's export (whatever its `ts`: late
or clock-skewed events still match), or, for form ids in no export at all, when its clock falls
in D's Lagos day. The clock is the parsed `ts` when plausible (not null, after 2000-01-01, not
later than the broker receive time + tolerance), else the Kafka timestamp (broker receive
time). Stream rows whose form id is in another day's export belong to that day. Malformed JSON
stream rows are never compared; exact re-deliveries (same form id again) count once (the
earliest by broker time, partition, offset).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from pyspark.sql import Column, DataFrame, SparkSession, Window
from pyspark.sql import functions as F
from pyspark.sql.types import ArrayType, DateType, StringType, StructField, StructType, TimestampType

from beejan_lakehouse.bronze.files import file_lines_spec
from beejan_lakehouse.bronze.kafka_events import KAFKA_EVENTS
from beejan_lakehouse.config import Config
from beejan_lakehouse.logs import get_logger
from beejan_lakehouse.sources.common import LAGOS, MALFORMED_JSON
from beejan_lakehouse.sources.file_formats import WEB_EXPORT
from beejan_lakehouse.sources.web_export import parse_web_export
from beejan_lakehouse.sources.webform import parse_webform
from beejan_lakehouse.tables import TableSpec, ensure_table, table_path

log = get_logger("bronze.reconcile")

TABLE = "ops.webform_reconciliation"
RECON_KINDS = ("only_in_stream", "only_in_export", "field_mismatch")
COMPARED_FIELDS = ("name", "email", "phone", "account_number", "category", "description", "event_time")
TIME_TOLERANCE_S = 300
PLAUSIBLE_FROM = datetime(2000, 1, 1, tzinfo=UTC)
EXPORT_FILE_DATE = r"webform_export_(\d{8})"
MAX_LOGGED_DIFFERENCES = 50

# What reconcile() returns: one row per differing form id.
DIFFERENCES = StructType(
    [
        StructField("form_id", StringType(), False),
        StructField("kind", StringType(), False),  # one of RECON_KINDS
        StructField("fields", ArrayType(StringType()), False),  # differing COMPARED_FIELDS; [] unless mismatch
        # JSON objects: "at" (bronze lineage), "event_time" (UTC ISO), "event_time_raw", and
        # the differing fields' normalised values. Null on the side the form id is absent from.
        StructField("stream_value", StringType(), True),
        StructField("export_value", StringType(), True),
    ]
)

WEBFORM_RECONCILIATION = TableSpec(
    name=TABLE,
    schema=StructType(
        [
            StructField("recon_date", DateType(), False),  # the Lagos business day reconciled
            StructField("form_id", StringType(), False),
            StructField("kind", StringType(), False),  # only_in_stream | only_in_export | field_mismatch
            StructField("fields", ArrayType(StringType()), False),  # differing fields (field_mismatch)
            # JSON {"stream": {...} | null, "export": {...} | null, "stream_malformed_copies": n}:
            # lineage, event times and the differing values (may be PII: restricted table).
            StructField("details", StringType(), True),
            StructField("detected_at", TimestampType(), False),
        ]
    ),
    constraints={"valid_kind": "kind IN ('only_in_stream', 'only_in_export', 'field_mismatch')"},
    comment="Web-form daily export vs streamed web-form events: one row per difference per Lagos day, "
    "replaced per recon_date. RESTRICTED (mismatched values may be PII). Owner: ops.",
)


# -- normalisation ---------------------------------------------------------------------------
def _squash(c: Column) -> Column:
    """Whitespace runs -> one space, trimmed; empty -> null."""
    s = F.trim(F.regexp_replace(c, r"\s+", " "))
    return F.when(s != "", s)


def _phone(c: Column) -> Column:
    digits = F.regexp_replace(c, r"[^0-9]", "")
    local = digits.startswith("0") & (F.length(digits) == 11)
    canonical = F.when(local, F.concat(F.lit("234"), F.substring(digits, 2, 10))).otherwise(digits)
    return F.when(digits != "", canonical)


def _normalised() -> dict[str, Column]:
    """Compared field (all but event_time) -> normalised expression over PARSED columns."""
    return {
        "name": F.lower(_squash(F.col("name_raw"))),
        "email": F.lower(_squash(F.regexp_replace(F.col("email_raw"), r"\s+", ""))),
        "phone": _phone(F.col("msisdn_raw")),
        "account_number": F.upper(_squash(F.regexp_replace(F.col("account_raw"), r"\s+", ""))),
        "category": F.lower(_squash(F.col("web_category"))),
        "description": _squash(F.col("text_raw")),
    }


def _lineage() -> Column:
    """Where the row sits in bronze: `file:line` for the export, `table[partition:offset]` for Kafka."""
    return F.when(
        F.col("bronze_file").isNotNull(), F.format_string("%s:%d", F.col("bronze_file"), F.col("bronze_line"))
    ).otherwise(F.format_string("%s[%d:%d]", F.col("bronze_table"), F.col("bronze_partition"), F.col("bronze_offset")))


def _side(df: DataFrame, side: str) -> DataFrame:
    """PARSED -> form_id plus `<side>__<field>` normalised values, lineage and presence."""
    cols = [F.col("source_id").alias("form_id"), F.lit(True).alias(f"{side}__present")]
    cols += [expr.alias(f"{side}__{name}") for name, expr in _normalised().items()]
    cols += [
        F.date_trunc("second", F.col("event_ts_utc")).alias(f"{side}__event_ts"),
        F.date_format(F.date_trunc("second", F.col("event_ts_utc")), "yyyy-MM-dd'T'HH:mm:ss'Z'").alias(
            f"{side}__event_time"
        ),
        F.col("event_ts_raw").alias(f"{side}__event_time_raw"),
        _lineage().alias(f"{side}__at"),
    ]
    return df.where(F.col("source_id").isNotNull()).select(*cols)


def _differs(name: str, tolerance_s: int) -> Column:
    if name == "event_time":
        s, e = F.col("stream__event_ts"), F.col("export__event_ts")
        gap = F.abs(F.unix_seconds(s) - F.unix_seconds(e))
        return (s.isNull() != e.isNull()) | (gap > tolerance_s)
    return ~F.col(f"stream__{name}").eqNullSafe(F.col(f"export__{name}"))


def _value_json(side: str) -> Column:
    """JSON of one side: lineage, event time (normalised and raw) and the differing fields."""
    keys = ["at", "event_time_raw", *COMPARED_FIELDS]  # COMPARED_FIELDS holds event_time
    values = F.map_from_arrays(
        F.array(*[F.lit(k) for k in keys]),
        F.array(*[F.col(f"{side}__{k}").cast("string") for k in keys]),
    )
    shown = F.array_union(F.array(F.lit("at"), F.lit("event_time"), F.lit("event_time_raw")), F.col("fields"))
    return F.when(
        F.col(f"{side}__present"),
        F.to_json(F.map_filter(values, lambda k, _v: F.array_contains(shown, k))),
    )


def reconcile(streamed: DataFrame, exported: DataFrame, time_tolerance_s: int = TIME_TOLERANCE_S) -> DataFrame:
    """Compare streamed and exported web-form submissions (both PARSED rows) by form id.

    Precondition: at most one row per source_id on each side (reconcile_day drops malformed
    and re-delivered stream rows first); rows with a null source_id are ignored. Returns the
    DIFFERENCES schema: one row per form id that is only in one side or whose normalised
    COMPARED_FIELDS differ (event_time beyond `time_tolerance_s`); identical pairs yield none.
    """
    joined = _side(streamed, "stream").join(_side(exported, "export"), "form_id", "full_outer")
    flags = [F.when(_differs(name, time_tolerance_s), F.lit(name)) for name in COMPARED_FIELDS]
    in_both = F.col("stream__present").isNotNull() & F.col("export__present").isNotNull()
    fields = F.when(in_both, F.array_compact(F.array(*flags))).otherwise(F.array().cast("array<string>"))
    kind = (
        F.when(F.col("export__present").isNull(), F.lit("only_in_stream"))
        .when(F.col("stream__present").isNull(), F.lit("only_in_export"))
        .when(F.size(F.col("fields")) > 0, F.lit("field_mismatch"))
    )
    return (
        joined.withColumn("fields", fields)
        .withColumn("kind", kind)
        .where(F.col("kind").isNotNull())
        .select(
            "form_id",
            "kind",
            "fields",
            _value_json("stream").alias("stream_value"),
            _value_json("export").alias("export_value"),
        )
    )


# -- one business day from bronze ------------------------------------------------------------
def lagos_day_bounds(day: date) -> tuple[datetime, datetime]:
    """The half-open UTC interval of the Africa/Lagos calendar day `day`."""
    zone = ZoneInfo(LAGOS)
    start = datetime.combine(day, time(0), zone)
    return start.astimezone(UTC), (start + timedelta(days=1)).astimezone(UTC)


def lagos_yesterday(now: datetime | None = None) -> date:
    """The Lagos business day before today (the job's default --date)."""
    return ((now or datetime.now(UTC)).astimezone(ZoneInfo(LAGOS)) - timedelta(days=1)).date()


def _in_day(ts: Column, day: date) -> Column:
    start, end = lagos_day_bounds(day)
    return (ts >= F.lit(start)) & (ts < F.lit(end))


def export_rows(spark: SparkSession, cfg: Config) -> DataFrame:
    """Every export record as PARSED plus `export_day` (file-name date, else Lagos submitted date)."""
    parsed = parse_web_export(spark.read.format("delta").load(table_path(cfg, WEB_EXPORT.table)))
    named = F.to_date(F.regexp_extract(F.col("bronze_file"), EXPORT_FILE_DATE, 1), "yyyyMMdd")
    # The export's wall clock is Lagos local: its date is the Lagos date (session zone cancels out).
    local = F.to_date(F.try_to_timestamp(F.trim(F.col("event_ts_raw")), F.lit("yyyy-MM-dd HH:mm:ss")))
    return parsed.where(F.col("source_id").isNotNull()).withColumn("export_day", F.coalesce(named, local))


def stream_rows(spark: SparkSession, cfg: Config) -> DataFrame:
    """Every web-form stream row as PARSED, with ingest_ts carrying the broker receive time.

    The Kafka timestamp replaces ingest_ts before parsing: it is the arrival clock used for
    day attribution and re-delivery order (bronze ingest time would move with a replay).
    """
    bronze = (
        spark.read.format("delta")
        .load(table_path(cfg, KAFKA_EVENTS.name))
        .where(F.col("channel") == "webform")
        .withColumn("ingest_ts", F.coalesce(F.col("kafka_ts"), F.col("ingest_ts")))
    )
    return parse_webform(bronze).where(F.col("source_id").isNotNull())


def day_of_stream(stream: DataFrame, export: DataFrame, day: date, tolerance_s: int = TIME_TOLERANCE_S) -> DataFrame:
    """The stream rows (PARSED, malformed included) that belong to `day` (see module doc)."""
    owners = export.groupBy("source_id").agg(F.max(F.col("export_day") == F.lit(day)).alias("_in_day_export"))
    ts, arrival = F.col("event_ts_utc"), F.col("ingest_ts")
    latest = arrival + F.expr(f"INTERVAL {tolerance_s} SECONDS")
    plausible = ts.isNotNull() & (ts >= F.lit(PLAUSIBLE_FROM)) & (ts <= latest)
    clock = F.when(plausible, ts).otherwise(arrival)
    mine = F.coalesce(F.col("_in_day_export"), _in_day(clock, day))
    return stream.join(owners, "source_id", "left").where(mine).drop("_in_day_export")


def _first_per_form(df: DataFrame, *order: str) -> DataFrame:
    w = Window.partitionBy("source_id").orderBy(*order)
    return df.withColumn("_n", F.row_number().over(w)).where("_n = 1").drop("_n")


def reconcile_day(
    spark: SparkSession, cfg: Config, day: date, time_tolerance_s: int = TIME_TOLERANCE_S
) -> dict[str, int]:
    """Reconcile one Lagos business day from bronze and replace its rows in TABLE.

    Idempotent: re-running `day` replaces exactly that day's rows (replaceWhere recon_date).
    Returns {streamed, exported, matched, only_in_stream, only_in_export, field_mismatch,
    stream_malformed, stream_redeliveries, export_duplicates}: streamed/exported are distinct
    form ids of the day per side; streamed = matched + field_mismatch + only_in_stream and
    exported = matched + field_mismatch + only_in_export. Logged as one line, plus one line
    per difference (first MAX_LOGGED_DIFFERENCES; form id, kind, fields: no values).
    """
    path = ensure_table(spark, cfg, WEBFORM_RECONCILIATION)
    for spec in (KAFKA_EVENTS, file_lines_spec(WEB_EXPORT)):
        ensure_table(spark, cfg, spec)  # a day with nothing landed yet reads empty tables
    export_all = export_rows(spark, cfg)
    export_day = export_all.where(F.col("export_day") == F.lit(day))
    exported = _first_per_form(export_day, "bronze_file", "bronze_line").cache()
    stream_day = day_of_stream(stream_rows(spark, cfg), export_all, day, time_tolerance_s).cache()
    malformed = F.array_contains(F.col("parse_errors"), MALFORMED_JSON)
    readable = stream_day.where(~malformed)
    streamed = _first_per_form(readable, "ingest_ts", "bronze_partition", "bronze_offset").cache()
    bad_copies = (
        stream_day.where(malformed)
        .groupBy(F.col("source_id").alias("form_id"))
        .agg(F.count("*").alias("malformed_copies"))
    )
    details = F.concat(
        F.lit('{"stream":'),
        F.coalesce(F.col("stream_value"), F.lit("null")),
        F.lit(',"export":'),
        F.coalesce(F.col("export_value"), F.lit("null")),
        F.lit(',"stream_malformed_copies":'),
        F.coalesce(F.col("malformed_copies"), F.lit(0)).cast("string"),
        F.lit("}"),
    )
    diffs = (
        reconcile(streamed, exported, time_tolerance_s)
        .join(bad_copies, "form_id", "left")
        .select(
            F.lit(day).alias("recon_date"),
            "form_id",
            "kind",
            "fields",
            details.alias("details"),
            F.current_timestamp().alias("detected_at"),
        )
    )
    (
        diffs.write.format("delta")
        .mode("overwrite")
        .option("replaceWhere", f"recon_date = DATE'{day.isoformat()}'")
        .save(path)
    )
    written = spark.read.format("delta").load(path).where(F.col("recon_date") == F.lit(day))
    by_kind = {r["kind"]: r["n"] for r in written.groupBy("kind").agg(F.count("*").alias("n")).collect()}
    n_streamed, n_exported = streamed.count(), exported.count()
    counts = {
        "streamed": n_streamed,
        "exported": n_exported,
        "matched": n_streamed - by_kind.get("only_in_stream", 0) - by_kind.get("field_mismatch", 0),
        **{kind: by_kind.get(kind, 0) for kind in RECON_KINDS},
        "stream_malformed": stream_day.where(malformed).count(),
        "stream_redeliveries": readable.count() - n_streamed,
        "export_duplicates": export_day.count() - n_exported,
    }
    log.info("webform reconciliation day=%s %s", day.isoformat(), " ".join(f"{k}={v}" for k, v in counts.items()))
    for row in written.orderBy("kind", "form_id").limit(MAX_LOGGED_DIFFERENCES).collect():
        log.warning("webform reconciliation day=%s %s form_id=%s fields=%s", day, row["kind"], row["form_id"],
                    ",".join(row["fields"]) or "-")  # fmt: skip
    for df in (exported, stream_day, streamed):
        df.unpersist()
    return counts
