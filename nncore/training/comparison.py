"""Train a lineup of models on one data set and collect everything the pages show.

Out come each model's history, final metrics, parameter count, training time, and
class probabilities on a mesh over the data's range: at the end (the decision
boundary) and at a few snapshots during training.
"""
from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, MutableMapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from sklearn.metrics import log_loss

from ..core.history import History
from ..core.settings import config_key
from ..data.toy import DataConfig, Mesh, ToyData, load_toy
from ..models.registry import ModelSpec, check_lineup
from . import parallel
from .cost import estimate_mlp
from .engine import Training
from .repeats import expand, grouped, spread

# progress(model_index, spec, history) after each epoch of each model
ProgressCallback = Callable[[int, ModelSpec, History], bool | None]


@dataclass
class ModelResult:
    spec: ModelSpec
    history: History
    parameters: int
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
        if self.status == "stopped":
            return self.history.message
        k = self.boundary.shape[-1] if self.boundary is not None else 2
        if self.status == "ok" and self.train_loss is not None and self.train_loss >= 0.95 * math.log(k):
            return "barely learned"
        return self.status

    def summary(self) -> dict:
        """The command line's per-model JSON."""
        return {"name": self.spec.name, "framework": self.spec.framework,
                "test_accuracy": self.test_accuracy, "train_loss": self.train_loss,
                "test_loss": self.test_loss, "epochs": self.history.epochs_run,
                "train_seconds": round(self.train_seconds, 4), "parameters": self.parameters,
                "status": "barely learned" if self.verdict == "barely learned" else self.status}


@dataclass
class Comparison:
    data: ToyData
    mesh: Mesh
    results: list[ModelResult]        # every run: the lineup first, then its repeats (``repeats.expand``)
    models: int = 0                   # how many models the lineup holds (0: one run each)

    @property
    def groups(self) -> list[list[ModelResult]]:
        """Per model of the lineup, its runs in repeat order."""
        return grouped(self.results, self.models or len(self.results))

    def summary(self) -> dict:
        """Per model: its first run's numbers, and its test accuracies over every repeat."""
        return {"dataset": self.data.summary(),
                "models": [{**runs[0].summary(), **spread(runs).summary()} for runs in self.groups]}


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
    for epoch in sorted(snapshot_epochs(spec.config.epochs, snapshots)):
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
    if not model.n_parameters:                        # stopped before its first step: nothing to measure
        return ModelResult(run.spec, history, 0, 0.0, None, None, None, None)
    acc, train_loss, test_loss = (None, None, None) if history.status == "diverged" else _metrics(model, data)
    if acc is None and history.status != "diverged":
        history.diverge(history.epochs_run, "a prediction")
    points = run.mesh.points
    boundary = run.mesh.grid(model.predict_proba(points)) if acc is not None else None
    hidden = [run.mesh.grid(a) for a in model.hidden_activations(points)] if acc is not None and inside else []
    layers = layers_of(model)
    seconds = history.seconds[-1] if history.seconds else 0.0
    return ModelResult(run.spec, history, model.n_parameters, seconds, acc, train_loss, test_loss,
                       boundary, shots or [], layers, hidden)


def result_key(data_config: DataConfig, spec: ModelSpec, snapshots: int, resolution: int, points=None) -> str:
    """What a trained result depends on: data (uploaded points by their digest), model config (seed
    included) and mesh settings."""
    digest = (points.digest,) if points is not None else ()
    return config_key(data_config.replace(repeats=1), spec.config, snapshots, resolution, *digest)


def run_keys(data_config: DataConfig, runs: Sequence[ModelSpec], models: int, snapshots: int, resolution: int,
             points=None) -> list[str]:
    """Each run's result key (``runs`` from ``repeats.expand``): a repeat run (index ``models`` on) records
    no frames and no neuron maps, so its key says 0 snapshots (never the lineup's own run of that seed)."""
    return [result_key(data_config, s, snapshots if i < models else 0, resolution, points) for i, s in enumerate(runs)]


def compare(data_config: DataConfig, lineup: Sequence[ModelSpec], *, snapshots: int = 10,
            resolution: int = 60, on_progress: ProgressCallback | None = None,
            cache: MutableMapping[str, ModelResult] | None = None, points=None,
            workers: int | None = 1) -> Comparison:
    """Train every model in ``lineup`` on the same data, ``data_config.repeats`` times each (seeds
    derived from its own: ``repeats.expand``); return every run's result, the lineup's first.

    With a ``cache`` (key -> result), a model whose data and config were trained before is
    reused, not retrained; a renamed model keeps its result under its new name. A model listed twice
    (same config and seed, another name) trains once, cache or not.

    ``workers``: 1 trains here, one model after another, calling ``on_progress`` after every
    epoch (its True stops that model). More (None: ``parallel.worker_count``'s default, 2 on two
    cores) trains the models at once in worker processes, to the same numbers (each model's
    training depends only on its config, seed and data; workers run torch on one thread, as the
    command line does: torch's sums depend on its thread count). ``on_progress`` is then called
    here once per model as it finishes, with its whole history; its answer is ignored (the run
    is over), and a model's exception is raised once the models already running have finished.
    """
    lineup = check_lineup(lineup)
    data = load_toy(data_config, points)
    mesh = Mesh.for_data(data, resolution)
    runs = expand(lineup, data_config.repeats)
    results: list[ModelResult | None] = [None] * len(runs)
    todo: list[tuple[int, str]] = []                  # (run index, cache key) of the runs to train
    twins: dict[int, int] = {}                        # run index -> the earlier run with the same key
    first: dict[str, int] = {}
    for i, (spec, key) in enumerate(zip(runs, run_keys(data_config, runs, len(lineup), snapshots, resolution,
                                                        points))):
        if cache is not None and key in cache:
            results[i] = dataclasses.replace(cache[key], spec=spec)
        elif key in first:                            # the same model twice (another name): trained once
            twins[i] = first[key]
        else:
            first[key] = i
            todo.append((i, key))

    def done(i: int, key: str, result: ModelResult) -> None:
        if cache is not None and result.status != "stopped":        # a stopped run is not passed off as done
            cache[key] = result
        results[i] = result

    jobs = [(runs[i], data, mesh, snapshots if i < len(lineup) else 0, i < len(lineup)) for i, _ in todo]
    n = parallel.worker_count(workers, len(todo))
    if n == 1:
        for (i, key), job in zip(todo, jobs):
            cb = (lambda h, i=i, spec=runs[i]: on_progress(i % len(lineup), spec, h)) if on_progress else None
            done(i, key, _train_job(*job, on_epoch=cb))
    else:
        def finished(j: int, result: ModelResult) -> None:
            done(*todo[j], result)
            if on_progress is not None:
                on_progress(todo[j][0] % len(lineup), result.spec, result.history)
        costs = [estimate_mlp(spec, data, mesh_points=len(mesh.xs) * len(mesh.ys), frames=shots + 1).seconds
                 for spec, _, _, shots, _ in jobs]
        parallel.run_all(_train_job, jobs, costs, n, on_done=finished)
    for i, j in twins.items():
        results[i] = dataclasses.replace(results[j], spec=runs[i])
        if on_progress is not None:                   # (its whole history at once, as from a worker)
            on_progress(i % len(lineup), runs[i], results[i].history)
    return Comparison(data, mesh, results, len(lineup))


def _train_job(spec: ModelSpec, data: ToyData, mesh: Mesh, snapshots: int, inside: bool,
               on_epoch: Callable[[History], bool | None] | None = None) -> ModelResult:
    """One run of ``compare``: module-level, so that a worker process can be sent it."""
    return train_model(spec, data, mesh, snapshots=snapshots, inside=inside, on_epoch=on_epoch)


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
