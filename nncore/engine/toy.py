"""The 2-D models' engine: one model's training that steps instead of one blocking call.

    run = Training(spec, data, mesh)   # run.estimate(): FLOPs and expected seconds, before any work
    frame = run.advance(epochs=k)      # Frame(epoch, history so far, probabilities on the mesh,
                                       #       hidden activations on the mesh, status)
    run.cancel()                       # honoured between any two batches (from any thread)

Any registered family trains here: its ``steps`` generator (``models.base``) is pulled by the
shared protocol (``engine.protocol``) until ``k`` more stages have closed. What the engine asks of
a model comes from its family's declarations (stages planned, hidden units, cost), never from its
framework's name or an MLP field.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..core.cost import Estimate
from ..core.history import DIVERGED, History, ended_label
from ..data.toy import Mesh, ToyData
from ..models.base import Sizes
from ..models.registry import ModelSpec, build_model
from .protocol import Stepper


@dataclass(frozen=True)
class Frame:
    """What a view draws of a training at one moment. Arrays are copies: later steps never change them."""
    epoch: int                        # stages finished
    epochs: int                       # stages planned
    history: History | None           # the stages so far (None when the caller asked for none)
    proba: np.ndarray | None          # (R, R, n_classes) probabilities on the mesh; None without a mesh
    hidden: list[np.ndarray] | None   # per hidden layer (R, R, width), when asked for
    status: str                       # running, ok (finished), stopped or diverged
    unit: str = "epoch"               # what a stage is called

    @property
    def progress(self) -> float:
        return self.epoch / self.epochs if self.epochs else 1.0

    @property
    def label(self) -> str:
        """'epoch 40 of 150', 'stopped at epoch 40 of 150', 'diverged at epoch 41 of 150', ..."""
        ended = ended_label(self.status, self.epoch + (self.status == DIVERGED), self.epochs, self.unit)
        return ended or f"{self.unit} {self.epoch} of {self.epochs}"


def sizes(data: ToyData, mesh_points: int = 0, frames: int = 1) -> Sizes:
    return Sizes(len(data.y_train), len(data.y_test), data.n_classes, mesh_points, frames)


class Training(Stepper):
    """One model's training on one data set, advanced in steps. Not shared between sessions."""

    def __init__(self, spec: ModelSpec, data: ToyData, mesh: Mesh | None = None, *, hidden: bool = False,
                 on_epoch: Callable[[History], bool | None] | None = None):
        super().__init__()
        self.spec, self.data, self.mesh = spec, data, mesh
        self.family = spec.family
        self.unit = self.family.unit
        self.hidden = hidden and self.family.shows.neurons         # the neuron view's maps, where it has any
        self.model = build_model(spec, data.n_features, data.n_classes)
        self._points = mesh.points if mesh is not None else None
        self._steps = self.model.steps(data.X_train, data.y_train, data.X_test, data.y_test, on_epoch=on_epoch)

    @property
    def history(self) -> History:
        return self.model.history_

    # --- before any work --------------------------------------------------------------------------

    def estimate(self) -> Estimate:
        """FLOPs and expected seconds on this host, from the config and data sizes alone."""
        points = 0 if self._points is None else len(self._points)
        return self.family.estimate(self.spec.config, sizes(self.data, points, 0 if self.mesh is None else 1))

    # --- stepping ---------------------------------------------------------------------------------

    @property
    def epochs(self) -> int:
        return self.spec.planned

    @property
    def closed(self) -> int:
        return self.model.history_.epochs_run

    epoch = closed

    def advance(self, epochs: int = 1, *, frame: bool = True) -> Frame | None:
        """Train ``epochs`` more stages (fewer when training ends or is cancelled); return a frame."""
        if epochs < 1:
            raise ValueError(f"epochs must be at least 1, got {epochs}")
        self._pull(epochs=epochs)
        return self.frame() if frame else None

    def run(self) -> Frame:
        """Advance to the end."""
        return self.advance(self.epochs - self.epoch + 1)

    # --- views ------------------------------------------------------------------------------------

    def frame(self, history: bool = True) -> Frame:
        """The model now: probabilities (and hidden maps) on the mesh, and a copy of the history."""
        h = self.model.history_
        proba = hidden = None
        if self._points is not None and h.status != DIVERGED and self.model.fitted:
            with np.errstate(all="ignore"):
                p = self.model.predict_proba(self._points)
                if np.isfinite(p).all():
                    proba = self.mesh.grid(p)
                    if self.hidden:
                        hidden = [self.mesh.grid(a) for a in self.model.hidden_activations(self._points)]
        return Frame(h.epochs_run, self.epochs, h.copy() if history else None, proba, hidden, self.status,
                     self.unit)
