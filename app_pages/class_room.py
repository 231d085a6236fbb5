"""A live class on the pages: who this session is in it (``session.view().seat``, the only record of who the
teacher is), joining by a link, starting one, and the lesson step the class is on.

- A teacher starts a class from the lesson panel (*Start a class*, classroom mode) or the link
  ``?lesson=NAME&teach=1``; the teacher's key stays in the session, and ``teach=1`` leaves the link at once, so
  neither a reload nor a link on the projector hands anyone else the class.
- A student opens ``?class=CODE`` on any page: the session takes a seat and goes to the lesson page, on the
  teacher's step. The seat token goes into the student's own link (``seat=``) and nowhere else, so a reload
  takes the same seat back, with its answer; the class accepts only seats it issued.
"""
from __future__ import annotations

from urllib.parse import urlparse

import streamlit as st

from app_pages import session
from app_pages.state import ClassSeat
from nncore.core.text import literal
from nncore.env import CLASS_ENTRIES, CLASS_IDLE_HOURS, CLASS_STUDENTS, MAX_CLASSES
from nncore.lessons import Lesson, load_lesson
from nncore.serving.classes import Classes, ClassView, normal_code

LESSON_PAGE = "app_pages/moons.py"


@st.cache_resource
def store() -> Classes:
    """Every live class of this server, shared by every session on purpose (a class is server state); each
    session reaches only the class its seat names, and only its own seat in it."""
    return Classes(MAX_CLASSES, CLASS_STUDENTS, CLASS_ENTRIES, CLASS_IDLE_HOURS * 3600.0)


def seat() -> ClassSeat | None:
    return session.view().seat


def teaching() -> ClassSeat | None:
    """This session's class when it is the class's teacher, else None."""
    here = seat()
    return here if here is not None and here.teacher else None


def learning() -> ClassSeat | None:
    """This session's class when it is a student in it, else None."""
    here = seat()
    return here if here is not None and not here.teacher else None


def start(lesson: Lesson, i: int) -> None:
    """Start a class on ``lesson``, at step ``i``: this session becomes its teacher."""
    try:
        code, key = store().start(lesson.name, [len(s.options) for s in lesson.steps])
        store().goto(code, key, i)
    except ValueError as exc:
        session.moons().notices.append(str(exc))
        return
    session.view().seat = ClassSeat(code, True, key)
    session.view().join_shown = True              # a new class joins first (a solo Reveal or Next hid the code)


def end() -> None:
    """The teacher ends the class: its students' pages say so and go on alone."""
    here = teaching()
    if here is not None:
        try:
            store().end(here.code, here.key)
        except ValueError:
            pass                                   # (gone already)
    session.view().seat = None


def goto(i: int) -> None:
    """The teacher's Next or Back: the class moves with the teacher's page."""
    here = teaching()
    if here is not None:
        try:
            store().goto(here.code, here.key, i)
        except ValueError as exc:
            _lost(exc)


def now() -> ClassView | None:
    """The class as it is now; None (and the session leaves it, with a notice) when it has ended."""
    here = seat()
    if here is None:
        return None
    try:
        return store().view(here.code)
    except ValueError:
        _lost(ValueError(f"Class {here.code} has ended: the page goes on on its own."))
        return None


def _lost(exc: ValueError) -> None:
    session.view().seat = None
    session.moons().notices.append(str(exc))
    for key in ("class", "seat"):
        if key in st.query_params:
            del st.query_params[key]


def join_from_link() -> None:
    """Every page's first look (``chrome.classroom_mode``): ``?class=CODE`` seats this session in the class
    and goes to its lesson on the teacher's step; a bad or unknown code gets one line, and the page works alone."""
    params = st.query_params
    if "class" not in params:
        return
    raw, here = params["class"], seat()
    if here is not None and here.code == normal_code(raw):
        return
    try:
        token = store().join(raw, params.get("seat"))
        view = store().view(raw)
        load_lesson(view.lesson)
    except ValueError as exc:
        st.warning(literal(str(exc)), icon=":material/group_off:")
        for key in ("class", "seat"):
            if key in st.query_params:
                del st.query_params[key]
        return
    session.view().seat = ClassSeat(view.code, False, token)
    keep = {k: v for k, v in params.to_dict().items() if k == "classroom"}
    st.switch_page(LESSON_PAGE, query_params={**keep, "class": view.code, "seat": token,
                                              "lesson": view.lesson, "step": str(view.step + 1)})


def lesson_of_class() -> tuple[Lesson, int] | None:
    """A student's lesson and step: the class's, whatever the link says; None outside a class."""
    if learning() is None:
        return None
    view = now()
    if view is None:
        return None
    return load_lesson(view.lesson), view.step


def teach_from_link(lesson: Lesson, i: int) -> None:
    """``teach=1`` beside ``lesson=``: start a class unless this session already teaches one; either way
    ``teach`` leaves the link (a reload or a copy of the projector's link starts nothing)."""
    if st.query_params.get("teach") is None:
        return
    del st.query_params["teach"]
    if seat() is None:
        start(lesson, i)


def join_link(code: str) -> str:
    """The link students open: this server's address as the room's network sees it (a laptop serving on
    localhost shows its network address instead, as ``streamlit run`` prints it)."""
    parsed = urlparse(st.context.url or "http://localhost:8501/")
    host, port = parsed.hostname or "localhost", parsed.port
    if host in ("localhost", "127.0.0.1", "::1"):
        from streamlit import net_util
        host = net_util.get_internal_ip() or host
    base = st.get_option("server.baseUrlPath").strip("/")
    return f"{parsed.scheme or 'http'}://{host}{f':{port}' if port else ''}/{base + '/' if base else ''}" \
           f"?class={code}"
