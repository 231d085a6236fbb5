"""Moons comparison: several networks trained side by side on the same 2-D data, live.

The page's whole setup lives in the link (``nncore.urlstate``): a link opens it, Train writes it back,
``hide=`` hides controls (their values still come from the link), ``lesson=intro`` adds the guided lesson.
"""
from __future__ import annotations

from functools import partial

import streamlit as st

from app_pages import chrome, lesson, moons_live, moons_models, session, widgets
from app_pages import share as share_dialog
from nncore import urlstate
from nncore.core.cost import Estimate
from nncore.core.text import count
from nncore.data.points import read_points
from nncore.data.toy import DataConfig, load_toy
from nncore.lineup.live import LiveComparison
from nncore.lineup.repeats import grouped


def link(data_cfg: DataConfig, lineup) -> dict[str, str]:
    """The page's link: its setup, then the view (classroom mode, hidden controls, the lesson's step)."""
    view = session.view()
    at = view.lesson
    return {**urlstate.encode(data_cfg, lineup), **urlstate.encode_hide(view.hidden),
            **({"classroom": "1"} if view.classroom else {}),
            **({"lesson": at.name, "step": str(at.step + 1)} if at else {}), **lesson.class_params()}


def share(data_cfg: DataConfig, lineup) -> None:
    """Write the setup into the link, so copying the URL shares it."""
    params = link(data_cfg, lineup)
    if st.query_params.to_dict() != params:
        st.query_params.from_dict(params)


def setup_from_link():
    """The setup: a link's preset, else this session's, else the link's settings, else the defaults;
    then the lesson's step, when a lesson is on. Returns (data, lineup, (lesson, step) or None)."""
    params, state = st.query_params.to_dict(), session.moons()
    if state.setup is None or "preset" in params:
        data_q, lineup_q, notices = urlstate.decode(params)
        state.notices += notices
        state.set_setup(data_q, lineup_q, new_widgets=True)
    if "hide" in params:
        notices = []
        session.view().hidden = frozenset(urlstate.decode_hide(params, notices))
        state.notices += notices
    guide = lesson.current()
    for notice in state.pop_notices():
        st.warning(notice, icon=":material/link:")
    share(*state.setup)
    return (*state.setup, guide)


def settings_form(data_cfg, lineup, advanced: bool, hidden=frozenset(), show=()):
    """The data settings and Train in one form (editing them reruns nothing until Train is pressed), and
    the models read-only (the drawer edits them). Controls named in ``hidden`` are left out (their values
    stay); without the advanced inputs, the advanced values that matter (``show``, or changed) are listed.
    Returns the new data settings when Train was pressed (a ValueError when one is out of range), else None."""
    data_skip = tuple(f for q, f in urlstate.DATA_KEYS.items() if q in hidden) + \
        (("n_samples", "noise") if data_cfg.name == "csv" else ())     # (uploaded points have their own)
    with st.form("setup", border=False):
        submitted = st.form_submit_button(f"Train {count(len(lineup), 'model')}", type="primary", width="stretch",
                                          icon=":material/play_arrow:")
        st.subheader("Data")
        data_values = widgets.config_inputs(data_cfg, f"g{session.moons().generation}-data-", advanced, columns=1,
                                            skip=data_skip)
        if not advanced:
            widgets.fixed_settings(data_cfg, show, data_skip)
        st.subheader("Models")
        moons_models.summary(lineup, hidden, show)
    if not submitted:
        return None
    try:
        return DataConfig.from_dict({**data_cfg.to_dict(), **data_values})
    except ValueError as exc:
        return exc


def uploaded(data_cfg):
    """The points this session uploaded, where the setup trains on them (the dataset "csv"), else None."""
    return session.moons().points if data_cfg.name == "csv" else None


def points_upload(data_cfg, lineup) -> None:
    """Your own points: a CSV read once per upload; a good one becomes the dataset "csv", a bad one gets
    its message and changes nothing. Its inside runs only while it is open."""
    box = st.expander("Your own points (CSV)", icon=":material/upload_file:", expanded=data_cfg.name == "csv",
                      key="points_box", on_change="rerun")
    if not box.open:
        return
    with box:
        st.caption("Columns **x1, x2, label**: at most 5,000 rows and 2 to 10 classes; labels may be numbers "
                   "or words. The points are split and scaled like the built-in sets.")
        upload = st.file_uploader("CSV of points", type=["csv", "txt"], max_upload_size=1, key="points_upload")
        state = session.moons()
        if upload is None or upload.file_id == state.points_file:
            return
        try:
            points = read_points(upload.getvalue())
            load_toy(data_cfg.replace(name="csv"), points)     # (points it can split and scale)
        except ValueError as exc:
            chrome.friendly_error("Nothing was changed", exc)
            return
        state.points, state.points_file = points, upload.file_id
        state.set_setup(data_cfg.replace(name="csv"), lineup, new_widgets=True)
        st.rerun()


def start(data_cfg, lineup) -> bool:
    """Train pressed: keep the setup and write it into the link; if its cost fits the host's budget
    (checked before any work, links included), start a live training of the lineup. Returns whether
    it started (if not, a message says why)."""
    session.moons().set_setup(data_cfg, lineup)
    share(data_cfg, lineup)
    try:                                  # (uploaded points: none yet, or a split this test fraction can't make)
        live = LiveComparison(data_cfg, lineup, shared=chrome.shared_results(), owner=chrome.session_id(),
                              points=uploaded(data_cfg))
    except ValueError as exc:
        chrome.friendly_error("Check the data", exc)
        return False
    per_model = [sum((e for e in runs if e is not None), Estimate(0.0, 0.0)) if any(runs) else None
                 for runs in grouped(live.estimates(), len(lineup))]    # (all of a model's repeats count)
    refusal = chrome.over_budget([(s.name, s, e) for s, e in zip(lineup, per_model)], data_cfg.repeats)
    if refusal:
        chrome.friendly_error("Over the compute budget", refusal)
        return False
    session.moons().set_live(live.start())
    return True


st.title("Moons comparison")
advanced = chrome.advanced_settings(chrome.classroom_mode())
data_cfg, lineup, guide = setup_from_link()
if guide is None:
    st.caption("Several networks, the same data, trained side by side. Set them up in the sidebar (**Edit models** "
               "for the networks), then press **Train** and watch the boundaries form.")
lesson_slot = st.container() if guide else None       # filled below, once Train has been read
hidden = session.view().hidden
shown = guide[0].steps[guide[1]].show if guide else ()
with st.sidebar:
    new_data = settings_form(data_cfg, lineup, advanced, hidden, shown)
    moons_models.edit_button(hidden, advanced)
    if "dataset" not in hidden:
        points_upload(data_cfg, lineup)
    if st.button("Share this setup", icon=":material/share:", width="stretch"):
        share_dialog.dialog(link(data_cfg, lineup))
if isinstance(new_data, ValueError):
    chrome.friendly_error("Check the settings", new_data)
elif new_data is not None:
    data_cfg = new_data
    start(data_cfg, lineup)
if session.models_open() and moons_models.editable(hidden, advanced):
    moons_models.drawer(data_cfg, lineup, advanced, start, hidden, shown)
live = moons_live.current(data_cfg, lineup, uploaded(data_cfg))         # None: no results for this setup
ask_under = guide is not None and lesson.asks_under_results(*guide, live is not None)
if guide is not None:
    with lesson_slot:
        lesson.panel(*guide, ask=not ask_under)
moons_live.results_area(data_cfg, lineup, live, uploaded(data_cfg),
                        under=partial(lesson.question_box, *guide) if ask_under else None)
