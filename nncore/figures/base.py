"""Shared look of every figure (pure functions of data: no Streamlit, no training, no I/O)."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..core.history import History

CLASS_COLORS = ("#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e")     # red, blue, green, ...


MODEL_COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f")


FONT = dict(size=15)


def layout(fig: go.Figure, title: str = "", height: int = 380) -> go.Figure:
    # template "none": no embedded theme (Plotly's default template is a large dict that every
    # serialisation walks); the dashboard's own theme styles the chart.
    fig.update_layout(title=dict(text=title, x=0.02), height=height, margin=dict(l=10, r=10, t=50, b=10),
                      font=FONT, template="none", plot_bgcolor="white", paper_bgcolor="white",
                      legend=dict(orientation="h", y=-0.12))
    fig.update_xaxes(gridcolor="#e5e5e5", zerolinecolor="#cccccc")
    fig.update_yaxes(gridcolor="#e5e5e5", zerolinecolor="#cccccc")
    return fig


def frozen(fig: go.Figure) -> go.Figure:
    """Encode the figure's arrays once (as Plotly's base64 typed arrays), so that rendering the
    same figure on every rerun does not convert them again."""
    from _plotly_utils.utils import convert_to_base64
    d = fig.to_dict()
    convert_to_base64(d)
    return go.Figure(d)


def curves_figure(histories: Sequence[tuple[str, History]]) -> go.Figure:
    """Loss and accuracy per epoch for several models: train solid, validation (test split) dashed."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=("loss", "accuracy"), horizontal_spacing=0.08)
    for i, (name, h) in enumerate(histories):
        color = MODEL_COLORS[i % len(MODEL_COLORS)]
        for col, key in ((1, "loss"), (2, "accuracy")):
            for split, dash in (("train", "solid"), ("val", "dash")):
                values = np.asarray(getattr(h, f"{split}_{key}"), dtype=np.float32)   # typed arrays, not lists
                fig.add_trace(go.Scatter(
                    x=np.asarray(h.epoch, dtype=np.int32), y=values, mode="lines",
                    line=dict(color=color, dash=dash, width=2),
                    name=f"{name} ({'train' if split == 'train' else 'test'})", legendgroup=name,
                    showlegend=(col == 1)), row=1, col=col)
    fig.update_xaxes(title="epoch")
    fig.update_yaxes(type="log", row=1, col=1)
    fig.update_yaxes(range=[0, 1.02], row=1, col=2)
    return frozen(layout(fig, "", 420))


def bar_figure(labels: Sequence[str], values: Sequence[float], title: str, highlight: int | None = None,
               height: int = 320) -> go.Figure:
    colors = [MODEL_COLORS[1] if i == highlight else MODEL_COLORS[0] for i in range(len(values))]
    fig = go.Figure(go.Bar(x=list(labels), y=np.round(values, 4), marker_color=colors))
    fig.update_yaxes(range=[0, 1])
    fig.update_xaxes(type="category")
    return layout(fig, title, height)
