"""End-to-end tests of the "Why neural networks?" preset (``?preset=baselines``: two networks beside five
classical models) and its lesson (``?lesson=why``) in headless Chromium: seven boundary pictures and the
leaderboard at 1280x720 and 1024x768 (and in classroom mode), the closer looks on a lineup that is mostly
not networks, and the lesson's first step from question to explanation on a projector."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.browser import ARTIFACTS, CHROMIUM, no_exception, settle

pytestmark = [pytest.mark.slow,          # a real server and Chromium
              pytest.mark.skipif(CHROMIUM is None, reason="no Chromium installed (apt-get install chromium)")]

MODELS = ("Scratch NumPy", "PyTorch MLP", "Logistic regression", "Nearest neighbours", "RBF SVM",
          "Random forest", "Gradient boosting")
BOARD = '[data-testid="stDataFrame"]'
PICTURE_TITLES = '[data-testid="stMain"] [data-testid="stMarkdownContainer"] strong'


def shoot(page, name: str) -> None:
    """Two PNGs at the page's own width: the first screen from the page's top, as a projector shows it
    (``name``), and the whole page (``name``-full: the viewport stretched to the page's height, then put back)."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.get_by_role("heading", name="Moons comparison").scroll_into_view_if_needed()   # (the top, as after Train)
    page.wait_for_timeout(300)
    size = page.viewport_size
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))
    height = page.evaluate("(document.querySelector('[data-testid=stMain]') || document.body).scrollHeight")
    page.set_viewport_size({"width": size["width"], "height": min(max(height, size["height"]), 8000)})
    page.wait_for_timeout(600)
    page.screenshot(path=str(ARTIFACTS / f"{name}-full.png"))
    page.set_viewport_size(size)
    page.wait_for_timeout(300)


def to_top(page, text: str) -> None:
    """Scroll the page so that ``text`` is at the top of the screen (what follows it below)."""
    page.get_by_text(text, exact=True).first.evaluate("e => e.scrollIntoView({block: 'start'})")
    page.wait_for_timeout(300)


def train(page, timeout=120_000) -> None:
    """Press Train (its label counts the models) and wait for the finished results: the sortable grid."""
    page.get_by_role("button", name=re.compile(r"^Train")).first.wait_for(timeout=60_000)
    page.get_by_role("button", name=re.compile(r"^Train")).first.click()
    page.locator(BOARD).first.wait_for(timeout=timeout)
    settle(page, timeout)


def assert_finished_results(page) -> None:
    """Every model's boundary picture under its title, the colour bar, and the grid naming all seven."""
    no_exception(page)
    titles = [t.strip() for t in page.locator(PICTURE_TITLES).all_inner_texts()]
    for name in MODELS:
        assert any(t.startswith(f"{name} —") for t in titles), f"no boundary picture titled {name!r}: {titles}"
    pictures = page.locator('[data-testid="stMain"] [data-testid="stImage"] img')
    assert pictures.count() == len(MODELS) + 1, "not seven boundary pictures and the colour bar"
    for i in range(len(MODELS)):
        box = pictures.nth(i).bounding_box()
        assert box and box["width"] > 100 and box["height"] > 100, f"boundary picture {i} is not drawn"
        assert pictures.nth(i).evaluate("img => img.complete && img.naturalWidth > 0")
    grid = page.locator(BOARD).first
    grid.scroll_into_view_if_needed()
    cells = grid.locator('[role="gridcell"], td').all_inner_texts()
    for name in MODELS:
        assert name in cells, f"{name!r} is not in the leaderboard grid: {cells}"


def trained(browser, url: str, viewport: dict):
    """A new page on ``url`` at ``viewport`` whose Train button counts the seven models, trained, its
    finished results checked."""
    page = browser.new_page(viewport=viewport)
    page.goto(url)
    settle(page)
    page.get_by_role("button", name="Train 7 models").wait_for(timeout=60_000)    # (the first run may be slow)
    train(page)
    assert_finished_results(page)
    return page


def pick(page, label: str, option: str) -> None:
    """Choose ``option`` in the select box labelled ``label`` (in the main area)."""
    box = page.get_by_test_id("stMain").get_by_role("combobox", name=label)
    box.wait_for(timeout=30_000)
    listed = page.get_by_role("option", name=option, exact=True)
    for _ in range(3):                  # a click landing while the fragment reruns may not open the list
        box.click()
        try:
            listed.wait_for(timeout=10_000)
            break
        except PlaywrightTimeout:
            page.keyboard.press("Escape")
            settle(page)
    listed.click()
    settle(page)


def test_the_baselines_preset_trains_seven_models_and_shows_them(server, browser):
    page = trained(browser, f"{server.url}/moons?preset=baselines", {"width": 1280, "height": 720})
    text = page.locator('[data-testid="stMain"]').inner_text()
    assert "100%" in text
    page.wait_for_timeout(800)                        # (the curves finish drawing)
    shoot(page, "baselines-1280x720")

    # Closer looks on a lineup that is mostly not networks
    page.get_by_role("radio", name="Neurons").click()
    settle(page)
    pick(page, "Model", "Logistic regression")
    page.get_by_text("not a neural network").first.wait_for(timeout=30_000)
    assert "“Logistic regression” is a logistic regression model, not a neural network" in \
        page.locator('[data-testid="stMain"]').inner_text()
    no_exception(page)
    to_top(page, "Look closer")
    page.screenshot(path=str(ARTIFACTS / "baselines-neurons-logistic-1280x720.png"))
    page.get_by_role("radio", name="Backprop").click()
    page.get_by_text("One step of training, by hand").wait_for(timeout=30_000)
    settle(page)
    no_exception(page)
    to_top(page, "Look closer")
    page.screenshot(path=str(ARTIFACTS / "baselines-backprop-1280x720.png"))
    main = page.get_by_test_id("stMain")
    assert main.get_by_role("combobox", name="Scratch model").count() == 1
    assert page.locator(BOARD).count() >= 1 + 2, "the backprop step's two tables are missing"
    assert page.get_by_text("backprop by hand needs a scratch NumPy network").count() == 0
    page.get_by_role("radio", name="Backprop").click()          # (again: the closer look closes)
    settle(page)

    page.set_viewport_size({"width": 1024, "height": 768})      # the same results on a projector's screen
    page.wait_for_timeout(800)
    assert_finished_results(page)
    shoot(page, "baselines-1024x768")
    page.close()


def test_the_baselines_preset_in_classroom_mode_at_1024x768(server, browser):
    page = trained(browser, f"{server.url}/moons?preset=baselines&classroom=1", {"width": 1024, "height": 768})
    page.wait_for_timeout(800)
    shoot(page, "baselines-classroom-1024x768")
    page.close()


def test_the_why_lesson_first_step_on_a_projector(server, browser):
    """Step 1 of ``?lesson=why`` in classroom mode at 1024x768: predict, train, reveal the explanation."""
    page = browser.new_page(viewport={"width": 1024, "height": 768})
    page.goto(f"{server.url}/moons?lesson=why&classroom=1")
    settle(page)
    assert page.get_by_text("Step 1 of 5: A straight line against the moons").count() == 1
    page.get_by_text("Which model will score the worst test accuracy on the moons?").wait_for(timeout=30_000)
    page.get_by_role("radio", name="The logistic regression").check(force=True)
    settle(page)
    page.screenshot(path=str(ARTIFACTS / "why-lesson-step1-question-classroom-1024x768.png"))
    train(page)
    assert_finished_results(page)
    question = page.locator(".st-key-lesson_question")          # under the boundaries once trained
    assert question.count() == 1
    reveal = question.get_by_role("button", name="Reveal")
    assert reveal.is_enabled(), "the prediction made before Train was not kept under the boundaries"
    reveal.click()
    page.get_by_text("The logistic regression scores 88.5 %").wait_for(timeout=30_000)
    settle(page)
    no_exception(page)
    assert "Right!" in question.inner_text()
    page.wait_for_timeout(800)
    shoot(page, "why-lesson-step1-classroom-1024x768")
    question.scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    page.screenshot(path=str(ARTIFACTS / "why-lesson-step1-classroom-1024x768-revealed.png"))
    page.close()
