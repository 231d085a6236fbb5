"""End-to-end tests in headless Chromium: every page, the live moons page, a classroom (skipped where none)."""
from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.browser import ARTIFACTS, CHROMIUM, Server, no_exception, screenshot, settle

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no Chromium installed (apt-get install chromium)")


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
