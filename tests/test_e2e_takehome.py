"""Take a model home, in Chromium as a student would: train the default lineup on the moons page, open
"Take a model home", choose a model and download its script and notebook; the files are the model's
code (a script that compiles, a valid notebook). Screenshots at 1280x720 and 1024x768, and in classroom mode."""
from __future__ import annotations

import json
import re

import nbformat
import pytest

from tests.browser import ARTIFACTS, CHROMIUM, no_exception, settle
from tests.test_e2e_baselines import pick

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(CHROMIUM is None, reason="no Chromium installed (apt-get install chromium)")]


def trained_page(browser, url, viewport):
    page = browser.new_page(viewport=viewport)
    page.goto(url)
    settle(page)
    page.get_by_role("button", name=re.compile(r"^Train \d")).first.click()
    page.locator('[data-testid="stDataFrame"]').first.wait_for(timeout=120_000)
    settle(page)
    no_exception(page)
    return page


@pytest.mark.parametrize("viewport, classroom", [({"width": 1280, "height": 720}, False),
                                                 ({"width": 1024, "height": 768}, True)])
def test_a_model_downloads_as_a_script_and_a_notebook(server, browser, viewport, classroom, tmp_path):
    page = trained_page(browser, f"{server.url}/moons" + ("?classroom=1" if classroom else ""), viewport)
    page.get_by_text("Take a model home (script or notebook)").click()
    settle(page)
    pick(page, "Model", "PyTorch MLP")
    page.get_by_text("Take a model home (script or notebook)").evaluate("e => e.scrollIntoView({block: 'start'})")
    page.wait_for_timeout(400)
    page.screenshot(path=str(ARTIFACTS / f"takehome-{viewport['width']}x{viewport['height']}"
                                         f"{'-classroom' if classroom else ''}.png"))
    with page.expect_download() as got:
        page.get_by_role("button", name="Script (.py)").click()
    script = tmp_path / got.value.suggested_filename
    got.value.save_as(script)
    assert script.name == "pytorch-mlp.py"
    text = script.read_text()
    compile(text, script.name, "exec")
    assert "build_mlp" in text and "import nncore" not in text and 'print(f"test accuracy' in text
    with page.expect_download() as got:
        page.get_by_role("button", name="Notebook (.ipynb)").click()
    notebook = tmp_path / got.value.suggested_filename
    got.value.save_as(notebook)
    nb = nbformat.reads(notebook.read_text(), as_version=4)
    nbformat.validate(nb)
    assert json.loads(notebook.read_text())["cells"][0]["source"][0].startswith("# PyTorch MLP on Moons")
    for label, name in (("Download leaderboard (CSV)", "leaderboard.csv"), ("Download these points (CSV)",
                                                                              "moons-points.csv")):
        with page.expect_download() as got:              # (the page's other downloads, on the same finished page)
            page.get_by_role("button", name=label).click()
        assert got.value.suggested_filename == name
        got.value.save_as(tmp_path / name)
        assert (tmp_path / name).read_text().splitlines()[0].startswith(("model,", "x1,x2,label"))
    no_exception(page)
    page.close()
