"""Streamlit-only helpers shared by the pages. The only module that names session-state keys.

- per-user caches of trained results (``st.session_state``, never ``st.cache_resource``);
- the shared trainer pool: at most ``MAX_TRAINERS`` trainings run at once on the host, others
  wait their turn with a visible "waiting for a free trainer" message;
- classroom mode (larger text, fewer controls), shared by every page.
"""
from __future__ import annotations

import contextlib
import os
import threading
from pathlib import Path
from typing import Any, Iterator

import streamlit as st

from nncore.preload import MAX_TRAINERS  # one setting for torch threads and trainer slots
# Checkpoints a teacher prepared with `python -m nncore mnist --save models/NAME.safetensors`.
MODELS_DIR = Path(os.environ.get("NNCORE_MODELS", Path(__file__).resolve().parent.parent / "models"))

# session-state keys, all in one place
_RESULTS = "moons_results"          # result key -> nncore.comparison.ModelResult
_SETUP = "moons_setup"              # (DataConfig, lineup) the page currently shows
_FIGURES = "moons_figures"          # comparison key -> built figures, so reruns do not rebuild them
_TRAININGS = "trainings"            # how many models this session has trained (tests count it)
_GENERATION = "widget_generation"   # bumped when a preset or a link replaces the lineup's widgets
_NOTICES = "notices"
_CNN = "cnn_models"                 # CNN config key -> trained result
_CNN_ACTIVE = "cnn_active"
_CNN_PARTIAL = "cnn_partial"        # the CNN being trained, kept if a Stop click interrupts it
_CLASSROOM = "classroom_mode"
_ADVANCED = "advanced_settings"
_CANVAS = "canvas_ink"              # the digit drawn so far, as an ink map
_CANVAS_GEN = "canvas_generation"   # bumped by Clear, to remount the canvas empty


def state_default(key: str, factory) -> Any:
    if key not in st.session_state:
        st.session_state[key] = factory()
    return st.session_state[key]


# --- moons results ---------------------------------------------------------------------------------

def results_cache() -> dict:
    """Trained models by result key. Bounded: a session keeps its last ``MAX_RESULTS`` models."""
    state_default(_TRAININGS, int)
    return state_default(_RESULTS, lambda: BoundedDict(MAX_RESULTS))


MAX_RESULTS = 24


class BoundedDict(dict):
    """A dict that forgets its oldest entries past ``limit`` (bounds a session's memory)."""

    def __init__(self, limit: int):
        super().__init__()
        self.limit = limit

    def __setitem__(self, key, value):
        super().__setitem__(key, value)
        while len(self) > self.limit:
            self.pop(next(iter(self)))


def figures_cache() -> dict:
    """What the moons page draws, per result set: a session keeps its last 4."""
    return state_default(_FIGURES, lambda: BoundedDict(4))


def count_trainings(n: int = 1) -> None:
    st.session_state[_TRAININGS] = st.session_state.get(_TRAININGS, 0) + n


def get_setup():
    return st.session_state.get(_SETUP)


def set_setup(data_config, lineup, *, new_widgets: bool = False) -> None:
    st.session_state[_SETUP] = (data_config, tuple(lineup))
    if new_widgets:
        st.session_state[_GENERATION] = st.session_state.get(_GENERATION, 0) + 1


def generation() -> int:
    return st.session_state.get(_GENERATION, 0)


def add_notice(text: str) -> None:
    state_default(_NOTICES, list).append(text)


def pop_notices() -> list[str]:
    return st.session_state.pop(_NOTICES, [])


# --- CNN models --------------------------------------------------------------------------------------

def cnn_models() -> dict:
    return state_default(_CNN, dict)


def active_cnn_key() -> str | None:
    return st.session_state.get(_CNN_ACTIVE)


def set_active_cnn(key: str | None) -> None:
    st.session_state[_CNN_ACTIVE] = key


def canvas_generation() -> int:
    return st.session_state.get(_CANVAS_GEN, 0)


def clear_canvas() -> None:
    """Forget the ink and give the canvas a new key, so it starts empty."""
    st.session_state.pop(_CANVAS, None)
    st.session_state[_CANVAS_GEN] = canvas_generation() + 1


def add_ink(ink):
    """Combine the canvas's latest image (an ink map, or None when it was emptied) with the strokes
    seen before; returns the combined ink map."""
    from nncore.digits import combine_ink
    st.session_state[_CANVAS] = combine_ink(st.session_state.get(_CANVAS), ink)
    return st.session_state[_CANVAS]


def set_partial_cnn(partial: dict) -> None:
    st.session_state[_CNN_PARTIAL] = partial


def take_partial_cnn() -> dict | None:
    return st.session_state.pop(_CNN_PARTIAL, None)


# --- the shared trainer pool ---------------------------------------------------------------------------

@st.cache_resource
def _trainer_pool() -> threading.BoundedSemaphore:
    """Shared by every session on purpose: it bounds the host's concurrent trainings."""
    return threading.BoundedSemaphore(MAX_TRAINERS)


@contextlib.contextmanager
def trainer_slot() -> Iterator[None]:
    """Hold one of the host's trainer slots; wait (and say so) while all are busy."""
    pool = _trainer_pool()
    if not pool.acquire(blocking=False):
        with st.spinner("Waiting for a free trainer: other students are training. You are in the queue…"):
            pool.acquire()
    try:
        yield
    finally:
        pool.release()


# --- classroom mode ------------------------------------------------------------------------------------

_CLASSROOM_CSS = """
<style>
html, body, [class*="st-"], .stMarkdown p, .stMarkdown li { font-size: 1.22rem !important; }
h1 { font-size: 2.8rem !important; } h2 { font-size: 2.1rem !important; } h3 { font-size: 1.7rem !important; }
</style>
"""


def classroom_mode() -> bool:
    """Sidebar toggle: larger text for a projector, and the advanced controls hidden."""
    on = st.sidebar.toggle("Classroom mode", key=_CLASSROOM,
                           help="Larger text for a projector; hides the advanced settings.")
    if on:
        st.markdown(_CLASSROOM_CSS, unsafe_allow_html=True)
    return on


def advanced_settings(classroom: bool) -> bool:
    """Sidebar toggle for the less-used settings (init, optimizer, momentum, L2, batch norm, dropout,
    seeds, test fraction); off by default and in classroom mode, so the page stays short and fast."""
    return st.sidebar.toggle("Advanced settings", key=_ADVANCED, disabled=classroom,
                             help="Initialisation, optimizer, momentum, L2, batch norm, dropout, seeds.") \
        and not classroom


def friendly_error(what: str, exc: Exception) -> None:
    """A message a student can act on, never a traceback."""
    st.error(f"**{what}.** {exc}", icon="⚠️")
