"""What a live class shows: the teacher's code and QR, the projector's live answers and reveal, and a
student's own question. The live parts are fragments that look at the class once a second
(``st.fragment(run_every=...)``): a look is one read of the class store under its lock, and only the fragment
reruns; a student's page reruns whole only when the teacher moves the class to another step.
"""
from __future__ import annotations

import streamlit as st

from app_pages import class_room, session
from app_pages.state import LessonAt
from nncore.core.text import count, literal
from nncore.figures.qr import qr_png
from nncore.lessons import Lesson
from nncore.serving.classes import ClassView

POLL_SECONDS = 1.0     # how often a class's pages look at it: a step or a count shows within about a second
_CSS = "<style>.st-key-class_code h2 { font-size: 1.9rem; letter-spacing: 0.06em; white-space: nowrap; }</style>"


def teacher_head(lesson: Lesson, i: int) -> None:
    """The class code, large, its join link and QR code, how many joined, and End class."""
    here = class_room.teaching()
    st.html(_CSS)
    link = class_room.join_link(here.code)
    words, picture = st.columns([4, 1.3], vertical_alignment="center")
    with words:
        with st.container(key="class_code"):
            st.markdown(f"## Class code: {here.code}")
        st.markdown(f"Students open **{link}** or scan the code.")
        _joined(here.code)
        st.button("End class", key="class_end", icon=":material/group_off:", on_click=class_room.end,
                  help="Ends the class for everyone: students' pages go on alone.")
    picture.image(qr_png(link), width="stretch", caption="Join the class")


@st.fragment(run_every=POLL_SECONDS)
def _joined(code: str) -> None:
    view = class_room.now()
    if view is not None:
        st.caption(f"{count(view.students, 'student')} joined.")


def student_head() -> None:
    here = class_room.learning()
    st.caption(f"You are in class **{here.code}**: your teacher moves the steps and reveals the answers. "
               "Your answer is anonymous: the class sees only how many picked each option.")


def _moved(view: ClassView | None, i: int) -> None:
    """A student's fragment: when the teacher has moved on (or ended the class), rerun the whole page."""
    if view is None or view.step != i:
        st.rerun(scope="app")


@st.fragment(run_every=POLL_SECONDS)
def projector(lesson: Lesson, i: int) -> None:
    """The teacher's live answers: ``N answered`` and a bar per option, the right answer hidden; after Reveal,
    the right answer beside the class's spread, and the explanation."""
    here, view = class_room.teaching(), class_room.now()
    if here is None or view is None or view.step != i:
        return
    step = lesson.steps[i]
    head, button = st.columns([5, 2], vertical_alignment="center")
    head.markdown(f"**{step.question}**")
    with st.container(key="class_answers"):
        st.markdown(f"### {view.answered} answered")
        for k, option in enumerate(step.options):
            n = view.counts[k] if k < len(view.counts) else 0
            mark = "✅ " if view.revealed and k == step.answer else ""
            st.progress(n / max(view.answered, 1), text=f"{mark}{option}: **{n}**")
    if view.revealed:
        right = view.counts[step.answer] if step.answer < len(view.counts) else 0
        st.success(f"**{step.options[step.answer]}.** {right} of {view.answered} predicted it.",
                   icon=":material/check_circle:")
        st.info(step.explanation, icon=":material/lightbulb:")
    else:
        button.button("Reveal", key="lesson_reveal", icon=":material/visibility:", width="stretch",
                      on_click=_reveal, args=(lesson.name, i), help="Show the right answer to the whole class.")


def _reveal(name: str, i: int) -> None:
    here = class_room.teaching()
    session.view().reveal(name, i)
    if here is not None:
        try:
            class_room.store().reveal(here.code, here.key)
        except ValueError as exc:
            session.moons().notices.append(str(exc))


@st.fragment(run_every=POLL_SECONDS)
def student_question(lesson: Lesson, i: int) -> None:
    """A student's own answer (kept by the class under this session's seat, so a reload shows it again),
    changeable until the teacher reveals; then the right answer and the explanation."""
    here, view = class_room.learning(), class_room.now()
    _moved(view, i)
    step, store = lesson.steps[i], class_room.store()
    try:
        mine = store.answer_of(here.code, here.key, i)
    except ValueError:
        st.rerun(scope="app")
    pick = st.radio(step.question, range(len(step.options)), index=mine, format_func=step.options.__getitem__,
                    horizontal=True, key=f"class-{here.code}-{i}", disabled=view.revealed)
    if pick is not None and pick != mine and not view.revealed:
        try:
            store.answer(here.code, here.key, i, pick)
            mine = pick
        except ValueError as exc:
            st.warning(literal(str(exc)))
    if view.revealed:
        verdict = "" if mine is None else ("**Right!** " if mine == step.answer else "**Not quite.** ")
        right = view.counts[step.answer]
        st.info(f"{verdict}*{step.options[step.answer]}.* ({right} of {view.answered} predicted it.) "
                f"{step.explanation}", icon=":material/lightbulb:")
        session.view().revealed.add(LessonAt(lesson.name, i))
    elif mine is not None:
        st.caption(f"Your answer is in ({view.answered} of {count(view.students, 'student')} answered). You may "
                   "change it until the teacher reveals.")
