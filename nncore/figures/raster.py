"""Decision boundaries as small pictures, for live frames.

A live view redraws every model's boundary several times a second. As an interactive Plotly
figure, each frame makes the browser rebuild three heatmaps and thousands of markers (hundreds of
milliseconds on a classroom laptop without a GPU, so frames queue up behind each other). As a
picture the browser only swaps an image: the server paints the probabilities with the same
colours as the Plotly figure and the points on top (a few milliseconds), and the interactive
figure comes back once training ends.
"""
from __future__ import annotations

import functools
import io

import numpy as np
from PIL import Image, ImageDraw

from ..data.toy import Mesh, ToyData
from .base import CLASS_COLORS

OPACITY = 0.75          # as the Plotly heatmap's


def _rgb(hex_color: str) -> np.ndarray:
    return np.array([int(hex_color[i:i + 2], 16) for i in (1, 3, 5)], dtype=np.float32)


def probability_colors(proba: np.ndarray) -> np.ndarray:
    """(R, R, k) probabilities -> (R, R, 3) uint8: two classes from red through white to blue by
    P(class 1); more classes in the winner's colour, from white (confidence 1/k) to full."""
    k = proba.shape[-1]
    white = np.float32(255.0)
    if k == 2:
        p = proba[..., 1:2]
        red, blue = _rgb(CLASS_COLORS[0]), _rgb(CLASS_COLORS[1])
        color = np.where(p < 0.5, red + (white - red) * (p / 0.5), white + (blue - white) * ((p - 0.5) / 0.5))
    else:
        winner, conf = proba.argmax(-1), proba.max(-1, keepdims=True)
        strength = (conf - 1.0 / k) / (1 - 1.0 / k)
        palette = np.stack([_rgb(c) for c in CLASS_COLORS[:k]])
        color = white + (palette[winner] - white) * strength
    color = white + (color - white) * OPACITY            # the heatmap's opacity over a white page
    return np.clip(color, 0, 255).astype(np.uint8)


class BoundaryPainter:
    """Paints one lineup's boundaries: the points are drawn once onto a transparent layer, and each
    frame only colours the mesh and lays that layer on top."""

    def __init__(self, mesh: Mesh, data: ToyData, width: int = 320):
        x0, x1, y0, y1 = mesh.xs[0], mesh.xs[-1], mesh.ys[0], mesh.ys[-1]
        self.shape = (width, max(1, round(width * (y1 - y0) / (x1 - x0))))     # equal scales on both axes
        w, h = self.shape
        self.points = Image.new("RGBA", self.shape, (0, 0, 0, 0))
        draw = ImageDraw.Draw(self.points)

        def pixels(X):
            return zip((X[:, 0] - x0) / (x1 - x0) * (w - 1), (y1 - X[:, 1]) / (y1 - y0) * (h - 1))
        for (x, y), c in zip(pixels(data.X_train), data.y_train):          # train: filled circles
            draw.ellipse((x - 3, y - 3, x + 3, y + 3), fill=CLASS_COLORS[c], outline="white")
        for (x, y), c in zip(pixels(data.X_test), data.y_test):            # test: crosses, edged in black
            for width, fill in ((4, "black"), (2, CLASS_COLORS[c])):
                draw.line((x - 4, y - 4, x + 4, y + 4), fill=fill, width=width)
                draw.line((x - 4, y + 4, x + 4, y - 4), fill=fill, width=width)

    def paint(self, proba: np.ndarray | None) -> np.ndarray:
        """(height, width, 3) uint8; white where there are no probabilities (none yet, or diverged)."""
        if proba is None:
            img = Image.new("RGBA", self.shape, "white")
        else:
            colors = probability_colors(proba)[::-1]                       # rows: y grows upward
            img = Image.fromarray(colors).resize(self.shape, Image.BILINEAR).convert("RGBA")
        return np.asarray(Image.alpha_composite(img, self.points).convert("RGB"))


def colour_bar(n_classes: int, width: int = 320, height: int = 14) -> np.ndarray:
    """The pictures' colour scale as a strip, left to right: P(class 1) from 0 to 1 for two classes;
    for more, each class's band from unsure (white) to sure (its colour)."""
    if n_classes == 2:
        p = np.linspace(0, 1, width, dtype=np.float32)
        proba = np.stack([1 - p, p], -1)[None]
    else:
        k, per = n_classes, width // n_classes
        conf = np.tile(np.linspace(1.0 / k, 1.0, per, dtype=np.float32), k)
        winner = np.repeat(np.arange(k), per)
        proba = np.full((1, len(conf), k), 0.0, dtype=np.float32)
        proba[0, np.arange(len(conf)), winner] = conf
        for c in range(k):                              # spread the rest evenly: the winner stays the winner
            proba[0, winner != c, c] = ((1 - conf) / (k - 1))[winner != c]
    return np.repeat(probability_colors(proba), height, axis=0)


@functools.lru_cache(maxsize=16)
def colour_bar_png(n_classes: int) -> bytes:
    """The colour bar as PNG bytes, painted once per number of classes (every rerun shows it)."""
    return png(colour_bar(n_classes))


def png(picture: np.ndarray) -> bytes:
    """A picture as PNG bytes (what a page sends), encoded once by whoever keeps it."""
    buffer = io.BytesIO()
    Image.fromarray(picture).save(buffer, format="PNG")
    return buffer.getvalue()
