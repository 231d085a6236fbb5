"""Guided lessons: one TOML file per lesson in this folder, so a teacher writes another without code.

A lesson is a title and steps. Each step sets up the page with the link's own parameters (``setup``:
``preset``, ``models``, ``noise``... exactly what the Share dialog writes), asks the class to predict
(``question`` and ``options``, ``answer`` the index of the right one), lets them train, then reveals
``explanation``. ``show`` names advanced settings that classroom mode shows read-only; ``page`` is
"moons" or "mnist" (a step about the CNN links to the MNIST page); ``trains = false`` marks a step with
nothing to train (a quiz question: the class answers, then reveals). A lesson may list its ``topics`` (short
texts the Home page shows beside its title and minutes). See ``intro.toml``.

A step of ``kind = "challenge"`` asks for no prediction: it sets a ``goal`` and limits (``max_parameters``,
``max_seconds`` of training) on its setup's data, and each student submits their best model to the class's
board (see ``challenge.toml``).
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
PAGES = ("moons", "mnist")
_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,40}")


@dataclass(frozen=True)
class Step:
    title: str
    intro: str                          # what the class sees on screen, and what to look at
    question: str                       # the prediction asked before training
    options: tuple[str, ...]
    answer: int                         # index into options
    explanation: str                    # revealed after training, tied to what is on screen
    setup: dict[str, str]               # link parameters for the moons page ({} keeps the page's setup)
    show: tuple[str, ...] = ()          # advanced settings shown read-only in classroom mode
    page: str = "moons"
    challenge: Challenge | None = None  # a class challenge step: no options, a goal and limits
    trains: bool = True                 # False: nothing to train (a quiz): answer, then reveal


@dataclass(frozen=True)
class Challenge:
    """A class challenge: the best test accuracy on the step's data within these limits."""
    goal: str                           # "The best test accuracy on the noisy spiral"
    max_parameters: int                 # a model with more is not accepted on the board
    max_seconds: float                  # nor one that trained longer


@dataclass(frozen=True)
class Lesson:
    name: str
    title: str
    minutes: int
    steps: tuple[Step, ...]
    topics: tuple[str, ...] = ()        # what the lesson covers, for the Home page's list


def lesson_names() -> list[str]:
    return sorted(p.stem for p in HERE.glob("*.toml"))


def _step(i: int, raw) -> Step:
    where = f"step {i + 1}"
    if not isinstance(raw, dict):
        raise ValueError(f"{where} must be a table")
    if raw.get("kind", "question") == "challenge":
        return _challenge_step(where, raw)
    if raw.get("kind", "question") != "question":
        raise ValueError(f"{where}: kind must be question or challenge")
    text = {k: raw.get(k) for k in ("title", "intro", "question", "explanation")}
    missing = [k for k, v in text.items() if not isinstance(v, str) or not v.strip()]
    options = raw.get("options")
    if missing:
        raise ValueError(f"{where} needs text for {', '.join(missing)}")
    if not isinstance(options, list) or not 2 <= len(options) <= 6 or not all(isinstance(o, str) for o in options):
        raise ValueError(f"{where}: options must be a list of 2 to 6 texts")
    answer, setup, show = raw.get("answer"), raw.get("setup", {}), raw.get("show", [])
    if not isinstance(answer, int) or isinstance(answer, bool) or not 0 <= answer < len(options):
        raise ValueError(f"{where}: answer must be the index (from 0) of one of the options")
    if not isinstance(setup, dict) or not all(isinstance(v, str) for v in setup.values()):
        raise ValueError(f"{where}: setup must map link names to texts")
    if not isinstance(show, list) or not all(isinstance(s, str) for s in show):
        raise ValueError(f"{where}: show must be a list of setting names")
    if raw.get("page", "moons") not in PAGES:
        raise ValueError(f"{where}: page must be one of {', '.join(PAGES)}")
    if not isinstance(raw.get("trains", True), bool):
        raise ValueError(f"{where}: trains must be true or false")
    return Step(text["title"].strip(), text["intro"].strip(), text["question"].strip(), tuple(options), answer,
                text["explanation"].strip(), dict(setup), tuple(show), raw.get("page", "moons"),
                trains=raw.get("trains", True))


def _challenge_step(where: str, raw: dict) -> Step:
    """A ``kind = "challenge"`` step: title, intro, goal, limits and a setup; an explanation is optional."""
    text = {k: raw.get(k) for k in ("title", "intro", "goal")}
    missing = [k for k, v in text.items() if not isinstance(v, str) or not v.strip()]
    if missing:
        raise ValueError(f"{where} needs text for {', '.join(missing)}")
    params, seconds = raw.get("max_parameters"), raw.get("max_seconds")
    if not isinstance(params, int) or isinstance(params, bool) or not 1 <= params <= 10**7:
        raise ValueError(f"{where}: max_parameters must be a whole number from 1 to 10000000")
    if not isinstance(seconds, (int, float)) or isinstance(seconds, bool) or not 0 < seconds <= 600:
        raise ValueError(f"{where}: max_seconds must be a number of seconds from 1 to 600")
    setup, explanation = raw.get("setup", {}), raw.get("explanation", "")
    if not isinstance(setup, dict) or not setup or not all(isinstance(v, str) for v in setup.values()):
        raise ValueError(f"{where}: a challenge needs a setup mapping link names to texts")
    if not isinstance(explanation, str):
        raise ValueError(f"{where}: explanation must be text")
    goal = text["goal"].strip()
    return Step(text["title"].strip(), text["intro"].strip(), goal, (), -1, explanation.strip(), dict(setup),
                tuple(raw.get("show", ())), "moons", Challenge(goal, params, float(seconds)))


def parse_lesson(name: str, text: str) -> Lesson:
    """A lesson from its TOML text. Raises ValueError saying what to fix."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"lesson {name!r} is not valid TOML: {exc}") from None
    steps = raw.get("steps")
    if not isinstance(steps, list) or not steps:
        raise ValueError(f"lesson {name!r} needs at least one [[steps]] table")
    title, minutes = raw.get("title", name), raw.get("minutes", 0)
    if not isinstance(title, str) or not isinstance(minutes, int):
        raise ValueError(f"lesson {name!r}: title must be text and minutes a whole number")
    topics = raw.get("topics", [])
    if not isinstance(topics, list) or not all(isinstance(t, str) and t.strip() for t in topics):
        raise ValueError(f"lesson {name!r}: topics must be a list of texts")
    return Lesson(name, title, minutes, tuple(_step(i, s) for i, s in enumerate(steps)),
                  tuple(t.strip() for t in topics))


def load_lesson(name: str) -> Lesson:
    """The lesson in ``<name>.toml`` beside this module. Raises ValueError for an unknown name."""
    if not isinstance(name, str) or not _NAME.fullmatch(name) or not (HERE / f"{name}.toml").is_file():
        raise ValueError(f"no lesson {str(name)[:40]!r}; lessons: {', '.join(lesson_names())}")
    return parse_lesson(name, (HERE / f"{name}.toml").read_text(encoding="utf-8"))
