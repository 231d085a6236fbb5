"""Page setups <-> URL query parameters, so a teacher can share a link (or write one into a lesson).

Every field is written and read through its declared ``Setting`` (``nncore.core.settings``): its link
name (``query``, else the field's name), its kind, and its range or choices. Nothing here repeats a
bound. ``encode`` writes only what differs from the defaults; ``decode`` never raises: a missing value
takes the default, an invalid or out-of-range one falls back and adds a notice ("Ignored ...").

The moons page's link: the data fields by link name, the lineup as ``models`` (JSON of each model's
changed fields), or ``preset``. The MNIST page's: ``encode_cnn`` / ``decode_cnn``. Both pages add the
view: ``classroom=1``, ``hide=noise,activation,...``, ``lesson=intro&step=2``.
"""
from __future__ import annotations

import functools
import json
from collections.abc import Mapping

from .core.settings import Config, Setting, parse_layers, settings_of
from .data.toy import DataConfig
from .models.cnn import CNNConfig
from .models.registry import FAMILIES, MAX_MODELS, PRESETS, ModelSpec

VIEW_KEYS = ("classroom", "hide", "lesson", "step")    # how the page looks, kept when the setup changes


def link_names(cls) -> dict[str, str]:
    """Link name -> field name, from the declaration."""
    return {s.query or name: name for name, s in settings_of(cls).items()}


DATA_KEYS = link_names(DataConfig)
CNN_KEYS = link_names(CNNConfig)
MODEL_FIELDS = tuple(dict.fromkeys(n for f in FAMILIES.values() for n in settings_of(f.config)))
HIDEABLE = (*DATA_KEYS, *MODEL_FIELDS, "name", "lineup")     # hide=...: the controls a link may hide
HIDE_CHARS = len(",".join(HIDEABLE)) + 100                    # a longer hide= is cut (hostile links)


# --- one value <-> its text in a link ---------------------------------------------------------------

def to_text(s: Setting, value) -> str:
    if s.kind == "bool":
        return "1" if value else "0"
    if s.kind in ("layers", "multi"):
        return ",".join(map(str, value))                        # multi: ids such as x1^2 hold no comma
    return repr(value) if s.kind == "float" else str(value)      # repr: the shortest exact float


def _number(text: str):
    value = json.loads(text)          # accepts 1, 0.1, 1e-3; NaN/Infinity parse and are then range-checked
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError
    return value


def from_text(s: Setting, text: str):
    """The value a link's text stands for (checked by the config, not here). Raises ValueError."""
    if s.kind == "choice":
        return text
    if s.kind == "bool":
        if text.lower() not in ("1", "0", "true", "false"):
            raise ValueError(f"{text[:20]!r} is not 1 or 0")
        return text.lower() in ("1", "true")
    if s.kind == "layers":
        return parse_layers(text)
    if s.kind == "multi":
        return tuple(p.strip() for p in text.split(",") if p.strip())
    try:
        return _number(text)
    except (ValueError, RecursionError):
        raise ValueError(f"{text[:20]!r} is not a number") from None


def encode_config(config: Config) -> dict[str, str]:
    """A config's fields that differ from its class's defaults, by link name."""
    declared, defaults = settings_of(config), type(config)()
    return {s.query or n: to_text(s, getattr(config, n)) for n, s in declared.items()
            if getattr(config, n) != getattr(defaults, n)}


def decode_config(cls, params: Mapping[str, str], base: Config | None = None,
                  notices: list[str] | None = None) -> Config:
    """``base`` (default: the class's defaults) with each valid field the link gives; a bad one is
    skipped with a notice appended to ``notices``. Never raises."""
    notices = notices if notices is not None else []
    values = (base or cls()).to_dict()
    for q, f in link_names(cls).items():
        if q not in params:
            continue
        raw = str(params[q])[:200]
        try:
            value = from_text(settings_of(cls)[f], raw)
            cls(**{**values, f: value})                   # validate this field against the others
            values[f] = value
        except (ValueError, TypeError) as exc:
            notices.append(f"Ignored '{q}' from the link ({exc}); using the default.")
    return cls(**values)


# --- the moons page ----------------------------------------------------------------------------------

def encode(data: DataConfig, lineup: tuple[ModelSpec, ...]) -> dict[str, str]:
    """The link's parameters for a setup (remembered: a page writes its link on every rerun)."""
    return dict(_encoded(data, tuple(lineup)))


@functools.lru_cache(maxsize=256)
def _encoded(data: DataConfig, lineup: tuple[ModelSpec, ...]) -> tuple[tuple[str, str], ...]:
    out = encode_config(data)
    models = [{"name": s.name, "framework": s.framework, "config": s.config.changed()} for s in lineup]
    if lineup != PRESETS["default"][1]:
        out["models"] = json.dumps(models, separators=(",", ":"))
    return tuple(out.items())


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
            notices.append(f"Ignored 'preset' from the link (no preset {str(params['preset'])[:40]!r}); "
                           "using the defaults.")
    data = decode_config(DataConfig, params, base_data, notices)
    if "models" in params:
        try:
            lineup = parse_lineup(params["models"])
        except ValueError as exc:
            notices.append(f"Ignored 'models' from the link ({exc}); using the default lineup.")
    return data, lineup, notices


def preset_of(data: DataConfig, lineup) -> str | None:
    """The preset this setup is exactly, or None (the page's Preset box then says "Custom")."""
    return next((name for name, setup in PRESETS.items() if setup == (data, tuple(lineup))), None)


# --- the MNIST page's training form ------------------------------------------------------------------

def encode_cnn(config: CNNConfig) -> dict[str, str]:
    return encode_config(config)


def decode_cnn(params: Mapping[str, str]) -> tuple[CNNConfig, list[str]]:
    notices: list[str] = []
    return decode_config(CNNConfig, params, None, notices), notices


# --- the view: classroom mode, hidden controls, lesson step ------------------------------------------

def decode_hide(params: Mapping[str, str], notices: list[str] | None = None) -> frozenset[str]:
    """``hide=noise,activation``: the controls to hide (their values still come from the link)."""
    names = [n.strip() for n in str(params.get("hide", ""))[:HIDE_CHARS].split(",") if n.strip()]
    unknown = [n for n in names if n not in HIDEABLE]
    if unknown and notices is not None:
        notices.append(f"Ignored 'hide' names from the link ({', '.join(n[:20] for n in unknown[:5])}: "
                       f"not controls); hideable are {', '.join(HIDEABLE)}.")
    return frozenset(n for n in names if n in HIDEABLE)


def encode_hide(hidden) -> dict[str, str]:
    names = [n for n in HIDEABLE if n in set(hidden)]
    return {"hide": ",".join(names)} if names else {}


def classroom_of(params: Mapping[str, str]) -> bool | None:
    """``classroom=1`` / ``classroom=0`` from a link, or None when the link does not say."""
    raw = str(params.get("classroom", "")).lower()
    return {"1": True, "true": True, "0": False, "false": False}.get(raw)


def view_of(params: Mapping[str, str]) -> dict[str, str]:
    """The view keys a link holds, to keep them when the setup part is rewritten."""
    return {k: str(params[k]) for k in VIEW_KEYS if k in params}


def hideable_labels() -> dict[str, str]:
    """hide= name -> how the control reads on the page (the declared label)."""
    labels = {q: settings_of(DataConfig)[f].label for q, f in DATA_KEYS.items()}
    for name in MODEL_FIELDS:
        s = next((settings_of(f.config)[name] for f in FAMILIES.values() if name in settings_of(f.config)), None)
        if s is not None:                                   # (a family unregistered since: nothing to label)
            labels.setdefault(name, s.label)
    return {**labels, "name": "Model names", "lineup": "Lineup (preset, add, remove)"}
