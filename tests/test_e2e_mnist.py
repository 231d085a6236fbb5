"""End-to-end tests of the MNIST page in headless Chromium (skipped, with the reason, where none is installed).

The drawing is checked against the network's input pixel by pixel: the canvas's own pixels, made
MNIST-style here, must match the "What the network sees" picture the server sent.
"""
from __future__ import annotations

import base64
import io
import os
import statistics
import time

import numpy as np
import pytest
from PIL import Image, UnidentifiedImageError

from nncore.data.digits import mnist_style, to_gray
from tests.browser import ARTIFACTS, CHROMIUM, draw_seven, no_exception, screenshot, settle, stroke

pytestmark = [pytest.mark.slow,          # a real server and Chromium
              pytest.mark.skipif(CHROMIUM is None, reason="no Chromium installed (apt-get install chromium)")]

SEEN = '[data-testid="stImage"]:has-text("What the network sees") img'


def canvas_pixels(page) -> np.ndarray:
    """What the canvas shows: its drawing layer (fabric's lower canvas) as an (H, W, 4) array."""
    url = page.locator("canvas.dc-canvas").first.evaluate("c => c.toDataURL('image/png')")
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1]))))


def network_input(page) -> np.ndarray | None:
    """The (28, 28) picture the server says the network was given (shown enlarged, white on black); None
    while a rerun replaces it (the old picture's address is gone before the new one is on the page)."""
    src = page.locator(SEEN).first.get_attribute("src")
    response = page.request.get(src if src.startswith("http") else page.url.split("/mnist")[0] + src)
    try:
        img = np.asarray(Image.open(io.BytesIO(response.body())).convert("L"), dtype=np.float32) / 255.0
    except UnidentifiedImageError:
        return None
    k = img.shape[0] // 28                                           # screen pixels per input pixel
    return img[k // 2::k, k // 2::k][:28, :28]


def same_digit(shown: np.ndarray, given: np.ndarray) -> bool:
    return shown.max() > 0 and np.abs(shown - given).mean() < 0.04 \
        and np.corrcoef(shown.ravel(), given.ravel())[0, 1] > 0.95


def assert_canvas_is_the_input(page, timeout: float = 15.0) -> None:
    """The canvas (made MNIST-style here) and the network's input show the same digit. The canvas
    loads a drawing asynchronously after a run, so it gets ``timeout`` seconds to catch up."""
    deadline = time.time() + timeout
    while True:
        shown, given = mnist_style(to_gray(canvas_pixels(page))), network_input(page)
        if given is not None and same_digit(shown, given):
            return
        if given is None and time.time() <= deadline:
            page.wait_for_timeout(100)
            continue
        if time.time() > deadline:
            page.screenshot(path=str(ARTIFACTS / "mnist-canvas-differs.png"))
            if given is None:
                raise AssertionError("the network's input picture could not be read")
            raise AssertionError(f"canvas ink {shown.sum():.1f}, network input ink {given.sum():.1f}, "
                                 f"mean difference {np.abs(shown - given).mean():.3f}")


def prediction(page) -> str:
    return page.get_by_text("Prediction:").first.inner_text()


def open_tab(page, name: str) -> None:
    page.get_by_role("tab", name=name).click()
    settle(page)


def test_mnist_train_results_and_drawing(server, browser):
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    page.goto(f"{server.url}/mnist")
    settle(page)
    page.screenshot(path=str(ARTIFACTS / "mnist-1280x720-start.png"))
    page.get_by_role("button", name="Train").click()
    page.get_by_text("Test accuracy").wait_for(timeout=240_000)
    settle(page, 240_000)
    no_exception(page)
    # Training moved to Results; the live chart is gone, not duplicated.
    assert page.get_by_role("tab", name="Results").get_attribute("aria-selected") == "true"
    assert page.get_by_role("button", name="Stop training").count() == 0
    page.screenshot(path=str(ARTIFACTS / "mnist-1280x720-results.png"))
    with page.expect_download() as got:                  # the training, taken home as code
        page.get_by_role("button", name="Training as a script (.py)").click()
    assert got.value.suggested_filename == "mnist-cnn.py"
    compile(open(got.value.path()).read(), "mnist-cnn.py", "exec")
    page.set_viewport_size({"width": 1024, "height": 768})
    page.screenshot(path=str(ARTIFACTS / "mnist-1024x768-results.png"))
    page.set_viewport_size({"width": 1280, "height": 720})

    open_tab(page, "Try it")
    canvas = page.locator("canvas.upper-canvas").first      # fabric.js draws on its upper canvas
    draw_seven(page, canvas)
    page.get_by_text("Prediction:").wait_for(timeout=60_000)
    # The bar alone already has a prediction: wait until the server has the whole drawing (the network's
    # input equals the canvas), then read the verdict of that run, not the bar's.
    assert_canvas_is_the_input(page)
    settle(page)
    no_exception(page)
    seven = prediction(page)
    if not seven.startswith("Prediction: 7"):
        page.screenshot(path=str(ARTIFACTS / "mnist-seven-misread.png"))
    assert seven.startswith("Prediction: 7"), seven
    assert_canvas_is_the_input(page)
    page.screenshot(path=str(ARTIFACTS / "mnist-1280x720-tryit.png"))

    # A rerun caused elsewhere on the page: the canvas still shows the 7, the verdict is unchanged.
    page.get_by_text("Classroom mode").click()
    settle(page)
    page.screenshot(path=str(ARTIFACTS / "mnist-1280x720-classroom.png"))
    assert_canvas_is_the_input(page)                # (the server has the drawing, then its verdict)
    assert prediction(page) == seven
    page.get_by_text("Classroom mode").click()
    settle(page)

    # The canvas's own Undo takes the stem out of the network's input too.
    page.locator(".dc-toolbar").get_by_role("button", name="Undo", exact=True).click()
    settle(page)
    page.wait_for_timeout(500)
    settle(page)
    assert_canvas_is_the_input(page)
    bar_only = network_input(page)
    for _ in range(100):                                # (a rerun was replacing the picture)
        if bar_only is not None:
            break
        page.wait_for_timeout(100)
        bar_only = network_input(page)
    rows = np.nonzero(bar_only.max(axis=1) > 0.3)[0]
    assert rows.max() - rows.min() <= 6, rows                      # only the bar is left: no stem
    page.locator(".dc-toolbar").get_by_role("button", name="Redo", exact=True).click()
    settle(page)
    page.wait_for_timeout(500)
    settle(page)
    assert_canvas_is_the_input(page)                # (the server has the drawing, then its verdict)
    assert prediction(page) == seven

    # Leaving the tab unmounts the canvas: coming back, it is redrawn from the same strokes.
    open_tab(page, "Inside the network")
    open_tab(page, "Try it")
    page.wait_for_timeout(500)
    assert_canvas_is_the_input(page)                # (the server has the drawing, then its verdict)
    assert prediction(page) == seven

    # The page's own Undo, then Clear; a 1 drawn afterwards is read as 1.
    page.locator('[data-testid="stButton"]').get_by_role("button", name="Undo", exact=True).click()
    settle(page)
    page.wait_for_timeout(500)
    assert_canvas_is_the_input(page)
    page.get_by_role("button", name="Clear", exact=True).click()
    settle(page)
    deadline = time.time() + 5
    while canvas_pixels(page)[..., :3].max() > 100 and time.time() < deadline:
        pass
    assert canvas_pixels(page)[..., :3].max() < 100                    # nothing on the canvas
    page.get_by_text("Nothing drawn yet").wait_for(timeout=30_000)     # and nothing given (once the empty
    assert page.get_by_text("Nothing drawn yet").count() == 1           # canvas's own rerun has run)
    canvas = page.locator("canvas.upper-canvas").first
    stroke(page, canvas, [(0.5, 0.15), (0.5, 0.5), (0.5, 0.85)])
    settle(page)
    page.get_by_text("Prediction:").wait_for(timeout=60_000)
    one = prediction(page)
    assert one.startswith("Prediction: 1"), one
    assert_canvas_is_the_input(page)

    # An upload overrides the drawing, and says so; removing it brings the drawing back.
    from nncore.data.photos import render
    photo = Image.fromarray(render(3, "uneven", True, None, seed=5).image)
    buf = io.BytesIO()
    photo.save(buf, format="PNG")
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
        files=[{"name": "three.png", "mimeType": "image/png", "buffer": buf.getvalue()}])
    page.get_by_text("Using the uploaded photo").wait_for(timeout=30_000)
    settle(page)
    no_exception(page)
    assert prediction(page) != one
    page.screenshot(path=str(ARTIFACTS / "mnist-1280x720-upload.png"))
    page.locator('[data-testid="stFileUploader"] button:not([aria-label="Add files"])').first.click()
    settle(page)
    assert page.get_by_text("Using the uploaded photo").count() == 0
    assert prediction(page) == one
    assert_canvas_is_the_input(page)

    for size, name in (((1024, 768), "mnist-1024x768-tryit"), ((1280, 720), "mnist-1280x720-tryit-1")):
        page.set_viewport_size({"width": size[0], "height": size[1]})
        page.wait_for_timeout(400)
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"))
    page.get_by_text("Classroom mode").click()
    settle(page)
    page.screenshot(path=str(ARTIFACTS / "mnist-1280x720-tryit-classroom.png"))
    page.get_by_text("Classroom mode").click()
    settle(page)

    # Inside the network: another test image redraws its feature maps quickly.
    open_tab(page, "Inside the network")
    field = page.get_by_role("spinbutton", name="Test image")
    times = []
    for index in (1, 2, 3, 4, 5):
        old = page.locator('[data-testid="stImage"] img').nth(1).get_attribute("src")
        field.fill(str(index))
        start = time.perf_counter()
        field.press("Enter")
        page.wait_for_function(
            "old => { const i = document.querySelectorAll('[data-testid=stImage] img')[1];"
            " return i && i.getAttribute('src') !== old && i.complete; }", arg=old, timeout=10_000)
        times.append(time.perf_counter() - start)
        settle(page)
    load = os.getloadavg()[0]
    print(f"\nfeature-map redraws: {', '.join(f'{t * 1000:.0f}' for t in times)} ms (load {load:.1f})")
    page.set_viewport_size({"width": 1280, "height": 720})
    page.screenshot(path=str(ARTIFACTS / "mnist-1280x720-inside.png"))
    # The issue asks for under 500 ms; a machine busy past its cores (other test runs) gets slack.
    assert statistics.median(times) < (0.5 if load <= (os.cpu_count() or 1) else 1.5)
    screenshot(page, "mnist-inside-full")
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
    assert "(stopped at epoch" in page.get_by_text("Model:").first.inner_text()
    page.close()
