"""Figures of the image pages: grids of images, confusion matrix, filters, feature maps."""
from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go
from PIL import Image
from plotly.colors import sequential
from plotly.subplots import make_subplots

from ..core.history import History
from .base import bar_figure, curves_figure, layout


def confusion_figure(matrix: np.ndarray, classes: Sequence[str]) -> go.Figure:
    fig = go.Figure(go.Heatmap(z=matrix, x=list(classes), y=list(classes), colorscale="Blues",
                               text=matrix, texttemplate="%{text}",
                               hovertemplate="true %{y}<br>predicted %{x}<br>%{z} images<extra></extra>"))
    fig.update_xaxes(title="predicted", type="category")
    fig.update_yaxes(title="true", autorange="reversed", type="category")
    return layout(fig, "Confusion matrix (test set)", 480)


def image_grid_figure(images: np.ndarray, titles: Sequence[str], cols: int = 8, title: str = "",
                      colorscale: str = "gray_r", cell: int = 95, zrange: tuple | None = None,
                      width: int | None = None) -> go.Figure:
    """A grid of 2-D arrays (N, H, W) with a caption each. Each panel scales itself unless zrange."""
    n = len(images)
    rows = max(1, int(np.ceil(n / cols)))
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=list(titles), horizontal_spacing=0.01,
                        vertical_spacing=min(0.3, 22 / (rows * cell)) if rows > 1 else 0.02)   # room for captions
    for i, img in enumerate(images):
        zmin, zmax = zrange if zrange else (float(img.min()), float(img.max()) or 1.0)
        fig.add_trace(go.Heatmap(z=np.asarray(img)[::-1].round(3), colorscale=colorscale, showscale=False,
                                 zmin=zmin, zmax=zmax, hoverinfo="skip"), row=i // cols + 1, col=i % cols + 1)
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    fig.update_annotations(font_size=12)
    fig = layout(fig, title, height=rows * cell + 60)
    if width:                                       # a fixed size keeps square pixels square
        fig.update_layout(width=width)
    return fig


def digits_figure(images: np.ndarray, classes: Sequence[str], true: Sequence[int],
                  pred: Sequence[int] | None = None, proba: np.ndarray | None = None, cols: int = 8,
                  title: str = "", width: int | None = None) -> go.Figure:
    """Test images with their labels: 'true' alone, or 'true → predicted (confidence)'."""
    if pred is None:
        titles = [classes[t] for t in true]
    else:
        titles = [f"{classes[t]}→{classes[p]}" + (f" {proba[i]:.0%}" if proba is not None else "")
                  + ("" if t == p else " ✗") for i, (t, p) in enumerate(zip(true, pred))]
    return image_grid_figure(np.asarray(images, dtype=float) / 255.0, titles, cols=cols, title=title,
                             zrange=(0, 1), width=width, cell=95 if width is None else width - 20)


def filters_figure(weights: np.ndarray, title: str = "conv1's 32 learned 3x3 filters") -> go.Figure:
    """(32, 1, 3, 3) conv weights, each on a symmetric red-blue scale."""
    w = np.asarray(weights)[:, 0]
    return image_grid_figure(w, [f"#{i}" for i in range(len(w))], cols=16, title=title, colorscale="RdBu",
                             cell=75)


@dataclass(frozen=True)
class CNNFigures:
    """Every figure of the MNIST page's results panel, built once per trained model."""
    curves: go.Figure | None          # None for a model without a training history (a checkpoint)
    confusion: go.Figure
    per_class: go.Figure
    predictions: go.Figure
    wrong: go.Figure | None           # None when no test image is wrong
    filters: go.Figure


def cnn_result_figures(history: History, report, test_images: np.ndarray, test_labels: np.ndarray,
                       classes: Sequence[str], conv1_weights: np.ndarray) -> CNNFigures:
    """``report`` is an ``nncore.records.mnist.TestReport``; images are uint8 (N, 28, 28), labels (N,)."""
    first, worst = np.arange(min(16, len(test_labels))), report.confident_wrong

    def grid(idx, title):
        return digits_figure(test_images[idx], classes, test_labels[idx].tolist(), report.pred[idx],
                             report.proba[idx, report.pred[idx]], title=title)
    return CNNFigures(curves=curves_figure([("CNN", history)]) if history.epoch else None,
                      confusion=confusion_figure(report.confusion, classes),
                      per_class=bar_figure(classes, report.per_class_accuracy, "Accuracy per class"),
                      predictions=grid(first, "Test predictions (true → predicted)"),
                      wrong=grid(worst, "Most confidently wrong") if len(worst) else None,
                      filters=filters_figure(conv1_weights))


# --- pictures painted server-side (a browser swaps one image instead of laying out dozens of panels) ---

_VIRIDIS = np.array([[int(c[i:i + 2], 16) for i in (1, 3, 5)] for c in sequential.Viridis], dtype=np.float32)
# 255 Viridis levels, then white (index -1) for the gaps between maps
VIRIDIS_LUT = np.vstack([np.stack([np.interp(np.linspace(0, len(_VIRIDIS) - 1, 255), np.arange(len(_VIRIDIS)),
                                             _VIRIDIS[:, k]) for k in range(3)], axis=1),
                         [[255, 255, 255]]]).round().astype(np.uint8)


def upscale(rgb: np.ndarray, scale: int) -> np.ndarray:
    """Nearest-neighbour upscaling: each pixel becomes a ``scale`` x ``scale`` block."""
    return np.repeat(np.repeat(rgb, scale, axis=0), scale, axis=1)


def digit_picture(image: np.ndarray, scale: int = 7) -> np.ndarray:
    """(28, 28) in [0, 1] -> uint8 grey picture, white ink on black, as MNIST shows its digits."""
    return upscale((np.clip(image, 0, 1) * 255).astype(np.uint8), scale)


def saliency_picture(scores: np.ndarray, image: np.ndarray, scale: int = 7) -> np.ndarray:
    """(28, 28) gradient x input -> uint8 RGB: red pushed toward the class, blue against, on the
    digit's faint grey ink (white paper), each on a symmetric scale."""
    top = float(np.abs(scores).max()) or 1.0
    s = np.clip(scores / top, -1, 1)[..., None]
    base = (255 - 60 * np.clip(image, 0, 1))[..., None] * np.ones(3, np.float32)
    red, blue = np.array([214, 39, 40], np.float32), np.array([31, 119, 180], np.float32)
    rgb = np.where(s > 0, base + (red - base) * s, base + (blue - base) * -s)
    return upscale(rgb.clip(0, 255).astype(np.uint8), scale)


def maps_picture(maps: np.ndarray, cols: int = 16, scale: int = 3) -> np.ndarray:
    """(C, H, W) activations -> uint8 RGB mosaic, ``cols`` to a row, each map on its own Viridis
    scale (bright where its filter fired), one white pixel between maps; then upscaled ``scale`` x."""
    c, h, w = maps.shape
    rows = -(-c // cols)
    lo = maps.min(axis=(1, 2), keepdims=True)
    span = maps.max(axis=(1, 2), keepdims=True) - lo
    level = np.divide(maps - lo, span, out=np.zeros(maps.shape, np.float32), where=span > 0)
    grid = np.full((rows * cols, h + 1, w + 1), -1, np.int16)        # -1: the white gap
    grid[:c, :h, :w] = np.rint(level * (len(VIRIDIS_LUT) - 2)).astype(np.int16)
    grid = grid.reshape(rows, cols, h + 1, w + 1).transpose(0, 2, 1, 3).reshape(rows * (h + 1), cols * (w + 1))
    return upscale(VIRIDIS_LUT[grid[:-1, :-1]], scale)


def png(picture: np.ndarray) -> bytes:
    """A picture as PNG bytes, encoded once (a page handed bytes sends them as they are)."""
    buf = io.BytesIO()
    Image.fromarray(picture).save(buf, format="PNG", compress_level=1)
    return buf.getvalue()


@dataclass(frozen=True)
class FeatureMapPictures:
    """One test image and what conv1 and conv2 make of it, as PNG pictures (built in milliseconds)."""
    label: str                    # the image's true class
    image: bytes                  # grey, white on black
    conv1: bytes                  # RGB mosaic of conv1's 32 maps
    conv2: bytes                  # RGB mosaic of conv2's 64 maps


def feature_map_pictures(image: np.ndarray, label: str, conv1: np.ndarray, conv2: np.ndarray) -> FeatureMapPictures:
    """``image`` uint8 (28, 28); ``conv1`` (32, 26, 26) and ``conv2`` (64, 11, 11) activations after ReLU."""
    return FeatureMapPictures(label, png(digit_picture(np.asarray(image, dtype=np.float32) / 255.0)),
                              png(maps_picture(conv1, cols=16, scale=3)), png(maps_picture(conv2, cols=16, scale=6)))
