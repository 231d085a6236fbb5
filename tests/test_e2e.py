"""End-to-end tests in headless Chromium (Debian's), driven by Playwright for Python.

The suite starts `streamlit run dashboard.py` on a free port, drives real pages and keeps
screenshots in test-artifacts/. Skipped, with the reason, where no Chromium is installed.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import ROOT

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no Chromium installed (apt-get install chromium)")
ARTIFACTS = ROOT / "test-artifacts"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, env: dict | None = None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = open(ARTIFACTS / f"server-{self.port}.log", "w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "dashboard.py", "--server.headless", "true",
             "--server.port", str(self.port), "--server.address", "127.0.0.1"],
            cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})})
        deadline = time.time() + 90
        while time.time() < deadline:
            try:
                if urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2).status == 200:
                    return
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError("streamlit did not start")

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


@pytest.fixture(scope="module")
def server():
    ARTIFACTS.mkdir(exist_ok=True)
    s = Server()
    yield s
    s.stop()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


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


@pytest.mark.parametrize("path,title", [("", "Neural network classroom"), ("moons", "Moons comparison"),
                                        ("mnist", "MNIST CNN"), ("concepts", "Concepts")])
def test_every_page_renders(server, browser, path, title):
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.goto(f"{server.url}/{path}")
    settle(page)
    assert page.get_by_role("heading", name=title).count() >= 1
    no_exception(page)
    screenshot(page, f"page-{path or 'home'}")
    page.close()


def test_moons_train_then_results(server, browser):
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.goto(f"{server.url}/moons")
    settle(page)
    start = time.time()
    page.get_by_role("button", name="Train").click()
    page.get_by_text("Leaderboard").wait_for(timeout=120_000)
    settle(page)
    print(f"moons: default lineup trained and shown in {time.time() - start:.1f} s")
    no_exception(page)
    page.locator('[data-testid="stDataFrame"]').first.wait_for(timeout=30_000)      # the leaderboard
    page.locator(".js-plotly-plot").nth(1).wait_for(timeout=30_000)                # the boundaries and the curves
    page.locator(".annotation-text").first.wait_for(timeout=30_000)
    titles = " ".join(page.locator(".annotation-text").evaluate_all("els => els.map(e => e.textContent)"))
    assert "Scratch NumPy —" in titles and "PyTorch MLP —" in titles and "scikit-learn MLP —" in titles
    screenshot(page, "moons-trained")
    page.close()


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


def test_mnist_train_results_and_canvas(server, browser):
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.goto(f"{server.url}/mnist")
    settle(page)
    page.get_by_role("button", name="Train").click()
    page.get_by_text("Test accuracy").wait_for(timeout=240_000)
    settle(page, 240_000)
    no_exception(page)
    canvas = page.locator("canvas.upper-canvas").first   # fabric.js draws on its upper canvas
    draw_seven(page, canvas)
    page.get_by_text("Prediction:").wait_for(timeout=60_000)
    settle(page)
    no_exception(page)
    prediction = page.get_by_text("Prediction:").first.inner_text()
    screenshot(page, "mnist-trained")
    assert prediction.startswith("Prediction: 7"), prediction
    page.close()


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def student_url(url: str, i: int) -> str:
    import json
    from urllib.parse import quote
    lineup = [{"name": f"Student {i}", "framework": "numpy", "config": {}},
              {"name": "PyTorch MLP", "framework": "torch", "config": {}},
              {"name": "scikit-learn MLP", "framework": "sklearn", "config": {}}]
    return f"{url}/moons?models={quote(json.dumps(lineup))}"


def test_a_classroom_of_ten_trains_at_once(browser):
    """Ten students on a fresh server press Train together: all get their own results, in time."""
    ARTIFACTS.mkdir(exist_ok=True)
    srv = Server(env={"STREAMLIT_SERVER_DISCONNECTED_SESSION_TTL": "5"})
    contexts = []
    try:
        warm = browser.new_context(viewport={"width": 1400, "height": 900})
        page = warm.new_page()
        page.goto(student_url(srv.url, 99))
        settle(page)
        page.get_by_role("button", name="Train").click()
        page.get_by_text("Leaderboard").wait_for(timeout=120_000)
        warm.close()
        base = rss_mb(srv.proc.pid)

        pages = []
        for i in range(10):
            ctx = browser.new_context(viewport={"width": 1400, "height": 900})
            contexts.append(ctx)
            pages.append(ctx.new_page())
            pages[-1].goto(student_url(srv.url, i))
        for p in pages:
            settle(p)
        start = time.time()
        for p in pages:
            p.get_by_role("button", name="Train").click()
        waited, done = False, {}
        while len(done) < 10 and time.time() - start < 120:
            for i, p in enumerate(pages):
                if i in done:
                    continue
                if p.get_by_text("Waiting for a free trainer").count():
                    waited = True
                if p.get_by_text("Leaderboard").count():
                    done[i] = time.time() - start
            time.sleep(0.3)
        assert len(done) == 10, f"only {len(done)} of 10 students got results within 2 minutes"
        after = rss_mb(srv.proc.pid)
        for i, p in enumerate(pages):
            settle(p)
            no_exception(p)
            titles = p.locator(".annotation-text").evaluate_all("els => els.map(e => e.textContent)")
            text = p.locator('[data-testid="stMain"]').inner_text() + " ".join(t or "" for t in titles)
            assert f"Student {i} —" in text, f"student {i} does not see their model"
            others = [j for j in range(10) if j != i and f"Student {j} —" in text]
            assert not others, f"student {i} sees the models of students {others}"
        pages[0].set_viewport_size({"width": 1400, "height": 2400})
        pages[0].screenshot(path=str(ARTIFACTS / "classroom-student-0.png"))
        per_session = (after - base) / 10
        report = (f"classroom: 10 concurrent trainings done in {max(done.values()):.1f} s "
                  f"(first {min(done.values()):.1f} s); server RSS {base:.0f} MB after one session, "
                  f"{after:.0f} MB after eleven: {per_session:.1f} MB per session")
        (ARTIFACTS / "classroom.txt").write_text(report + "\n")
        print(report)
        assert waited, "no student was told to wait for a free trainer"
        assert per_session < 60, report
    finally:
        for ctx in contexts:
            ctx.close()
        srv.stop()


def test_mnist_stop_keeps_the_model_trained_so_far(server, browser):
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.goto(f"{server.url}/mnist")
    settle(page)
    page.get_by_label("Epochs").fill("20")
    page.get_by_role("button", name="Train").click()
    page.get_by_role("button", name="Stop training").wait_for(timeout=60_000)
    page.wait_for_timeout(3000)
    page.get_by_role("button", name="Stop training").click()
    page.get_by_text("Test accuracy").wait_for(timeout=60_000)
    settle(page)
    no_exception(page)
    assert "(stopped)" in page.get_by_text("Model:").first.inner_text()
    page.close()
