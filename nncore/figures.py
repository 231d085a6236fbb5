"""Pure functions from results to Plotly figures: no Streamlit, no training, no I/O."""
from __future__ import annotations

from typing import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .activations import ACTIVATIONS, softmax
from .history import History
from .toydata import ToyData

CLASS_COLORS = ("#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e")     # red, blue, green, ...
MODEL_COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f")
FONT = dict(size=15)


def _layout(fig: go.Figure, title: str = "", height: int = 380) -> go.Figure:
    # template "none": no embedded theme (Plotly's default template is a large dict that every
    # serialisation walks); the dashboard's own theme styles the chart.
    fig.update_layout(title=dict(text=title, x=0.02), height=height, margin=dict(l=10, r=10, t=50, b=10),
                      font=FONT, template="none", plot_bgcolor="white", paper_bgcolor="white",
                      legend=dict(orientation="h", y=-0.12))
    fig.update_xaxes(gridcolor="#e5e5e5", zerolinecolor="#cccccc")
    fig.update_yaxes(gridcolor="#e5e5e5", zerolinecolor="#cccccc")
    return fig


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


def frozen(fig: go.Figure) -> go.Figure:
    """Encode the figure's arrays once (as Plotly's base64 typed arrays), so that rendering the
    same figure on every rerun does not convert them again."""
    from _plotly_utils.utils import convert_to_base64
    d = fig.to_dict()
    convert_to_base64(d)
    return go.Figure(d)


def data_figure(data: ToyData) -> go.Figure:
    fig = go.Figure()
    _points(fig, data)
    fig.update_xaxes(title="x1 (scaled)")
    fig.update_yaxes(title="x2 (scaled)", scaleanchor="x")
    return _layout(fig, f"{data.config.name}: {len(data.y_train)} train (●), {len(data.y_test)} test (✕)")


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
    fig = _layout(fig, "", rows * row_height)
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


def curves_figure(histories: Sequence[tuple[str, History]]) -> go.Figure:
    """Loss and accuracy per epoch for several models: train solid, validation (test split) dashed."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=("loss", "accuracy"), horizontal_spacing=0.08)
    for i, (name, h) in enumerate(histories):
        color = MODEL_COLORS[i % len(MODEL_COLORS)]
        for col, key in ((1, "loss"), (2, "accuracy")):
            for split, dash in (("train", "solid"), ("val", "dash")):
                values = np.asarray(getattr(h, f"{split}_{key}"), dtype=np.float32)   # typed arrays, not lists
                fig.add_trace(go.Scatter(
                    x=np.asarray(h.epoch, dtype=np.int32), y=values, mode="lines", line=dict(color=color, dash=dash, width=2),
                    name=f"{name} ({'train' if split == 'train' else 'test'})", legendgroup=name,
                    showlegend=(col == 1)), row=1, col=col)
    fig.update_xaxes(title="epoch")
    fig.update_yaxes(type="log", row=1, col=1)
    fig.update_yaxes(range=[0, 1.02], row=1, col=2)
    return frozen(_layout(fig, "", 420))


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
    return _layout(fig, name, 320)


def bar_figure(labels: Sequence[str], values: Sequence[float], title: str, highlight: int | None = None,
               height: int = 320) -> go.Figure:
    colors = [MODEL_COLORS[1] if i == highlight else MODEL_COLORS[0] for i in range(len(values))]
    fig = go.Figure(go.Bar(x=list(labels), y=np.round(values, 4), marker_color=colors))
    fig.update_yaxes(range=[0, 1])
    fig.update_xaxes(type="category")
    return _layout(fig, title, height)


def confusion_figure(matrix: np.ndarray, classes: Sequence[str]) -> go.Figure:
    fig = go.Figure(go.Heatmap(z=matrix, x=list(classes), y=list(classes), colorscale="Blues",
                               text=matrix, texttemplate="%{text}",
                               hovertemplate="true %{y}<br>predicted %{x}<br>%{z} images<extra></extra>"))
    fig.update_xaxes(title="predicted", type="category")
    fig.update_yaxes(title="true", autorange="reversed", type="category")
    return _layout(fig, "Confusion matrix (test set)", 480)


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
    fig = _layout(fig, title, height=rows * cell + 60)
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


def cnn_result_figures(history: History, report, test_images: np.ndarray, test_labels: np.ndarray,
                       classes: Sequence[str], conv1_weights: np.ndarray) -> dict:
    """Every figure of the MNIST page's results panel, built once per trained model.

    ``report`` is an ``nncore.cnn.TestReport``; images are uint8 (N, 28, 28), labels (N,)."""
    first, worst = np.arange(min(16, len(test_labels))), report.confident_wrong

    def grid(idx, title):
        return digits_figure(test_images[idx], classes, test_labels[idx].tolist(), report.pred[idx],
                             report.proba[idx, report.pred[idx]], title=title)
    return {"curves": curves_figure([("CNN", history)]) if history.epoch else None,
            "confusion": confusion_figure(report.confusion, classes),
            "per_class": bar_figure(classes, report.per_class_accuracy, "Accuracy per class"),
            "predictions": grid(first, "Test predictions (true → predicted)"),
            "wrong": grid(worst, "Most confidently wrong") if len(worst) else None,
            "filters": filters_figure(conv1_weights)}
