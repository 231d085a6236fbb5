import os
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# Pages under test may train a full Fashion-MNIST epoch on a busy machine: a generous compute budget
# (read once, at import). Tests of the budget itself set a small one where they need it.
os.environ.setdefault("NNCORE_BUDGET_SECONDS", "600")

from nncore.data.images import write_idx  # noqa: E402
from nncore.data.toy import DataConfig, load_toy  # noqa: E402


@pytest.fixture(scope="session")
def moons():
    return load_toy(DataConfig())


def synthetic_digits(n: int, seed: int = 0):
    """Tiny 'digits' that a CNN can tell apart: class k is a bright bar at a k-dependent place."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 10, n)
    images = rng.integers(0, 40, size=(n, 28, 28)).astype(np.uint8)
    for i, k in enumerate(labels):
        r = 3 + 2 * k
        images[i, r:r + 2, 4:24] = 255
    return images, labels.astype(np.uint8)


@pytest.fixture(scope="session")
def idx_root(tmp_path_factory):
    """A small MNIST-format IDX set in torchvision's layout (<root>/MNIST/raw)."""
    root = tmp_path_factory.mktemp("idx")
    raw = root / "MNIST" / "raw"
    xtr, ytr = synthetic_digits(600, seed=1)
    xte, yte = synthetic_digits(200, seed=2)
    write_idx(raw, xtr, ytr, "train")
    write_idx(raw, xte, yte, "t10k")
    return root


# --- browser tests (tests/browser.py holds the helpers) ---------------------------------------------

@pytest.fixture(scope="module")
def server():
    """A real `streamlit run dashboard.py` on a free port, for one test module."""
    from tests.browser import ARTIFACTS, Server
    ARTIFACTS.mkdir(exist_ok=True)
    s = Server()
    yield s
    s.stop()


@pytest.fixture(scope="module")
def browser():
    """Debian's headless Chromium, driven by Playwright (never `playwright install`)."""
    from playwright.sync_api import sync_playwright

    from tests.browser import ARGS, CHROMIUM
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()
