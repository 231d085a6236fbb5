"""Figures of the image pages: grids of images, confusion matrix, filters, feature maps."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go
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
                        vertical_spacing=0.06 if rows > 1 else 0.02)
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


def feature_maps_figure(maps: np.ndarray, title: str, cols: int = 16) -> go.Figure:
    """(C, H, W) activations after ReLU: bright where the filter fired."""
    return image_grid_figure(maps, [f"#{i}" for i in range(len(maps))], cols=cols, title=title,
                             colorscale="Viridis", cell=70)


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
    """``report`` is an ``nncore.models.cnn.TestReport``; images are uint8 (N, 28, 28), labels (N,)."""
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


@dataclass(frozen=True)
class FeatureMapFigures:
    """One test image and what conv1 and conv2 make of it."""
    image: go.Figure
    conv1: go.Figure
    conv2: go.Figure


def feature_map_figures(image: np.ndarray, label: str, conv1: np.ndarray, conv2: np.ndarray) -> FeatureMapFigures:
    """``image`` uint8 (28, 28); ``conv1`` (32, 26, 26) and ``conv2`` (64, 11, 11) activations after ReLU."""
    return FeatureMapFigures(
        image_grid_figure(np.asarray(image, dtype=float)[None] / 255.0, [label], cols=1, title="input",
                          zrange=(0, 1), width=240, cell=220),
        feature_maps_figure(conv1, f"conv1 feature maps ({len(conv1)}, {conv1.shape[1]}x{conv1.shape[2]})"),
        feature_maps_figure(conv2, f"conv2 feature maps ({len(conv2)}, {conv2.shape[1]}x{conv2.shape[2]})"))
