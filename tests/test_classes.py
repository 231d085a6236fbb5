"""Live classes (issue 25): the class store's rules and bounds, the challenge step kind, and the pages of a
teacher and students (AppTest: each AppTest is one session; they share the server's class store)."""
from __future__ import annotations

import threading

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from app_pages import class_room, session
from nncore.core.text import count
from nncore.lessons import load_lesson, parse_lesson
from nncore.serving.classes import ALPHABET, Classes, check_nickname, normal_code
from tests.conftest import ROOT
from tests.test_pages import app

OPTIONS = (3, 3, 0)                      # two questions of 3 options, then a challenge


class Clock:
    def __init__(self):
        self.t = 0.0

    def __call__(self):
        return self.t


def started(**kw):
    store = Classes(**kw)
    code, key = store.start("intro", OPTIONS)
    return store, code, key


# --- the store ------------------------------------------------------------------------------------------

def test_codes_read_aloud_without_look_alikes_and_typed_codes_are_normalised():
    assert not set(ALPHABET) & set("0O1IL2Z5S8B6GUVDQN")
    store, code, _ = started()
    assert len(code) == 5 and set(code) <= set(ALPHABET)
    typed = f" {code[:2].lower()}-{code[2:]} "
    assert normal_code(typed) == code and store.view(typed).code == code


def test_a_flood_of_clicks_from_one_seat_counts_once_and_a_changed_answer_moves():
    store, code, key = started()
    a, b = store.join(code), store.join(code)
    for _ in range(50):
        store.answer(code, a, 0, 1)
    store.answer(code, b, 0, 1)
    store.answer(code, b, 0, 2)
    view = store.view(code)
    assert view.counts == (0, 1, 1) and view.answered == 2 and view.students == 2
    assert store.answer_of(code, a, 0) == 1


def test_thirty_seats_answering_at_once_are_all_counted_once():
    store, code, _ = started()
    seats = [store.join(code) for _ in range(30)]
    threads = [threading.Thread(target=lambda s=s, k=k: [store.answer(code, s, 0, k % 3) for _ in range(20)])
               for k, s in enumerate(seats)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert store.view(code).counts == (10, 10, 10)


def test_only_the_teachers_key_moves_reveals_hides_or_ends():
    store, code, key = started()
    seat = store.join(code)
    for act in (lambda k: store.goto(code, k, 1), lambda k: store.reveal(code, k), lambda k: store.end(code, k)):
        for wrong in (seat, "", None, key[:-1] + "x"):
            with pytest.raises(ValueError, match="Only the teacher"):
                act(wrong)
    assert store.view(code).step == 0 and not store.view(code).revealed
    store.goto(code, key, 1)
    store.reveal(code, key)
    assert store.view(code).step == 1 and store.view(code).revealed


@pytest.mark.parametrize("option", [-1, 3, 99, "1", 1.0, True, None])
def test_answers_outside_the_options_are_refused_and_change_nothing(option):
    store, code, _ = started()
    seat = store.join(code)
    before = store.view(code)
    with pytest.raises(ValueError, match="Pick one of the 3 options"):
        store.answer(code, seat, 0, option)
    assert store.view(code) == before


def test_stale_steps_revealed_steps_and_strangers_cannot_answer():
    store, code, key = started()
    seat = store.join(code)
    with pytest.raises(ValueError, match="moved on"):
        store.answer(code, seat, 1, 0)
    with pytest.raises(ValueError, match="Join the class"):
        store.answer(code, "made-up-seat", 0, 0)
    store.answer(code, seat, 0, 0)
    store.reveal(code, key)
    with pytest.raises(ValueError, match="revealed"):
        store.answer(code, seat, 0, 2)
    assert store.view(code).counts == (1, 0, 0)


@pytest.mark.parametrize("code", ["", "ABCDE0", "<script>", "A" * 10_000, "K7M4\x00", "abc", None, 12345,
                                  "ACEFH\n", "\u202eACEFH", "../../etc"])
def test_hostile_or_unknown_codes_get_one_line(code):
    store, real, _ = started()
    with pytest.raises(ValueError, match="No class with code .* ask your teacher for the code") as exc:
        store.join(code)
    message = str(exc.value)
    assert "\n" not in message and "\x00" not in message and len(message) < 120
    assert store.view(real).students == 0


def test_a_reload_takes_back_its_seat_and_a_made_up_seat_gets_a_new_one():
    store, code, _ = started()
    seat = store.join(code)
    store.answer(code, seat, 0, 2)
    assert store.join(code, seat) == seat and store.answer_of(code, seat, 0) == 2
    other = store.join(code, "guessed-token")
    assert other != seat and other != "guessed-token" and store.view(code).students == 2


def test_bounds_classes_students_entries_and_idle_expiry():
    clock = Clock()
    store = Classes(max_classes=2, max_students=3, max_entries=2, idle_seconds=100, clock=clock)
    (a, ka), _ = store.start("intro", OPTIONS), store.start("intro", OPTIONS)
    with pytest.raises(ValueError, match="2 live classes"):
        store.start("intro", OPTIONS)
    seats = [store.join(a) for _ in range(3)]
    with pytest.raises(ValueError, match="full"):
        store.join(a)
    assert store.join(a, seats[0]) == seats[0]          # a reload is no new student
    store.goto(a, ka, 2)
    for n, s in enumerate(seats[:2]):
        store.submit(a, s, 2, f"kid {n}", 0.9, 100, 1.0)
    with pytest.raises(ValueError, match="board is full"):
        store.submit(a, seats[2], 2, "kid 2", 0.9, 100, 1.0)
    store.submit(a, seats[0], 2, "kid 0 again", 0.95, 90, 1.0)   # a replaced entry takes no new place
    clock.t = 50
    store.view(a)                                       # looking is no activity...
    clock.t = 101
    assert len(store) == 0                              # ...both classes went idle for 100 s
    with pytest.raises(ValueError, match="No class"):
        store.view(a)


def test_two_classes_never_see_each_others_answers_or_entries():
    store = Classes()
    (a, ka), (b, kb) = store.start("intro", OPTIONS), store.start("intro", OPTIONS)
    sa, _ = store.join(a), store.join(b)
    store.answer(a, sa, 0, 0)
    with pytest.raises(ValueError, match="Join the class"):
        store.answer(b, sa, 0, 0)                       # a seat of class a is nobody in class b
    with pytest.raises(ValueError, match="Only the teacher"):
        store.reveal(b, ka)
    assert store.view(a).counts == (1, 0, 0) and store.view(b).counts == (0, 0, 0)
    store.goto(a, ka, 2)
    store.goto(b, kb, 2)
    store.submit(a, sa, 2, "Ada", 0.9, 10, 1.0)
    assert [e.nickname for e in store.view(a).entries] == ["Ada"] and store.view(b).entries == ()


@pytest.mark.parametrize("nick, match", [
    ("**bold**", "letters, digits"), ("<b>x</b>", "letters, digits"), ("[a](http://x)", "letters, digits"),
    ("x" * 10_000, "at most 20"), ("a\x00b", "control"), ("a\nb", "control"), ("\u202eevil", "control"),
    ("   ", "Choose a nickname"), (None, "Choose a nickname"), ("$x$", "letters, digits")])
def test_hostile_nicknames_get_a_message_and_enter_nothing(nick, match):
    store, code, key = started()
    store.goto(code, key, 2)
    seat = store.join(code)
    with pytest.raises(ValueError, match=match):
        store.submit(code, seat, 2, nick, 0.9, 10, 1.0)
    assert store.view(code).entries == ()


def test_nicknames_kept_as_typed_unique_in_a_class_and_hidden_by_the_teacher():
    assert check_nickname("  Zoë  the 3rd! ") == "Zoë the 3rd!"
    store, code, key = started()
    store.goto(code, key, 2)
    a, b = store.join(code), store.join(code)
    ea = store.submit(code, a, 2, "Ada", 0.8, 100, 2.0, "Hidden layers 8, 8", b"png")
    with pytest.raises(ValueError, match="taken"):
        store.submit(code, b, 2, "ada", 0.9, 100, 2.0)
    store.submit(code, b, 2, "Bo", 0.9, 50, 2.0)
    assert [e.nickname for e in store.view(code).entries] == ["Bo", "Ada"]     # best first
    store.hide(code, key, ea.id)
    assert [e.hidden for e in store.view(code).entries] == [False, True]
    assert store.picture(code, ea.id) == b"png"
    with pytest.raises(ValueError, match="not on a challenge"):
        store.goto(code, key, 0) or store.submit(code, a, 0, "Ada", 0.9, 1, 1.0)


# --- the challenge step kind --------------------------------------------------------------------------

def test_the_challenge_lesson_has_a_goal_and_limits_and_bad_ones_say_what_to_fix():
    step = load_lesson("challenge").steps[0]
    assert step.challenge.max_parameters == 500 and step.challenge.max_seconds == 30 and step.options == ()
    base = 'kind = "challenge"\ntitle = "t"\nintro = "i"\ngoal = "g"\nsetup = { dataset = "spiral" }\n'
    for extra, match in [("max_seconds = 5", "max_parameters"), ("max_parameters = 0\nmax_seconds = 5",
                          "max_parameters"), ("max_parameters = 10\nmax_seconds = -1", "max_seconds")]:
        with pytest.raises(ValueError, match=match):
            parse_lesson("x", f"[[steps]]\n{base}{extra}\n")
    with pytest.raises(ValueError, match="kind must be"):
        parse_lesson("x", '[[steps]]\nkind = "quiz"\n')


# --- the pages --------------------------------------------------------------------------------------------

@pytest.fixture(autouse=True)
def fresh_server_caches():
    st.cache_resource.clear()


def page(**query) -> AppTest:
    """A fresh session's first run on the moons page with this link."""
    at = app(**query).run()
    return at.switch_page("app_pages/moons.py").run() if "class" not in query else at


def texts(at) -> str:
    shown = [*at.markdown, *at.header, *at.subheader, *at.caption, *at.warning, *at.info, *at.success]
    return "\n".join(e.value for e in shown if isinstance(e.value, str))


def buttons(at) -> list[str]:
    return [b.label for b in at.button]


def teacher():
    at = page(lesson="intro", teach="1", classroom="1")
    seat = session.view(at.session_state).seat
    assert not at.exception and seat is not None and seat.teacher
    assert f"Class code: {seat.code}" in texts(at)
    assert "teach" not in at.query_params and seat.key not in str(dict(at.query_params))
    return at, seat.code


def test_a_teacher_starts_a_class_students_join_answer_and_follow_the_step():
    at, code = teacher()
    assert "0 answered" in texts(at) and {"Next", "Reveal", "End class"} <= set(buttons(at))
    kids = [page(**{"class": code.lower()}) for _ in range(2)]
    for k, kid in enumerate(kids):
        assert not kid.exception, kid.exception
        assert "Step 1 of 5" in texts(kid) and kid.query_params["seat"]
        assert not {"Next", "Back", "Reveal", "Start a class"} & set(buttons(kid))
        kid.radio(key=f"class-{code}-0").set_value(k).run()
    at.run()
    assert "2 answered" in texts(at)
    at.button(key="lesson_next").click().run()
    for kid in kids:
        kid.run()
        assert "Step 2 of 5" in texts(kid) and kid.query_params["step"] == "2"


def test_a_student_reload_keeps_the_answer_and_the_reveal_shows_the_right_one():
    at, code = teacher()
    kid = page(**{"class": code})
    kid.radio(key=f"class-{code}-0").set_value(1).run()
    assert "Your answer is in (1 of 1 student answered)" in texts(kid)      # counted at once, not next poll
    seat = kid.query_params["seat"]
    again = page(**{"class": code, "seat": seat})                 # the same link, a new session
    assert again.radio(key=f"class-{code}-0").value == 1
    at.run()
    assert "1 answered" in texts(at)
    at.button(key="lesson_reveal").click().run()
    assert "1 of 1 predicted it" in texts(at)
    again.run()
    assert "Right!" in texts(again) and "barely learns" in texts(again).lower()


def test_the_projector_shows_the_code_large_until_the_class_is_under_way():
    """Large with its QR while the class joins; one line once hidden (or after Reveal), so the question and
    the class's answers fit the projector's screen; the code itself stays on screen either way."""
    at, code = teacher()
    assert "Hide code" in buttons(at) and "Show code" not in buttons(at) and "Students open" in texts(at)
    at.button(key="class_hide_code").click().run()
    assert f"Class code: {code}" in texts(at) and "Show code" in buttons(at) and "Students open" not in texts(at)
    at.button(key="class_show_code").click().run()
    assert "Hide code" in buttons(at)
    at.button(key="lesson_reveal").click().run()
    assert not at.exception and "Show code" in buttons(at) and f"Class code: {code}" in texts(at)


@pytest.mark.parametrize("code", ["<b>x</b>", "**X**", "Z" * 10_000, "AAAA\u0007", "ACEFH"])
def test_a_bad_code_gets_one_line_and_the_page_works_alone(code):
    at = page(**{"class": code})
    assert not at.exception
    assert any("No class with code" in w.value and "ask your teacher" in w.value for w in at.warning)
    assert "class" not in at.query_params and session.view(at.session_state).seat is None
    at.switch_page("app_pages/moons.py").run()
    assert not at.exception and at.button(key="FormSubmitter:setup-Train 3 models") is not None


def test_a_class_poll_does_not_pay_for_a_full_garbage_collection():
    """Each live fragment's once-a-second rerun ends without Streamlit's forced full collection, which walked
    the whole start-up heap (torch, scikit-learn, plotly: about 0.2 s a run; a projector and three phones
    saturated the server), and the start-up heap is frozen, so Python's own collections skip it."""
    import gc
    import tomllib

    import nncore.preload  # noqa: F401
    assert tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())["runner"]["postScriptGC"] is False
    assert gc.get_freeze_count() > 100_000


def test_end_class_tells_every_student_and_their_pages_go_on_alone():
    at, code = teacher()
    kid = page(**{"class": code})
    kid.radio(key=f"class-{code}-0").set_value(2).run()
    at.button(key="class_end").click().run()
    assert not at.exception and session.view(at.session_state).seat is None
    assert "Class code:" not in texts(at) and "End class" not in buttons(at)
    kid.run()
    assert not kid.exception
    notices = "\n".join(w.value for w in [*kid.warning, *kid.info, *kid.error, *kid.toast])
    assert f"Class {code} has ended" in notices + texts(kid)
    assert session.view(kid.session_state).seat is None and "class" not in kid.query_params
    kid.switch_page("app_pages/moons.py").run()
    assert not kid.exception and kid.button(key="FormSubmitter:setup-Train 3 models") is not None
    with pytest.raises(ValueError, match="No class"):
        class_room.store().view(code)


def test_a_class_started_after_a_solo_reveal_shows_its_code_large():
    """Reveal and Next hide the code for a class under way; a class started afterwards (after a solo step, or
    after another class) shows it large again, to join."""
    at = page(lesson="intro", classroom="1")
    pick = at.radio(key="predict-intro-0")
    pick.set_value(pick.options[1]).run()
    at.button(key="lesson_reveal").click().run()
    at.button(key="lesson_next").click().run()
    at.button(key="class_start").click().run()
    assert not at.exception and "Students open" in texts(at) and "Hide code" in buttons(at)
    at.button(key="lesson_reveal").click().run()                  # the class's Reveal hides the code...
    assert "Students open" not in texts(at)
    at.button(key="class_end").click().run()
    at.button(key="class_start").click().run()                   # ...and the next class joins first again
    assert "Students open" in texts(at)


def test_count_says_the_plural_it_is_given():
    assert (count(1, "entry", "entries"), count(3, "entry", "entries")) == ("1 entry", "3 entries")
    assert (count(1, "student"), count(0, "student")) == ("1 student", "0 students")
