"""Browser tests of a live class (issue 25) on one real server: a teacher's projector tab and five students'
phone tabs answer a lesson's question; three students enter a challenge and the projector's board ranks them.
Screenshots (the 1024x768 classroom projector, a 390x844 phone) go to test-artifacts/.

The phones open one after another (each waits for its question before the next opens): five cold page
loads at once on a 2-core host queue behind each other for minutes, and that is not what a class measures.
The issue's two 2-second bounds are asserted as they are: answers on the projector, Next on every phone."""
from __future__ import annotations

import re
import time
from contextlib import contextmanager

import pytest

from tests.browser import ARTIFACTS, CHROMIUM, no_exception, settle

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(CHROMIUM is None, reason="no Chromium installed (apt-get install chromium)")]

PROJECTOR = {"viewport": {"width": 1024, "height": 768}}
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
LOAD = 120_000                          # a page load on a busy host: generous


def within(seconds: float, check) -> float:
    """Seconds until ``check()`` holds; fails past ``seconds``."""
    t = time.perf_counter()
    while not check():
        assert time.perf_counter() - t <= seconds, f"not within {seconds} s"
        time.sleep(0.05)
    return time.perf_counter() - t


def shows(page, text: str, timeout: float = LOAD) -> None:
    page.wait_for_function("t => (document.querySelector('[data-testid=stMain]')?.innerText || '').includes(t)",
                           arg=text, timeout=timeout)


def main_text(page) -> str:
    return page.locator('[data-testid="stMain"]').inner_text()


def shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


@contextmanager
def shots_on_failure(pages: dict):
    """Every tab's screen, saved when the test fails: what the page showed is the first thing to look at."""
    try:
        yield
    except BaseException:
        for name, page in pages.items():
            try:
                shot(page, f"class-failed-{name}")
            except Exception:                  # noqa: BLE001 (a closed tab: nothing to save)
                pass
        raise


def start_class(browser, url: str, lesson: str):
    """The teacher's projector on ``lesson`` in classroom mode, a class started by the link; its code."""
    projector = browser.new_context(**PROJECTOR).new_page()
    projector.goto(f"{url}/moons?lesson={lesson}&teach=1&classroom=1")
    settle(projector, LOAD)
    shows(projector, "Class code:")
    code = re.search(r"Class code: ([A-Z0-9]{5})", main_text(projector)).group(1)
    assert "teach=1" not in projector.url
    projector.wait_for_function("() => [...document.querySelectorAll('[data-testid=stMain] img')]"
                                ".some(i => i.complete && i.naturalWidth >= 100)", timeout=30_000)   # the QR
    return projector, code


def join(browser, url: str, code: str, context: dict, ready: str):
    """A student's own browser opens the class's link and waits until ``ready`` is on screen."""
    kid = browser.new_context(**context).new_page()
    kid.goto(f"{url}/?class={code}")
    shows(kid, ready)
    settle(kid, LOAD)
    no_exception(kid)
    return kid


def radios(kid):
    return kid.locator('[data-testid="stMain"] .stRadio').get_by_role("radio")


def test_a_teacher_and_five_students(server, browser):
    t0, pages = time.perf_counter(), {}
    with shots_on_failure(pages):
        projector, code = start_class(browser, server.url, "intro")
        pages["projector"] = projector
        shot(projector, "class-projector-1024x768-code")
        kids = []
        for k in range(5):                     # one after another (see the module's note)
            kids.append(join(browser, server.url, code, PHONE, "Step 1 of 5"))
            radios(kids[-1]).first.wait_for(timeout=LOAD)          # the question, not a skeleton
            pages[f"phone{k}"] = kids[-1]
        shows(projector, "5 students joined", 10_000)
        print(f"\nfive phones joined in {time.perf_counter() - t0:.1f} s")
        projector.get_by_role("button", name="Hide code").click()      # the class is in: the step gets the room
        shows(projector, "Show code", 30_000)
        settle(projector)
        for kid in kids:                       # a student's tab has no Next, Back or Reveal...
            for label in ("Next", "Back", "Reveal"):
                assert kid.get_by_role("button", name=label).count() == 0
            kid.keyboard.press("PageDown")     # ...nor does the clicker's key move anything
        shot(kids[0], "class-phone-390x844-question")
        for k, kid in enumerate(kids):
            radios(kid).nth(1 if k < 3 else 0).check(force=True)
            shows(kid, "Your answer is in", 30_000)                 # each answer reached the server...
        took = within(2.0, lambda: "5 answered" in main_text(projector))    # ...and the projector within 2 s
        print(f"'5 answered' on the projector {took:.2f} s after the last answer was in")
        assert all("Step 1 of 5" in main_text(kid) for kid in kids)    # (PageDown moved no one)
        assert "Step 1 of 5" in main_text(projector)
        shot(projector, "class-projector-1024x768-answers")
        shot(kids[0], "class-phone-390x844-answered")
        projector.get_by_role("button", name="Reveal").click()
        shows(projector, "3 of 5 predicted it", 10_000)
        verdicts = ["Right!"] * 3 + ["Not quite."] * 2           # (the explanation's words, not the option's)
        seen = within(2.0, lambda: all(v in main_text(kid) and "what a coin toss scores" in main_text(kid)
                                       for v, kid in zip(verdicts, kids)))
        print(f"every phone showed the right answer {seen:.2f} s after the projector")
        assert radios(kids[4]).nth(0).is_disabled()                     # answers are closed
        settle(projector)
        shot(projector, "class-projector-1024x768-reveal")
        shot(kids[0], "class-phone-390x844-reveal")
        projector.get_by_role("button", name="Next").click()
        moved = within(2.0, lambda: all("Step 2 of 5" in main_text(kid) for kid in kids))
        print(f"every phone on step 2 {moved:.2f} s after Next")
        kids[0].reload()                       # a reload keeps the seat, on the class's step
        shows(kids[0], "Step 2 of 5")
        settle(kids[0], LOAD)
        shows(projector, "5 students joined", 5_000)                # the same seat, not a sixth
        no_exception(projector)
    print(f"whole test {time.perf_counter() - t0:.1f} s")
    for page in [projector, *kids]:
        page.context.close()


def train_and_enter(kid, nickname: str, epochs: int | None) -> None:
    """A student trains the challenge's network (``epochs`` changed in the models drawer, or as it starts) and
    submits it to the board under ``nickname``."""
    if epochs is None:
        kid.locator('[data-testid="stSidebar"]').get_by_role("button", name="Train 1 model").click()
    else:
        kid.locator('[data-testid="stSidebar"]').get_by_role("button", name="Edit models").click()
        drawer = kid.get_by_role("dialog")
        drawer.get_by_label("Epochs", exact=True).fill(str(epochs))
        drawer.get_by_label("Epochs", exact=True).press("Tab")
        drawer.get_by_role("button", name="Apply and train").click()
    kid.get_by_role("button", name="Submit to the board").wait_for(timeout=LOAD)
    settle(kid, LOAD)
    kid.get_by_label("Nickname", exact=True).fill(nickname)
    kid.get_by_role("button", name="Submit to the board").click()
    shows(kid, "Entered: your model is on the class's board", 30_000)


def test_a_class_challenge_fills_the_projectors_board(server, browser):
    t0, pages = time.perf_counter(), {}
    with shots_on_failure(pages):
        projector, code = start_class(browser, server.url, "challenge")
        pages["projector"] = projector
        shows(projector, "0 entries from 0 students", 10_000)
        projector.get_by_role("button", name="Hide code").click()
        shows(projector, "Show code", 30_000)
        kids = []
        for k, (nickname, epochs) in enumerate([("Ada", None), ("Turing fan", 60), ("Grace!", 900)]):
            kids.append(join(browser, server.url, code, PROJECTOR, "Step 1 of 1"))   # (laptops: a sidebar)
            pages[f"student{k}"] = kids[-1]
            train_and_enter(kids[-1], nickname, epochs)
        shows(projector, "3 entries from 3 students", 5_000)
        board = projector.locator('[data-testid="stDataFrame"]')
        board.wait_for(timeout=10_000)
        cells = lambda: {c.strip() for c in board.locator("td").all_text_contents()}   # noqa: E731 (the grid's
        within(5.0, lambda: {"Ada", "Turing fan", "Grace!"} <= cells())          # hidden accessible table)
        shows(kids[0], "Your entry, as Ada", 5_000)
        shows(kids[0], " of 3.", 5_000)                        # a student's board has every entry too
        settle(projector)
        shot(projector, "class-projector-1024x768-challenge")
        no_exception(projector)
    print(f"\nthree entries on the board in {time.perf_counter() - t0:.1f} s")
    for page in [projector, *kids]:
        page.context.close()
