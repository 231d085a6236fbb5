"""Shared look of every figure (pure functions of data: no Streamlit, no training, no I/O)."""
from __future__ import annotations

import functools
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.colors import hex_to_rgb
from plotly.subplots import make_subplots

from ..core.history import History

CLASS_COLORS = ("#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e",    # red, blue, green, ...: up to
                "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf")    # 10 classes (uploaded points)
COLOUR_NAMES = ("red", "blue", "green", "purple", "orange", "brown", "pink", "grey", "olive", "cyan")  # in words


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


class Prepared(go.Figure):
    """A figure whose plain, JSON-ready dict is built once (arrays as Plotly's base64 typed arrays).

    Streamlit asks a figure for ``to_dict()`` on every render; a Prepared figure hands out its
    dict as is, without Plotly validating it again (tens of milliseconds for a multi-panel
    figure). ``with_changes`` makes a new frame of the same figure by swapping trace fields and
    annotation texts, sharing everything else."""

    def __init__(self, spec: dict):
        super().__init__()
        self._spec = spec

    def to_dict(self) -> dict:
        return self._spec

    def with_changes(self, traces: dict[int, dict] | None = None, annotations: dict[int, str] | None = None,
                     **layout_changes) -> Prepared:
        data = list(self._spec["data"])
        for i, fields in (traces or {}).items():
            data[i] = {**data[i], **{k: typed(v) for k, v in fields.items()}}
        lay = {**self._spec["layout"], **layout_changes}
        if annotations:
            notes = list(lay["annotations"])
            for i, text in annotations.items():
                notes[i] = {**notes[i], "text": text}
            lay["annotations"] = notes
        return Prepared({"data": data, "layout": lay})


def typed(value):
    """NumPy arrays as Plotly's compact base64 typed arrays; anything else as it is."""
    from _plotly_utils.utils import to_typed_array_spec
    return to_typed_array_spec(value) if isinstance(value, np.ndarray) else value


def frozen(fig: go.Figure) -> Prepared:
    """Validate and encode a figure once; every later render hands out the same dict."""
    from _plotly_utils.utils import convert_to_base64
    d = fig.to_dict()
    convert_to_base64(d)
    return Prepared(d)


def rgba(hex_colour: str, alpha: float) -> str:
    return "rgba({},{},{},{})".format(*hex_to_rgb(hex_colour), alpha)


@functools.lru_cache(maxsize=64)
def curves_base(names: tuple[str, ...], runs: int = 1) -> Prepared:
    """The curves' layout and styled, empty traces for these model names (built once per lineup): per
    model and panel the train and test lines; with ``runs`` above 1 (repeats over seeds) they are means
    over the runs, after a band of ±1 standard deviation around the test mean."""
    mean = " (mean over runs)" if runs > 1 else ""
    fig = make_subplots(rows=1, cols=2, subplot_titles=(f"loss{mean}", f"accuracy{mean}"), horizontal_spacing=0.08)
    for i, name in enumerate(names):
        color = MODEL_COLORS[i % len(MODEL_COLORS)]
        for col in (1, 2):
            if runs > 1:
                fig.add_trace(go.Scatter(x=[], y=[], mode="lines", fill="toself", fillcolor=rgba(color, 0.18),
                                         line=dict(width=0), hoverinfo="skip", legendgroup=name,
                                         name=f"{name}: ±1 std over {runs} seeds (test)", showlegend=(col == 1)),
                              row=1, col=col)
            for split, dash in (("train", "solid"), ("test", "dash")):
                fig.add_trace(go.Scatter(x=[], y=[], mode="lines", line=dict(color=color, dash=dash, width=2),
                                         name=f"{name} ({split}{', mean' if runs > 1 else ''})", legendgroup=name,
                                         showlegend=(col == 1)),
                              row=1, col=col)
    fig.update_xaxes(title=dict(text="epoch", standoff=4))
    fig.update_yaxes(type="log", exponentformat="power", dtick=1, row=1, col=1)   # ticks at 1, 0.1, 0.01 ...
    fig.update_yaxes(range=[0, 1.02], row=1, col=2)
    fig = layout(fig, "", 440 if runs == 1 else 460)
    fig.update_layout(legend=dict(orientation="h", y=-0.2, yanchor="top"), margin=dict(b=90 if runs == 1 else 110))
    return frozen(fig)


def curves_figure(histories: Sequence[tuple[str, History]]) -> Prepared:
    """Loss and accuracy per epoch for several models: train solid, validation (test split) dashed."""
    base = curves_base(tuple(name for name, _ in histories))
    traces, i = {}, 0
    for _, h in histories:
        epochs = np.asarray(h.epoch, dtype=np.int32)
        for key in ("loss", "accuracy"):
            for split in ("train", "val"):
                traces[i] = {"x": epochs, "y": np.asarray(getattr(h, f"{split}_{key}"), dtype=np.float32)}
                i += 1
    return base.with_changes(traces)


def bar_figure(labels: Sequence[str], values: Sequence[float], title: str, highlight: int | None = None,
               height: int = 320) -> go.Figure:
    colors = [MODEL_COLORS[1] if i == highlight else MODEL_COLORS[0] for i in range(len(values))]
    fig = go.Figure(go.Bar(x=list(labels), y=np.round(values, 4), marker_color=colors))
    fig.update_yaxes(range=[0, 1])
    fig.update_xaxes(type="category")
    return layout(fig, title, height)
