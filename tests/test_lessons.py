"""Lessons: data files only; every step's setup is a valid link; bad files say what to fix."""
from __future__ import annotations

import pytest

from nncore import urlstate
from nncore.lessons import lesson_names, load_lesson, parse_lesson
from tests.conftest import ROOT


@pytest.mark.parametrize("name", lesson_names())
def test_every_lesson_file_loads_and_its_setups_are_valid_links(name):
    lesson = load_lesson(name)
    for step in lesson.steps:
        data, lineup, notices = urlstate.decode(step.setup)
        assert notices == [], (step.title, notices)
        assert all(n in urlstate.MODEL_FIELDS or n in urlstate.DATA_KEYS for n in step.show)


def test_the_intro_lesson_has_the_five_steps_of_the_issue():
    lesson = load_lesson("intro")
    assert len(lesson.steps) == 5 and lesson.minutes == 50
    assert [s.setup.get("preset") for s in lesson.steps][:3:2] == ["seed", "shallow-vs-deep"]
    assert lesson.steps[-1].page == "mnist"
    for step in lesson.steps:
        assert step.question.endswith("?") and 0 <= step.answer < len(step.options)


@pytest.mark.parametrize("name", ["../intro", "nope", "", "intro.toml", "a" * 100, None])
def test_unknown_lesson_names_are_value_errors(name):
    with pytest.raises(ValueError, match="no lesson"):
        load_lesson(name)


GOOD = '''
[[steps]]
title = "t"
intro = "i"
question = "q?"
options = ["a", "b"]
answer = 1
explanation = "e"
'''


@pytest.mark.parametrize("text,message", [
    ("steps = [", "not valid TOML"), ("title = 'x'", "at least one"),
    (GOOD.replace("answer = 1", "answer = 2"), "answer must be"),
    (GOOD.replace('options = ["a", "b"]', 'options = ["a"]'), "options must be"),
    (GOOD.replace('question = "q?"', ""), "needs text for question"),
    (GOOD + 'page = "home"', "page must be"), (GOOD + "setup = { noise = 0.3 }", "setup must map"),
])
def test_a_bad_lesson_file_says_what_to_fix(text, message):
    with pytest.raises(ValueError, match=message):
        parse_lesson("x", text)


def test_a_minimal_lesson_parses():
    lesson = parse_lesson("x", GOOD)
    assert lesson.steps[0].setup == {} and lesson.steps[0].page == "moons"


def test_every_lesson_has_about_five_steps_topics_and_minutes():
    for name in lesson_names():
        lesson = load_lesson(name)
        challenges = all(step.challenge for step in lesson.steps)     # a class challenge: one goal, no predictions
        assert (1 if challenges else 4) <= len(lesson.steps) <= 7 and lesson.minutes > 0, name
        assert lesson.topics, name
        for step in lesson.steps:
            assert step.challenge or step.question.endswith("?") and step.explanation, (name, step.title)


def test_a_quiz_step_says_it_has_nothing_to_train():
    assert parse_lesson("x", GOOD).steps[0].trains
    assert not parse_lesson("x", GOOD + "trains = false\n").steps[0].trains
    with pytest.raises(ValueError, match="trains must be true or false"):
        parse_lesson("x", GOOD + 'trains = "no"\n')
    assert not any(step.trains for step in load_lesson("quiz").steps)      # (its intro: no training)
    assert all(step.trains for step in load_lesson("intro").steps)


def test_topics_must_be_texts():
    with pytest.raises(ValueError, match="topics must be"):
        parse_lesson("x", "topics = [1]\n" + GOOD)
    assert parse_lesson("x", 'topics = ["a", "b"]\n' + GOOD).topics == ("a", "b")


def test_the_home_page_links_every_lesson_in_both_modes():
    from streamlit.testing.v1 import AppTest
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60).run()
    assert not at.exception
    shown = " ".join(m.value for m in at.markdown) + " ".join(c.value for c in at.caption)
    links = [(e.proto.page, dict(e.proto.query_string and [kv.split("=") for kv in e.proto.query_string.split("&")]
                                 or []), e.proto.label) for e in at.get("page_link")]
    for name in lesson_names():
        lesson = load_lesson(name)
        assert lesson.title in shown and f"{lesson.minutes} min" in shown
        assert all(t in shown for t in lesson.topics)
        targets = [q for _, q, _ in links if q.get("lesson") == name]
        assert {"lesson": name} in targets and {"lesson": name, "classroom": "1"} in targets, name
