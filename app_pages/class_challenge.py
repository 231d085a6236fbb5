"""A class challenge step (``kind = "challenge"``): its goal and limits, a student's entry (their best
trained model within the limits, under a nickname), and the class's board, live on the projector.

An entry's numbers come from the student's own finished training on the server (never from what a page
sends), and only a model trained on the challenge's data and within its limits is accepted. Nicknames are
shown literally: the board is a table, and a caption escapes them.
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from app_pages import class_room, session
from app_pages.class_board import POLL_SECONDS
from nncore import urlstate
from nncore.core.text import count, literal
from nncore.figures.raster import BoundaryPainter, png
from nncore.lessons import Lesson
from nncore.models.registry import differences
from nncore.serving.classes import NICKNAME_MAX


def challenge(lesson: Lesson, i: int) -> None:
    """The goal and limits; for a student with a finished training, the entry form; the board."""
    step = lesson.steps[i]
    rule = step.challenge
    st.markdown(f"**{step.question}**: at most {rule.max_parameters:,} parameters and "
                f"{rule.max_seconds:g} s of training, on this step's data.")
    if class_room.teaching():
        board(lesson, i)
    elif class_room.learning():
        live = session.moons().live
        if live is not None and live.done:
            entry_form(lesson, i, live)
        student_board(lesson, i)
    else:
        st.caption("Start a class (classroom mode, in the lesson panel) to collect the class's entries on a board.")


def _start(lesson: Lesson, i: int):
    data_cfg, lineup, _ = urlstate.decode(lesson.steps[i].setup)
    return data_cfg, lineup


def entry_form(lesson: Lesson, i: int, live) -> None:
    """Pick one of this session's finished models within the limits, choose a nickname, submit."""
    rule, (data_cfg, start) = lesson.steps[i].challenge, _start(lesson, i)
    if live.data_config.replace(repeats=1) != data_cfg.replace(repeats=1):
        st.warning("Train on the challenge's data to enter (its set-up is the step's: press Back and Next, or "
                   "ask your teacher).", icon=":material/rule:")
        return
    results = [r for r in live.results() if r.test_accuracy is not None]
    fits = [r for r in results if r.parameters is not None and r.parameters <= rule.max_parameters
            and r.train_seconds <= rule.max_seconds]
    over = [r.spec.name for r in results if r not in fits]
    if over:
        st.caption(f"Over the limits: {literal(', '.join(over))}.")
    if not fits:
        st.info("None of your models fits the limits yet: fewer units, or fewer epochs.", icon=":material/rule:")
        return
    with st.form("class_entry", border=True):
        left, right = st.columns(2)
        pick = left.selectbox("Your model", range(len(fits)), key="entry_model",
                              format_func=lambda k: f"{fits[k].spec.name}: {fits[k].test_accuracy:.1%}, "
                                                    f"{fits[k].parameters:,} parameters")
        nickname = right.text_input("Nickname", max_chars=NICKNAME_MAX, key="entry_nickname",
                                    placeholder="shown on the board", help="Letters, digits, spaces and - . ' ! "
                                    f"only, at most {NICKNAME_MAX} characters. No real names needed.")
        if st.form_submit_button("Submit to the board", icon=":material/leaderboard:"):
            _submit(lesson, i, live, fits[pick], nickname, start)


def _submit(lesson: Lesson, i: int, live, result, nickname, start) -> None:
    here = class_room.learning()
    rows = differences(start[0], result.spec) if start else []
    differs = "; ".join(f"{r['setting']} {r[result.spec.name]}" for r in rows if result.spec.name in r)
    picture = png(BoundaryPainter(live.mesh, live.data).paint(result.boundary))
    try:
        class_room.store().submit(here.code, here.key, i, nickname, result.test_accuracy, result.parameters,
                                  result.train_seconds, differs, picture)
    except ValueError as exc:
        st.error(f"**Not entered.** {literal(str(exc))}", icon="⚠️")
        return
    st.success("Entered: your model is on the class's board.", icon=":material/check:")


def _rows(entries, teacher: bool) -> pd.DataFrame:
    shown = [e for e in entries if teacher or not e.hidden]
    return pd.DataFrame({"#": range(1, len(shown) + 1), "nickname": [e.nickname for e in shown],   # (short
                         "accuracy": [f"{e.accuracy:.1%}" for e in shown],        # headings: a projector's
                         "params": [e.parameters for e in shown],                 # 1024 px hold every column)
                         "s": [round(e.seconds, 1) for e in shown],
                         "changed": [e.differs or "nothing" for e in shown],
                         **({"hidden": ["hidden" if e.hidden else "" for e in shown]}
                            if teacher and any(e.hidden for e in shown) else {})})


@st.fragment(run_every=POLL_SECONDS)
def board(lesson: Lesson, i: int) -> None:
    """The projector's board, live: every entry, best first; open one's boundary picture, or hide it."""
    here, view = class_room.teaching(), class_room.now()
    if here is None or view is None or view.step != i:
        return
    st.markdown(f"**{count(len(view.entries), 'entry', 'entries')} from {count(view.students, 'student')}**")
    if not view.entries:
        st.caption("Entries appear here as students submit them.")
        return
    st.dataframe(_rows(view.entries, teacher=True), hide_index=True, width="stretch")
    ids = [e.id for e in view.entries]
    names = {e.id: f"{e.nickname} ({e.accuracy:.1%})" for e in view.entries}
    chosen = st.selectbox("Open an entry", ids, index=None, format_func=names.__getitem__, key="board_entry",
                          placeholder="Choose an entry to see its boundary")
    entry = next((e for e in view.entries if e.id == chosen), None)
    if entry is not None:
        pic, act = st.columns([2, 1])
        picture = class_room.store().picture(here.code, entry.id)
        if picture:
            pic.image(picture, caption=f"{entry.nickname}: {entry.accuracy:.1%}", width="stretch")
        label = "Show on the board" if entry.hidden else "Hide from the board"
        act.button(label, key="board_hide", icon=":material/visibility_off:", on_click=_hide,
                   args=(entry.id, not entry.hidden))


def _hide(entry_id: int, hidden: bool) -> None:
    here = class_room.teaching()
    if here is not None:
        try:
            class_room.store().hide(here.code, here.key, entry_id, hidden)
        except ValueError as exc:
            session.moons().notices.append(str(exc))


@st.fragment(run_every=POLL_SECONDS)
def student_board(lesson: Lesson, i: int) -> None:
    """A student's view of the board (nicknames the teacher hid left out) and their own entry; follows
    the teacher to the next step."""
    here, view = class_room.learning(), class_room.now()
    if view is None or view.step != i:
        st.rerun(scope="app")
    mine = class_room.store().entry_of(here.code, here.key, i)
    shown = [e for e in view.entries if not e.hidden]
    if mine is not None:
        place = next((k for k, e in enumerate(shown, 1) if e.id == mine.id), None)
        st.caption(f"Your entry, as {literal(mine.nickname)}: {mine.accuracy:.1%}"
                   + (f", place {place} of {len(shown)}." if place else " (hidden by your teacher)."))
    if shown:
        st.dataframe(_rows(shown[:10], teacher=False), hide_index=True, width="stretch")
