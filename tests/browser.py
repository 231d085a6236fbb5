"""Shared parts of the browser tests: a real `streamlit run dashboard.py` on a free port, headless
Chromium (Debian's) driven by Playwright, waits, screenshots in test-artifacts/ and drawing strokes."""
from __future__ import annotations

import shutil
import time

from tests.conftest import ROOT
from tools.browser_probe import ARGS, IDLE  # noqa: F401 - the browser's flags and "the script is idle", shared
from tools.classroom_load import Server as LoadTestServer

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = ROOT / "test-artifacts"


class Server(LoadTestServer):
    """A real ``streamlit run dashboard.py`` on a free port (the classroom load test's), its log in test-artifacts/."""

    def __init__(self, env: dict | None = None):
        ARTIFACTS.mkdir(exist_ok=True)
        port_log = ARTIFACTS / f"server-{time.time_ns()}.log"
        super().__init__(env=env, log=port_log)


def settle(page, timeout=120_000):
    """Wait until the script has finished its run (a short grace first, for the run to begin)."""
    page.wait_for_timeout(400)
    page.wait_for_selector(IDLE, timeout=timeout)


def screenshot(page, name: str) -> None:
    height = page.evaluate("(document.querySelector('[data-testid=stMain]') || document.body).scrollHeight")
    page.set_viewport_size({"width": 1400, "height": min(max(height, 900), 6000)})
    page.wait_for_timeout(500)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))
    page.set_viewport_size({"width": 1400, "height": 900})


def no_exception(page) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0



def stroke(page, canvas, pts) -> None:
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    x0, y0, w, h = box["x"], box["y"], box["width"], box["height"]
    page.mouse.move(x0 + pts[0][0] * w, y0 + pts[0][1] * h)
    page.mouse.down()
    for px, py in pts[1:]:
        page.mouse.move(x0 + px * w, y0 + py * h, steps=8)
    page.mouse.up()


def draw_seven(page, canvas) -> None:
    """A 7 in two strokes, as a student draws it: the bar, then (after the page reran) the stem."""
    stroke(page, canvas, [(0.25, 0.2), (0.5, 0.2), (0.75, 0.2)])
    settle(page)
    stroke(page, canvas, [(0.75, 0.2), (0.65, 0.45), (0.55, 0.65), (0.45, 0.85)])
