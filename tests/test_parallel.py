"""A lineup trained in worker processes: the sequential path's numbers, its errors, and no stray processes."""
import operator
import os
import time
from pathlib import Path

import pytest
import torch

from nncore.data.toy import DataConfig
from nncore.lineup import parallel
from nncore.lineup.comparison import compare
from nncore.models.registry import ModelSpec, preset
from nncore.models.scratch import ScratchConfig
from nncore.models.torch_mlp import TorchMLPConfig


@pytest.fixture(autouse=True, scope="module")
def one_thread_and_no_pool_left():
    """Workers train on one torch thread (torch's sums depend on the thread count): so does the sequential
    reference here. At the end the pool is shut down, as at exit."""
    threads = torch.get_num_threads()
    parallel.one_torch_thread()
    yield
    torch.set_num_threads(threads)
    parallel.shutdown()


def short(lineup, epochs):
    return tuple(ModelSpec(s.name, s.config.replace(epochs=epochs)) for s in lineup)


def numbers(r):
    """Everything a run computed except its times."""
    h = r.history
    arrays = [r.boundary] + [p for _, p in r.snapshots] + [a for layer in r.layers for a in layer] + r.hidden
    return ((h.epoch, h.train_loss, h.train_accuracy, h.val_loss, h.val_accuracy, h.status, h.message),
            r.spec, r.parameters, r.test_accuracy, r.train_loss, r.test_loss, [e for e, _ in r.snapshots],
            [None if a is None else (a.dtype, a.shape, a.tobytes()) for a in arrays])


def test_the_default_lineup_in_workers_gives_the_sequential_numbers():
    data, lineup = preset("default")
    lineup = short(lineup, 25)
    alone = compare(data, lineup, snapshots=3, resolution=20, workers=1)
    together = compare(data, lineup, snapshots=3, resolution=20, workers=2)
    assert [r.status for r in alone.results] == ["ok"] * 3 and all(r.hidden for r in alone.results)
    assert [numbers(r) for r in together.results] == [numbers(r) for r in alone.results]
    strip = lambda s: [{k: v for k, v in m.items() if k != "train_seconds"} for m in s["models"]]  # noqa: E731
    assert strip(together.summary()) == strip(alone.summary())


@pytest.mark.parametrize("workers", [1, 2])
def test_a_model_listed_twice_trains_once(workers, monkeypatch):
    """The same config and seed under another name: one training, the result under both names, and
    the progress callback hears of both (the command line's bar reaches its total)."""
    from nncore.lineup import comparison
    trained, heard = [], []
    if workers == 1:                                  # (in workers the count is read from the jobs sent)
        real = comparison._train_job
        monkeypatch.setattr(comparison, "_train_job", lambda *a, **k: trained.append(a[0].name) or real(*a, **k))
    else:
        real_run_all = parallel.run_all
        monkeypatch.setattr(parallel, "run_all", lambda fn, jobs, *a, **k: trained.extend(j[0].name for j in jobs)
                            or real_run_all(fn, jobs, *a, **k))
    spec = ModelSpec("Scratch", ScratchConfig(hidden=(4,), epochs=5))
    lineup = (spec, ModelSpec("Scratch again", spec.config), ModelSpec("Other", spec.config.replace(seed=7)))
    result = compare(DataConfig(n_samples=100), lineup, snapshots=0, workers=workers,
                     on_progress=lambda i, s, h: heard.append(s.name))
    assert sorted(trained) == ["Other", "Scratch"]
    assert [r.spec.name for r in result.results] == ["Scratch", "Scratch again", "Other"]
    assert numbers(result.results[0])[0] == numbers(result.results[1])[0]
    assert set(heard) == {"Scratch", "Scratch again", "Other"}


def test_repeats_and_a_cache_in_workers():
    data, lineup = DataConfig(n_samples=200, repeats=2), short(preset("default")[1][:2], 5)
    cache = {}
    first = compare(data, lineup, snapshots=0, cache=cache, workers=2)
    assert len(first.results) == 4 and len(cache) == 4
    again = compare(data, lineup, snapshots=0, cache=cache, workers=2)      # every run from the cache
    assert [numbers(r) for r in again.results] == [numbers(r) for r in first.results]
    assert [numbers(r) for r in compare(data, lineup, snapshots=0).results] == [numbers(r) for r in first.results]


def test_a_diverging_model_is_reported_as_in_sequence():
    lineup = [ModelSpec("boom", ScratchConfig(hidden=(64, 64, 64), activation="relu", init="he",
                                              learning_rate=5.0, epochs=30)),
              ModelSpec("fine", ScratchConfig(epochs=30))]
    alone = compare(DataConfig(), lineup, snapshots=2, resolution=10, workers=1)
    together = compare(DataConfig(), lineup, snapshots=2, resolution=10, workers=2)
    assert [r.status for r in together.results] == ["diverged", "ok"]
    assert together.results[0].history.message == alone.results[0].history.message != ""
    assert [numbers(r) for r in together.results] == [numbers(r) for r in alone.results]


def test_progress_comes_once_per_model_as_it_finishes():
    seen = []
    compare(DataConfig(n_samples=100), [ModelSpec("a", ScratchConfig(epochs=3)),
                                        ModelSpec("b", TorchMLPConfig(epochs=2))],
            snapshots=0, on_progress=lambda i, spec, h: seen.append((i, spec.name, h.epochs_run)), workers=2)
    assert sorted(seen) == [(0, "a", 3), (1, "b", 2)]


def test_a_failing_job_raises_here_and_the_pool_lives_on():
    with pytest.raises(ZeroDivisionError):
        parallel.run_all(operator.truediv, [(1, 1), (1, 0), (4, 2)], [1.0, 2.0, 3.0], 2)
    with pytest.raises(ZeroDivisionError):            # several fail: the first in the jobs' order
        parallel.run_all(operator.truediv, [(1, 0), (1, 1), (1.0, 0.0)], [1.0, 2.0, 3.0], 2)
    done = []
    assert parallel.run_all(operator.truediv, [(1, 2), (9, 3), (8, 2)], [1.0, 3.0, 2.0], 2,
                            on_done=lambda i, r: done.append(i)) == [0.5, 3.0, 4.0]
    assert sorted(done) == [0, 1, 2]


def test_a_dead_worker_is_a_runtime_error_and_the_next_call_gets_a_new_pool():
    with pytest.raises(RuntimeError, match="worker process died"):
        parallel.run_all(os._exit, [(3,)], [1.0], 1)
    assert parallel.run_all(operator.add, [(1, 2)], [1.0], 2) == [3]


class Interrupt(BaseException):
    """Like Ctrl-C (a KeyboardInterrupt would stop pytest itself)."""


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads /proc")
def test_an_interruption_stops_the_workers_at_once():
    pids = parallel.warm(2)
    start = time.monotonic()

    def interrupt(i, result):
        raise Interrupt

    with pytest.raises(Interrupt):
        parallel.run_all(time.sleep, [(0,), (60,)], [1.0, 2.0], 2, on_done=interrupt)
    assert gone(pids) and time.monotonic() - start < 30
    assert parallel.run_all(operator.add, [(1, 2)], [1.0], 2) == [3]       # a new pool


def test_worker_count(monkeypatch):
    assert parallel.worker_count(None, 3) == min(2, os.cpu_count(), parallel.MAX_TRAINERS)
    assert parallel.worker_count(None, 1) == 1 and parallel.worker_count(1, 3) == 1
    monkeypatch.setattr(parallel, "MAX_TRAINERS", 1)             # the host's trainer limit caps it
    assert parallel.worker_count(4, 3) == 1
    for bad in (0, -1, True, "2", 1.5):
        with pytest.raises(ValueError, match="workers"):
            parallel.worker_count(bad, 3)


def gone(pids, seconds=10.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not any(Path(f"/proc/{pid}").exists() for pid in pids):
            return True
        time.sleep(0.1)
    return False


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads /proc")
def test_a_forkserver_pool_gives_the_same_numbers_and_shutdown_ends_its_workers(monkeypatch):
    """A process with threads (a server) gets its workers from a forkserver instead of a fork."""
    data, lineup = preset("default")
    lineup = short(lineup, 10)
    alone = compare(data, lineup, snapshots=2, resolution=15, workers=1)
    parallel.shutdown()
    monkeypatch.setattr(parallel, "_start_method", lambda: "forkserver")
    pids = parallel.warm(2)
    assert len(pids) == 2 and os.getpid() not in pids
    together = compare(data, lineup, snapshots=2, resolution=15, workers=2)
    assert [numbers(r) for r in together.results] == [numbers(r) for r in alone.results]
    parallel.shutdown()
    assert gone(pids)
