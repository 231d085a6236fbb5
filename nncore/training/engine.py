"""The training engine: training that steps instead of one blocking call.

    run = Training(spec, data, mesh)   # run.estimate(): FLOPs and expected seconds, before any work
    frame = run.advance(epochs=k)      # Frame(epoch, history so far, probabilities on the mesh,
                                       #       hidden activations on the mesh, status)
    run.cancel()                       # honoured between any two batches (from any thread)

A model family trains through its ``steps`` generator (``models.base``); ``advance`` pulls
from it until ``k`` more epochs have closed. Nothing else touches the model in between
(a frame only predicts), so many small advances give bit-for-bit the weights and history of
one advance to the end.
"""
from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..core.history import History
from ..data.toy import Mesh, ToyData
from ..models.registry import ModelSpec, build_model
from .cost import Estimate, estimate_mlp

RUNNING, OK, STOPPED, DIVERGED = "running", "ok", "stopped", "diverged"


@dataclass(frozen=True)
class Frame:
    """What a view draws of a training at one moment. Arrays are copies: later steps never change them."""
    epoch: int                        # epochs finished
    epochs: int                       # epochs planned
    history: History | None           # the epochs so far (None when the caller asked for none)
    proba: np.ndarray | None       # (R, R, n_classes) probabilities on the mesh; None without a mesh
    hidden: list[np.ndarray] | None  # per hidden layer (R, R, width), when asked for
    status: str                       # running, ok (finished), stopped or diverged

    @property
    def progress(self) -> float:
        return self.epoch / self.epochs if self.epochs else 1.0

    @property
    def label(self) -> str:
        """'epoch 40 of 150', 'stopped at epoch 40 of 150', ..."""
        if self.status == STOPPED:
            return f"stopped at epoch {self.epoch} of {self.epochs}"
        if self.status == DIVERGED:
            return f"diverged at epoch {self.epoch + 1} of {self.epochs}"
        return f"epoch {self.epoch} of {self.epochs}"


class Training:
    """One model's training on one data set, advanced in steps. Not shared between sessions."""

    def __init__(self, spec: ModelSpec, data: ToyData, mesh: Mesh | None = None, *, hidden: bool = False,
                 on_epoch: Callable[[History], bool | None] | None = None):
        self.spec, self.data, self.mesh, self.hidden = spec, data, mesh, hidden
        self.model = build_model(spec, data.n_features, data.n_classes)
        self._points = mesh.points if mesh is not None else None
        self._cancel = threading.Event()
        self._steps = self.model.steps(data.X_train, data.y_train, data.X_test, data.y_test, on_epoch=on_epoch)
        self._finished = False

    # --- before any work --------------------------------------------------------------------------

    def estimate(self) -> Estimate:
        """FLOPs and expected seconds on this host, from the config and data sizes alone."""
        frames = 0 if self.mesh is None else 1
        return estimate_mlp(self.spec, self.data, mesh_points=0 if self._points is None else len(self._points),
                            frames=frames)

    # --- stepping ---------------------------------------------------------------------------------

    @property
    def epochs(self) -> int:
        return self.spec.config.epochs

    @property
    def epoch(self) -> int:
        return self.model.history_.epochs_run

    @property
    def done(self) -> bool:
        return self._finished

    @property
    def status(self) -> str:
        if not self._finished:
            return RUNNING
        return self.model.history_.status

    def cancel(self) -> None:
        """Stop before the next batch; the model keeps what it has learned so far."""
        self._cancel.set()

    def advance(self, epochs: int = 1, *, frame: bool = True) -> Frame | None:
        """Train ``epochs`` more epochs (fewer when training ends or is cancelled); return a frame."""
        if epochs < 1:
            raise ValueError(f"epochs must be at least 1, got {epochs}")
        closed = 0
        while not self._finished and closed < epochs:
            if self._cancel.is_set():
                self._stop()
                break
            event = next(self._steps, None)
            if event is None:
                self._finished = True
            elif event == "epoch":
                closed += 1
                h = self.model.history_
                if h.status != OK or h.epochs_run >= self.epochs:
                    next(self._steps, None)                   # the generator ends here
                    self._finished = True
        return self.frame() if frame else None

    def run(self) -> Frame:
        """Advance to the end."""
        return self.advance(self.epochs - self.epoch + 1)

    def stop(self) -> None:
        """Cancel and end now (from the thread that advances it): "stopped at epoch e of E"."""
        self._cancel.set()
        if not self._finished:
            self._stop()

    def _stop(self) -> None:
        h = self.model.history_
        if h.status == "ok":
            h.status, h.message = STOPPED, f"stopped at epoch {h.epochs_run} of {self.epochs}"
        self._steps.close()
        self._finished = True

    # --- views ------------------------------------------------------------------------------------

    def frame(self, history: bool = True) -> Frame:
        """The model now: probabilities (and hidden maps) on the mesh, and a copy of the history."""
        h = self.model.history_
        proba = hidden = None
        if self._points is not None and h.status != DIVERGED and self.model.n_parameters:   # sklearn: none yet
            with np.errstate(all="ignore"):
                p = self.model.predict_proba(self._points)
                if np.isfinite(p).all():
                    proba = self.mesh.grid(p)
                    if self.hidden:
                        hidden = [self.mesh.grid(a) for a in self.model.hidden_activations(self._points)]
        return Frame(h.epochs_run, self.epochs, h.copy() if history else None, proba, hidden, self.status)
