"""Figures of repeats over seeds: curves as a mean with a ±1 standard deviation band, and each model's
test accuracies as a box with every run's point (pure functions of data)."""
from __future__ import annotations

import functools
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..core.history import History
from ..training.repeats import Spread, band
from .base import MODEL_COLORS, Prepared, frozen, layout

LOSS_FLOOR = 1e-4       # the loss panel is logarithmic: a band reaching below this is drawn down to it


def _rgba(hex_colour: str, alpha: float) -> str:
    r, g, b = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


@functools.lru_cache(maxsize=64)
def _band_base(names: tuple[str, ...], runs: int) -> Prepared:
    """Per model and panel: the test split's band, then the train and test means (built once)."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=("loss (mean over runs)", "accuracy (mean over runs)"),
                        horizontal_spacing=0.08)
    for i, name in enumerate(names):
        color = MODEL_COLORS[i % len(MODEL_COLORS)]
        for col in (1, 2):
            fig.add_trace(go.Scatter(x=[], y=[], mode="lines", fill="toself", fillcolor=_rgba(color, 0.18),
                                     line=dict(width=0), hoverinfo="skip", legendgroup=name,
                                     name=f"{name}: ±1 std over {runs} seeds (test)", showlegend=(col == 1)),
                          row=1, col=col)
            for split, dash in (("train", "solid"), ("test", "dash")):
                fig.add_trace(go.Scatter(x=[], y=[], mode="lines", line=dict(color=color, dash=dash, width=2),
                                         name=f"{name} ({split}, mean)", legendgroup=name, showlegend=(col == 1)),
                              row=1, col=col)
    fig.update_xaxes(title=dict(text="epoch", standoff=4))
    fig.update_yaxes(type="log", exponentformat="power", dtick=1, row=1, col=1)
    fig.update_yaxes(range=[0, 1.02], row=1, col=2)
    fig = layout(fig, "", 460)
    fig.update_layout(legend=dict(orientation="h", y=-0.2, yanchor="top"), margin=dict(b=110))
    return frozen(fig)


def band_curves_figure(groups: Sequence[tuple[str, Sequence[History]]]) -> Prepared:
    """Loss and accuracy per epoch, each model's mean over its runs: train solid, test dashed, and a
    shaded band of ±1 standard deviation around the test mean (how far one run may stray)."""
    runs = max((len(h) for _, h in groups), default=1)
    base = _band_base(tuple(name for name, _ in groups), runs)
    traces, i = {}, 0
    for _, histories in groups:
        for key, floor in (("loss", LOSS_FLOOR), ("accuracy", 0.0)):
            epochs, mean, std = band(histories, f"val_{key}")
            lo, hi = np.maximum(mean - std, floor), mean + std
            traces[i] = {"x": np.concatenate([epochs, epochs[::-1]]).astype(np.int32),
                         "y": np.concatenate([hi, lo[::-1]]).astype(np.float32)}
            for split in ("train", "val"):
                e, m, _ = band(histories, f"{split}_{key}")
                traces[i + 1 + (split == "val")] = {"x": e.astype(np.int32), "y": m.astype(np.float32)}
            i += 3
    return base.with_changes(traces)


def spread_figure(spreads: Sequence[Spread]) -> go.Figure:
    """Each model's test accuracy in every run: a box (median, quartiles) with the runs as points;
    hovering a point gives its seed, so any run can be trained again alone."""
    fig = go.Figure()
    for i, s in enumerate(spreads):
        color = MODEL_COLORS[i % len(MODEL_COLORS)]
        fig.add_trace(go.Box(y=np.round(s.accuracies, 4), name=s.name, boxpoints="all", jitter=0.4,
                             pointpos=0, marker=dict(color=color, size=9, opacity=0.8), line=dict(color=color),
                             fillcolor=_rgba(color, 0.12),
                             text=[f"seed {seed}" for seed, a in zip(s.seeds, s.all_accuracies) if a is not None],
                             hovertemplate="%{text}: %{y:.1%}<extra>%{x}</extra>", showlegend=False))
    fig.update_yaxes(title="test accuracy", tickformat=".0%")
    fig.update_xaxes(type="category")
    return layout(fig, "Test accuracy in every run (one point per seed)", 360)
