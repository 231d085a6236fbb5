"""Browser tests of repeats over seeds and of a student's own points (headless Chromium, skipped with the
reason where none is installed)."""
from __future__ import annotations

import time

import pytest

from nncore.data.toy import DataConfig, points_csv
from tests.browser import ARTIFACTS, CHROMIUM, no_exception, screenshot, settle

pytestmark = [pytest.mark.slow,          # a real server and Chromium
              pytest.mark.skipif(CHROMIUM is None, reason="no Chromium installed (apt-get install chromium)")]

CURVES = '[data-testid="stPlotlyChart"]:has-text("accuracy (mean over runs)")'


def _wait_for_results(page, timeout: float = 240) -> None:
    start = time.time()
    while not page.locator('[data-testid="stDataFrame"]').count() and time.time() - start < timeout:
        page.wait_for_timeout(100)
    settle(page, 240_000)


def test_the_seed_preset_with_ten_repeats_shows_bands_and_the_spread(server, browser):
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    page.goto(f"{server.url}/moons?preset=seed&repeats=10")
    settle(page)
    page.get_by_role("button", name="Train 3 models").click()
    page.locator(CURVES).first.wait_for(timeout=60_000)                  # the band figure, while training
    page.screenshot(path=str(ARTIFACTS / "repeats-training-1280x720.png"))
    _wait_for_results(page)
    no_exception(page)
    curves = page.locator(CURVES).first
    assert curves.locator("path.js-fill").count() >= 6                   # a band per model, in both panels
    text = page.locator('[data-testid="stMain"]').inner_text()
    assert "Test accuracy in every run" in text                          # the spread: a box of every run
    assert "Welch's t-test" in text and ("significantly" in text or "really better" in text)
    spread = page.locator('[data-testid="stPlotlyChart"]:has-text("Test accuracy in every run")').first
    assert spread.locator("g.trace.boxes").count() == 3
    page.screenshot(path=str(ARTIFACTS / "repeats-1280x720.png"))
    spread.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "repeats-spread-1280x720.png"))
    page.set_viewport_size({"width": 1024, "height": 768})
    page.wait_for_timeout(500)
    page.screenshot(path=str(ARTIFACTS / "repeats-spread-1024x768.png"))
    screenshot(page, "repeats-trained")
    page.close()


def test_own_points_upload_train_and_a_bad_file_changes_nothing(server, browser, tmp_path):
    good = tmp_path / "mine.csv"
    good.write_text(points_csv(DataConfig(name="circles", n_samples=300)).replace(",0\n", ",inner\n")
                    .replace(",1\n", ",outer\n"))
    bad = tmp_path / "bad.csv"
    bad.write_text("x1,x2,label\n0.1,0.2,a\n0.3,nan,b\n")
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    page.goto(f"{server.url}/moons")
    settle(page)
    page.get_by_text("Your own points (CSV)").click()
    uploader = page.locator('[data-testid="stFileUploaderDropzoneInput"]').first
    uploader.set_input_files(str(good))
    page.get_by_text("Your points (CSV): 240 train").wait_for(timeout=30_000)
    settle(page)
    no_exception(page)
    text = page.locator('[data-testid="stMain"]').inner_text()
    assert "inner (train)" in text and "outer (test)" in text            # the classes by their names
    page.screenshot(path=str(ARTIFACTS / "own-points-1280x720.png"))
    page.get_by_role("button", name="Train 3 models").click()
    _wait_for_results(page)
    no_exception(page)
    assert page.get_by_role("button", name="Download these points (CSV)").count() == 1
    page.set_viewport_size({"width": 1024, "height": 768})
    page.screenshot(path=str(ARTIFACTS / "own-points-trained-1024x768.png"))
    page.set_viewport_size({"width": 1280, "height": 720})
    uploader.set_input_files(str(bad))
    page.get_by_text("Nothing was changed").wait_for(timeout=30_000)
    settle(page)
    assert "row 3: x2 is nan" in page.locator('[data-testid="stSidebar"]').inner_text()
    assert page.locator('[data-testid="stDataFrame"]').count() >= 1      # the trained results are still there
    page.screenshot(path=str(ARTIFACTS / "own-points-bad-file-1280x720.png"))
    page.close()
