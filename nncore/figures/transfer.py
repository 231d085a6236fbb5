"""The transfer comparison as one figure: test accuracy against the number of labels, each arm's mean
with a ±1 std bar over seeds, and every seed's run as a dot."""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from ..data.images import IMAGE_DATASETS
from .base import MODEL_COLORS, layout


def transfer_figure(result) -> go.Figure:
    c, fig = result.config, go.Figure()
    arms = (("transfer", f"filters from {IMAGE_DATASETS[c.source]}"), ("scratch", "from scratch"))
    for k, (arm, name) in enumerate(arms):
        rows = [r for r in result.rows if getattr(r, arm)]
        x = [r.used for r in rows]
        runs = [getattr(r, arm) for r in rows]
        std = [float(np.std(v, ddof=1)) if len(v) > 1 else 0.0 for v in runs]
        fig.add_trace(go.Scatter(x=x, y=[float(np.mean(v)) for v in runs], name=name, mode="lines+markers",
                                 line=dict(color=MODEL_COLORS[k]), error_y=dict(type="data", array=std)))
        fig.add_trace(go.Scatter(x=[r.used for r in rows for _ in getattr(r, arm)],
                                 y=[a for v in runs for a in v], mode="markers", showlegend=False,
                                 marker=dict(color=MODEL_COLORS[k], size=5, opacity=0.45),
                                 hovertemplate=f"{name}: %{{y:.1%}}<extra>one seed</extra>"))
    fig.update_xaxes(type="log", tickvals=[r.used for r in result.rows],
                     title=f"labelled {IMAGE_DATASETS[c.target]} images")
    fig.update_yaxes(title="test accuracy", tickformat=".0%")
    fig = layout(fig, f"{IMAGE_DATASETS[c.target]}, fine-tuned on few labels", 360)
    return fig.update_layout(legend=dict(orientation="h", y=-0.3))
