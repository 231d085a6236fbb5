"""A finished (or stopped) training's record, and the leaderboard's rows made from it.

``ModelResult`` is what every view and the shared store hold of a model once it trained: its history,
metrics, parameter count (where its family declares one) and class probabilities on a mesh, at the end
(the decision boundary) and at a few snapshots during training. Never the live model: a record that
later training cannot change.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from sklearn.metrics import log_loss

from ..core.history import DIVERGED, OK, STOPPED, History
from ..data.toy import Mesh, ToyData
from ..models.registry import ModelSpec
from .toy import Training


@dataclass
class ModelResult:
    spec: ModelSpec
    history: History
    parameters: int | None            # None where the family declares no parameter count
    train_seconds: float
    test_accuracy: float | None       # None when the model diverged
    train_loss: float | None
    test_loss: float | None
    boundary: np.ndarray | None       # (R, R, n_classes) probabilities on the mesh
    snapshots: list[tuple[int, np.ndarray]] = field(default_factory=list)  # (epoch, probabilities)
    layers: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list)  # final (W (in, out), b) per layer
    hidden: list[np.ndarray] = field(default_factory=list)   # final hidden outputs on the mesh, (R, R, width)

    @property
    def status(self) -> str:
        return self.history.status

    @property
    def verdict(self) -> str:
        """The status a leaderboard shows: "barely learned" for a finished model whose training loss
        ended within 5 % of chance (ln k for k classes: it predicts about 1/k everywhere), "stopped at
        epoch e of E" for a stopped one, else the status (ok or diverged)."""
        if self.status == STOPPED:
            return self.history.message
        k = self.boundary.shape[-1] if self.boundary is not None else 2
        if self.status == OK and self.train_loss is not None and self.train_loss >= 0.95 * math.log(k):
            return "barely learned"
        return self.status

    def summary(self) -> dict:
        """The command line's per-model JSON."""
        return {"name": self.spec.name, "framework": self.spec.framework,
                "test_accuracy": self.test_accuracy, "train_loss": self.train_loss,
                "test_loss": self.test_loss, "epochs": self.history.epochs_run,
                "train_seconds": round(self.train_seconds, 4), "parameters": self.parameters,
                "status": "barely learned" if self.verdict == "barely learned" else self.status}


def _metrics(model, data: ToyData):
    p_train, p_test = model.predict_proba(data.X_train), model.predict_proba(data.X_test)
    if not (np.isfinite(p_train).all() and np.isfinite(p_test).all()):
        return None, None, None
    labels = list(range(data.n_classes))
    return (float(np.mean(p_test.argmax(1) == data.y_test)),
            float(log_loss(data.y_train, p_train, labels=labels)),
            float(log_loss(data.y_test, p_test, labels=labels)))


def snapshot_epochs(epochs: int, snapshots: int) -> set[int]:
    """About ``snapshots`` evenly spaced epochs, always including the first and the last."""
    if snapshots <= 0:
        return set()
    return {int(round(e)) for e in np.linspace(1, epochs, min(snapshots, epochs))}


def train_model(spec: ModelSpec, data: ToyData, mesh: Mesh, *, snapshots: int = 10, inside: bool = True,
                on_epoch: Callable[[History], bool | None] | None = None) -> ModelResult:
    """Train one model through the engine, taking a frame at each snapshot epoch, and measure it."""
    run = Training(spec, data, mesh, on_epoch=on_epoch)
    shots: list[tuple[int, np.ndarray]] = []
    for epoch in sorted(snapshot_epochs(spec.planned, snapshots)):
        frame = run.advance(epoch - run.epoch)
        if run.epoch == epoch and frame.proba is not None:
            shots.append((epoch, frame.proba))
        if run.done:
            break
    if not run.done:
        run.run()
    return finish(run, shots, inside)


def layers_of(model) -> list[tuple[np.ndarray, np.ndarray]]:
    """A copy of the model's (W (in, out), b) per layer, as float64: a record that training won't change."""
    return [(np.array(W, dtype=np.float64), np.array(b, dtype=np.float64)) for W, b in model.layer_weights]


def finish(run: Training, shots: list[tuple[int, np.ndarray]] | None = None, inside: bool = True) -> ModelResult:
    """A trained (or stopped) run's result: metrics on both splits and the boundary on the mesh; with
    ``inside``, also the hidden units' maps (the neuron view's; a repeat run keeps none)."""
    model, data, history = run.model, run.data, run.model.history_
    if not model.fitted:                              # stopped before its first step: nothing to measure
        return ModelResult(run.spec, history, 0 if run.family.shows.parameters else None, 0.0, None, None, None,
                           None)
    acc, train_loss, test_loss = (None, None, None) if history.status == DIVERGED else _metrics(model, data)
    if acc is None and history.status != DIVERGED:
        history.diverge(history.epochs_run, "a prediction")
    points = run.mesh.points
    boundary = run.mesh.grid(model.predict_proba(points)) if acc is not None else None
    inside = inside and acc is not None and run.family.shows.neurons           # (a network's units only)
    hidden = [run.mesh.grid(a) for a in model.hidden_activations(points)] if inside else []
    layers = layers_of(model)
    seconds = history.seconds[-1] if history.seconds else 0.0
    parameters = model.n_parameters if run.family.shows.parameters else None
    return ModelResult(run.spec, history, parameters, seconds, acc, train_loss, test_loss,
                       boundary, shots or [], layers, hidden)


BARELY_LEARNED = ("**Barely learned, yet often right?** Accuracy only asks on which side of 0.5 each probability "
                  "falls; the loss also asks how sure the model is. A model whose probabilities all sit just off "
                  "0.5 can be right most of the time while barely more confident than a coin: its loss stays near "
                  "ln 2 ≈ 0.69.")


def board_row(model: str, framework: str, test_accuracy, train_loss, test_loss, epochs: int, train_seconds: float,
              parameters, status: str) -> dict:
    """One leaderboard row. Its columns in the order a projector's first columns should show: the verdict
    ("barely learned", "stopped at ...") beside the accuracy, then the losses, and the details last."""
    return {"model": model, "test accuracy": test_accuracy, "status": status, "train loss": train_loss,
            "test loss": test_loss, "epochs": epochs, "parameters": parameters, "framework": framework,
            "train seconds": train_seconds}


def leaderboard(results: Sequence[ModelResult]) -> list[dict]:
    """One row per model, best test accuracy first (diverged models last)."""
    rows = [board_row(r.spec.name, r.spec.framework, r.test_accuracy, r.train_loss, r.test_loss, r.history.epochs_run,
                      round(r.train_seconds, 3), r.parameters, r.verdict) for r in results]
    return sorted(rows, key=lambda row: -(row["test accuracy"] if row["test accuracy"] is not None else -1))
