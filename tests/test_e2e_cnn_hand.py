"""End-to-end: draw a digit, open the By hand tab, click a cell of a conv1 feature map, and read the patch,
the products and the sum on screen; the sum shown equals the feature map's value at that cell. Then the
Transfer tab measures a small comparison. Screenshots at 1280x720, 1024x768 and in classroom mode."""
from __future__ import annotations

import re

import pytest

from tests.browser import ARTIFACTS, CHROMIUM, draw_seven, no_exception, screenshot, settle

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(CHROMIUM is None, reason="no Chromium installed (apt-get install chromium)")]

NUMBER = r"(-?\d+\.\d{4})"


def open_tab(page, name: str) -> None:
    page.get_by_role("tab", name=name).click()
    settle(page)


def grid(page, key: str) -> list[float]:
    """A 3x3 Markdown table's nine numbers (the row headers left out)."""
    rows = page.locator(f".st-key-{key} table tbody tr").all()
    return [float(c) for r in rows for c in r.locator("td").all_inner_texts()[1:]]


def click_cell(page, row: int, col: int) -> None:
    frame = page.frame_locator("iframe[title*='streamlit_image_coordinates']").first
    picture = frame.locator("img")
    picture.scroll_into_view_if_needed()
    box = picture.bounding_box()
    picture.click(position={"x": (col + 0.5) * box["width"] / 26, "y": (row + 0.5) * box["height"] / 26})
    page.wait_for_function("r => document.querySelector('.st-key-hand_sum').innerText.includes(r)",
                           arg=f"at ({row}, {col})", timeout=60_000)
    settle(page)


def test_a_clicked_cell_is_computed_by_hand_on_the_drawing(server, browser):
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    page.goto(f"{server.url}/mnist")
    settle(page)
    page.get_by_role("button", name="Train").click()
    page.get_by_text("Test accuracy").wait_for(timeout=240_000)
    settle(page, 240_000)
    open_tab(page, "Try it")
    draw_seven(page, page.locator("canvas.upper-canvas").first)
    page.get_by_text("Prediction:").wait_for(timeout=60_000)
    settle(page)

    open_tab(page, "By hand")
    no_exception(page)
    assert page.get_by_text("Following your drawing").count() == 1
    for row, col in ((4, 13), (0, 0)):                       # on the digit's bar, then the corner (border)
        click_cell(page, row, col)
        no_exception(page)
        patch, kernel, products = grid(page, "hand_patch"), grid(page, "hand_kernel"), grid(page, "hand_products")
        assert len(patch) == len(kernel) == len(products) == 9
        assert all(abs(p * k - q) < 2e-3 for p, k, q in zip(patch, kernel, products))
        text = page.locator(".st-key-hand_sum").inner_text()
        total, bias, z, held = (float(v) for v in re.search(
            rf"products {NUMBER} \+ bias {NUMBER} = {NUMBER}\. The feature map holds {NUMBER} at", text).groups())
        assert abs(sum(products) - total) < 9 * 5e-5 + 5e-5
        assert abs(total + bias - z) < 1.5e-4
        assert z == held                                      # the sum shown is the map's value there
    click_cell(page, 4, 13)
    page.screenshot(path=str(ARTIFACTS / "hand-1280x720.png"))
    page.set_viewport_size({"width": 1024, "height": 768})
    page.wait_for_timeout(500)
    page.screenshot(path=str(ARTIFACTS / "hand-1024x768.png"))
    page.locator(".st-key-hand_products").scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "hand-1024x768-grids.png"))
    screenshot(page, "hand-full")
    page.get_by_text("Classroom mode").first.click()
    settle(page)
    page.set_viewport_size({"width": 1280, "height": 720})
    page.locator(".st-key-hand_products").scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    page.screenshot(path=str(ARTIFACTS / "hand-classroom-1280x720.png"))
    screenshot(page, "hand-classroom-full")
    page.get_by_text("Classroom mode").first.click()
    settle(page)

    open_tab(page, "Transfer")
    page.get_by_role("spinbutton", name="Fine-tuning steps").fill("20")
    page.get_by_role("spinbutton", name="Seeds").fill("2")
    page.get_by_role("button", name="Train and compare").click()
    page.locator(".st-key-transfer_verdicts").wait_for(timeout=240_000)
    settle(page, 240_000)
    no_exception(page)
    verdicts = page.locator(".st-key-transfer_verdicts li").all_inner_texts()
    assert [v.split(" labels")[0] for v in verdicts] == ["100", "500", "2000"]
    page.screenshot(path=str(ARTIFACTS / "transfer-1280x720.png"))
    page.set_viewport_size({"width": 1024, "height": 768})
    page.wait_for_timeout(500)
    page.screenshot(path=str(ARTIFACTS / "transfer-1024x768.png"))
    screenshot(page, "transfer-full")
    open_tab(page, "Train")
    page.get_by_text("Architecture").first.click()
    page.get_by_text("What autograd records").first.click()
    graph = page.locator('[data-testid="stGraphVizChart"] svg', has_text="ConvolutionBackward0")   # drawn here
    graph.wait_for(timeout=60_000)
    assert "conv1.weight" in graph.text_content()
    no_exception(page)
    screenshot(page, "train-architecture-full")


def test_the_moons_backprop_view_draws_a_pytorch_models_autograd_graph(server, browser):
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    page.goto(f"{server.url}/moons?samples=200")
    settle(page)
    page.get_by_role("button", name="Train").click()
    page.get_by_role("radio", name="Backprop").wait_for(timeout=240_000)
    settle(page, 240_000)
    page.get_by_role("radio", name="Backprop").click()
    settle(page)
    page.get_by_text("PyTorch's autograd graph").first.click()
    graph = page.locator('[data-testid="stGraphVizChart"] svg', has_text="AddmmBackward0")
    graph.wait_for(timeout=60_000)
    assert "0.weight" in graph.text_content()
    no_exception(page)
    graph.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "moons-graph-1280x720.png"))
    page.set_viewport_size({"width": 1024, "height": 768})
    page.wait_for_timeout(500)
    page.screenshot(path=str(ARTIFACTS / "moons-graph-1024x768.png"))
    page.get_by_text("Classroom mode").first.click()
    settle(page)
    graph.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "moons-graph-classroom-1024x768.png"))
