"""Session state: one typed record per page (``app_pages/state.py``), reached only through
``app_pages/session.py``.

Plain unit tests, a dict standing in for ``st.session_state``: no AppTest, no training."""
from __future__ import annotations

import ast
import dataclasses
import inspect
import re

import pytest
import streamlit as st

from app_pages import session, state
from nncore.data.toy import DataConfig
from nncore.models.registry import ModelSpec
from nncore.models.scratch import ScratchConfig
from tests.conftest import ROOT

PAGES = sorted((ROOT / "app_pages").glob("*.py")) + [ROOT / "dashboard.py"]
RECORDS = (state.MoonsState, state.MnistState, state.ViewState, state.LiveCanvas)
WIDGET_KEYS = {session.CLASSROOM, session.ADVANCED, session.PRESET_BOX, session.MOONS_TAB, session.WATCH_NEURONS,
               session.MNIST_TAB, session.CNN_DATASET}


def touches_session_state(source: str) -> list[int]:
    """The lines of ``source`` that reach ``st.session_state`` (an attribute, a name or an import of it), or a
    private name of the session module (its record keys)."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and (node.attr == "session_state" or (
                node.attr.startswith("_") and isinstance(node.value, ast.Name) and node.value.id == "session")):
            lines.append(node.lineno)
        elif isinstance(node, ast.Name) and node.id == "session_state":
            lines.append(node.lineno)
        elif isinstance(node, ast.alias) and node.name.split(".")[-1] == "session_state":
            lines.append(node.lineno)
    return sorted(lines)


def test_no_page_touches_session_state_but_the_session_module():
    offenders = {p.name: touches_session_state(p.read_text()) for p in PAGES if p.name != "session.py"}
    assert not {name: lines for name, lines in offenders.items() if lines}, \
        "reach st.session_state only through app_pages/session.py"


def test_the_records_hold_no_streamlit():
    assert not re.search(r"^\s*(import|from)\s+streamlit", (ROOT / "app_pages" / "state.py").read_text(), re.M)


def test_the_check_catches_a_page_that_touches_session_state():
    assert touches_session_state((ROOT / "app_pages" / "session.py").read_text())     # (it does, on purpose)
    assert touches_session_state("import streamlit as st\nst.session_state['x'] = 1\n") == [2]
    assert touches_session_state("from streamlit import session_state\n") == [1]
    assert touches_session_state("from app_pages import session\nsession._MOONS\n") == [2]
    assert not touches_session_state("# st.session_state in a comment\nx = 'session_state'\n")


@pytest.mark.parametrize("record", RECORDS, ids=lambda r: r.__name__)
def test_every_field_is_typed_and_documented(record):
    source = inspect.getsource(record)
    for f in dataclasses.fields(record):
        assert f.type and f.type != "Any", f"{record.__name__}.{f.name} has no type"
        assert re.search(rf"^    {f.name}: .+#", source, re.M), f"{record.__name__}.{f.name}: say what it holds"


@pytest.fixture
def store(monkeypatch) -> dict:
    """A plain dict as this session's state."""
    fake: dict = {}
    monkeypatch.setattr(st, "session_state", fake)
    return fake


class FakeLive:
    def __init__(self, done: bool = False):
        self.done, self.cancelled = done, False

    def cancel(self):
        self.cancelled = True


class FakeTrained:
    def __init__(self, dataset: str):
        self.dataset = dataset


def test_the_moons_record_round_trips():
    moons = state.MoonsState()
    assert moons.setup is None and moons.generation == 0 and not moons.models_open
    lineup = [ModelSpec("Scratch", ScratchConfig(epochs=3))]
    moons.set_setup(DataConfig(noise=0.2), lineup, new_widgets=True)
    data_cfg, kept = moons.setup                                         # unpacks as (data, lineup)
    assert data_cfg == DataConfig(noise=0.2) and kept == tuple(lineup) == moons.setup.lineup
    assert moons.generation == 1
    moons.set_setup(data_cfg, lineup)
    assert moons.generation == 1                                         # the same widgets
    moons.notices += ["one", "two"]
    assert moons.pop_notices() == ["one", "two"] and moons.pop_notices() == []
    first = FakeLive()
    moons.set_live(first)
    made = []
    canvas = moons.live_canvas(lambda: made.append(1) or state.LiveCanvas(painter="painter"))
    assert moons.live_canvas(lambda: made.append(1)) is canvas and made == [1]      # built once per run
    moons.drawn_neurons()[0] = "drawn"
    assert canvas.neurons == {0: "drawn"}
    second = FakeLive()
    moons.set_live(second)                                               # one training per session
    assert first.cancelled and moons.live is second and moons.canvas is None and moons.drawn_neurons() == {}
    moons.set_live(second)                                               # (itself: kept running)
    assert not second.cancelled
    finished = FakeLive(done=True)
    moons.set_live(finished)
    moons.set_live(None)
    assert second.cancelled and not finished.cancelled                   # only a running one is cancelled


def test_the_mnist_record_round_trips():
    mnist = state.MnistState()
    assert mnist.active_model("mnist") is None and mnist.take_run() is None
    digits, clothes = FakeTrained("mnist"), FakeTrained("fashion-mnist")
    mnist.keep("a", digits)
    mnist.keep("b", clothes)
    assert mnist.active_model("mnist") is digits and mnist.models == {"a": digits, "b": clothes}
    assert mnist.others("mnist") == ["fashion-mnist"]
    mnist.run = "run"                                                    # a Stop click keeps the run
    assert mnist.take_run() == "run" and mnist.take_run() is None


def test_the_canvas_keeps_its_key_and_redraws(store):
    mnist = session.mnist()
    assert mnist.canvas_key == "canvas" and not session.canvas_mounted()
    mnist.mount_canvas()
    one, two = {"path": 1}, {"path": 2}
    store[mnist.canvas_key] = {"mounted": True}                          # the component's own state
    assert mnist.canvas_reported([one, two]) == [one, two] and session.canvas_mounted()
    # Drawn on a canvas that started empty: Undo and Clear are made in the browser, not here.
    assert mnist.canvas_in_browser == {"undo": True, "clear": True}
    mnist.undo_canvas()
    mnist.clear_canvas()
    assert mnist.strokes == [one, two] and mnist.canvas_drawing == {"objects": [], "redraws": 0}
    # A canvas remounted with strokes cannot go below them itself: the server redraws it, same key.
    mnist.mount_canvas()
    assert mnist.canvas_in_browser == {"undo": False, "clear": False}
    mnist.undo_canvas()
    assert mnist.strokes == [one] and mnist.canvas_drawing == {"objects": [one], "redraws": 1}
    assert mnist.canvas_reported([one, two]) == [one]                  # the old drawing, before it redrew
    assert mnist.canvas_reported([one, {"path": 3}]) == [one, {"path": 3}]   # a stroke drawn since
    mnist.mount_canvas()
    mnist.clear_canvas()
    assert mnist.strokes == [] and mnist.canvas_drawing == {"objects": [], "redraws": 2}
    assert mnist.canvas_key == "canvas"


def test_the_view_record_round_trips():
    view = state.ViewState()
    assert view.classroom is None and view.lesson is None and not view.hidden
    view.lesson = state.LessonAt("intro", 2)
    name, step = view.lesson
    assert (name, step) == ("intro", 2) == (view.lesson.name, view.lesson.step)
    view.reveal("intro", 2)
    assert ("intro", 2) in view.revealed and ("intro", 1) not in view.revealed


def test_each_record_is_made_once_per_session(store):
    moons, mnist, view = session.moons(), session.mnist(), session.view()
    assert (type(moons), type(mnist), type(view)) == (state.MoonsState, state.MnistState, state.ViewState)
    assert session.moons() is moons is session.moons(store) and session.mnist() is mnist and session.view() is view
    moons.trainings += 3
    assert session.moons().trainings == 3
    assert session.models_open(True) and moons.models_open and not session.models_open(False)


def test_the_widget_keys_are_read_and_set_here(store):
    setup = (DataConfig(), (ModelSpec("Scratch", ScratchConfig()),))
    session.sync_preset_box(setup, "default")
    assert store[session.PRESET_BOX] == "default"
    store[session.PRESET_BOX] = "seed"                                   # the student picks another
    session.sync_preset_box((setup[0], list(setup[1])), "default")       # the same setup: the pick stays
    assert store[session.PRESET_BOX] == "seed"
    session.sync_preset_box((DataConfig(noise=0.3), setup[1]), "custom")
    assert store[session.PRESET_BOX] == "custom"
    assert session.mnist_tab() is None
    session.mnist().tab_request = "Results"
    session.apply_tab_request()
    assert store[session.MNIST_TAB] == "Results" == session.mnist_tab()
    store[session.MNIST_TAB] = "Try it"
    session.apply_tab_request()                                          # asked once
    assert session.mnist_tab() == "Try it"
    session.pick_dataset("fashion-mnist")
    assert store[session.CNN_DATASET] == "fashion-mnist"
    assert not session.watching_neurons()
    store[session.WATCH_NEURONS] = True
    assert session.watching_neurons()
    session.view().classroom = True
    session.sync_classroom_toggle()
    assert store[session.CLASSROOM] is True
    store[session.CLASSROOM] = False                                     # the toggle, switched off
    session.copy_classroom_toggle()
    assert session.view().classroom is False


def test_a_session_keeps_only_its_records_and_widget_keys(store):
    session.moons().set_setup(DataConfig(), [ModelSpec("Scratch", ScratchConfig())])
    session.mnist().keep("a", FakeTrained("mnist"))
    session.mnist().tab_request = "Results"
    session.apply_tab_request()
    session.sync_classroom_toggle()
    session.sync_preset_box(session.moons().setup, "custom")
    records = {k: v for k, v in store.items() if k not in WIDGET_KEYS}
    assert sorted(type(v).__name__ for v in records.values()) == ["MnistState", "MoonsState", "ViewState"]
