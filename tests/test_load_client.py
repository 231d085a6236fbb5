"""The load client's own protocol handling, without a server: ForwardMsgs built here go through a tab's
``_handle``, and what it would send is caught (the real server runs in tests/test_load.py)."""
from __future__ import annotations

import asyncio

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from app_pages import class_board
from tools.classroom_load.classes import Pupil, Teacher


class Wire:
    """Stands in for the websocket: keeps every BackMsg the tab sends."""

    def __init__(self):
        self.sent: list[BackMsg] = []

    async def send(self, raw: bytes) -> None:
        self.sent.append(BackMsg.FromString(raw))


def new_session(*fragments: str) -> ForwardMsg:
    msg = ForwardMsg()
    msg.new_session.page_script_hash = "main"
    msg.metadata.run.fragment_ids.extend(fragments)
    return msg


def delta(path: tuple, fragment: str = "", **element) -> ForwardMsg:
    msg = ForwardMsg()
    msg.metadata.delta_path.extend(path)
    msg.delta.fragment_id = fragment
    kind, fill = next(iter(element.items()))
    fill(getattr(msg.delta.new_element, kind))
    return msg


def finished(status) -> ForwardMsg:
    msg = ForwardMsg()
    msg.script_finished = status
    return msg


def markdown(body):
    return {"markdown": lambda m: setattr(m, "body", body)}


def heading(body):
    return {"heading": lambda m: setattr(m, "body", body)}


def poll(*counts, right=None):
    """The projector's poll as ``class_board.poll`` draws it (options A, B, ...)."""
    body = class_board.poll([chr(65 + k) for k in range(len(counts))], counts, right)
    return {"html": lambda m: setattr(m, "body", body)}


def progress(text):
    return {"progress": lambda m: setattr(m, "text", text)}


def feed(tab, *msgs) -> None:
    for m in msgs:
        tab._handle(m, 0.0)


def test_a_run_every_fragment_reruns_on_the_tabs_timer_until_a_full_run_or_a_stop():
    async def scenario():
        tab = Teacher("http://x")
        tab.ws = Wire()
        auto = ForwardMsg()
        auto.auto_rerun.interval, auto.auto_rerun.fragment_id = 0.05, "frag1"
        feed(tab, new_session(), auto, auto)                 # the same interval again: one timer
        await asyncio.sleep(0.28)
        reruns = [m.rerun_script for m in tab.ws.sent]
        assert 4 <= len(reruns) <= 6, len(reruns)
        assert all(r.fragment_id == "frag1" and r.is_auto_rerun for r in reruns)
        feed(tab, new_session("frag1"))                      # a fragment run keeps the timer
        assert "frag1" in tab.timers
        feed(tab, new_session())                             # a full run clears it
        n = len(tab.ws.sent)
        await asyncio.sleep(0.15)
        assert not tab.timers and len(tab.ws.sent) == n
        feed(tab, auto)
        stop = ForwardMsg()
        stop.stop_auto_rerun.fragment_ids.append("frag1")
        feed(tab, stop)
        assert not tab.timers
    asyncio.run(scenario())


def test_the_projector_is_read_from_its_fragment_after_each_run_and_changes_are_timed():
    tab = Teacher("http://x")
    feed(tab, new_session(), delta((0, 1), **heading("Class code: K7M4R")),
         delta((0, 5, 0, 0), "p", **heading("0 answered")), delta((0, 5, 2), "p", **poll(0, 0)),
         delta((0, 9), **progress("Training: **7**")), finished(ForwardMsg.FINISHED_SUCCESSFULLY))
    assert tab.code == "K7M4R" and tab.projector() == (0, (0, 0))
    feed(tab, new_session("p"), delta((0, 5, 0, 0), "p", **heading("2 answered")),
         delta((0, 5, 2), "p", **poll(1, 1, right=1)), finished(ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY))
    assert tab.projector() == (2, (1, 1))
    assert [h[1:] for h in tab.history] == [(0, (0, 0)), (2, (1, 1))]
    assert tab.first_showing(2, (1, 1), 0.0) is not None and tab.first_showing(2, (2, 0), 0.0) is None
    feed(tab, new_session("p"), delta((0, 5, 0, 0), "p", **heading("2 answered")),
         finished(ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY))            # the poll not redrawn: gone
    assert tab.projector() == (2, ())
    assert (0, 9) in tab.elements                                           # outside the fragment: kept


def test_a_choice_sends_the_radios_option_in_its_fragment_and_every_rerun_resends_it():
    async def scenario():
        tab = Pupil("http://x", "K7M4R")
        tab.ws = Wire()

        def radio(r):
            r.id, r.label = "radio-1", "What will the boundary look like?"
            r.options.extend(["a", "b", "c"])
        feed(tab, new_session(), delta((0, 3), "q", radio=radio), finished(ForwardMsg.FINISHED_SUCCESSFULLY))
        assert tab.options() == 3
        assert await tab.answer(2)
        await tab._send_rerun(fragment="q", auto=True)
        first, second = (m.rerun_script for m in tab.ws.sent)
        assert first.fragment_id == "q" and not first.is_auto_rerun
        for sent in (first, second):
            assert [(w.id, w.string_value) for w in sent.widget_states.widgets] == [("radio-1", "c")]
        feed(tab, delta((0, 4), "q", **markdown("Your answer is in (3 of 12 students answered). You may ...")))
        assert tab.confirmed == (3, 12) and tab.answer_s is not None
    asyncio.run(scenario())
