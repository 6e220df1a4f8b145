"""Ground-truth files: one JSONL record per delivered (or export-only) event, plus a summary.

Layout: ``truth/truth_<tag>.jsonl`` and ``truth/summary_<tag>.json`` under the landing root
(``<tag>`` is ``YYYYMMDD`` for the day profile, a run tag for live mode). Truth never goes
into the Kafka payload; join on (channel, source_id).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from beejan_lakehouse.simulator.generator import SimEvent


def summarise(truths: list[dict]) -> dict:
    """Counts the pipeline can be scored against (per channel, label, fault)."""
    reasons: Counter[str] = Counter(r for t in truths for r in t["bad_reasons"])
    return {
        "events": len(truths),
        "by_channel": dict(sorted(Counter(t["channel"] for t in truths).items())),
        "by_l2": dict(sorted(Counter(t["l2"] for t in truths).items())),
        "unique_complaints": len({t["dup_group"] for t in truths}),
        "exact_dups": sum(t["is_exact_dup"] for t in truths),
        "near_dups": sum(t["near_dup_of"] is not None for t in truths),
        "bad": sum(t["bad"] for t in truths),
        "bad_reasons": dict(sorted(reasons.items())),
        "mojibake": sum(t["mojibake"] for t in truths),
        "with_pii": sum(bool(t["pii"]) for t in truths),
        "late": sum(t["late_by_s"] > 0 for t in truths),
        "burst": sum(t["burst"] for t in truths),
        "schema_v2": sum(t["schema_version"] == "v2" for t in truths),
        "webform_only_in_stream": sum(t["channel"] == "webform" and t["in_stream"]
                                      and not t["in_export"] and not t["is_exact_dup"]
                                      for t in truths),
        "webform_only_in_export": sum(t["channel"] == "webform" and not t["in_stream"]
                                      for t in truths),
    }


def write_truth(events: Iterable[SimEvent], landing: str | Path, tag: str) -> tuple[Path, Path]:
    """Write ``truth_<tag>.jsonl`` and ``summary_<tag>.json``; returns both paths."""
    out = Path(landing) / "truth"
    out.mkdir(parents=True, exist_ok=True)
    path, spath = out / f"truth_{tag}.jsonl", out / f"summary_{tag}.json"
    truths = []
    with path.open("w", encoding="utf-8") as fh:
        for e in events:
            truths.append(e.truth)
            fh.write(json.dumps(e.truth, ensure_ascii=False, separators=(",", ":")) + "\n")
    spath.write_text(json.dumps(summarise(truths), indent=2) + "\n", encoding="utf-8")
    return path, spath


def read_truth(path: str | Path) -> list[dict]:
    """Load a truth JSONL file."""
    with Path(path).open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]
