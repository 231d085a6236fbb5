"""What a live class shows: the teacher's code and QR, the projector's live answers and reveal, and a
student's own question. The live parts are fragments that look at the class once a second
(``st.fragment(run_every=...)``): a look is one read of the class store under its lock, and only the fragment
reruns; a student's page reruns whole only when the teacher moves the class to another step.
"""
from __future__ import annotations

import html

import streamlit as st

from app_pages import class_room, session
from app_pages.state import LessonAt
from nncore.core.text import count, literal
from nncore.figures.qr import qr_png
from nncore.lessons import Lesson
from nncore.serving.classes import ClassView

POLL_SECONDS = 1.0     # how often a class's pages look at it: a step or a count shows within about a second
_CSS = """<style>
.st-key-class_code h2 { font-size: 2.6rem; letter-spacing: 0.08em; white-space: nowrap; }
.st-key-class_code_small p { font-size: 1.35rem; letter-spacing: 0.05em; white-space: nowrap; margin: 0; }
.class-poll { display: flex; flex-direction: column; gap: 0.3rem; margin: 0.2rem 0 0.6rem; }
.class-poll div { position: relative; display: flex; justify-content: space-between; gap: 0.8rem;
  padding: 0.25rem 0.6rem; border: 1px solid #1f4e99; border-radius: 0.4rem; line-height: 1.3; }
.class-poll span.fill { position: absolute; inset: 0 auto 0 0; background: #c9d8f0; border-radius: 0.35rem; }
.class-poll div.right { border: 3px solid #1b7a3a; } .class-poll div.right span.fill { background: #bfe5c9; }
.class-poll b, .class-poll em { position: relative; font-style: normal; }
.class-poll div.right em::before { content: ""; display: inline-block; width: 0.35em; height: 0.75em;
  margin: 0 0.55em 0.1em 0.15em; border: solid #1b7a3a; border-width: 0 0.2em 0.2em 0; transform: rotate(45deg); }
</style>"""


def teacher_head(lesson: Lesson, i: int) -> None:
    """The class code: large with its join link and QR while the class joins; once the teacher hides it (or
    reveals, or moves on), one line, so the step's question and the class's answers fit a projector's screen."""
    here = class_room.teaching()
    st.html(_CSS)
    if not session.view().join_shown:
        words, show, end = st.columns([2.3, 1, 1], vertical_alignment="center")    # (no icons: room for words)
        with words:
            with st.container(key="class_code_small"):
                st.markdown(f"**Class code: {here.code}**")
            _joined(here.code)
        show.button("Show code", key="class_show_code", width="stretch", on_click=show_code, args=(True,),
                    help="The code large again, with its link and QR.")
        _end_button(end, icon=None)
        return
    link = class_room.join_link(here.code)
    with st.container(key="class_code"):              # (a row of its own: beside the QR it ran under it)
        st.header(f"Class code: {here.code}", anchor=False)     # (no link icon beside it)
    words, picture = st.columns([3, 2], vertical_alignment="center")
    with words:
        st.markdown(f"Students open **{link}** or scan the code.")
        _joined(here.code)
        hide, end = st.columns(2)
        hide.button("Hide code", key="class_hide_code", icon=":material/visibility_off:", width="stretch",
                    on_click=show_code, args=(False,), help="Room for the question and the class's answers "
                    "(the code stays, small). Reveal and Next hide it too.")
        _end_button(end)
    picture.image(qr_png(link), width="stretch", caption="Join the class")


def _end_button(where, icon: str | None = ":material/group_off:") -> None:
    where.button("End class", key="class_end", icon=icon, on_click=class_room.end,
                 width="stretch", help="Ends the class for everyone: students' pages go on alone.")


def show_code(shown: bool) -> None:
    session.view().join_shown = shown


@st.fragment(run_every=POLL_SECONDS)
def _joined(code: str) -> None:
    view = class_room.now()
    if view is not None:
        st.caption(f"{count(view.students, 'student')} joined.")


def student_head() -> None:
    here = class_room.learning()
    st.caption(f"Class **{here.code}**: your teacher moves the steps. Your answer is anonymous.")


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
    st.markdown(f"**{step.question}**")
    count_, act = st.columns(2, vertical_alignment="center")
    with count_.container(key="class_answers"):
        st.subheader(f"{view.answered} answered", anchor=False)     # (no link icon beside the count)
    if view.revealed:
        act.success(f"{view.counts[step.answer]} of {view.answered} predicted it.", icon=":material/check_circle:")
    else:
        act.button("Reveal", key="lesson_reveal", icon=":material/visibility:", width="stretch",
                   on_click=_reveal, args=(lesson.name, i), help="Show the right answer to the whole class.")
    st.html(poll(step.options, view.counts, step.answer if view.revealed else None))
    if view.revealed:
        st.info(f"**{step.options[step.answer]}.** {step.explanation}", icon=":material/lightbulb:")


def poll(options, counts, right: int | None) -> str:
    """The class's answers as a poll: one row per option, filled in proportion to its answers, its count at
    the end (the right one framed in green once revealed). One line an option: the bars and the question
    share a projector's first screen."""
    total = max(sum(counts), 1)
    rows = []
    for k, option in enumerate(options):
        n = counts[k] if k < len(counts) else 0
        rows.append(f'<div class="{"right" if k == right else ""}"><span class="fill" '
                    f'style="width:{100 * n / total:.0f}%"></span><em>{html.escape(option)}</em><b>{n}</b></div>')
    return f'<div class="class-poll">{"".join(rows)}</div>'


def _reveal(name: str, i: int) -> None:
    here = class_room.teaching()
    show_code(False)
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
    if view.revealed:                         # the verdict first: on a phone the radios fill the screen
        verdict = "" if mine is None else ("**Right!** " if mine == step.answer else "**Not quite.** ")
        right = view.counts[step.answer]
        st.info(f"{verdict}*{step.options[step.answer]}.* ({right} of {view.answered} predicted it.) "
                f"{step.explanation}", icon=":material/lightbulb:")
        session.view().revealed.add(LessonAt(lesson.name, i))
    pick = st.radio(step.question, range(len(step.options)), index=mine, format_func=step.options.__getitem__,
                    horizontal=True, key=f"class-{here.code}-{i}", disabled=view.revealed)
    if pick is not None and pick != mine and not view.revealed:
        try:
            store.answer(here.code, here.key, i, pick)
            mine, view = pick, class_room.now() or view     # the count below includes this answer
        except ValueError as exc:
            st.warning(literal(str(exc)))
    if mine is not None and not view.revealed:
        st.caption(f"Your answer is in ({view.answered} of {count(view.students, 'student')} answered). You may "
                   "change it until the teacher reveals.")
