"""Figures of repeats over seeds: curves as a mean with a ±1 standard deviation band, and each model's
test accuracies as a box with every run's point (pure functions of data)."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from ..core.history import History
from ..lineup.repeats import Spread, band
from .base import MODEL_COLORS, Prepared, curves_base, layout, rgba

LOSS_FLOOR = 1e-4       # the loss panel is logarithmic: a band reaching below this is drawn down to it


def band_curves_figure(groups: Sequence[tuple[str, Sequence[History]]]) -> Prepared:
    """Loss and accuracy per epoch, each model's mean over its runs: train solid, test dashed, and a
    shaded band of ±1 standard deviation around the test mean (how far one run may stray)."""
    runs = max(2, max((len(h) for _, h in groups), default=2))      # (a band needs the base's band traces)
    base = curves_base(tuple(name for name, _ in groups), runs)
    traces, i = {}, 0
    for _, histories in groups:
        for key, floor in (("loss", LOSS_FLOOR), ("accuracy", 0.0)):
            epochs, mean, std = band(histories, f"val_{key}")
            train_epochs, train_mean, _ = band(histories, f"train_{key}")
            lo, hi = np.maximum(mean - std, floor), mean + std
            traces[i] = {"x": np.concatenate([epochs, epochs[::-1]]).astype(np.int32),
                         "y": np.concatenate([hi, lo[::-1]]).astype(np.float32)}
            traces[i + 1] = {"x": train_epochs.astype(np.int32), "y": train_mean.astype(np.float32)}
            traces[i + 2] = {"x": epochs.astype(np.int32), "y": mean.astype(np.float32)}
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
                             fillcolor=rgba(color, 0.12),
                             text=[f"seed {seed}" for seed, a in zip(s.seeds, s.all_accuracies) if a is not None],
                             hovertemplate="%{text}: %{y:.1%}<extra>%{x}</extra>", showlegend=False))
    fig.update_yaxes(title="test accuracy", tickformat=".0%")
    fig.update_xaxes(type="category")
    return layout(fig, "Test accuracy in every run (one point per seed)", 360)
