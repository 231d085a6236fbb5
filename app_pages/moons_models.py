"""The moons page's models: a read-only summary in the sidebar, and a drawer to edit them.

The drawer (a dialog at the side) holds every model's settings, one tab per model, and the lineup's
controls (preset, add, remove). Its widgets exist only while it is open, so a rerun of the page draws
a dozen widgets, not every model's (Streamlit's cost per rerun grows with the widgets on screen).
"""
from __future__ import annotations

import streamlit as st

from app_pages import chrome, session, widgets
from nncore import urlstate
from nncore.core.settings import iter_settings
from nncore.core.text import literal
from nncore.models.registry import FAMILIES, MAX_MODELS, PRESET_LABELS, PRESETS, ModelSpec, preset


# The settings the drawer has inputs for: the basic ones, and every one with the advanced settings on.
def _inputs(advanced: bool) -> frozenset:
    """The settings the drawer has inputs for, over the families registered now."""
    if advanced:
        return frozenset(urlstate.MODEL_FIELDS)
    return frozenset(n for f in FAMILIES.values() for n, s in iter_settings(f.config) if not s.advanced)


def _skip(hidden) -> tuple[str, ...]:
    """The model settings a link hid (hide=...)."""
    return tuple(n for n in urlstate.MODEL_FIELDS if n in hidden)


def summary(lineup, hidden=frozenset(), show=()) -> None:
    """Each model's name and settings, read-only (the advanced ones where they matter: a lesson's
    ``show``, or changed from the defaults)."""
    st.markdown("\n".join(f"- **{literal(spec.name)}** · {widgets.settings_text(spec.config, show, _skip(hidden))}"
                          for spec in lineup))


def editable(hidden, advanced: bool) -> bool:
    """Whether the drawer has anything to edit: a link may hide every control it would show."""
    inputs = _inputs(advanced)
    return "lineup" not in hidden or "name" not in hidden or not inputs <= set(hidden)


def edit_button(hidden, advanced: bool) -> None:
    """Opens the drawer; a training running under it pauses (a click inside a dialog would wait for the
    whole training to end, and the running page cannot be reached behind the drawer)."""
    if editable(hidden, advanced):
        st.button("Edit models", icon=":material/tune:", width="stretch", on_click=_open,
                  help="Each model's settings, and the lineup: presets, add, remove.")


def _open() -> None:
    live = session.moons().live
    if live is not None and not live.done:
        live.paused = True
    session.models_open(True)


def _closed() -> None:
    session.models_open(False)


@st.dialog("Models", width="medium", position="left", on_dismiss=_closed)
def drawer(data_cfg, lineup, advanced: bool, start, hidden=frozenset(), show=()) -> None:
    """The models' settings (a form: nothing reruns until Apply) and the lineup's controls. Apply keeps
    the new settings; Apply and train calls ``start(data_cfg, lineup)`` too, which returns whether a
    training started (if not, its message stays in the drawer)."""
    if "lineup" not in hidden:
        lineup_controls(data_cfg, lineup)
    new = _settings_form(lineup, advanced, hidden, show)
    if isinstance(new, ValueError):
        chrome.friendly_error("Check the settings", new)
    elif new is not None:
        lineup, train = new
        if not train:
            session.moons().set_setup(data_cfg, lineup)
        elif not start(data_cfg, lineup):             # (start keeps the setup either way): its message stays
            return
        _closed()
        st.rerun()


def _settings_form(lineup, advanced: bool, hidden, show):
    """Returns (the new lineup, train?) when a button was pressed (a ValueError when a setting is out of
    range), else None."""
    gen, skip = session.moons().generation, _skip(hidden)
    with st.form("models", border=False):
        left, right = st.columns(2)                   # on top, as Train is: reachable without scrolling
        train = left.form_submit_button("Apply and train", type="primary", icon=":material/play_arrow:",
                                        width="stretch")
        apply = right.form_submit_button("Apply", icon=":material/check:", width="stretch")
        values = []
        for i, (tab, spec) in enumerate(zip(st.tabs([s.name for s in lineup]), lineup)):
            with tab:
                name = spec.name if "name" in hidden else \
                    st.text_input("Name", spec.name, max_chars=60, key=f"g{gen}-m{i}-label")
                config = widgets.config_inputs(spec.config, f"g{gen}-m{i}-", advanced, columns=2, skip=skip)
                if not advanced:
                    widgets.fixed_settings(spec.config, show, skip)
                values.append({"name": name, "framework": spec.framework,
                               "config": {**spec.config.to_dict(), **config}})
    if not (train or apply):
        return None
    try:
        return tuple(ModelSpec.from_dict(v) for v in values), train
    except ValueError as exc:
        return exc


def lineup_controls(data_cfg, lineup) -> None:
    """Load a preset, add a model, remove one: each changes the page's setup at once (the drawer stays
    open on the new lineup), starting from the applied settings."""
    session.sync_preset_box((data_cfg, lineup), urlstate.preset_of(data_cfg, lineup) or "custom")
    rows = [st.columns([2, 1], vertical_alignment="bottom") for _ in range(3)]
    chosen = rows[0][0].selectbox("Preset", [*PRESETS, "custom"], format_func=lambda k: PRESET_LABELS.get(k, "Custom"),
                                  key=session.PRESET_BOX, help="The preset the page holds, or Custom once changed.")
    if rows[0][1].button("Load preset", width="stretch") and chosen in PRESETS:
        _change(*preset(chosen))
    kind = rows[1][0].selectbox("Model to add", list(FAMILIES), format_func=lambda k: FAMILIES[k].label)
    if rows[1][1].button("Add model", width="stretch", disabled=len(lineup) >= MAX_MODELS):
        name = f"{FAMILIES[kind].label} {len(lineup) + 1}"
        _change(data_cfg, (*lineup, ModelSpec(name, FAMILIES[kind].config())))
    gone = rows[2][0].selectbox("Model to remove", range(len(lineup)), format_func=lambda i: lineup[i].name)
    if rows[2][1].button("Remove model", width="stretch", disabled=len(lineup) <= 1):
        _change(data_cfg, lineup[:gone] + lineup[gone + 1:])
    st.caption("These start from the applied settings: apply your edits below first.")


def _change(data_cfg, lineup) -> None:
    session.moons().set_setup(data_cfg, lineup, new_widgets=True)
    st.rerun()
