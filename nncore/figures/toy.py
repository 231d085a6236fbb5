"""Figures of the 2-D toy sets: data, decision boundaries, snapshots, activations."""
from __future__ import annotations

import html
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..core.activations import ACTIVATIONS, softmax
from ..core.history import DIVERGED, OK, STOPPED
from ..data.toy import TOY_DATASETS, ToyData
from .base import CLASS_COLORS, Prepared, curves_figure, frozen, layout


def _points(fig: go.Figure, data: ToyData) -> None:
    """Train points as filled circles, test points as white-edged crosses, coloured by class."""
    for k in range(data.n_classes):
        for split, X, y, symbol in (("train", data.X_train, data.y_train, "circle"),
                                    ("test", data.X_test, data.y_test, "x")):
            pts = X[y == k]
            fig.add_trace(go.Scatter(
                x=pts[:, 0].round(3), y=pts[:, 1].round(3), mode="markers",
                name=f"{html.escape(data.label(k))} ({split})",
                legendgroup=f"{split}{k}",
                marker=dict(color=CLASS_COLORS[k], symbol=symbol, size=6 if split == "train" else 8,
                            line=dict(width=1, color="white" if split == "train" else "black")),
                hoverinfo="skip"))


def data_figure(data: ToyData) -> go.Figure:
    fig = go.Figure()
    _points(fig, data)
    fig.update_xaxes(title="x1 (scaled)")
    fig.update_yaxes(title="x2 (scaled)")
    name = TOY_DATASETS[data.config.name]
    layout(fig, f"{name}: {len(data.y_train)} train (●), {len(data.y_test)} test (✕)", height=420)
    # The legend in a column at the right, clear of the x axis's title; no fixed aspect ratio, so the
    # points fill the panel's width.
    return fig.update_layout(legend=dict(orientation="v", x=1.01, y=1, xanchor="left", yanchor="top"),
                             margin=dict(l=10, r=10, t=50, b=10))


def _boundary_z(proba: np.ndarray | None, shape: tuple[int, int], k: int) -> tuple[np.ndarray, np.ndarray]:
    """(z, confidence) for a heatmap. Two classes: z = P(class 1). More: the winning class plus its
    confidence, so each class gets a band of the colour scale from white (1/k) to its colour (1).
    No probabilities (not trained yet, or diverged): NaN, drawn as nothing."""
    if proba is None:
        nan = np.full(shape, np.nan, dtype=np.float32)
        return nan, nan
    conf = proba.max(-1).astype(np.float32)
    if k == 2:
        return proba[..., 1].astype(np.float32), conf
    z = proba.argmax(-1) + (conf - 1.0 / k) / (1 - 1.0 / k) * 0.999
    return z.astype(np.float32), conf


def _heatmap(xs: np.ndarray, ys: np.ndarray, k: int, first: bool) -> go.Heatmap:
    empty = np.full((len(ys), len(xs)), np.nan, dtype=np.float32)
    if k == 2:
        return go.Heatmap(x=xs.astype(np.float32), y=ys.astype(np.float32), z=empty, zmin=0, zmax=1,
                          colorscale=[[0, CLASS_COLORS[0]], [0.5, "#ffffff"], [1, CLASS_COLORS[1]]],
                          opacity=0.75, showscale=first, customdata=empty,
                          colorbar=dict(title=dict(text="P(class 1)", side="right"), len=0.9, thickness=14),
                          hovertemplate="x1 %{x:.2f}<br>x2 %{y:.2f}<br>P(class 1) %{z:.2f}<extra></extra>")
    scale = []
    for c in range(k):
        scale += [[c / k, "#ffffff"], [(c + 1) / k - 1e-6, CLASS_COLORS[c]]]
    scale[-1][0] = 1.0
    return go.Heatmap(x=xs.astype(np.float32), y=ys.astype(np.float32), z=empty, zmin=0, zmax=k,
                      colorscale=scale, opacity=0.75, showscale=False, customdata=empty,
                      hovertemplate="x1 %{x:.2f}<br>x2 %{y:.2f}<br>confidence %{customdata:.2f}<extra></extra>")


class BoundaryCanvas:
    """The decision-boundary figure of a lineup, laid out once: one panel per model with the train (●)
    and test (✕) points; ``draw`` fills in each panel's probabilities and title. A live view keeps
    one canvas and draws every frame on it (a few milliseconds, not a new figure each time)."""

    def __init__(self, xs: np.ndarray, ys: np.ndarray, data: ToyData, n_panels: int, cols: int = 3,
                 row_height: int = 360):
        self.shape, self.k = (len(ys), len(xs)), data.n_classes
        cols = max(1, min(cols, n_panels))
        rows = -(-n_panels // cols)
        fig = make_subplots(rows=rows, cols=cols, subplot_titles=[" "] * n_panels,
                            horizontal_spacing=0.04, vertical_spacing=0.12 / rows)
        self.heatmaps = []
        k = self.k
        for i in range(n_panels):
            row, col = i // cols + 1, i % cols + 1
            axis = "" if i == 0 else str(i + 1)
            self.heatmaps.append(len(fig.data))
            fig.add_trace(_heatmap(xs, ys, k, first=i == 0), row=row, col=col)
            for split, X, y, symbol, size, edge in (("train", data.X_train, data.y_train, "circle", 6, "white"),
                                                    ("test", data.X_test, data.y_test, "x", 8, "black")):
                # colour by class number through a stepped scale: compact typed arrays, not a string per point
                fig.add_trace(go.Scatter(
                    x=X[:, 0].astype(np.float32), y=X[:, 1].astype(np.float32), mode="markers", name=split,
                    showlegend=False, hoverinfo="skip",
                    marker=dict(color=y.astype(np.int8), cmin=0, cmax=k - 1, symbol=symbol, size=size,
                                colorscale=[[c / (k - 1), CLASS_COLORS[c]] for c in range(k)],
                                line=dict(width=1, color=edge))), row=row, col=col)
            # square panels that shrink into their cell (not a stretched range) up under their titles, the y
            # numbers on the first column only: every panel shows the same window, and the next one's numbers
            # covered this one
            fig.update_xaxes(range=[xs[0], xs[-1]], showgrid=False, constrain="domain", row=row, col=col)
            fig.update_yaxes(range=[ys[0], ys[-1]], showgrid=False, scaleanchor=f"x{axis}", constrain="domain",
                             constraintoward="top", showticklabels=col == 1, row=row, col=col)
        fig = layout(fig, "", rows * row_height)
        fig.update_annotations(font_size=16)
        self.base = frozen(fig)

    def draw(self, panels: Sequence[tuple[str, np.ndarray | None]]) -> Prepared:
        """Per panel a title and the probabilities on the mesh (R, R, k), or None (none yet, or diverged)."""
        traces, titles = {}, {}
        for i, (title, proba) in enumerate(panels):
            z, conf = _boundary_z(proba, self.shape, self.k)
            traces[self.heatmaps[i]] = {"z": z, "customdata": conf}
            titles[i] = title.replace(" — ", "<br>", 1)     # name, then the score: panel titles never wrap
        return self.base.with_changes(traces, titles)


def boundaries_figure(xs: np.ndarray, ys: np.ndarray, data: ToyData,
                      panels: Sequence[tuple[str, np.ndarray | None]], cols: int = 3,
                      row_height: int = 360) -> Prepared:
    """Decision boundaries side by side in one figure (one chart to serialise per rerun, not several)."""
    return BoundaryCanvas(xs, ys, data, len(panels), cols, row_height).draw(panels)


def model_title(name: str, accuracy: float | None, status: str, stopped_at: str = "") -> str:
    """A model's panel title, the same while it trains and when it has finished (the pictures stay put):
    'Scratch NumPy — 97.0%' (its test accuracy; its name alone before the first), or how its training ended
    ('stopped at epoch 40 of 150', 'diverged': a finished model without an accuracy diverged)."""
    if status == STOPPED:
        return f"{name} — {stopped_at}"
    if status == DIVERGED or (status == OK and accuracy is None):
        return f"{name} — diverged"
    return name if accuracy is None or accuracy != accuracy else f"{name} — {accuracy:.1%}"


def result_title(result) -> str:
    """A trained model's panel title (``model_title``)."""
    return model_title(result.spec.name, result.test_accuracy, result.status, result.history.message)


def comparison_figures(comparison, canvas: BoundaryCanvas | None = None) -> dict:
    """The figures of a trained comparison: every model's boundary, and the shared learning curves."""
    canvas = canvas or BoundaryCanvas(comparison.mesh.xs, comparison.mesh.ys, comparison.data,
                                      len(comparison.results))
    return {"boundaries": canvas.draw([(result_title(r), r.boundary) for r in comparison.results]),
            "curves": curves_figure([(r.spec.name, r.history) for r in comparison.results])}


def activation_figure(name: str, z: np.ndarray | None = None) -> go.Figure:
    """An activation and its derivative over z; ``softmax`` shows one output against its own logit."""
    z = np.linspace(-5, 5, 201) if z is None else z
    if name == "softmax":       # logits (z, 0, -1): how p_0 and its derivative move with z
        logits = np.c_[z, np.zeros_like(z), -np.ones_like(z)]
        p = softmax(logits)[:, 0]
        a, da = p, p * (1 - p)
    else:
        act = ACTIVATIONS[name]
        a = act.forward(z)
        da = act.derivative(z, a)
    fig = go.Figure([go.Scatter(x=z, y=a, name=name, line=dict(width=3)),
                     go.Scatter(x=z, y=da, name="derivative", line=dict(width=3, dash="dash"))])
    fig.update_xaxes(title="z" if name != "softmax" else "z (other logits 0 and -1)", zeroline=True)
    return layout(fig, name, 320)
