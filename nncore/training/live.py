"""A lineup trained together, frame by frame, for the live moons page.

Models move forward together: after ``step(share)`` every model has done ``share`` of its own
epochs, so a 150-epoch model and a 1000-epoch model finish at the same moment. Each frame
keeps every model's probabilities on the mesh (as bytes, 0-255), which become the
"through training" view afterwards. One session's object; never shared.
"""
from __future__ import annotations

import dataclasses
import math
import threading
import time
from collections.abc import MutableMapping, Sequence
from dataclasses import dataclass

import numpy as np

from ..data.toy import DataConfig, Mesh, load_toy
from ..models.registry import ModelSpec, check_lineup
from .comparison import Comparison, ModelResult, finish, result_key
from .cost import Estimate
from .engine import Frame, Training

MAX_FRAMES = 40         # frames kept for the through-training view


@dataclass(frozen=True)
class LiveFrame:
    """One moment of the whole lineup: each model's frame (None: that model came from the cache)."""
    share: float
    frames: tuple[Frame | None, ...]


class LiveComparison:
    """Train a lineup in steps; cached models show their finished result from the start."""

    def __init__(self, data_config: DataConfig, lineup: Sequence[ModelSpec], *, resolution: int = 60,
                 snapshots: int = 10, cache: MutableMapping[str, ModelResult] | None = None, hidden: bool = False):
        self.data_config, self.lineup = data_config, check_lineup(lineup)
        self.data = load_toy(data_config)
        self.mesh = Mesh.for_data(self.data, resolution)
        self.keys = [result_key(data_config, s, snapshots, resolution) for s in self.lineup]
        self.cached: list[ModelResult | None] = [
            dataclasses.replace(cache[k], spec=s) if cache is not None and k in cache else None
            for s, k in zip(self.lineup, self.keys)]
        self.runs = [None if c is not None else Training(s, self.data, self.mesh, hidden=hidden)
                     for s, c in zip(self.lineup, self.cached)]
        self.share = 0.0
        self.paused = False                     # a view's wishes: hold still, or take Step's share next
        self.steps_asked = 0
        # Streamlit may start a session's next run (a Stop click's callback, say) while the previous
        # run's thread is still inside a step: steps, cancels and results take turns on this lock.
        self._lock = threading.RLock()
        self.history: list[LiveFrame] = []
        self._results: list[ModelResult] | None = None

    # --- cost and state ---------------------------------------------------------------------------

    def estimate(self) -> Estimate:
        """What the models still to train will cost, before any work."""
        return sum((r.estimate() for r in self.runs if r is not None), Estimate(0.0, 0.0))

    @property
    def to_train(self) -> int:
        return sum(r is not None for r in self.runs)

    @property
    def done(self) -> bool:
        return all(r is None or r.done for r in self.runs)

    @property
    def stopped(self) -> bool:
        return any(r is not None and r.status == "stopped" for r in self.runs)

    # --- stepping ---------------------------------------------------------------------------------

    def step(self, share: float) -> LiveFrame:
        """Advance every model to ``share`` (0..1] of its own epochs; record and return the frame."""
        with self._lock:
            self._advance_to(share)
            return self._record()

    def advance_for(self, seconds: float) -> LiveFrame:
        """Step by 1/MAX_FRAMES of the training, recording a frame each time, until ``seconds`` have
        passed or training ends; returns the last frame. The recorded frames do not depend on how
        fast frames are drawn: they are the "through training" view."""
        end = time.perf_counter() + seconds
        with self._lock:
            frame = self.latest()
            while not self.done and time.perf_counter() < end:
                frame = self.step(self.share + 1.0 / MAX_FRAMES)
            return frame

    def _advance_to(self, share: float) -> None:
        self.share = min(1.0, max(self.share, share))
        for run in self.runs:
            if run is not None and not run.done:
                target = math.ceil(self.share * run.epochs - 1e-9)
                if target > run.epoch:
                    run.advance(target - run.epoch, frame=False)

    def histories(self) -> list:
        """Each model's history as it stands (read it, do not change it)."""
        return [c.history if c is not None else r.model.history_ for r, c in zip(self.runs, self.cached)]

    def cancel(self) -> None:
        """Stop every model still training; each keeps what it has learned ("stopped at epoch e of E").
        Safe from another thread: a step in flight ends at its next batch, then the runs close."""
        for run in self.runs:
            if run is not None:
                run.cancel()
        with self._lock:
            for run in self.runs:
                if run is not None and not run.done:
                    run.stop()
        self.paused = False

    def _record(self) -> LiveFrame:
        frame = LiveFrame(self.share, tuple(None if r is None else r.frame(history=False) for r in self.runs))
        self.history.append(frame)
        if len(self.history) > 2 * MAX_FRAMES:      # (Step adds frames too) thin out: every other, and the last
            self.history = self.history[:-1:2] + self.history[-1:]
        return frame

    def latest(self) -> LiveFrame:
        return self.history[-1] if self.history else self._record()

    # --- results ----------------------------------------------------------------------------------

    def results(self) -> list[ModelResult]:
        """Each model's result (finished, stopped or from the cache), with the frames as snapshots."""
        with self._lock:
            return self._collect()

    def _collect(self) -> list[ModelResult]:
        if self._results is None or not self.done:
            out = []
            for i, (run, cached) in enumerate(zip(self.runs, self.cached)):
                if cached is not None:
                    out.append(cached)
                    continue
                shots = [(f.frames[i].epoch, f.frames[i].proba) for f in self.history
                         if f.frames[i] is not None and f.frames[i].proba is not None and f.frames[i].epoch > 0]
                out.append(finish(run, _unique(shots)))
            if not self.done:
                return out
            self._results = out
        return self._results

    def comparison(self) -> Comparison:
        return Comparison(self.data, self.mesh, self.results())

    def store(self, cache: MutableMapping[str, ModelResult]) -> list[str]:
        """Put the finished (not stopped) results in ``cache``; returns the keys newly stored."""
        new = []
        for key, result, run in zip(self.keys, self.results(), self.runs):
            if run is not None and result.status != "stopped" and key not in cache:
                cache[key] = result
                new.append(key)
        return new


def _unique(shots: list[tuple[int, np.ndarray]]) -> list[tuple[int, np.ndarray]]:
    seen, out = set(), []
    for epoch, proba in shots:
        if epoch not in seen:
            seen.add(epoch)
            out.append((epoch, proba))
    return out
