"""Figures of the 2-D toy sets: data, decision boundaries, snapshots, activations."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..core.activations import ACTIVATIONS, softmax
from ..data.toy import ToyData
from .base import CLASS_COLORS, curves_figure, frozen, layout


def _points(fig: go.Figure, data: ToyData) -> None:
    """Train points as filled circles, test points as white-edged crosses, coloured by class."""
    for k in range(data.n_classes):
        for split, X, y, symbol in (("train", data.X_train, data.y_train, "circle"),
                                    ("test", data.X_test, data.y_test, "x")):
            pts = X[y == k]
            fig.add_trace(go.Scatter(
                x=pts[:, 0].round(3), y=pts[:, 1].round(3), mode="markers", name=f"class {k} ({split})",
                legendgroup=f"{split}{k}",
                marker=dict(color=CLASS_COLORS[k], symbol=symbol, size=6 if split == "train" else 8,
                            line=dict(width=1, color="white" if split == "train" else "black")),
                hoverinfo="skip"))


def data_figure(data: ToyData) -> go.Figure:
    fig = go.Figure()
    _points(fig, data)
    fig.update_xaxes(title="x1 (scaled)")
    fig.update_yaxes(title="x2 (scaled)", scaleanchor="x")
    return layout(fig, f"{data.config.name}: {len(data.y_train)} train (●), {len(data.y_test)} test (✕)")


def _boundary_trace(xs: np.ndarray, ys: np.ndarray, proba: np.ndarray, show_scale: bool) -> go.Heatmap:
    """Two classes: P(class 1) from red through white to blue. More: the winning class, shaded by confidence."""
    if proba.shape[-1] == 2:
        return go.Heatmap(x=xs.round(3), y=ys.round(3), z=proba[..., 1].round(3), zmin=0, zmax=1,
                          colorscale=[[0, CLASS_COLORS[0]], [0.5, "#ffffff"], [1, CLASS_COLORS[1]]],
                          opacity=0.75, showscale=show_scale, colorbar=dict(title="P(1)", len=0.8),
                          hovertemplate="x1 %{x}<br>x2 %{y}<br>P(class 1) %{z}<extra></extra>")
    k = proba.shape[-1]
    winner, conf = proba.argmax(-1), proba.max(-1)
    # each class gets a band of the colour scale from white (confidence 1/k) to its colour (confidence 1)
    z = winner + (conf - 1.0 / k) / (1 - 1.0 / k) * 0.999
    scale = []
    for c in range(k):
        scale += [[c / k, "#ffffff"], [(c + 1) / k - 1e-6, CLASS_COLORS[c]]]
    scale[-1][0] = 1.0
    return go.Heatmap(x=xs.round(3), y=ys.round(3), z=z.round(3), zmin=0, zmax=k, colorscale=scale,
                      opacity=0.75, showscale=False, customdata=conf.round(3),
                      hovertemplate="x1 %{x}<br>x2 %{y}<br>confidence %{customdata}<extra></extra>")


def boundaries_figure(xs: np.ndarray, ys: np.ndarray, data: ToyData,
                      panels: Sequence[tuple[str, np.ndarray | None]], cols: int = 3,
                      row_height: int = 360) -> go.Figure:
    """Decision boundaries side by side in one figure: per panel a title and the probabilities on the
    mesh (R, R, k), or None for a model that diverged; train and test points on each. One figure
    rather than one per model: a page rerun then serialises one chart, not several."""
    cols = max(1, min(cols, len(panels)))
    rows = -(-len(panels) // cols)
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=[t for t, _ in panels],
                        horizontal_spacing=0.04, vertical_spacing=0.12 / rows)
    for i, (_, proba) in enumerate(panels):
        row, col = i // cols + 1, i % cols + 1
        axis = "" if i == 0 else str(i + 1)
        if proba is None:
            fig.add_annotation(text="diverged: no boundary", showarrow=False, font=dict(size=18, color="#b00020"),
                               x=float(xs.mean()), y=float(ys.mean()), xref=f"x{axis}", yref=f"y{axis}")
        else:
            fig.add_trace(_boundary_trace(xs, ys, proba, show_scale=False), row=row, col=col)
        k = data.n_classes
        for split, X, y, symbol, size, edge in (("train", data.X_train, data.y_train, "circle", 6, "white"),
                                                ("test", data.X_test, data.y_test, "x", 8, "black")):
            # colour by class number through a stepped scale: compact typed arrays, not one string per point
            fig.add_trace(go.Scatter(x=X[:, 0].astype(np.float32), y=X[:, 1].astype(np.float32), mode="markers",
                                     name=split, showlegend=False, hoverinfo="skip",
                                     marker=dict(color=y.astype(np.int8), cmin=0, cmax=k - 1, symbol=symbol, size=size,
                                                 colorscale=[[i / (k - 1), CLASS_COLORS[i]] for i in range(k)],
                                                 line=dict(width=1, color=edge))), row=row, col=col)
        fig.update_xaxes(range=[xs[0], xs[-1]], showgrid=False, row=row, col=col)
        fig.update_yaxes(range=[ys[0], ys[-1]], showgrid=False, scaleanchor=f"x{axis}", row=row, col=col)
    fig = layout(fig, "", rows * row_height)
    fig.update_annotations(font_size=16)
    return frozen(fig)


def comparison_figures(comparison) -> dict:
    """The figures of a trained comparison: every model's boundary, and the shared learning curves."""
    panels = [(r.spec.name + (f" — {r.test_accuracy:.1%}" if r.test_accuracy is not None else " — diverged"),
               r.boundary) for r in comparison.results]
    return {"boundaries": boundaries_figure(comparison.mesh.xs, comparison.mesh.ys, comparison.data, panels),
            "curves": curves_figure([(r.spec.name, r.history) for r in comparison.results])}


def snapshot_figure(comparison, step: int) -> go.Figure:
    """Every model's boundary at its ``step``-th snapshot (1-based), taken at evenly spaced epochs."""
    panels = []
    for r in comparison.results:
        if r.snapshots:
            epoch, proba = r.snapshots[min(step, len(r.snapshots)) - 1]
            panels.append((f"{r.spec.name}: epoch {epoch}", proba))
        else:
            panels.append((f"{r.spec.name}: diverged", None))
    return boundaries_figure(comparison.mesh.xs, comparison.mesh.ys, comparison.data, panels, row_height=320)


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
