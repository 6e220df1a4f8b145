"""Gold settings from conf/gold.yaml, validated against the keys that file declares.

conf/base.yaml belongs to the platform; gold's knobs live in their own file so they can change
with the gold code. The file declares every key: an override (tests, a job flag) may only set a
declared key and a typo is a GoldConfigError naming the key and the file.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from beejan_lakehouse.config import CONF_DIR

GOLD_YAML = CONF_DIR / "gold.yaml"


class GoldConfigError(ValueError):
    """conf/gold.yaml or an override is invalid; the message names the key and the source."""


LIVE_UPDATES = ("in_silver", "stream")


@dataclass(frozen=True)
class LiveSettings:
    watermark: str
    update: str  # in_silver | stream (see conf/gold.yaml)
    trigger: str
    interval: str
    max_files_per_trigger: int


@dataclass(frozen=True)
class DailySettings:
    business_timezone: str
    latency_sla_seconds: int
    top_rising_per_region: int
    rising_min_volume: int


@dataclass(frozen=True)
class AlertSettings:
    baseline_windows: int
    min_baseline_windows: int
    spike_z: float
    drop_z: float
    min_ratio: float
    min_observed: int
    min_expected_for_drop: int
    severity_high_z: float
    severity_critical_z: float
    lookback_windows: int
    evaluate_every_seconds: float


@dataclass(frozen=True)
class WebhookSettings:
    url: str | None
    timeout_seconds: float
    max_attempts: int
    backoff_seconds: float
    max_rounds: int


@dataclass(frozen=True)
class GoldSettings:
    live: LiveSettings
    daily: DailySettings
    alerts: AlertSettings
    webhook: WebhookSettings


_SECTIONS = {"live": LiveSettings, "daily": DailySettings, "alerts": AlertSettings, "webhook": WebhookSettings}


def load_gold_settings(path: Path | str | None = None, overrides: dict[str, Any] | None = None) -> GoldSettings:
    """Read conf/gold.yaml (or `path`), apply dotted-key `overrides`, validate, return typed settings.

    Raises GoldConfigError for a missing file, an unknown key (in the file or an override), or a
    value whose type does not match the declared one.
    """
    path = Path(path) if path else GOLD_YAML
    if not path.is_file():
        raise GoldConfigError(f"{path}: gold configuration file not found")
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise GoldConfigError(f"{path}: top level must be a mapping")
    for section, value in data.items():
        if section not in _SECTIONS:
            raise GoldConfigError(f"{path}: unknown gold configuration key {section!r}")
        if not isinstance(value, dict):
            raise GoldConfigError(f"{path}: {section!r} must be a mapping")
        declared = _SECTIONS[section].__dataclass_fields__
        for key in value:
            if key not in declared:
                raise GoldConfigError(f"{path}: unknown gold configuration key '{section}.{key}'")
    merged = copy.deepcopy(data)
    for dotted, value in (overrides or {}).items():
        section, _, key = dotted.partition(".")
        if section not in merged or key not in merged[section]:
            raise GoldConfigError(f"override: unknown gold configuration key {dotted!r} (not declared in {path})")
        merged[section][key] = value
    built = {}
    for section, cls in _SECTIONS.items():
        if section not in merged:
            raise GoldConfigError(f"{path}: missing section {section!r}")
        missing = [k for k in cls.__dataclass_fields__ if k not in merged[section]]
        if missing:
            raise GoldConfigError(f"{path}: missing key(s) {', '.join(f'{section}.{k}' for k in missing)}")
        built[section] = cls(
            **{
                k: _typed(path, f"{section}.{k}", merged[section][k], f.type)
                for k, f in cls.__dataclass_fields__.items()
            }
        )
    if built["live"].update not in LIVE_UPDATES:
        raise GoldConfigError(
            f"{path}: live.update must be one of {', '.join(LIVE_UPDATES)}, not {built['live'].update!r}"
        )
    return GoldSettings(**built)


def _typed(path: Path, dotted: str, value: Any, declared: Any) -> Any:
    """Coerce ints to floats where a float is declared; reject anything else of the wrong type."""
    kind = str(declared)
    if value is None and "None" in kind:
        return None
    if kind.startswith("float") and isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if kind.startswith("int") and isinstance(value, int) and not isinstance(value, bool):
        return value
    if kind.startswith("str") and isinstance(value, str):
        return value
    raise GoldConfigError(f"{path}: {dotted!r} must be {kind}, got {value!r}")
