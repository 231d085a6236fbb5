"""A live class over the websocket (issue 25): the teacher's tab (the ``teach=1`` link: a class code and the
projector's live count) and a student's tab (``?class=CODE``: the teacher's step and its question, a radio).

What each reads is what the page draws, as a browser shows it:
- the teacher's class code, from the heading (or, once hidden, the line) ``Class code: CODE``;
- the projector (``class_board.projector``, a ``run_every`` fragment the tab's timer reruns): the heading
  ``N answered`` and the poll (``class_board.poll``: an HTML element, one row per option, its count in
  ``<b>n</b>``); read at the end of every run, each change kept with its time (``Teacher.history``);
- a student's confirmation, the caption ``Your answer is in (N of M students answered)``.
"""
from __future__ import annotations

import re
import time

from tools.classroom_load.tab import Tab

CODE = re.compile(r"Class code: ([ACEFHJKMPRTWXY3479]{5})\b")
ANSWERED = re.compile(r"^#*\s*(\d+) answered\s*$")
POLL_ROW = re.compile(r"<em>(.*?)</em><b>(\d+)</b>")
ANSWER_IN = re.compile(r"Your answer is in \((\d+) of (\d+) students? answered\)")


class Teacher(Tab):
    """The teacher's tab on the projector: starts a class from the link, shows its code and live count."""

    def __init__(self, url: str, lesson: str = "intro", label: str = "teacher"):
        super().__init__(url, "moons", f"lesson={lesson}&teach=1&classroom=1", label)
        self.code: str | None = None
        self.history: list[tuple[float, int, tuple[int, ...]]] = []   # (time, answered, counts) at each change

    def _element(self, el, path: tuple, now: float) -> None:
        super()._element(el, path, now)
        kind = el.WhichOneof("type")
        if kind in ("heading", "markdown") and self.code is None:
            found = CODE.search(getattr(el, kind).body)
            if found:
                self.code = found.group(1)

    def _finished(self, status: int) -> None:
        super()._finished(status)
        seen = self.projector()
        if seen is not None and (not self.history or self.history[-1][1:] != seen):
            self.history.append((time.perf_counter(), *seen))

    def projector(self) -> tuple[int, tuple[int, ...]] | None:
        """What the projector shows now: (N answered, the count on each option's row); None: no projector."""
        shown = [(kind, body) for _, el in sorted(self.elements.items()) if el is not None
                 and (kind := el.WhichOneof("type")) in ("heading", "markdown", "html")
                 and (body := getattr(el, kind).body)]
        answered = next((int(m.group(1)) for kind, body in shown if kind != "html" and (m := ANSWERED.match(body))),
                        None)
        if answered is None:
            return None
        poll = next((body for kind, body in shown if kind == "html" and "class-poll" in body), "")
        return answered, tuple(int(n) for _, n in POLL_ROW.findall(poll))

    async def start(self, timeout: float) -> str | None:
        """Open the teacher's link and wait for the class code and the projector."""
        await self.open(timeout)
        await self.wait_for(lambda: self.code is not None and self.projector() is not None, timeout)
        if self.code is None:
            self.failure = f"no class code; texts: {self.texts[:8]}"
        return self.code

    def first_showing(self, answered: int, counts: tuple[int, ...], since: float) -> float | None:
        """Seconds from ``since`` until the projector first showed exactly this (None: not yet)."""
        return next((t - since for t, n, c in self.history if t >= since and n == answered and c == counts), None)

    def most_answered(self, since: float = 0.0) -> int:
        return max((n for t, n, _ in self.history if t >= since), default=0)


class Pupil(Tab):
    """A student's tab: opens ``?class=CODE`` (the server seats it and switches to the lesson page on the
    teacher's step), answers the step's question, and times the confirmation."""

    def __init__(self, url: str, code: str, label: str = "", page: str = "moons"):
        super().__init__(url, page, f"class={code}", label)
        self.code = code
        self.t_sent: float | None = None
        self.answer_s: float | None = None         # from the answer sent to its "answer is in"
        self.confirmed: tuple[int, int] | None = None    # the last "(N of M students answered)" seen

    def _element(self, el, path: tuple, now: float) -> None:
        super()._element(el, path, now)
        if el.WhichOneof("type") == "markdown":
            found = ANSWER_IN.search(el.markdown.body)
            if found:
                self.confirmed = (int(found.group(1)), int(found.group(2)))
                if self.t_sent is not None and self.answer_s is None:
                    self.answer_s = now - self.t_sent

    async def join(self, timeout: float) -> bool:
        """Open the class link; True once the question (a radio) is on the page and the run is over."""
        await self.open(timeout)
        ok = await self.wait_for(lambda: self.find("radio") is not None and not self.running, timeout)
        self.opened_s = time.perf_counter() - self.t_open         # (the open until the question is on screen)
        if not ok and self.failure is None:
            self.failure = f"no question after joining; texts: {self.texts[-6:]}"
        return ok

    def options(self) -> int:
        found = self.find("radio")
        return 0 if found is None else len(found[1].options)

    async def answer(self, index: int) -> float | None:
        """Pick option ``index``; returns when it was sent (the confirmation is timed from then)."""
        self.t_sent, self.answer_s = time.perf_counter(), None
        return self.t_sent if await self.choose(index) else None

    async def confirmation(self, timeout: float) -> bool:
        return await self.wait_for(lambda: self.answer_s is not None, timeout)
