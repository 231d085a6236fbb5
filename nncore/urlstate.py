"""The moons page's setup <-> URL query parameters, so a teacher can share a link.

``encode`` writes only what differs from the defaults; ``decode`` never raises:
a missing value takes the default, an invalid or out-of-range one falls back to
the default and adds a notice saying which field and why.
"""
from __future__ import annotations

import json
from collections.abc import Mapping

from .core.settings import settings_of
from .data.toy import DataConfig
from .models.registry import MAX_MODELS, PRESETS, ModelSpec

DATA_KEYS = {s.query or name: name for name, s in settings_of(DataConfig).items()}   # link name -> field


def encode(data: DataConfig, lineup: tuple[ModelSpec, ...]) -> dict[str, str]:
    defaults = DataConfig()
    out = {q: str(getattr(data, f)) for q, f in DATA_KEYS.items() if getattr(data, f) != getattr(defaults, f)}
    models = [{"name": s.name, "framework": s.framework, "config": s.config.changed()} for s in lineup]
    if lineup != PRESETS["default"][1]:
        out["models"] = json.dumps(models, separators=(",", ":"))
    return out


def _number(text: str):
    value = json.loads(text)          # accepts 1, 0.1, 1e-3; NaN/Infinity parse and are then range-checked
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError
    return value


def parse_lineup(text: str) -> tuple[ModelSpec, ...]:
    """The ``models`` JSON (a link's, or a ``--lineup`` file's): a list of {name, framework, config}
    where config holds only what differs from that family's defaults. Raises ValueError."""
    try:
        items = json.loads(text)
    except (ValueError, RecursionError):
        raise ValueError("models is not valid JSON") from None
    if not isinstance(items, list) or not 1 <= len(items) <= MAX_MODELS:
        raise ValueError(f"models must be a list of 1 to {MAX_MODELS} models")
    try:
        return tuple(ModelSpec.from_dict(item) for item in items)
    except TypeError as exc:
        raise ValueError(str(exc)) from None


def decode(params: Mapping[str, str]) -> tuple[DataConfig, tuple[ModelSpec, ...], list[str]]:
    notices: list[str] = []
    base_data, lineup = PRESETS["default"]
    if "preset" in params:
        if params["preset"] in PRESETS:
            base_data, lineup = PRESETS[params["preset"]]
        else:
            notices.append(f"Ignored 'preset' from the link (no preset {params['preset']!r}); using the defaults.")
    values = base_data.to_dict()
    for q, f in DATA_KEYS.items():
        if q not in params:
            continue
        raw = params[q]
        try:
            value = raw if settings_of(DataConfig)[f].kind == "choice" else _number(raw)
            DataConfig(**{**values, f: value})        # validate this field
            values[f] = value
        except (ValueError, TypeError) as exc:
            reason = str(exc) if str(exc) else f"{raw!r} is not a number"
            notices.append(f"Ignored '{q}' from the link ({reason}); using the default.")
    data = DataConfig(**values)
    if "models" in params:
        try:
            lineup = parse_lineup(params["models"])
        except ValueError as exc:
            notices.append(f"Ignored 'models' from the link ({exc}); using the default lineup.")
    return data, lineup, notices
