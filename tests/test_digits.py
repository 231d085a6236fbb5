"""The drawing's one record (the canvas's stroke list), photo preprocessing, saliency, and the
photo-like test set read by a model trained for 3 epochs on the offline MNIST digits."""
from __future__ import annotations

import io
import time

import numpy as np
import pytest
import torch
from PIL import Image

from nncore.data.digits import mnist_style, photo_ink, strokes_to_ink
from nncore.data.photos import font_set, fonts_available, handwritten_set, render
from nncore.engine.cnn import train_cnn
from nncore.figures.images import feature_map_pictures, maps_picture
from nncore.models.cnn import CNNConfig, SeedCNN, feature_maps
from nncore.records.mnist import classify_drawing, classify_strokes
from nncore.teaching.saliency import gradient_x_input


def path(points, width=18, **extra):
    """A Fabric.js freedraw Path as the canvas reports it: centre origin, its box's centre at (left, top)."""
    pts = np.array(points, float)
    lo, hi = pts.min(0), pts.max(0)
    cmds = [["M", *points[0]]] + [["Q", *a, *b] for a, b in zip(points[1:], points[1:])]
    obj = {"type": "Path", "originX": "center", "originY": "center", "left": (lo[0] + hi[0]) / 2,
           "top": (lo[1] + hi[1]) / 2, "strokeWidth": width, "scaleX": 1, "scaleY": 1, "path": cmds}
    return {**obj, **extra}


BAR = path([(70, 56), (140, 56), (210, 56)])
STEM = path([(210, 56), (182, 126), (154, 182), (126, 238)])


def test_strokes_are_painted_where_the_canvas_draws_them():
    ink = strokes_to_ink([BAR, STEM])
    assert ink.shape == (280, 280) and ink.max() == 1.0
    assert ink[56, 140] == 1.0 and ink[56 + 8, 140] == 1.0 and ink[56 + 12, 140] == 0.0   # 18 px wide
    assert ink[182, 154] == 1.0 and ink[20, 20] == 0.0
    undone = strokes_to_ink([BAR])                                 # Undo: the stem is gone from the input
    assert undone[182, 154] == 0.0 and undone[56, 140] == 1.0
    assert strokes_to_ink([]).max() == 0.0 and strokes_to_ink(None).max() == 0.0
    moved = strokes_to_ink([{**BAR, "left": BAR["left"] + 30, "top": BAR["top"] + 100}])   # moved in edit mode
    assert moved[156, 170] == 1.0 and moved[56, 140] == 0.0
    assert strokes_to_ink([{"type": "Rect", "left": 5}]).max() == 0.0                  # not a stroke


def test_an_empty_drawing_is_not_classified():
    assert classify_strokes(SeedCNN(), []) is None


def test_photo_ink_removes_paper_light_and_texture():
    for paper in ("grey", "textured", "uneven"):
        for dark in (True, False):
            p = render(7, paper, dark, None, seed=3)
            ink = photo_ink(p.image)
            assert ink.min() == 0.0 and ink.max() == 1.0
            assert 0.02 < (ink > 0).mean() < 0.3, (paper, dark)     # strokes, not the paper
            corners = np.concatenate([ink[:10, :10].ravel(), ink[-10:, -10:].ravel()])
            assert corners.max() == 0.0, (paper, dark)              # the paper is black
    blank = np.full((100, 100, 3), 180, np.uint8)
    assert photo_ink(blank).max() == 0.0                            # plain paper: no digit


def test_saliency_is_zero_off_the_ink_and_explains_the_score():
    torch.manual_seed(0)
    model = SeedCNN().eval()
    x = mnist_style(strokes_to_ink([BAR, STEM]))
    s = gradient_x_input(model, x, 7)
    assert s.shape == (28, 28) and np.all(s[x == 0] == 0)
    assert np.abs(s).sum() > 0
    verdict = classify_drawing(model, strokes_to_ink([BAR, STEM]))
    assert verdict.saliency.shape == (28, 28) and verdict.image.max() <= 1.0


def test_feature_maps_are_painted_in_milliseconds():
    model = SeedCNN().eval()
    image = torch.randint(0, 255, (28, 28), dtype=torch.uint8)
    start = time.perf_counter()
    a1, a2 = feature_maps(model, image)
    pictures = feature_map_pictures(image.numpy(), "3", a1, a2)
    elapsed = time.perf_counter() - start
    size = {k: Image.open(io.BytesIO(getattr(pictures, k))).size for k in ("image", "conv1", "conv2")}
    assert size == {"image": (196, 196), "conv1": (3 * (16 * 27 - 1), 3 * (2 * 27 - 1)),
                    "conv2": (6 * (16 * 12 - 1), 6 * (4 * 12 - 1))}        # (width, height)
    assert elapsed < 0.2, f"{elapsed * 1000:.0f} ms"
    mosaic = maps_picture(np.stack([np.eye(4), np.zeros((4, 4)), np.ones((4, 4))]), cols=2, scale=1)
    assert mosaic.shape == (9, 9, 3) and (mosaic[4] == 255).all() and (mosaic[:, 4] == 255).all()   # gaps
    assert (mosaic[0, 0] != mosaic[0, 1]).any() and (mosaic[5:, 5:] == 255).all()          # no 4th map


@pytest.fixture(scope="module")
def mnist_model():
    """The CNN trained for 3 epochs on the offline MNIST digits (4,000 training images)."""
    from nncore.data.images import load_images
    try:
        data = load_images("mnist", download=False)
    except RuntimeError as exc:
        pytest.skip(f"no MNIST source: {exc}")
    return train_cnn(data, CNNConfig(epochs=3, limit_train=4000)).model


def accuracy(model, photos) -> float:
    right = [classify_drawing(model, photo_ink(p.image)).best == p.label for p in photos]
    return float(np.mean(right))


def test_photo_like_digits_are_read_at_least_9_in_10(mnist_model, record_property, capsys):
    photos = handwritten_set()                                     # 40: 3 papers, dark and light ink
    acc = accuracy(mnist_model, photos)
    record_property("photo_like_accuracy", acc)
    with capsys.disabled():
        print(f"\nphoto-like handwritten set: {acc:.1%} of {len(photos)} read correctly")
    assert acc >= 0.9
    for dark in (True, False):                                     # both inks, not one carrying the other
        assert accuracy(mnist_model, [p for p in photos if p.dark_ink == dark]) >= 0.85


@pytest.mark.skipif(not fonts_available(), reason="DejaVu fonts are not installed (apt-get install fonts-dejavu-core)")
def test_typeset_digits_are_reported(mnist_model, record_property, capsys):
    """Printed glyphs (a footed 1, closed 4, looped 6 and 9) are not MNIST's handwriting: reported, no bar."""
    photos = font_set()
    acc = accuracy(mnist_model, photos)
    record_property("typeset_accuracy", acc)
    with capsys.disabled():
        print(f"\nphoto-like typeset (DejaVu) set: {acc:.1%} of {len(photos)} read correctly")
    assert acc > 0.3                                               # far above chance (10 %)
