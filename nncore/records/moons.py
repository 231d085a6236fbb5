"""The moons page's record of a lineup training together: what its live view shows at one moment
(boundary pictures, curves, leaderboard, counters), read off a ``LiveComparison`` and one of its frames.

The figures it holds are drawn by the pure functions of ``figures`` from those frames and results;
the boundary pictures are painted per frame, so a frame costs milliseconds.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go

from ..core.history import OK, RUNNING
from ..core.text import literal
from ..engine.results import board_row, leaderboard
from ..figures.base import COLOUR_NAMES, Prepared, curves_figure
from ..figures.raster import BoundaryPainter
from ..figures.spread import band_curves_figure, spread_figure
from ..figures.toy import model_title, result_title
from ..lineup.live import LiveComparison, LiveFrame
from ..lineup.repeats import Spread, grouped, significance, spread, spread_board


@dataclass
class LiveView:
    pictures: list[tuple[str, np.ndarray]]  # per model a title and its boundary picture
    curves: Prepared | None    # None: a live frame that leaves the last curves in place (``curves=False``)
    board: list[dict]          # one row per model, best test accuracy first
    counters: str              # "Scratch NumPy: epoch 40 of 150 · ..."
    share: float               # how much of the training is done, 0..1
    spread: go.Figure | None = None   # repeats, once over: every run's test accuracy, per model
    note: str | None = None           # repeats, once over: do the two best differ by more than luck?
    runs: int = 1                     # runs of each model (repeats over seeds)


def live_view(live: LiveComparison, painter: BoundaryPainter, frame: LiveFrame | None = None,
              curves: bool = True) -> LiveView:
    """The view of ``frame`` (default: the latest), or of the final results once training is over.
    Boundaries are pictures (``raster``): the browser swaps an image per model instead of rebuilding
    a multi-panel chart several times a second. ``curves=False`` (a live frame only) leaves the curves out:
    the page redraws them less often than the pictures."""
    histories = live.histories()
    names = [s.name for s in live.lineup]
    repeats = live.data_config.repeats
    curves = _curves(live, names, histories) if curves or live.done else None
    which = f" · run 1 of {repeats}" if repeats > 1 else ""              # (the picture is of one run)
    if live.done:
        results = live.results()
        spreads = [spread(runs) for runs in live.results(runs=True) if runs] if repeats > 1 else None
        return LiveView([(result_title(r) + which, painter.paint(r.boundary)) for r in results], curves,
                        spread_board(spreads) if spreads else leaderboard(results),
                        _counters([r.spec.name for r in results],
                                  [(r.history.epochs_run, r.spec.planned, r.status, r.spec.family.unit)
                                   for r in results]),
                        live.share if live.stopped else 1.0, spread_figure(spreads) if spreads else None,
                        significance(spreads) if spreads else None, repeats)
    frame = frame or live.latest()
    panels, rows, counts = [], [], []
    for i, (spec, f, cached) in enumerate(zip(live.lineup, frame.frames, live.cached)):
        if cached is None and f is None:            # another session is training exactly this model
            panels.append((f"{spec.name} — being trained by another student; shared when done", None))
            rows.append(board_row(spec.name, spec.framework, None, None, None, 0, 0.0, None,
                                  "waiting for a shared result"))
            counts.append((0, spec.planned, "waiting", spec.family.unit))
            continue
        if cached is not None:
            panels.append((result_title(cached), cached.boundary))
            rows += leaderboard([cached])
            counts.append((cached.history.epochs_run, spec.planned, cached.status, spec.family.unit))
            continue
        h = histories[i]
        acc, train_loss, test_loss, seconds = ((h.last("val_accuracy"), h.last("train_loss"), h.last("val_loss"),
                                                round(h.last("seconds"), 3)) if h.epoch else (None, None, None, 0.0))
        panels.append((model_title(spec.name, acc, f.status, f.label) + which, f.proba))
        rows.append(board_row(spec.name, spec.framework, acc, train_loss, test_loss, h.epochs_run, seconds,
                              live.runs[i].model.n_parameters if spec.family.shows.parameters else None, f.label))
        counts.append((f.epoch, f.epochs, f.status, f.unit))
    rows.sort(key=lambda r: -(r["test accuracy"] if r["test accuracy"] is not None else -1))
    if repeats > 1:                                   # the runs so far: their last test accuracy each
        seeds = grouped([s.config.seed for s in live.specs], len(live.lineup))
        rows = spread_board([_so_far(s, ks, hs) for s, ks, hs in zip(live.lineup, seeds, live.histories(runs=True))])
    pictures = [(title, painter.paint(proba)) for title, proba in panels]
    return LiveView(pictures, curves, rows, _counters(names, counts), frame.share, runs=repeats)


def _curves(live: LiveComparison, names: list[str], histories) -> Prepared:
    staged = [i for i, s in enumerate(live.lineup) if s.family.curves]      # one fit draws no curve
    if live.data_config.repeats == 1:
        return curves_figure([(names[i], histories[i]) for i in staged])
    return band_curves_figure([(names[i], runs) for i, runs in enumerate(live.histories(runs=True)) if i in staged])


def _so_far(spec, seeds, histories) -> Spread:
    """A model's runs so far, each by its latest test accuracy (a run not started yet is left out)."""
    started = [(seed, h.last("val_accuracy")) for seed, h in zip(seeds, histories) if h.epoch]
    return Spread(spec.name, spec.framework, tuple(seed for seed, _ in started),
                  tuple(None if acc != acc else float(acc) for _, acc in started))     # (NaN: diverged)


def _counters(names, counts) -> str:
    """One counter per model: "epoch 40 of 150", "tree 12 of 100"; a model fitted at once (its unit "fit")
    reads "fitted" or "not fitted yet", never "fit 1 of 1"."""
    def counter(e, total, unit) -> str:
        if unit == "fit":
            return "fitted" if e >= total > 0 else "not fitted yet"
        return f"{unit} {e} of {total}"
    return " · ".join(f"{n}: {counter(e, total, unit)}" + ("" if status in (OK, RUNNING) else f" ({status})")
                      for n, (e, total, status, unit) in zip(names, counts))


def legend(data, runs: int = 1) -> str:
    """What the boundary pictures show: the colours, with the classes by their names, and which run."""
    if data.n_classes == 2:
        colours = (f"the model's probability of {literal(data.label(1))} (blue) against {literal(data.label(0))} "
                   "(red); white is 50/50")
    else:
        named = ", ".join(f"{c} {literal(data.label(k))}" for k, c in zip(range(data.n_classes), COLOUR_NAMES))
        colours = f"the class the model picks ({named}), paler where it is unsure"
    runs_note = (f" Pictures: each model's first run (its own seed); the curves and the leaderboard: all {runs} "
                 "runs of each.") if runs > 1 else ""
    return f"Colour: {colours}. ● training points, ✕ test points.{runs_note}"
