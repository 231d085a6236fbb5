"""Train a lineup of models on one data set and collect everything the pages show.

Out come each model's record (``engine.results.ModelResult``): history, final metrics, parameter
count, training time, and class probabilities on a mesh over the data's range, at the end (the
decision boundary) and at a few snapshots during training.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Callable, MutableMapping, Sequence
from dataclasses import dataclass

from ..core.history import History
from ..core.settings import config_key
from ..data.toy import DataConfig, Mesh, ToyData, load_toy
from ..engine.results import ModelResult, train_model
from ..engine.toy import sizes
from ..models.registry import ModelSpec, check_lineup
from . import parallel
from .repeats import expand, grouped, spread

# progress(model_index, spec, history) after each epoch of each model
ProgressCallback = Callable[[int, ModelSpec, History], bool | None]


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
        costs = [spec.family.estimate(spec.config, sizes(data, len(mesh.xs) * len(mesh.ys), shots + 1)).seconds
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


