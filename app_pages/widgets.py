"""Widgets derived from the configs' declared settings (``nncore.core.settings``).

Each widget's label, help, range, step and choices come from the field's declaration, so no
bound is written here. Widgets return plain values; the configs validate them.
"""
from __future__ import annotations

import streamlit as st

from nncore.core.settings import Config, Setting, iter_settings


def _clamp(value, lo, hi):
    """Widgets raise on a value outside their bounds; a link or preset may hold one."""
    return min(max(value, lo), hi)


def setting_input(container, name: str, s: Setting, value, key: str):
    """One widget for one declared setting, showing ``value``."""
    if s.kind == "choice":
        return container.selectbox(s.label, s.choices, index=s.choices.index(value), format_func=s.label_of,
                                   help=s.help, key=key)
    if s.kind == "multi":                 # an empty pick is refused by the config, with a message
        return container.multiselect(s.label, s.choices, default=[v for v in value if v in s.choices],
                                     format_func=s.label_of, help=s.help, key=key)
    if s.kind == "bool":
        return container.checkbox(s.label, bool(value), help=s.help, key=key)
    if s.kind == "layers":
        return container.text_input(s.label, ", ".join(map(str, value)), help=s.help, key=key)
    if s.kind == "int":
        lo, hi = int(s.lo), int(s.hi)
        make = container.slider if s.widget == "slider" else container.number_input
        return int(make(s.label, lo, hi, int(_clamp(value, lo, hi)), int(s.step or 1), help=s.help, key=key))
    lo, hi = float(s.lo), float(s.hi)
    step = float(s.step or 0.01)
    if s.widget == "slider":
        return container.slider(s.label, lo, hi, float(_clamp(value, lo, hi)), step, help=s.help, key=key)
    fmt = "%.4f" if step < 0.01 else "%.2f"
    return container.number_input(s.label, lo, hi, float(_clamp(value, lo, hi)), step, format=fmt, help=s.help,
                                  key=key)


def config_inputs(config: Config, prefix: str, advanced: bool, *, columns: int = 3, skip: tuple = ()) -> dict:
    """Inputs for every declared setting of ``config`` (the advanced ones only when ``advanced``),
    ``columns`` to a row; returns {field: value}. Widget keys are ``prefix + field``."""
    fields = [(n, s) for n, s in iter_settings(config) if (advanced or not s.advanced) and n not in skip]
    values = {}
    for name, s in [f for f in fields if f[1].kind == "multi"]:      # a pick of several: a row of its own
        values[name] = setting_input(st, name, s, getattr(config, name), f"{prefix}{name}")
    fields = [f for f in fields if f[1].kind != "multi"]
    for row in range(0, len(fields), columns):
        cols = st.columns(columns) if columns > 1 else [st]
        for col, (name, s) in zip(cols, fields[row:row + columns]):
            values[name] = setting_input(col, name, s, getattr(config, name), f"{prefix}{name}")
    return values


def fixed_settings(config: Config, names=(), skip=()) -> None:
    """The advanced settings that matter here, as read-only values (where their inputs are not shown):
    those in ``names`` (a lesson's) and those that differ from the family's defaults."""
    text = settings_text(config, names, skip, basic=False)
    if text:
        st.markdown(f":material/lock: {text}", help="Advanced settings, fixed here. Turn on Advanced settings "
                    "(outside classroom mode) to change them.")


def settings_text(config: Config, names=(), skip=(), *, basic: bool = True) -> str:
    """Settings as read-only Markdown, "Label **value** · ...": the basic ones (when ``basic``, their labels
    without the bracketed note), then the advanced ones that matter: those in ``names`` (a lesson's) and
    those that differ from the defaults."""
    defaults = type(config)()
    shown = [(s.label.split(" (")[0], getattr(config, n), s) for n, s in iter_settings(config, advanced=False)
             if basic and n not in skip]
    shown += [(s.label, getattr(config, n), s) for n, s in iter_settings(config, advanced=True)
              if n not in skip and (n in names or getattr(config, n) != getattr(defaults, n))]
    return " · ".join(f"{label} **{_zero_reads(s) if value == 0 and _zero_reads(s) else _as_text(s, value)}**"
                      for label, value, s in shown)


def _zero_reads(s: Setting) -> str | None:
    """What 0 means where the family's config declares it in the label ("Tree depth (0 = no limit)"), else None."""
    note = s.label.partition(" (0 = ")[2]
    return note[:-1] if s.kind in ("int", "float") and note.endswith(")") else None


def _as_text(s: Setting, value) -> str:
    if s.kind == "layers":
        return ", ".join(map(str, value)) or "none"
    if s.kind == "multi":
        return ", ".join(map(s.label_of, value))
    if s.kind == "bool":
        return "on" if value else "off"
    return s.label_of(value) if s.kind == "choice" else f"{value:g}"
