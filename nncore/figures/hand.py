"""Pictures and tables for the CNN by hand (``teaching.cnn_hand``): a map with the chosen cell and its
pooling window outlined, a 3x3 grid as a Markdown table, each input channel's share of a conv2 cell."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from .base import MODEL_COLORS, layout
from .images import VIRIDIS_LUT, upscale

CELL = (220, 38, 38)             # the cell, or the patch, chosen
WINDOW = (250, 204, 21)          # its 2x2 pooling window


def map_picture(values: np.ndarray, scale: int, boxes: Sequence[tuple[int, int, int, int, tuple]] = ()) -> np.ndarray:
    """(H, W) values -> uint8 RGB on a Viridis scale (bright: large), ``scale`` pixels a cell, with each
    box (top, left, height, width, colour) outlined 2 pixels wide. Each cell's place is exact, so a
    click at pixel (x, y) lands on cell (y // scale, x // scale)."""
    lo, span = float(values.min()), float(np.ptp(values))
    level = (values - lo) / span if span > 0 else np.zeros_like(values, dtype=np.float64)
    rgb = upscale(VIRIDIS_LUT[np.rint(level * (len(VIRIDIS_LUT) - 2)).astype(int)], scale).copy()
    for top, left, h, w, colour in boxes:
        y0, x0, y1, x1 = top * scale, left * scale, (top + h) * scale, (left + w) * scale
        for band in (np.s_[y0:y0 + 2, x0:x1], np.s_[y1 - 2:y1, x0:x1],
                     np.s_[y0:y1, x0:x0 + 2], np.s_[y0:y1, x1 - 2:x1]):
            rgb[band] = colour
    return rgb


def grid_markdown(values: np.ndarray, rows: Sequence[int], cols: Sequence[int], bold: tuple[int, int] | None = None,
                  digits: int = 4) -> str:
    """A small grid as a Markdown table, headed by its rows' and columns' places in the map (row numbers
    in the first column, in italics)."""
    head = "| | " + " | ".join(str(c) for c in cols) + " |\n|---|" + "---:|" * len(cols) + "\n"

    def cell(i, j):
        text = f"{values[i, j]:.{digits}f}"
        return f"**{text}**" if bold == (i, j) else text
    return head + "\n".join(f"| *{r}* | " + " | ".join(cell(i, j) for j in range(len(cols))) + " |"
                            for i, r in enumerate(rows))


def channels_figure(sums: np.ndarray, biggest: Sequence[int], height: int = 260) -> go.Figure:
    """Each input channel's 3x3 sum toward one conv2 cell; the biggest ones in the second colour."""
    colours = [MODEL_COLORS[1] if c in biggest else MODEL_COLORS[0] for c in range(len(sums))]
    fig = go.Figure(go.Bar(x=[str(c) for c in range(len(sums))], y=np.round(sums, 5), marker_color=colours,
                           hovertemplate="channel %{x}: %{y}<extra></extra>"))
    fig.update_xaxes(type="category", title="input channel (a pooled conv1 map)")
    fig.update_yaxes(title="its 9 products summed")
    return layout(fig, "What each of the 32 input channels adds", height)
