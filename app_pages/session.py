"""The only module that names ``st.session_state`` keys: everything one student's session keeps (the setup
on screen, trained results, the drawing), never in ``st.cache_resource``: one student's action never
shows up in another's session."""
from __future__ import annotations

from typing import Any

import streamlit as st

# session-state keys, all in one place
_SETUP = "moons_setup"              # (DataConfig, lineup) the page currently shows
_POINTS = "moons_points"            # (uploaded Points, the upload's file id): the dataset "csv"
_TRAININGS = "trainings"            # how many models this session has trained (tests count it)
_GENERATION = "widget_generation"   # bumped when a preset or a link replaces the lineup's widgets
_NOTICES = "notices"
_LIVE = "moons_live"                # the lineup training (or trained) on the moons page
_LIVE_VIEW = "moons_live_view"      # its boundary canvas and drawn snapshot figures
_CNN = "cnn_models"                 # model key -> nncore.records.mnist.TrainedCNN
_CNN_ACTIVE = "cnn_active"          # per data set, the key of the model the MNIST page shows
_CNN_LINK = "cnn_link"              # the MNIST form's settings as the link gave them (read once)
_CNN_RUN = "cnn_run"                # the CNNRun in progress, kept if a Stop click interrupts it
_STROKES = "canvas_strokes"         # the drawing: the canvas's own stroke list (Fabric.js objects)
_CANVAS_BASE = "canvas_base"        # the strokes the mounted canvas was started from (initial_drawing)
_CANVAS_GEN = "canvas_generation"   # bumped to remount the canvas from the strokes (Clear, Undo, return)
_TAB_REQUEST = "mnist_tab_request"  # a tab the MNIST page should open on its next run
MNIST_TAB = "mnist_tab"             # the MNIST page's tab bar (a widget key)
MOONS_TAB = "moons_after"           # the moons page's closer looks under a finished lineup (a widget)
_MODELS_OPEN = "models_drawer"      # the moons page's models drawer is open (until Apply or dismissed)
CLASSROOM = "classroom_mode"        # widget keys (the toggles write these themselves)
ADVANCED = "advanced_settings"


def state_default(key: str, factory) -> Any:
    if key not in st.session_state:
        st.session_state[key] = factory()
    return st.session_state[key]


# --- moons results ---------------------------------------------------------------------------------

def count_trainings(n: int = 1) -> None:
    """How many models this session trained itself (tests count them; shared results do not add)."""
    st.session_state[_TRAININGS] = st.session_state.get(_TRAININGS, 0) + n


def get_setup():
    return st.session_state.get(_SETUP)


def set_setup(data_config, lineup, *, new_widgets: bool = False) -> None:
    st.session_state[_SETUP] = (data_config, tuple(lineup))
    if new_widgets:
        st.session_state[_GENERATION] = st.session_state.get(_GENERATION, 0) + 1


def points() -> tuple:
    """The points this session uploaded (``nncore.data.points.Points``) and the upload's file id (a new
    upload is read once), or (None, None)."""
    return st.session_state.get(_POINTS, (None, None))


def set_points(value, file_id: str | None) -> None:
    st.session_state[_POINTS] = (value, file_id)


def generation() -> int:
    return st.session_state.get(_GENERATION, 0)


def add_notice(text: str) -> None:
    state_default(_NOTICES, list).append(text)


def pop_notices() -> list[str]:
    return st.session_state.pop(_NOTICES, [])


def get_live():
    """This session's live training (a ``LiveComparison``), running, paused, stopped or finished."""
    return st.session_state.get(_LIVE)


def set_live(live) -> None:
    """Replace the live training; one still running is cancelled first (one training per session)."""
    old = st.session_state.get(_LIVE)
    if old is not None and old is not live and not old.done:
        old.cancel()
    st.session_state[_LIVE] = live
    st.session_state.pop(_LIVE_VIEW, None)


def models_open(value: bool | None = None) -> bool:
    if value is not None:
        st.session_state[_MODELS_OPEN] = value
    return st.session_state.get(_MODELS_OPEN, False)


def live_canvas(factory):
    """The live run's figure canvas and drawn snapshots, built once per run."""
    return state_default(_LIVE_VIEW, factory)


# --- CNN models --------------------------------------------------------------------------------------

def cnn_models() -> dict:
    """Trained CNNs by key (``TrainedCNN`` records), this session's only."""
    return state_default(_CNN, dict)


def active_cnn(dataset: str):
    """The ``TrainedCNN`` the MNIST page shows for this data set, or None: a model is tied to the
    data set it was trained on, so a Fashion-MNIST model never answers on the MNIST page."""
    return cnn_models().get(state_default(_CNN_ACTIVE, dict).get(dataset))


def other_cnns(dataset: str) -> list[str]:
    """The data sets this session has an active model for, besides ``dataset``."""
    return [d for d, key in state_default(_CNN_ACTIVE, dict).items() if d != dataset and key in cnn_models()]


def cnn_link():
    """The MNIST form's settings from the link (a ``CNNConfig``), or None before the link is read."""
    return st.session_state.get(_CNN_LINK)


def set_cnn_link(config) -> None:
    st.session_state[_CNN_LINK] = config


def keep_cnn(key: str, trained) -> None:
    """Store a trained CNN and make it the active one for the data set it was trained on."""
    cnn_models()[key] = trained
    state_default(_CNN_ACTIVE, dict)[trained.dataset] = key


def set_cnn_run(run) -> None:
    st.session_state[_CNN_RUN] = run


def take_cnn_run():
    """The ``CNNRun`` left in progress (None when none): a Stop click or a rerun interrupted it."""
    return st.session_state.pop(_CNN_RUN, None)


# --- the drawing: one stroke list; the canvas starts from it (initial_drawing) and reports it back. A
# mounted canvas keeps its Undo history (its initial drawing stays); one mounted afresh (a tab or page
# change dropped it) starts from the current strokes under a new key.

def strokes() -> list:
    return st.session_state.get(_STROKES, [])


def canvas_base() -> list:
    return st.session_state.get(_CANVAS_BASE, [])


def canvas_key() -> str:
    return f"canvas{st.session_state.get(_CANVAS_GEN, 0)}"


def canvas_mounted() -> bool:
    """Whether the canvas under ``canvas_key()`` is still mounted with its state from an earlier run."""
    return canvas_key() in st.session_state


def remount_canvas(objects: list | None = None) -> None:
    """Set the strokes (when given) and start a fresh canvas from them on the next render."""
    if objects is not None:
        st.session_state[_STROKES] = list(objects)
    st.session_state[_CANVAS_BASE] = strokes()
    st.session_state[_CANVAS_GEN] = st.session_state.get(_CANVAS_GEN, 0) + 1


def set_strokes(objects: list) -> None:
    """What the canvas reported: it becomes the drawing."""
    st.session_state[_STROKES] = list(objects)


def request_tab(label: str) -> None:
    st.session_state[_TAB_REQUEST] = label


def apply_tab_request() -> None:
    """Open a requested tab: call before the tab bar is drawn (a widget's state is set before it)."""
    label = st.session_state.pop(_TAB_REQUEST, None)
    if label is not None:
        st.session_state[MNIST_TAB] = label


# --- the view: classroom mode, hidden controls, the Preset box, the guided lesson ---------------------

_CLASSROOM_ON = "classroom_on"      # classroom mode for the session (a page change drops the toggle's key)
_HIDDEN = "hidden_controls"         # the controls a link hid (hide=...), kept across pages
_PRESET_SHOWN = "preset_box_setup"  # the setup the Preset box was last set to match
_LESSON = "lesson_at"               # (lesson name, step index) or None
_REVEALED = "lesson_revealed"       # {(lesson, step)}: explanations shown
PRESET_BOX = "preset_choice"        # the Preset box (a widget key)


def classroom_known() -> bool:
    return _CLASSROOM_ON in st.session_state


def classroom() -> bool:
    return bool(st.session_state.get(_CLASSROOM_ON, False))


def set_classroom(on: bool) -> None:
    st.session_state[_CLASSROOM_ON] = bool(on)


def sync_classroom_toggle() -> None:
    """Before the toggle is drawn: it shows the session's classroom mode, on every page."""
    st.session_state[CLASSROOM] = classroom()


def copy_classroom_toggle() -> None:
    """The toggle's on_change: its value becomes the session's classroom mode."""
    set_classroom(st.session_state.get(CLASSROOM, False))


def hidden() -> frozenset:
    return st.session_state.get(_HIDDEN, frozenset())


def set_hidden(names) -> None:
    st.session_state[_HIDDEN] = frozenset(names)


def sync_preset_box(setup, shown: str) -> None:
    """The Preset box shows ``shown`` (a preset, or "custom") once the setup changed; else the pick stays."""
    if st.session_state.get(_PRESET_SHOWN) != setup or PRESET_BOX not in st.session_state:
        st.session_state[_PRESET_SHOWN] = setup
        st.session_state[PRESET_BOX] = shown


def lesson_at():
    return st.session_state.get(_LESSON)


def set_lesson_at(name: str | None, step: int = 0) -> None:
    st.session_state[_LESSON] = None if name is None else (name, step)


def revealed(name: str, step: int) -> bool:
    return (name, step) in st.session_state.get(_REVEALED, set())


def reveal(name: str, step: int) -> None:
    state_default(_REVEALED, set).add((name, step))
