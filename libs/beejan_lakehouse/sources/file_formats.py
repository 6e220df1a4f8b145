"""The file-borne sources' headers: the canonical one and the known variants, by source.

Bronze uses these to tell a readable header change (schema drift, recorded and ingested) from
an unreadable file (quarantined); silver uses the column mappings to parse rows.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class HeaderVariant:
    """One header layout of a file source and how its columns map to the canonical names."""

    name: str
    columns: tuple[str, ...]
    to_canonical: dict[str, str]  # this variant's column -> canonical column (identity if absent)

    def canonical(self, column: str) -> str:
        return self.to_canonical.get(column, column)


@dataclass(frozen=True)
class FileSourceFormat:
    """A file source: where its files land, what its headers look like, which columns it needs."""

    source: str
    landing_subdir: str
    glob: str
    table: str
    variants: tuple[HeaderVariant, ...]
    required: tuple[str, ...]  # canonical columns without which a file is unreadable
    semi_structured_prefix: str | None = None

    @property
    def canonical(self) -> HeaderVariant:
        return self.variants[0]

    def variant_of(self, columns: tuple[str, ...]) -> HeaderVariant | None:
        """The known variant with exactly these columns, if any."""
        return next((v for v in self.variants if v.columns == columns), None)

    def canonical_names(self, columns: tuple[str, ...]) -> set[str]:
        """Canonical names the given header columns can be mapped to via any known variant."""
        mapping: dict[str, str] = {}
        for variant in self.variants:
            for column in variant.columns:
                mapping.setdefault(column.lower(), variant.canonical(column))
        return {mapping.get(c.lower(), c.lower()) for c in columns}


CALL_CENTER = FileSourceFormat(
    source="call_center",
    landing_subdir="call_center",
    glob="*.csv",
    table="bronze.call_center_raw",
    variants=(
        HeaderVariant(
            "v1",
            ("call_id", "agent_id", "call_start", "duration_sec", "customer_msisdn", "disposition_code", "agent_notes"),
            {},
        ),
        # The vendor's upgraded export: renamed, reordered, plus QueueName.
        HeaderVariant(
            "v2",
            ("CallRef", "StartTime", "Agent", "CustomerNumber", "DurationSecs", "Disposition", "Notes", "QueueName"),
            {
                "CallRef": "call_id",
                "StartTime": "call_start",
                "Agent": "agent_id",
                "CustomerNumber": "customer_msisdn",
                "DurationSecs": "duration_sec",
                "Disposition": "disposition_code",
                "Notes": "agent_notes",
                "QueueName": "queue_name",
            },
        ),
    ),
    required=("call_id", "call_start", "agent_notes"),
    semi_structured_prefix="CALL|",
)

WEB_EXPORT = FileSourceFormat(
    source="web_export",
    landing_subdir="web_export",
    glob="*.csv",
    table="bronze.web_export_raw",
    variants=(
        HeaderVariant(
            "v1",
            (
                "form_id",
                "submitted_at",
                "customer_name",
                "email",
                "phone",
                "account_number",
                "category",
                "description",
                "page",
            ),
            {},
        ),
    ),
    required=("form_id", "submitted_at", "description"),
)

FILE_SOURCES = {f.source: f for f in (CALL_CENTER, WEB_EXPORT)}
