"""End-to-end tests of the MNIST page in headless Chromium (skipped, with the reason, where none is installed)."""
from __future__ import annotations

import pytest

from tests.browser import CHROMIUM, draw_seven, no_exception, screenshot, settle

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no Chromium installed (apt-get install chromium)")


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


def test_mnist_stop_keeps_the_model_trained_so_far(server, browser):
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.goto(f"{server.url}/mnist")
    settle(page)
    page.get_by_label("Epochs", exact=True).fill("20")
    page.get_by_role("button", name="Train").click()
    page.get_by_role("button", name="Stop training").wait_for(timeout=60_000)
    page.wait_for_timeout(3000)
    page.get_by_role("button", name="Stop training").click()
    page.get_by_text("Test accuracy").wait_for(timeout=60_000)
    settle(page)
    no_exception(page)
    assert "(stopped)" in page.get_by_text("Model:").first.inner_text()
    page.close()
