"""Lessons: data files only; every step's setup is a valid link; bad files say what to fix."""
from __future__ import annotations

import pytest

from nncore import urlstate
from nncore.lessons import lesson_names, load_lesson, parse_lesson


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
