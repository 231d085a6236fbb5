"""A lineup trained together, frame by frame, for the live moons page.

Models move forward together: after ``step(share)`` every model has done ``share`` of its own epochs, so
a 150-epoch model and a 1000-epoch model finish at the same moment. Each frame keeps every model's
probabilities on the mesh (bytes), the "through training" view afterwards. One session's; never shared.
"""
from __future__ import annotations

import dataclasses
import math
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..core.cost import Estimate
from ..core.history import History
from ..data.points import Points
from ..data.toy import DataConfig, Mesh, load_toy
from ..engine.results import ModelResult, finish, layers_of
from ..engine.toy import Frame, Training, sizes
from ..models.registry import ModelSpec, check_lineup
from ..serving.shared import MINE, READY, SharedResults
from .comparison import Comparison, run_keys
from .repeats import expand, grouped

MAX_FRAMES = 40         # frames kept for the through-training view


@dataclass(frozen=True)
class LiveFrame:
    """One moment of the whole lineup: each model's frame (None: that model came from the cache)."""
    share: float
    frames: tuple[Frame | None, ...]


class LiveComparison:
    """Train a lineup in steps. Results another session made (or is making) come from ``shared``.

    Create it, check ``estimate()`` against the budget, then ``start()``: only then does it claim
    the results it will train, so a refused lineup never makes anyone wait. With ``repeats`` K above 1
    (``data_config.repeats``) it trains K runs of each model (``self.specs``, the lineup's own first:
    ``repeats.expand``); frames and the per-model views (``results``, ``inside``) are of the first."""

    def __init__(self, data_config: DataConfig, lineup: Sequence[ModelSpec], *, resolution: int = 60,
                 snapshots: int = 10, shared: SharedResults | None = None, owner: str = "local",
                 hidden: bool = False, points: Points | None = None):   # points: uploaded (dataset "csv")
        self.data_config, self.lineup, self.points = data_config, check_lineup(lineup), points
        self.specs = expand(self.lineup, data_config.repeats)     # every run; run i is of model i % len(lineup)
        self.data = load_toy(data_config, points)
        self.mesh = Mesh.for_data(self.data, resolution)
        self.keys = run_keys(data_config, self.specs, len(self.lineup), snapshots, resolution, points)
        self.shared = shared if shared is not None else SharedResults()
        self.owner, self.hidden = owner, hidden
        n = len(self.specs)
        self.cached: list[ModelResult | None] = [None] * n     # finished elsewhere (shared)
        self.runs: list[Training | None] = [None] * n           # trained here
        self.waiting = [True] * n                               # being trained by another session
        self.share = 0.0
        self.paused = False                     # a view's wishes: hold still, or take Step's share next
        self.steps_asked = 0
        self._lock = threading.RLock()   # a Stop click's callback may come while a step is in flight
        self.history: list[LiveFrame] = []
        self._finished: dict[int, ModelResult] = {}          # results of runs that are over
        self._published: set[int] = set()                     # ... already shared (or released)

    def estimates(self) -> list[Estimate | None]:
        """Per run, what training it here would cost (None: its result is already shared)."""
        points, n = len(self.mesh.points), len(self.lineup)       # (a repeat draws no frames, one boundary)
        return [None if self.shared.get(k) is not None else
                s.family.estimate(s.config, sizes(self.data, points, 41 if i < n else 1))
                for i, (s, k) in enumerate(zip(self.specs, self.keys))]

    def estimate(self) -> Estimate:                 # what the runs still to train will cost, before any work
        return sum((e for e in self.estimates() if e is not None), Estimate(0.0, 0.0))

    def start(self) -> LiveComparison:
        """Claim what this session will train; take what is shared; wait for what others train."""
        with self._lock:
            for i in range(len(self.specs)):
                self._resolve(i)
        return self

    def _resolve(self, i: int) -> None:
        """A waiting model becomes shared (its result exists), or this session's to train (its claim ended)."""
        if not self.waiting[i]:
            return
        state = self.shared.claim(self.keys[i], self.owner)
        result = self.shared.get(self.keys[i]) if state == READY else None
        if result is not None:
            self.cached[i], self.waiting[i] = dataclasses.replace(result, spec=self.specs[i]), False
        elif state == MINE:
            self.runs[i] = Training(self.specs[i], self.data, self.mesh, hidden=self.hidden)
            self.waiting[i] = False

    to_train = property(lambda self: sum(r is not None for r in self.runs))     # runs this session trains

    @property
    def needs_trainer(self) -> bool:
        """Whether this session has training of its own to do now (else it only waits for others)."""
        return any(r is not None and not r.done for r in self.runs)

    @property
    def done(self) -> bool:
        return not any(self.waiting) and all(r is None or r.done for r in self.runs)

    def names(self, trained_here: bool) -> list[str]:
        """The models this session trained to the end (a run or more), or took from the class's results."""
        flags = [r is not None and r.status == "ok" for r in self.runs] if trained_here else \
            [c is not None for c in self.cached]
        return [s.name for s, runs in zip(self.lineup, grouped(flags, len(self.lineup))) if any(runs)]

    stopped = property(lambda self: any(r is not None and r.status == "stopped" for r in self.runs))

    def step(self, share: float) -> LiveFrame:
        """Advance every model to ``share`` (0..1] of its own epochs; record and return the frame."""
        with self._lock:
            self._advance_to(share)
            return self._record()

    def advance_for(self, seconds: float) -> LiveFrame:
        """Step by 1/MAX_FRAMES of the training, recording a frame each time, until ``seconds`` have
        passed or training ends; returns the last frame. The recorded frames do not depend on how
        fast frames are drawn: they are the "through training" view. With nothing of its own to
        train, it waits (without computing) for the sessions training the rest."""
        end = time.perf_counter() + seconds
        with self._lock:
            frame = self.latest()
            while not self.done and time.perf_counter() < end:
                if not self.needs_trainer:
                    i = self.waiting.index(True)
                    self.shared.wait(self.keys[i], max(0.0, end - time.perf_counter()))
                    self._resolve(i)
                    continue
                frame = self.step(self.share + 1.0 / MAX_FRAMES)
            return self._record() if not self.needs_trainer else frame

    def keep_claims(self) -> None:
        """Tell the shared store this session is still training its models (also while it waits)."""
        self.shared.touch([k for k, r in zip(self.keys, self.runs) if r is not None and not r.done], self.owner)

    def _advance_to(self, share: float) -> None:
        for i in range(len(self.specs)):
            self._resolve(i)
        self.keep_claims()
        self.share = min(1.0, max(self.share, share))
        for run in self.runs:
            if run is not None and not run.done:
                target = math.ceil(self.share * run.epochs - 1e-9)
                if target > run.epoch:
                    run.advance(target - run.epoch, frame=False)
        self._publish()

    def inside(self, i: int) -> tuple[list, list, np.ndarray] | None:
        """Model ``i`` as it is now, for the neuron view: its layers' (W, b), its hidden outputs on the
        mesh and its probabilities there; None while it has nothing to show."""
        with self._lock:
            cached, run = self.cached[i], self.runs[i]
            if cached is not None:
                return (cached.layers, cached.hidden, cached.boundary) if cached.boundary is not None else None
            if run is None or not run.model.fitted or not run.family.shows.neurons:
                return None
            points = self.mesh.points
            with np.errstate(all="ignore"):
                proba = run.model.predict_proba(points)
                if not np.isfinite(proba).all():
                    return None
                hidden = [self.mesh.grid(a) for a in run.model.hidden_activations(points)]
            return layers_of(run.model), hidden, self.mesh.grid(proba)

    def histories(self, runs: bool = False) -> list:
        """Each model's history as it stands (read only); ``runs``: every run's, as ``[model][repeat]``."""
        every = [c.history if c is not None else r.model.history_ if r is not None else History()
                 for r, c in zip(self.runs, self.cached)]
        return grouped(every, len(self.lineup)) if runs else every[:len(self.lineup)]

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
            self._publish()                                    # nobody waits for a result that won't come
            self.waiting = [False] * len(self.specs)
        self.paused = False

    def _record(self) -> LiveFrame:
        frame = LiveFrame(self.share, tuple(None if r is None else r.frame(history=False)
                                            for r in self.runs[:len(self.lineup)]))   # (the repeats: none)
        self.history.append(frame)
        if len(self.history) > 2 * MAX_FRAMES:      # (Step adds frames too) thin out: every other, and the last
            self.history = self.history[:-1:2] + self.history[-1:]
        return frame

    def latest(self) -> LiveFrame:
        return self.history[-1] if self.history else self._record()

    def results(self, runs: bool = False) -> list:
        """Each model's result (finished, stopped or shared), with the frames as snapshots; a model
        that was still waiting for another session when training stopped has none. With ``runs``,
        every run's result, grouped by model (``[model][repeat]``)."""
        with self._lock:
            every, n = self._collect(), len(self.lineup)
        return [[r for r in g if r is not None] for g in grouped(every, n)] if runs else \
            [r for r in every[:n] if r is not None]

    def _collect(self) -> list[ModelResult | None]:
        return [c if c is not None or r is None else self._result_of(i)
                for i, (r, c) in enumerate(zip(self.runs, self.cached))]

    def _result_of(self, i: int) -> ModelResult:
        """Model ``i``'s result with its frames as snapshots; kept once its run is over."""
        if i not in self._finished:
            shots = [(f.frames[i].epoch, f.frames[i].proba) for f in self.history if i < len(f.frames)
                     and f.frames[i] is not None and f.frames[i].proba is not None and f.frames[i].epoch > 0]
            result = finish(self.runs[i], list({e: p for e, p in reversed(shots)}.items())[::-1],  # one an epoch
                            inside=i < len(self.lineup))
            if not self.runs[i].done:
                return result
            self._finished[i] = result
        return self._finished[i]

    def _publish(self) -> None:
        """Share each model as soon as its own run is over (a session waiting for it needn't wait for the
        rest of this lineup: two sessions may each train a part of the other's), or release its claim."""
        for i, (key, run) in enumerate(zip(self.keys, self.runs)):
            if run is not None and run.done and i not in self._published:
                self._published.add(i)
                if run.status == "stopped":
                    self.shared.release(key, self.owner)
                else:
                    self.shared.put(key, self._result_of(i), self.owner)

    def comparison(self) -> Comparison:
        return Comparison(self.data, self.mesh, self.results())        # (the lineup's own runs)

    def store(self) -> list[str]:
        """Share what is still unshared; returns the keys of every result this session trained and shared."""
        with self._lock:
            self._publish()
        return [self.keys[i] for i in sorted(self._published) if self.runs[i].status != "stopped"]

