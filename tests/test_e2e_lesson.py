"""Browser tests for lesson links and the projector: classroom mode across pages and reloads, the guided
lesson's steps, and the boundaries on a 1024x768 projector's first screen (screenshots in test-artifacts/)."""
from __future__ import annotations

import json
import time
from urllib.parse import quote

import pytest

from tests.browser import ARTIFACTS, CHROMIUM, no_exception, settle

pytestmark = [pytest.mark.slow,          # a real server and Chromium
              pytest.mark.skipif(CHROMIUM is None, reason="no Chromium installed (apt-get install chromium)")]

TINY = quote(json.dumps([{"name": "Scratch", "framework": "numpy", "config": {"epochs": 60}},
                         {"name": "Torch", "framework": "torch", "config": {"epochs": 60}},
                         {"name": "Sk", "framework": "sklearn", "config": {"epochs": 30}}]))
H1_SIZE = "parseFloat(getComputedStyle(document.querySelector('[data-testid=stMain] h1')).fontSize)"


def h1_size(page) -> float:
    return page.evaluate(H1_SIZE)


def classroom_on(page) -> bool:
    return page.locator('[data-testid="stSidebar"] label:has-text("Classroom mode") input').is_checked()


def go_to(page, title: str) -> None:
    page.locator('[data-testid="stSidebarNav"]').get_by_text(title, exact=True).click()
    page.wait_for_function("t => document.querySelector('[data-testid=stMain] h1')?.innerText.startsWith(t)",
                           arg=title.split()[0], timeout=60_000)
    settle(page)


def test_classroom_mode_stays_on_across_pages_and_reloads(server, browser):
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    page.goto(f"{server.url}/moons")
    settle(page)
    normal = h1_size(page)
    page.locator('[data-testid="stSidebar"]').get_by_text("Classroom mode", exact=True).click()
    page.wait_for_function(f"{H1_SIZE} > {normal}", timeout=30_000)
    settle(page)
    assert "classroom=1" in page.url
    go_to(page, "MNIST CNN")
    assert classroom_on(page) and h1_size(page) > normal
    go_to(page, "Moons comparison")
    assert classroom_on(page) and h1_size(page) > normal and "classroom=1" in page.url
    page.reload()
    settle(page)
    assert classroom_on(page) and h1_size(page) > normal
    no_exception(page)
    print(f"h1: {normal:.1f} px normal, {h1_size(page):.1f} px in classroom mode")
    page.close()


def step_shown(page, i: int) -> None:
    page.get_by_text(f"Step {i} of 5", exact=False).first.wait_for(timeout=60_000)
    settle(page)
    no_exception(page)


def test_the_guided_lesson_steps_to_five_and_back(server, browser):
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    page.goto(f"{server.url}/moons?lesson=intro")
    step_shown(page, 1)
    page.get_by_role("radio").nth(1).check(force=True)              # the class's prediction
    page.get_by_role("button", name="Reveal").click()
    page.locator('[data-testid="stAlertContentInfo"]').first.wait_for(timeout=30_000)
    page.keyboard.press("PageDown")                                 # a presentation clicker's Next
    step_shown(page, 2)
    assert "step=2" in page.url
    for i in (3, 4, 5):
        page.get_by_role("button", name="Next").click()
        step_shown(page, i)
    assert page.get_by_role("link", name="Open the MNIST page").count() == 1
    page.keyboard.press("PageUp")
    step_shown(page, 4)
    for i in (3, 2, 1):
        page.get_by_role("button", name="Back").click()
        step_shown(page, i)
    assert "Scratch (seed)" in page.locator('[data-testid="stSidebar"]').inner_text()
    page.close()


def top_of(element) -> float:
    box = element.bounding_box()
    return box["y"] if box else float("inf")


@pytest.mark.parametrize("size", [(1280, 720), (1024, 768)], ids=["1280x720", "1024x768"])
@pytest.mark.parametrize("mode", ["normal", "classroom", "lesson"])
def test_after_train_the_boundaries_start_on_the_first_screen(server, browser, size, mode):
    width, height = size
    page = browser.new_page(viewport={"width": width, "height": height})
    query = {"normal": f"models={TINY}", "classroom": f"models={TINY}&classroom=1",
             "lesson": "lesson=intro&step=3&classroom=1"}[mode]
    page.goto(f"{server.url}/moons?{query}")
    settle(page)
    page.screenshot(path=str(ARTIFACTS / f"moons-{width}x{height}-{mode}-before.png"))
    if mode == "lesson":
        page.locator(".st-key-lesson_panel").get_by_role("radio").nth(1).check(force=True)   # the prediction
        settle(page)
    page.get_by_role("button", name="Train").click()
    picture = page.locator('[data-testid="stImage"]').first
    picture.wait_for(timeout=120_000)
    # The first frame can arrive while the previous run's elements (the data figure) still fade out above
    # it, for a moment on a busy machine: the place that counts is where it is once they have gone.
    # (A frame's picture is replaced by the next one's: between two, it has no box for a moment.)
    deadline, top = time.time() + 5, top_of(picture)
    while top >= height and time.time() < deadline:
        page.wait_for_timeout(50)
        top = top_of(picture)
    settle(page, timeout=300_000)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(ARTIFACTS / f"moons-{width}x{height}-{mode}.png"))
    no_exception(page)
    wide = page.evaluate("document.querySelector('[data-testid=stMain]').scrollWidth > "
                         "document.querySelector('[data-testid=stMain]').clientWidth")
    print(f"{width}x{height} {mode}: first boundary picture's top at {top:.0f} px")
    assert top < height, "the boundaries start below the first screen"
    assert not wide, "the page scrolls sideways"
    if mode == "lesson":                  # the step's question is under the pictures it asks about, not above,
        box = picture.bounding_box()      # with the class's prediction still picked
        assert page.locator(".st-key-lesson_panel [role=radiogroup]").count() == 0
        assert page.locator(".st-key-lesson_question [role=radiogroup]").bounding_box()["y"] > box["y"] + box["height"]
        assert page.locator(".st-key-lesson_question").get_by_role("radio").nth(1).is_checked()
    page.close()
