"""Browser test of a live class (issue 25): a teacher's projector tab and five students' phone tabs on one
real server. Screenshots (1024x768 classroom projector, 390x844 phone) go to test-artifacts/."""
from __future__ import annotations

import re
import time

import pytest

from tests.browser import ARTIFACTS, CHROMIUM, no_exception, settle

pytestmark = [pytest.mark.slow,
              # Not yet seen passing: under a host load of 3-7 the five phones took minutes to open; the students'
              # question fragment stayed a grey skeleton inside the panel's st.empty (now drawn outside it: the
              # radios then appeared), and the last run timed out waiting for "Your answer is in" (load 4).
              pytest.mark.skip(reason="work in progress: unskip to run; see the issue 25 report"),
              pytest.mark.skipif(CHROMIUM is None, reason="no Chromium installed (apt-get install chromium)")]

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def within(seconds: float, check) -> float:
    """Seconds until ``check()`` holds; fails past ``seconds``."""
    t = time.perf_counter()
    while not check():
        assert time.perf_counter() - t <= seconds, f"not within {seconds} s"
        time.sleep(0.1)
    return time.perf_counter() - t


def shows(page, text: str, timeout: float = 90_000) -> None:
    page.wait_for_function("t => (document.querySelector('[data-testid=stMain]')?.innerText || '').includes(t)",
                           arg=text, timeout=timeout)


def main_text(page) -> str:
    return page.locator('[data-testid="stMain"]').inner_text()


def test_a_teacher_and_five_students(server, browser):
    projector = browser.new_context(viewport={"width": 1024, "height": 768}).new_page()
    projector.goto(f"{server.url}/moons?lesson=intro&teach=1&classroom=1")
    settle(projector)
    shows(projector, "Class code:")
    code = re.search(r"Class code: ([A-Z0-9]{5})", main_text(projector)).group(1)
    assert "teach=1" not in projector.url
    projector.screenshot(path=str(ARTIFACTS / "class-projector-1024x768-code.png"))
    kids = [browser.new_context(**PHONE).new_page() for _ in range(5)]    # one context each: five students
    for kid in kids:
        kid.goto(f"{server.url}/?class={code}", wait_until="commit")
    for kid in kids:                                            # (all five load at once: minutes on a busy host)
        shows(kid, "Step 1 of 5", 240_000)
        settle(kid, 240_000)
        no_exception(kid)
    for kid in kids:                                            # a student's tab has no Next, Back or Reveal
        for label in ("Next", "Back", "Reveal"):
            assert kid.get_by_role("button", name=label).count() == 0
        kid.keyboard.press("PageDown")                          # nor the clicker's key
    for k, kid in enumerate(kids):
        kid.locator(".stRadio").get_by_role("radio").nth(1 if k < 3 else 0).check(force=True)
    for kid in kids:                                            # each answer reached the server...
        shows(kid, "Your answer is in", 60_000)
    took = within(2.0, lambda: "5 answered" in main_text(projector))      # ...and the projector within 2 s
    print(f"5 answered on the projector {took:.2f} s after the last answer was in")
    assert all("Step 1 of 5" in main_text(kid) for kid in kids)
    projector.screenshot(path=str(ARTIFACTS / "class-projector-1024x768-answers.png"))
    kids[0].screenshot(path=str(ARTIFACTS / "class-phone-390x844-answered.png"))
    projector.get_by_role("button", name="Reveal").click()
    shows(projector, "3 of 5 predicted it", 10_000)
    within(2.0, lambda: all("barely learns" in main_text(kid) for kid in kids))
    assert "Right!" in main_text(kids[0]) and "Not quite." in main_text(kids[4])
    projector.screenshot(path=str(ARTIFACTS / "class-projector-1024x768-reveal.png"))
    kids[0].screenshot(path=str(ARTIFACTS / "class-phone-390x844-reveal.png"))
    projector.get_by_role("button", name="Next").click()
    moved = within(2.0, lambda: all("Step 2 of 5" in main_text(kid) for kid in kids))
    print(f"every student on step 2 {moved:.2f} s after Next")
    kids[0].reload()                                            # a reload keeps the seat, on the class's step
    shows(kids[0], "Step 2 of 5")
    no_exception(projector)
