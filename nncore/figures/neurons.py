"""The neuron view: an MLP drawn as columns of units, each unit a small map of its output over the
input plane (the same mesh as the boundary), edges coloured by the weight's sign, wide by its size.

The inputs are what the first layer reads: x1 and x2 themselves, and any engineered inputs (x1²,
sin x1, ...: ``nncore.core.features``), each drawn as its own map over the plane; each hidden unit's
map is its activation; the output's map is the decision boundary. Pure functions of a model's
weights and its activations on the mesh.
"""
from __future__ import annotations

import base64
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go

from ..core.features import RAW_INPUTS, expand, label
from .base import CLASS_COLORS, frozen, layout
from .raster import png, probability_colors

MAX_UNITS = 16                  # per column; wider layers show their first 16 and say so
COLUMN_GAP, ROW_GAP = 3.0, 1.3  # between unit centres (a unit's map is 0.8 across): room for the
                                # column headings side by side and for each unit's name under its map
POSITIVE, NEGATIVE = "#1f77b4", "#ff7f0e"


@dataclass(frozen=True)
class Unit:
    column: int                 # 0: inputs; 1..L-1: hidden layers; L: output
    index: int                  # within its column
    name: str                   # "x₁", "x₁²", "h1.3", "out"
    values: np.ndarray          # (R, R) its output over the mesh; two-class output: probabilities (R, R, 2)
    color: str = ""             # a class's output unit: white (probability 0) to this colour (1)


def activation_colors(a: np.ndarray) -> np.ndarray:
    """(R, R) activations -> (R, R, 3) uint8: orange for negative, white at 0, blue for positive,
    scaled by the unit's own largest |value| (so a unit that barely moves still shows its shape)."""
    scale = float(np.abs(a).max()) or 1.0
    t = np.clip(a / scale, -1, 1)[..., None].astype(np.float32)
    white = np.float32(255.0)
    pos = np.array([int(POSITIVE[i:i + 2], 16) for i in (1, 3, 5)], dtype=np.float32)
    neg = np.array([int(NEGATIVE[i:i + 2], 16) for i in (1, 3, 5)], dtype=np.float32)
    return np.where(t >= 0, white + (pos - white) * t, white + (neg - white) * -t).astype(np.uint8)


def unit_picture(unit: Unit) -> np.ndarray:
    """A unit's map as a picture, rows flipped so that x2 grows upward (as on the boundary)."""
    if unit.values.ndim == 3:
        colors = probability_colors(unit.values)
    elif unit.color:
        rgb = np.array([int(unit.color[i:i + 2], 16) for i in (1, 3, 5)], dtype=np.float32)
        colors = (255 + (rgb - 255) * np.clip(unit.values, 0, 1)[..., None]).astype(np.uint8)
    else:
        colors = activation_colors(unit.values)
    return colors[::-1]


def _data_uri(picture: np.ndarray) -> str:
    return "data:image/png;base64," + base64.b64encode(png(picture)).decode()


def network_units(xs: np.ndarray, ys: np.ndarray, hidden: list[np.ndarray], proba: np.ndarray,
                  inputs: tuple[str, ...] = RAW_INPUTS) -> list[Unit]:
    """Every unit shown: the model's inputs (x1 and x2 unless ``inputs`` names more), the first MAX_UNITS
    of each hidden layer (none without a hidden layer), and the output (one unit for two classes; one
    per class for more, each its class's probability)."""
    gx, gy = np.meshgrid(xs, ys)
    maps = expand(np.c_[gx.ravel(), gy.ravel()], inputs).reshape(*gx.shape, len(inputs))   # (R, R, inputs)
    units = [Unit(0, j, label(name), maps[..., j].astype(np.float32)) for j, name in enumerate(inputs)]
    for layer, maps in enumerate(hidden, start=1):
        units += [Unit(layer, j, f"h{layer}.{j + 1}", maps[..., j]) for j in range(min(MAX_UNITS, maps.shape[-1]))]
    out = len(hidden) + 1
    if proba.shape[-1] == 2:
        units.append(Unit(out, 0, "out", proba))
    else:
        units += [Unit(out, c, f"P(class {c})", proba[..., c], CLASS_COLORS[c % len(CLASS_COLORS)])
                  for c in range(proba.shape[-1])]
    return units


def _y(j: int, m: int) -> float:
    return ROW_GAP * ((m - 1) / 2 - j)


def network_figure(units: list[Unit], layers: list[tuple[np.ndarray, np.ndarray]], title: str = "") -> go.Figure:
    """Columns of unit maps joined by weights: blue positive, orange negative, wider for larger |w|.
    A click target sits on every unit (``customdata``: its index in ``units``)."""
    columns = max(u.column for u in units) + 1
    counts = [sum(u.column == c for u in units) for c in range(columns)]
    pos = {(u.column, u.index): (u.column * COLUMN_GAP, _y(u.index, counts[u.column])) for u in units}
    top = max(counts)
    biggest = max((float(np.abs(W).max()) for W, _ in layers), default=1.0) or 1.0
    groups: dict[tuple[bool, int], list] = {}
    for c, (W, _) in enumerate(layers):
        for i in range(min(W.shape[0], counts[c])):
            for j in range(min(W.shape[1], counts[c + 1])):
                bucket = min(3, int(4 * abs(W[i, j]) / biggest))
                (x0, y0), (x1, y1) = pos[(c, i)], pos[(c + 1, j)]
                groups.setdefault((W[i, j] >= 0, bucket), []).extend([x0 + 0.45, x1 - 0.45, None, y0, y1, None])
    fig = go.Figure()
    for (positive, bucket), seg in sorted(groups.items()):
        fig.add_trace(go.Scatter(x=_xs(seg), y=_ys(seg), mode="lines",
                                 line=dict(color=POSITIVE if positive else NEGATIVE, width=0.6 + 1.6 * bucket),
                                 opacity=0.35 + 0.15 * bucket, hoverinfo="skip", showlegend=False))
    edge = ROW_GAP * (top - 1) / 2 + 0.4                    # the outermost maps' top and bottom edges
    height = min(760, 110 + (80 if top <= 6 else 56) * top)
    # a map's side in pixels where the height sets the scale (a tall diagram): the click target's outline
    # then frames the map and each unit's name sits under it (where the width sets it, in a narrow column,
    # the outline is a little larger than the map and the name a little lower)
    side = 0.8 * (height - (50 if title else 30)) / (2 * edge + 0.7)
    centers = [pos[(u.column, u.index)] for u in units]
    fig.add_trace(go.Scatter(x=[p[0] for p in centers], y=[p[1] for p in centers], mode="markers+text",
                             marker=dict(size=round(side), symbol="square", color="rgba(0,0,0,0.01)",
                                         line=dict(width=1, color="#555")),
                             text=[u.name for u in units], textposition="bottom center", textfont=dict(size=11),
                             customdata=list(range(len(units))),
                             hovertemplate="%{text}: click to enlarge<extra></extra>",
                             showlegend=False))
    fig.update_xaxes(visible=False, range=[-0.8, (columns - 1) * COLUMN_GAP + 0.8])
    fig.update_yaxes(visible=False, range=[-edge - 0.35, edge + 0.35], scaleanchor="x")
    names = ["inputs"] + [f"hidden {c}" for c in range(1, columns - 1)] + ["output"]
    for c, name in enumerate(names):
        fig.add_annotation(x=c * COLUMN_GAP, y=edge + 0.05, text=f"<b>{name}</b>", showarrow=False, yanchor="bottom")
    fig = layout(fig, title, height=height)
    fig.update_layout(margin=dict(l=10, r=10, t=40 if title else 20, b=10), dragmode=False)
    prepared = frozen(fig)
    # the unit maps as plain layout images, added after validation (Plotly checks each one slowly)
    prepared.to_dict()["layout"]["images"] = [
        {"source": _data_uri(unit_picture(u)), "x": x - 0.4, "y": y + 0.4, "sizex": 0.8, "sizey": 0.8,
         "xref": "x", "yref": "y", "sizing": "stretch", "layer": "above"} for u, (x, y) in zip(units, centers)]
    return prepared


def _xs(seg: list) -> list:
    return [v for k in range(0, len(seg), 6) for v in seg[k:k + 3]]


def _ys(seg: list) -> list:
    return [v for k in range(0, len(seg), 6) for v in seg[k + 3:k + 6]]


def incoming(units: list[Unit], layers: list[tuple[np.ndarray, np.ndarray]], which: int) -> list[dict]:
    """The weights into a unit from each unit of the column before, and its bias (none for inputs)."""
    unit = units[which]
    if unit.column == 0:
        return []
    W, b = layers[unit.column - 1]
    sources = [u for u in units if u.column == unit.column - 1]
    rows = [{"from": u.name, "weight": float(W[u.index, unit.index])} for u in sources if u.index < W.shape[0]]
    if W.shape[0] > len(sources):
        rows.append({"from": f"(+{W.shape[0] - len(sources)} units not shown)", "weight": float("nan")})
    return rows + [{"from": "bias", "weight": float(b[unit.index])}]
