"""Browser side of `python -m nncore bench`: how soon the moons page answers Train in a real Chromium.

A fresh ``streamlit run dashboard.py`` (the classroom load test's ``Server``), one headless Chromium, and per
run a new tab on ``/moons?seed=K`` (a seed of its own: no run reuses another's shared result) at 1400x900. The
times are the page's own (``performance.now()`` in a MutationObserver set just before the click), so polling
adds nothing:

- ``first``: the first live boundary picture (a JPEG frame) is in the page;
- ``finished``: the finished results are: the leaderboard's grid and every final picture (PNGs: one per model
  and the colour bar).

Prints one JSON line: every run's times, the load averages before and after. The browser test
(tests/test_e2e_speed.py) times its click with ``time_train``, as here.

Usage: python tools/browser_probe.py N_RUNS [CHROMIUM]
"""
from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

if __package__ in (None, ""):                     # run as a script: the checkout's packages importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tools.classroom_load.server import Server  # noqa: E402

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
WATCH = """n => { window.__marks = {}; const t0 = performance.now();
  const mark = k => { if (!(k in window.__marks)) window.__marks[k] = (performance.now() - t0) / 1000; };
  const look = () => {
    if (document.querySelector('[data-testid="stImage"] img[src*=".jp"]')) mark('first');
    if (document.querySelector('[data-testid="stDataFrame"]')
        && document.querySelectorAll('[data-testid="stImage"] img[src*=".png"]').length >= n) mark('finished');
  };
  new MutationObserver(look).observe(document.body, {subtree: true, childList: true, attributes: true}); }"""


def time_train(page, pictures: int = 4, timeout_ms: int = 120_000) -> dict:
    """Click Train on a settled moons page; seconds from the click to the first live boundary and to the
    finished results (``pictures`` PNGs: the default lineup's three and the colour bar). A page that finishes
    before its first live frame is drawn counts its first boundary at the finished one."""
    page.evaluate(WATCH, pictures)
    page.get_by_role("button", name="Train").click()
    page.wait_for_function("() => 'finished' in window.__marks", timeout=timeout_ms, polling=50)
    marks = page.evaluate("window.__marks")
    return {"first": round(marks.get("first", marks["finished"]), 3), "finished": round(marks["finished"], 3)}


def _load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def probe(runs: int, chromium: str) -> dict:
    from playwright.sync_api import sync_playwright
    out = {"load_before": _load(), "runs": []}
    server = Server()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=ARGS)
            for k in range(runs):                  # (the first counts too: a new user's first Train)
                page = browser.new_page(viewport={"width": 1400, "height": 900})
                page.goto(f"{server.url}/moons?seed={900 + k}")
                page.wait_for_timeout(400)
                page.wait_for_selector(IDLE, timeout=120_000)
                page.wait_for_timeout(1000)
                out["runs"].append(time_train(page))
                page.wait_for_selector(IDLE, timeout=120_000)
                page.close()
            browser.close()
    finally:
        server.stop()
    out["load_after"] = _load()
    return out


if __name__ == "__main__":
    chromium = sys.argv[2] if len(sys.argv) > 2 else shutil.which("chromium") or shutil.which("chromium-browser")
    print(json.dumps(probe(int(sys.argv[1]), chromium)))
