"""The only module that touches ``st.session_state``: everything one student's session keeps (the setup on
screen, trained results, the drawing), never in ``st.cache_resource``, so one student's action never shows
up in another's session.

A session keeps one typed record per page (``app_pages.state``), created on its first use and reached only
through ``moons()``, ``mnist()`` and ``view()`` here. The other keys are widgets' own (Streamlit writes a
toggle's or a tab bar's value under its ``key=``): they are named here, and read or set only here.
"""
from __future__ import annotations

from collections.abc import Callable, MutableMapping
from typing import Any, TypeVar

import streamlit as st

from app_pages.state import ClassSeat, LessonAt, LiveCanvas, MnistState, MoonsState, NeuronDrawing, Setup, ViewState
from nncore.records.transfer import TransferStudy

__all__ = ["ClassSeat", "LessonAt", "LiveCanvas", "MnistState", "MoonsState", "NeuronDrawing", "Setup", "ViewState"]

Store = MutableMapping[str, Any]      # st.session_state, or a test's stand-in (AppTest's, a plain dict)

_MOONS = "moons_state"                # where each record lives
_MNIST = "mnist_state"
_VIEW = "view_state"
_TRANSFER = "transfer_state"

# widget keys: Streamlit writes these itself
CLASSROOM = "classroom_mode"          # the Classroom mode toggle
ADVANCED = "advanced_settings"        # the Advanced settings toggle
PRESET_BOX = "preset_choice"          # the moons page's Preset box
MOONS_TAB = "moons_after"             # the moons page's closer looks under a finished lineup
WATCH_NEURONS = "watch_neurons"       # the moons page's Watch the neurons toggle
MNIST_TAB = "mnist_tab"               # the MNIST page's tab bar
CNN_DATASET = "cnn_dataset"           # the MNIST page's data set radio
_HAND_CELLS = "hand_cells"            # the By hand tab's chosen feature-map cells, per layer

R = TypeVar("R")


def _record(cls: Callable[[], R], key: str, store: Store | None) -> R:
    store = st.session_state if store is None else store
    if key not in store:
        store[key] = cls()
    return store[key]


def moons(store: Store | None = None) -> MoonsState:
    """This session's moons page record, created on first use (``store``: a test's stand-in for the session)."""
    return _record(MoonsState, _MOONS, store)


def mnist(store: Store | None = None) -> MnistState:
    """This session's MNIST page record, created on first use."""
    return _record(MnistState, _MNIST, store)


def transfer(store: Store | None = None) -> TransferStudy:
    """This session's transfer comparison on the MNIST page (the one in progress, the last measured)."""
    return _record(TransferStudy, _TRANSFER, store)


def view(store: Store | None = None) -> ViewState:
    """This session's view record (classroom mode, hidden controls, the lesson), created on first use."""
    return _record(ViewState, _VIEW, store)


# --- the moons page -------------------------------------------------------------------------------------

def models_open(value: bool | None = None) -> bool:
    """Whether the models drawer is open; ``value`` opens or closes it (the router closes it elsewhere)."""
    state = moons()
    if value is not None:
        state.models_open = value
    return state.models_open


def sync_preset_box(setup, shown: str) -> None:
    """The Preset box shows ``shown`` (a preset, or "custom") once the setup changed; else the pick stays."""
    state, setup = moons(), Setup(setup[0], tuple(setup[1]))
    if state.preset_shown != setup or PRESET_BOX not in st.session_state:
        state.preset_shown = setup
        st.session_state[PRESET_BOX] = shown


def watching_neurons() -> bool:
    """The Watch the neurons toggle (its value is kept while the toggle is not drawn)."""
    return bool(st.session_state.get(WATCH_NEURONS, False))


# --- the MNIST page -------------------------------------------------------------------------------------

def pick_dataset(name: str) -> None:
    """Set the data set radio (before it is drawn)."""
    st.session_state[CNN_DATASET] = name


def mnist_tab() -> str | None:
    """The tab the MNIST page's tab bar has open; None before it was first drawn."""
    return st.session_state.get(MNIST_TAB)


def apply_tab_request() -> None:
    """Open the tab the page asked for (``MnistState.tab_request``): call before the tab bar is drawn (a
    widget's state is set before it)."""
    state = mnist()
    if state.tab_request is not None:
        st.session_state[MNIST_TAB], state.tab_request = state.tab_request, None


def canvas_mounted() -> bool:
    """Whether the drawing canvas under its key is still mounted with its state from an earlier run."""
    return mnist().canvas_key in st.session_state


def hand_cell(layer: str, default: tuple[int, int], picked: tuple[int, int] | None = None) -> tuple[int, int]:
    """The By hand tab's cell of ``layer`` (``default`` until one is clicked); ``picked`` sets it."""
    cells = st.session_state.setdefault(_HAND_CELLS, {})
    if picked is not None:
        cells[layer] = picked
    return cells.get(layer, default)


# --- every page: classroom mode -------------------------------------------------------------------------

def sync_classroom_toggle() -> None:
    """Before the toggle is drawn: it shows the session's classroom mode, on every page (a page change
    drops the toggle's own key)."""
    st.session_state[CLASSROOM] = bool(view().classroom)


def copy_classroom_toggle() -> None:
    """The toggle's on_change: its value becomes the session's classroom mode."""
    view().classroom = bool(st.session_state.get(CLASSROOM, False))
