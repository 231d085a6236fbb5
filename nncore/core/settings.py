"""Settings declared once, in the spirit of scikit-learn's ``_parameter_constraints``.

Every config is a frozen dataclass whose fields are declared with :func:`setting`: the
field's range or choices, its label, help text and whether it is advanced live in the
field's metadata. From that one declaration come

- validation (``Config.__post_init__``): a bad value raises a ``ValueError`` that names the
  field and the allowed range, so a page can show it as a message;
- the page widgets (``app_pages/widgets.py`` reads :func:`settings_of`);
- URL decoding (``nncore.urlstate`` checks each value through the config);
- the command line's choices (``Setting.choices``).

Leaf module: imports nothing of ours.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

SEED_MAX = 2**31 - 1


@dataclass(frozen=True)
class Setting:
    """What one config field accepts, and how a person sees it."""
    kind: str                          # int, float, choice, multi, bool or layers
    label: str
    help: str = ""
    advanced: bool = False             # folded away unless the advanced settings are on
    lo: float | None = None            # int and float: the range; layers: widths
    hi: float | None = None
    lo_open: bool = False              # float: lo itself excluded
    hi_open: bool = False
    choices: tuple[str, ...] = ()      # choice and multi: the allowed values
    labels: tuple[str, ...] = ()       # choice and multi: how each value reads on a page (default: the value)
    step: float | None = None          # widgets: the increment
    max_layers: int = 8                # layers: the most hidden layers
    widget: str = ""                   # "slider" for a slider; else an input box (or a select box)
    query: str = ""                    # its name in a link, when not the field's own

    def check(self, name: str, value: Any) -> Any:
        """Return ``value`` coerced to this setting's type, or raise a ValueError naming ``name``."""
        if self.kind == "int":
            return check_int(name, value, int(self.lo), int(self.hi))
        if self.kind == "float":
            return check_float(name, value, self.lo, self.hi, lo_open=self.lo_open, hi_open=self.hi_open)
        if self.kind == "choice":
            return check_choice(name, value, self.choices)
        if self.kind == "multi":
            return check_multi(name, value, self.choices)
        if self.kind == "bool":
            if not isinstance(value, bool):
                raise ValueError(f"{name} must be true or false, got {_short(value)}")
            return value
        if self.kind == "layers":
            return check_layers(name, value, max_layers=self.max_layers, max_width=int(self.hi))
        raise AssertionError(f"unknown setting kind {self.kind!r}")

    def describe(self) -> str:
        """The allowed values in words, for help texts and the command line."""
        if self.kind == "choice":
            return ", ".join(self.choices)
        if self.kind == "multi":
            return f"one or more of {', '.join(self.choices)}"
        if self.kind == "layers":
            return f"up to {self.max_layers} widths of 1 to {int(self.hi)}"
        if self.kind == "bool":
            return "true or false"
        if self.kind == "int":
            return f"{int(self.lo)} to {int(self.hi)}"
        return f"{self.lo:g} to {self.hi:g}"

    def label_of(self, value: str) -> str:
        return self.labels[self.choices.index(value)] if self.labels and value in self.choices else str(value)


def setting(default: Any, kind: str, label: str, help: str = "", **declared) -> Any:  # noqa: A002
    """A dataclass field carrying its :class:`Setting` (``range=(lo, hi)`` for numbers)."""
    if "range" in declared:
        declared["lo"], declared["hi"] = declared.pop("range")
    if isinstance(declared.get("choices"), dict):           # {value: label}
        choices = declared.pop("choices")
        declared["choices"], declared["labels"] = tuple(choices), tuple(choices.values())
    meta = Setting(kind=kind, label=label, help=help, **declared)
    return field(default=default, metadata={"setting": meta})


def settings_of(cls_or_config) -> dict[str, Setting]:
    """Field name -> its declared setting, in declaration order."""
    return {f.name: f.metadata["setting"] for f in dataclasses.fields(cls_or_config) if "setting" in f.metadata}


def iter_settings(cls_or_config, *, advanced: bool | None = None) -> Iterator[tuple[str, Setting]]:
    for name, s in settings_of(cls_or_config).items():
        if advanced is None or s.advanced == advanced:
            yield name, s


# --- checks --------------------------------------------------------------------------------------

def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def check_int(name: str, value: Any, lo: int, hi: int) -> int:
    """Return ``value`` as an int in [lo, hi], or raise a ValueError naming the field."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) \
            or (isinstance(value, float) and (not math.isfinite(value) or int(value) != value)):
        raise ValueError(f"{name} must be a whole number between {lo} and {hi}, got {_short(value)}")
    if not lo <= value <= hi:
        raise ValueError(f"{name} must be between {lo} and {hi}, got {_short(value)}")
    return int(value)


def check_float(name: str, value: Any, lo: float, hi: float, *, lo_open: bool = False,
                hi_open: bool = False) -> float:
    """Return ``value`` as a float in the interval, or raise a ValueError naming the field."""
    left, right = ("(" if lo_open else "["), (")" if hi_open else "]")
    interval = f"{left}{lo:g}, {hi:g}{right}"
    if isinstance(value, bool) or not isinstance(value, (int, float)) \
            or (isinstance(value, float) and not math.isfinite(value)):
        raise ValueError(f"{name} must be a finite number in {interval}, got {_short(value)}")
    too_low = value <= lo if lo_open else value < lo
    too_high = value >= hi if hi_open else value > hi
    if too_low or too_high:
        raise ValueError(f"{name} must be in {interval}, got {_short(value)}")
    return float(value)


def check_choice(name: str, value: Any, choices: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(choices)}; got {_short(value)}")
    return value


def check_multi(name: str, value: Any, choices: tuple[str, ...]) -> tuple[str, ...]:
    """One or more distinct values of ``choices``, returned in the order of ``choices`` (so the same
    selection is the same config, however it was picked)."""
    allowed = ", ".join(choices)
    if not isinstance(value, (list, tuple)):
        raise ValueError(f"{name} must be a list of one or more of {allowed}; got {_short(value)}")
    if not value:
        raise ValueError(f"{name} needs at least one of {allowed}")
    bad = [v for v in value if not isinstance(v, str) or v not in choices]
    if bad:
        raise ValueError(f"{name} may hold only {allowed}; got {_short(bad[0])}")
    twice = next((v for i, v in enumerate(value) if v in value[:i]), None)
    if twice is not None:
        raise ValueError(f"{name} holds {twice!r} twice; each of {allowed} may appear once")
    return tuple(c for c in choices if c in value)


def check_layers(name: str, value: Any, *, max_layers: int = 8, max_width: int = 512) -> tuple[int, ...]:
    """Hidden layer widths: a sequence of 0..max_layers ints, each in [1, max_width]."""
    if isinstance(value, str):
        value = parse_layers(value)
    if not isinstance(value, (list, tuple)):
        raise ValueError(f"{name} must be a list of layer widths, got {_short(value)}")
    if len(value) > max_layers:
        raise ValueError(f"{name} may have at most {max_layers} hidden layers, got {len(value)}")
    return tuple(check_int(f"{name}[{i}]", v, 1, max_width) for i, v in enumerate(value))


def parse_layers(text: str) -> tuple[int, ...]:
    """'16, 8,4' -> (16, 8, 4); '' -> (). Raises ValueError on anything else."""
    parts = [p for p in text.replace(" ", "").split(",") if p]
    try:
        return tuple(int(p) for p in parts)
    except ValueError:
        raise ValueError(f"hidden layers must be comma-separated whole numbers, got {_short(text)}") from None


# --- the config base -----------------------------------------------------------------------------

class Config:
    """Base of every frozen config dataclass: checks each declared field in ``__post_init__``.

    A subclass adds checks that involve several fields in ``_check(self)``."""

    def __post_init__(self):
        for name, s in settings_of(self).items():
            object.__setattr__(self, name, s.check(name, getattr(self, name)))
        self._check()

    def _check(self) -> None:
        """Cross-field checks; none by default."""

    def to_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        return {k: list(v) if isinstance(v, tuple) else v for k, v in d.items()}

    @classmethod
    def from_dict(cls, values: dict[str, Any]):
        """Build from loose values; unknown keys raise, missing keys take defaults."""
        if not isinstance(values, dict):
            raise ValueError(f"{cls.__name__} settings must be a mapping, got {_short(values)}")
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = set(values) - names
        if unknown:
            raise ValueError(f"unknown {cls.__name__} field(s): {', '.join(sorted(map(str, unknown)))}")
        return cls(**values)

    def replace(self, **changes):
        return dataclasses.replace(self, **changes)

    def changed(self) -> dict[str, Any]:
        """Only the fields that differ from the defaults (for short links and 'what differs')."""
        base = type(self)().to_dict()
        return {k: v for k, v in self.to_dict().items() if base[k] != v}


def config_key(*parts: Any) -> str:
    """A stable hash of configs (and plain values) for caching trained results."""
    def plain(p):
        if isinstance(p, Config):
            return [type(p).__name__, p.to_dict()]
        if isinstance(p, (list, tuple)):
            return [plain(x) for x in p]
        return p
    text = json.dumps([plain(p) for p in parts], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def seed_setting(label: str = "Seed", help: str = "One seed for every random draw: the same seed gives "  # noqa: A002
                 "the same numbers.") -> Any:
    return setting(0, "int", label, help, range=(0, SEED_MAX), advanced=True)
