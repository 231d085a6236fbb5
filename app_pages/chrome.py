"""The app's shell around each page: sidebar toggles, classroom mode, friendly errors, trainer slots."""
from __future__ import annotations

import contextlib
from collections.abc import Iterator

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from app_pages import class_room, session
from nncore import urlstate
from nncore.core.text import literal
from nncore.engine import budget as cost
from nncore.env import BUDGET_SECONDS, CACHE_DIR, MAX_TRAINERS, MODELS_DIR, SHARED_MB  # noqa: F401 (MODELS_DIR: MNIST page)
from nncore.serving.pool import TrainerPool
from nncore.serving.shared import SharedResults

# --- what the whole host shares: trainer slots and trained results ------------------------------------


@st.cache_resource
def _trainer_pool() -> TrainerPool:
    """Shared by every session on purpose: it bounds the host's concurrent trainings, fairly."""
    return TrainerPool(MAX_TRAINERS)


@st.cache_resource
def shared_results() -> SharedResults:
    """Trained results, shared read-only by every session (results never change once made); results
    that `nncore warm` prepared before class are read from its folder."""
    return SharedResults(SHARED_MB * 2**20, CACHE_DIR)


def session_id() -> str:
    """This browser tab's session (one trainer slot and one live training each)."""
    ctx = get_script_run_ctx()
    return ctx.session_id if ctx is not None else "local"


def session_connected() -> bool:
    """False once this tab has closed (its training should stop and free its slot)."""
    try:
        return st.runtime.get_instance().is_active_session(session_id())
    except (RuntimeError, AttributeError):          # no server (AppTest, bare mode): assume present
        return True


@contextlib.contextmanager
def trainer_slot(while_waiting=None) -> Iterator[None]:
    """Hold one of the host's trainer slots for a short slice of training; while all are busy, wait
    and say how many are ahead, first come first served (calling ``while_waiting`` now and then)."""
    pool, who = _trainer_pool(), session_id()
    ticket = pool.enter(who)
    note = None
    try:
        while not pool.take(ticket, 0.25):
            if while_waiting is not None:
                while_waiting()
            ahead = pool.ahead(ticket)
            note = note or st.empty()
            note.info(f"Waiting for a free trainer: {ahead} ahead of you. Every student gets a turn…",
                      icon=":material/hourglass_top:")
    except BaseException:
        pool.leave(ticket)                          # a click moved on: give up the place in the queue
        raise
    if note is not None:
        note.empty()
    try:
        yield
    finally:
        pool.release(who)


def over_budget(items, repeats: int = 1) -> str | None:
    """A message when these (name, spec, estimate) items cost more than the host allows per training."""
    return cost.over_budget(items, BUDGET_SECONDS, repeats)


def over_budget_cnn(estimate, config) -> str | None:
    """A message when a CNN training would cost more than the host allows."""
    return cost.over_budget_cnn(estimate, config, BUDGET_SECONDS)


# --- classroom mode ------------------------------------------------------------------------------------

_CLASSROOM_CSS = """
<style>
/* Classroom mode: everything in proportion for a projector. Streamlit sizes text, headings, spacing and
   tables in rem, so a root font 1.25 times the theme's 17 px scales them all together. */
html { font-size: 21px !important; }
/* Charts and grids draw their own text in pixels: scale the whole element instead (a grid from its
   container, which it measures to size itself). */
[data-testid="stGraphVizChart"],
[data-testid="stElementContainer"]:has(> [data-testid="stPlotlyChart"]),
[data-testid="stElementContainer"]:has(> [data-testid="stDataFrame"]) { zoom: 1.25; }
/* Less empty margin, so the boundaries stay on a 1024x768 projector's first screen. */
[data-testid="stMainBlockContainer"] { padding: 2.8rem 1.5rem 3rem !important; }
[data-testid="stMain"] [data-testid="stButton"] button { padding-left: 0.4rem; padding-right: 0.4rem; }
</style>
"""


def classroom_mode() -> bool:
    """Sidebar toggle: the page scaled up for a projector. Kept for the whole session, on every page, and
    in the link (``classroom=1``), so a reload or a shared link opens in it too. A class's link
    (``class=CODE``) seats the session in that class first (``class_room``), on any page."""
    class_room.join_from_link()
    view = session.view()
    if view.classroom is None:                          # a session's first run: the link decides
        view.classroom = bool(urlstate.classroom_of(st.query_params.to_dict()))
    session.sync_classroom_toggle()
    on = st.sidebar.toggle("Classroom mode", key=session.CLASSROOM, on_change=session.copy_classroom_toggle,
                           help="Larger text, charts and tables for a projector; kept on every page and in "
                                "the link.")
    if on:   # style-only HTML goes to Streamlit's event container: it shifts no element on the page, so
        st.html(_CLASSROOM_CSS)   # toggling never remounts a component below it (the drawing canvas)
        st.query_params["classroom"] = "1"
    elif "classroom" in st.query_params:
        del st.query_params["classroom"]
    return on


def advanced_settings(classroom: bool) -> bool:
    """Sidebar toggle for the less-used settings (init, optimizer, momentum, L2, batch norm, dropout,
    seeds, test fraction) as inputs; off by default and in classroom mode, where the ones that matter
    are shown as read-only values instead, so the page stays short."""
    return st.sidebar.toggle("Advanced settings", key=session.ADVANCED, disabled=classroom,
                             help="Initialisation, optimizer, momentum, L2, batch norm, dropout, seeds.") \
        and not classroom


def friendly_error(what: str, exc: Exception) -> None:
    """A message a student can act on, never a traceback (the message is shown as plain text)."""
    st.error(f"**{what}.** {literal(str(exc))}", icon="⚠️")
