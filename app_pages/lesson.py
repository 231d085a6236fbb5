"""The guided lesson panel (``?lesson=intro``): one step at a time above the moons page's results (a moons
step's question under the boundaries once the class has trained).

Each step sets up the page (its ``setup`` is link parameters, decoded like a link; a step without one keeps
the page's), asks the class to predict, lets them train, and reveals its explanation; a step on another page
(``page = "mnist"``) links to it and keeps its question in the panel. Next and Back (PageDown and PageUp, which a
presentation clicker sends) move between steps; the step lives in the link (``step=2``) and the session.

In a live class (``class_room``) the teacher's Next and Back move every student's page, Reveal reveals to
all, and the projector shows the class's answers (``class_board``); a student's panel has no Next, Back or
Reveal, and its step is the class's, whatever the student's link says. A challenge step shows its goal and
the class's board instead of a question (``class_challenge``).
"""
from __future__ import annotations

import streamlit as st

from app_pages import class_board, class_challenge, class_room, session
from app_pages.state import LessonAt
from nncore import urlstate
from nncore.lessons import Lesson, load_lesson

SETUP_KEYS = (*urlstate.DATA_KEYS, "models", "preset")
# The shortcut badges (PageUp, PageDown) would crowd Back and Next out of their narrow columns: the
# buttons' help says the keys instead.
_CSS = "<style>.st-key-lesson_back kbd, .st-key-lesson_next kbd { display: none; }</style>"


def _index(text, n: int) -> int:
    """``step=3`` -> 2, clamped to the lesson; anything else -> the first step."""
    try:
        return min(max(int(str(text)[:6]), 1), n) - 1
    except ValueError:
        return 0


def _apply(lesson: Lesson, i: int) -> None:
    """Go to step ``i``: the session and the link remember it, and the page takes its setup (a step without
    one keeps the page's); the last step's results go either way, so a step never shows another's."""
    session.view().lesson = LessonAt(lesson.name, i)
    st.query_params["lesson"], st.query_params["step"] = lesson.name, str(i + 1)
    session.moons().set_live(None)
    setup = lesson.steps[i].setup
    if setup:
        data_cfg, lineup, notices = urlstate.decode(setup)
        for notice in notices:
            session.moons().notices.append(f"Lesson step {i + 1}: {notice}")
        session.moons().set_setup(data_cfg, lineup, new_widgets=True)


def _go(lesson: Lesson, i: int) -> None:
    """Next or Back: this page goes to step ``i``, and so does the class this session teaches."""
    _apply(lesson, i)
    class_board.show_code(False)                     # (a class under way: the step gets the screen)
    class_room.goto(i)


def current() -> tuple[Lesson, int] | None:
    """The lesson (and step index) the link or the session is on; None outside a lesson. A link's bad
    lesson name is dropped with a notice. A student in a class is on the class's lesson and step."""
    in_class = class_room.lesson_of_class()
    if in_class is not None:
        lesson, i = in_class
        if session.view().lesson != (lesson.name, i):
            _apply(lesson, i)
        return lesson, i
    guide = _of_link()
    if guide is not None:
        class_room.teach_from_link(*guide)
        class_room.goto(guide[1])                    # (the teacher's page leads: a link's step too)
    return guide


def _of_link() -> tuple[Lesson, int] | None:
    params, view = st.query_params.to_dict(), session.view()
    at = view.lesson
    if "lesson" not in params:
        return (load_lesson(at.name), at.step) if at else None     # a page change dropped the link's lesson
    try:
        lesson = load_lesson(params["lesson"])
    except ValueError as exc:
        session.moons().notices.append(f"Ignored 'lesson' from the link ({exc}).")
        view.lesson = None
        return None
    i = _index(params.get("step", "1"), len(lesson.steps))
    if at != (lesson.name, i):
        if at is None and any(k in params for k in SETUP_KEYS):
            view.lesson = LessonAt(lesson.name, i)      # a shared link mid-lesson: its own setup wins
        else:
            _apply(lesson, i)
    return lesson, i


def class_params() -> dict[str, str]:
    """A student's own link keeps their class and seat (a reload takes the seat back); a teacher's never
    carries the class (the teacher's key stays in the session)."""
    here = class_room.learning()
    return {"class": here.code, "seat": here.key} if here else {}


def link(lesson: Lesson | None, i: int) -> dict[str, str]:
    return {"lesson": lesson.name, "step": str(i + 1)} if lesson else {}


def panel(lesson: Lesson, i: int, ask: bool) -> None:
    """The step's title and Back/Next; with ``ask``, also its introduction and question. Once the class has
    trained a moons step (``asks_under_results``), its question goes under the boundaries (``question_box``)
    instead, so the pictures it asks about and then its explanation share the first screen."""
    step, n = lesson.steps[i], len(lesson.steps)
    st.html(_CSS)                                     # (style only: Streamlit puts it where it takes no room)
    with st.container(border=True, key="lesson_panel"):
        if class_room.teaching():
            class_board.teacher_head(lesson, i)
        if class_room.learning():
            st.markdown(f"**Step {i + 1} of {n}: {step.title}**")
            class_board.student_head()
        else:
            _moves(lesson, i)
        if class_room.seat() is not None:            # a class's live fragments: not inside a placeholder (a
            if ask:                                   # fragment drawn into st.empty stayed a grey skeleton)
                live_first = class_room.teaching() is not None
                if not live_first:                    # (the projector's answers or board first, on a 1024x768
                    st.caption(step.intro)            # screen: every student's own screen has the introduction)
                question(lesson, i)
                if live_first:
                    st.caption(step.intro)
            return
        intro, asked = st.empty(), st.empty()         # one element each either way: a live run's frames never
        if ask:                                       # see the introduction and question of the run before Train
            intro.caption(step.intro)
            with asked.container():
                question(lesson, i)


def _moves(lesson: Lesson, i: int) -> None:
    """The step's title, Back and Next; in classroom mode outside a class, Start a class."""
    step, n = lesson.steps[i], len(lesson.steps)
    start = session.view().classroom and class_room.seat() is None
    head, moves = st.columns([1, 1.2] if start else [5, 3.4], vertical_alignment="center")
    head.markdown(f"**Step {i + 1} of {n}: {step.title}**")
    # The buttons keep their whole labels: on a narrow projector's page they wrap onto a second line.
    row = moves.container(horizontal=True, horizontal_alignment="right", vertical_alignment="center")
    row.button("Back", key="lesson_back", icon=":material/arrow_back:", disabled=i == 0, width="content",
               shortcut="PageUp", help="The previous step (PageUp: a clicker's back key).",
               on_click=_go, args=(lesson, i - 1))
    row.button("Next", key="lesson_next", icon=":material/arrow_forward:", disabled=i == n - 1,
               width="content", shortcut="PageDown", help="The next step (PageDown: a clicker's next key).",
               on_click=_go, args=(lesson, i + 1))
    if start:
        row.button("Start a class", key="class_start", icon=":material/groups:", width="content",
                   on_click=class_room.start, args=(lesson, i),
                   help="Students join with a code and answer on their own screens; the projector "
                        "shows how the class answered.")


def asks_under_results(lesson: Lesson, i: int, trained: bool) -> bool:
    """Whether the step's question goes under the boundaries: a moons step, once the class has trained."""
    return trained and lesson.steps[i].page != "mnist"


def question_box(lesson: Lesson, i: int) -> None:
    """The step's question in a box of its own, for under the boundaries."""
    with st.container(border=True, key="lesson_question"):
        question(lesson, i)


def question(lesson: Lesson, i: int) -> None:
    """The class's prediction and Reveal; once revealed, the explanation with a verdict on the prediction.
    In a class: the projector's live answers (teacher) or the student's own answer; a challenge's board."""
    step = lesson.steps[i]
    if step.challenge is not None:
        return class_challenge.challenge(lesson, i)
    if class_room.teaching():
        return class_board.projector(lesson, i)
    if class_room.learning():
        return class_board.student_question(lesson, i)
    ask, reveal = st.columns([5, 2], vertical_alignment="bottom")
    pick = ask.radio(step.question, step.options, index=None, horizontal=True, key=f"predict-{lesson.name}-{i}")
    if step.page == "mnist":
        st.page_link("app_pages/mnist.py", label="Open the MNIST page", icon=":material/draw:",
                     query_params={"classroom": "1"} if session.view().classroom else None)
    if LessonAt(lesson.name, i) in session.view().revealed:
        verdict = "" if pick is None else ("**Right!** " if step.options.index(pick) == step.answer
                                           else "**Not quite.** ")
        st.info(f"{verdict}*{step.options[step.answer]}.* {step.explanation}", icon=":material/lightbulb:")
    else:
        reveal.button("Reveal", key="lesson_reveal", icon=":material/visibility:", width="stretch",
                      disabled=pick is None, on_click=session.view().reveal, args=(lesson.name, i),
                      help=reveal_help(step))


def reveal_help(step) -> str:
    """What to do before Reveal: a step that trains asks for a prediction first; a quiz step only an answer."""
    if step.trains:
        return "Pick the class's prediction, press Train, watch, then reveal the explanation."
    return "Pick the class's answer, then reveal the right one and its explanation."
