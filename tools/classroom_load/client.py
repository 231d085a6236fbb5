"""The simulated student on the moons page: a browser tab (``tab.Tab``, Streamlit's own protocol) that
presses Train and records what it saw after its click: the first live frame, the final leaderboard,
errors (the compute budget's refusal) and the captions saying which models it trained or shared.
"""
from __future__ import annotations

import re
import time

from tools.classroom_load.tab import Tab

TRAINED = "Trained in this session:"
SHARED = "Shared from the class's results:"
BUDGET_TEXT = "compute budget"


class Student(Tab):
    """One student's tab on the moons page, and what it saw after its click."""

    def __init__(self, url: str, page: str = "moons", query: str = "", label: str = ""):
        super().__init__(url, page, query, label)
        self.errors: list[tuple[float | None, str]] = []   # (seconds after the click, text)
        self.t_click = None
        self.first_frame_s = self.final_s = None
        self.frames = 0                            # image elements received after the click
        self.clicked_run = 0

    def _element(self, el, path: tuple, now: float) -> None:
        super()._element(el, path, now)
        etype = el.WhichOneof("type")
        after = None if self.t_click is None else now - self.t_click
        if etype == "imgs" and after is not None:
            self.frames += 1
            if self.first_frame_s is None:
                self.first_frame_s = after
            for img in el.imgs.imgs:
                self._text(img.caption)
        elif etype == "dataframe" and after is not None and self.final_s is None:
            self.final_s = after
        elif etype == "alert" and el.alert.format == 1:                    # Alert.ERROR
            self.errors.append((after, el.alert.body))

    async def click(self, prefix: str = "Train") -> None:
        """Press the button (Train): the timings start. A missing button is recorded (``press``), not raised."""
        self.clicked_run, self.t_click = self.runs_finished, time.perf_counter()
        self.first_frame_s = self.final_s = None
        self.frames = 0
        if not await self.press(prefix):
            self.t_click = None

    async def results(self, timeout: float) -> bool:
        """Wait for the final leaderboard, then for that run to end (captions come after it)."""
        if self.failure:
            return False
        got = await self.wait_for(lambda: self.final_s is not None, timeout)
        if got:
            await self.wait_for(lambda: self.runs_finished > self.clicked_run and not self.running, 30)
        return got

    def budget_refusal(self) -> float | None:
        """Seconds from the click to an error naming the compute budget (None: none seen)."""
        return next((t for t, body in self.errors if t is not None and BUDGET_TEXT in body.lower()), None)

    def sharing(self) -> dict:
        """What the captions under the leaderboard say: trained here, shared from the class."""
        trained = shared = None
        for text in self.texts:
            flat = text.replace("*", "")
            if TRAINED in flat:
                trained = _names_after(flat, TRAINED)
            if SHARED in flat:
                shared = _names_after(flat, SHARED)
        return {"trained": trained, "shared": shared}


def _names_after(text: str, marker: str) -> list[str]:
    rest = text.split(marker, 1)[1]
    rest = re.split(r"(?:Trained in this session:|Shared from the class's results:|\n)", rest)[0]
    rest = re.sub(r"\([^)]*\)", "", rest)        # "(the same data, settings and seed ...)"
    return [n.strip(" .·") for n in rest.split(",") if n.strip(" .·")]
