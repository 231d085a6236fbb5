"""Train several models at once, one per worker process, so a lineup uses every core.

Why processes, not threads: a small MLP's step is a few microseconds of arithmetic wrapped in
Python and framework dispatch that hold the GIL, so three trainings in three threads took twice
as long as one after another. Worker processes run them side by side.

The pool is warm: made at the first parallel call (or ``warm``), reused by every later one, shut
down at exit, so no training pays for starting a worker or importing torch. Workers fork from this
process where that is safe (Linux, no other Python thread: a command line warms its pool before
its progress bar starts a thread), else from a forkserver that imported the trainers once
(``_start_method``); the forkserver is one idle process that ends with this one.

Each worker runs torch and the BLAS libraries on one thread: the workers are the parallelism,
more threads would oversubscribe the cores (and small MLPs run fastest on one thread anyway).
torch's sums depend on its thread count, so a worker's numbers equal a sequential run's on one
torch thread (the command line's and the benchmarks'; the dashboard's on two cores).
Jobs start longest first, by their cost estimate, each on the next free worker, so three
models on two workers balance (the longest alone, the two shorter ones after each other).
"""
from __future__ import annotations

import atexit
import multiprocessing
import os
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

from ..env import MAX_TRAINERS

PRELOAD = ["nncore.lineup.comparison"]     # imported once by the forkserver: every trainer's library
MAX_DEFAULT = 2                              # the default: the project's machine has 2 cores

_LOCK = threading.Lock()
_POOL: dict[str, Any] = {"executor": None, "size": 0}
_LIMITS: list[Any] = []                      # a worker's BLAS thread limit, kept alive


def one_torch_thread() -> None:
    """Small MLPs run fastest on one torch thread: more add synchronisation (much slower on a busy machine)."""
    import torch
    torch.set_num_threads(1)


def _init_worker() -> None:
    """A worker's set-up: one thread for torch, OpenMP and BLAS (the worker count is the parallelism). Ctrl-C
    is the parent's to handle (it stops the workers): a worker would print it, or scikit-learn swallow it."""
    from threadpoolctl import threadpool_limits  # a dependency of scikit-learn
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    one_torch_thread()
    _LIMITS.append(threadpool_limits(limits=1))


def worker_count(workers: int | None, jobs: int) -> int:
    """How many workers ``jobs`` trainings get: ``workers`` (None: min(2, cores)), never more than the
    host's trainer limit (``NNCORE_MAX_TRAINERS``) or the jobs; 1 means train here, in sequence."""
    if workers is None:
        workers = min(MAX_DEFAULT, os.cpu_count() or 1)
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ValueError(f"workers must be a whole number of at least 1, got {workers!r:.40}")
    return max(1, min(workers, MAX_TRAINERS, jobs))


def _start_method() -> str:
    """fork where it is safe: on Linux, from a process that runs no other Python thread (a fork copies only
    the calling thread, so a lock another thread held stays locked in the child). Its workers start at
    once, sharing the imports already made (a command line's ``warm`` before its progress bar's thread).
    Anywhere else (a server, macOS) a forkserver, which pays the trainers' imports once, a few seconds."""
    methods = multiprocessing.get_all_start_methods()
    if sys.platform == "linux" and "fork" in methods and threading.active_count() == 1:
        return "fork"
    return "forkserver" if "forkserver" in methods else "spawn"


def _context() -> multiprocessing.context.BaseContext:
    ctx = multiprocessing.get_context(_start_method())
    if ctx.get_start_method() == "forkserver":
        ctx.set_forkserver_preload(PRELOAD)
    return ctx


def pool(size: int) -> ProcessPoolExecutor:
    """The warm pool, with at least ``size`` workers (a smaller one is replaced). Workers start on demand."""
    with _LOCK:
        if _POOL["executor"] is None or _POOL["size"] < size:
            if _POOL["executor"] is not None:
                _POOL["executor"].shutdown(wait=True)
            _POOL["executor"] = ProcessPoolExecutor(size, mp_context=_context(), initializer=_init_worker)
            _POOL["size"] = size
        return _POOL["executor"]


def shutdown() -> None:
    """Stop the workers (at exit, or to free their memory); the next parallel call starts a new pool."""
    with _LOCK:
        executor, _POOL["executor"], _POOL["size"] = _POOL["executor"], None, 0
    if executor is not None:
        executor.shutdown(wait=True, cancel_futures=True)


def terminate() -> None:
    """Stop the workers now, mid-training (after Ctrl-C); the next parallel call starts a new pool."""
    with _LOCK:
        executor, _POOL["executor"], _POOL["size"] = _POOL["executor"], None, 0
    if executor is None:
        return
    if hasattr(executor, "terminate_workers"):            # Python 3.14
        executor.terminate_workers()
    else:
        for process in list((getattr(executor, "_processes", None) or {}).values()):
            process.terminate()
    executor.shutdown(wait=True, cancel_futures=True)


atexit.register(shutdown)


def warm(workers: int | None = None) -> list[int]:
    """Start the pool's workers now (their process ids), so that the first training does not wait for them."""
    n = worker_count(workers, MAX_TRAINERS)
    with tempfile.TemporaryDirectory(prefix="nncore-warm-") as folder:
        return sorted(set(run_all(_arrive, [(folder, n)] * n, [1.0] * n, n)))


def _arrive(folder: str, n: int, timeout: float = 60.0) -> int:
    """A warm-up job: wait (at most ``timeout``) until ``n`` workers have each taken one, so that every
    worker starts, however slowly a busy machine starts the later ones; this worker's process id."""
    Path(folder, str(os.getpid())).touch()
    deadline = time.monotonic() + timeout
    while len(os.listdir(folder)) < n and time.monotonic() < deadline:
        time.sleep(0.01)
    return os.getpid()


def run_all(fn: Callable[..., Any], jobs: Sequence[tuple], costs: Sequence[float], workers: int,
            on_done: Callable[[int, Any], None] | None = None) -> list[Any]:
    """``[fn(*job) for job in jobs]``, computed in the pool by at most ``workers`` processes at once,
    costliest first. ``on_done(index, result)`` runs here as each job finishes.

    A job's exception is raised here, as in a loop, once the jobs already running have finished (no
    new one starts; the pool stays warm); when several fail, the first job's in ``jobs`` order. An
    interruption here (Ctrl-C) stops the workers at once. ``fn`` and every job must be picklable
    (``fn`` a module-level function)."""
    order = sorted(range(len(jobs)), key=lambda i: -costs[i])
    executor = pool(workers)
    running: dict[Future, int] = {}
    results: list[Any] = [None] * len(jobs)
    errors: dict[int, BaseException] = {}
    try:
        while order or running:
            while order and len(running) < workers and not errors:
                i = order.pop(0)
                try:
                    running[executor.submit(fn, *jobs[i])] = i
                except BrokenProcessPool as exc:      # an idle worker died since the last call
                    errors[i] = exc
            if not running:
                break
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in finished:
                i = running.pop(future)
                if future.exception() is not None:
                    errors[i] = future.exception()
                    continue
                results[i] = future.result()
                if on_done is not None:
                    on_done(i, results[i])
    except BaseException:                     # Ctrl-C here, or on_done failed: nobody will read the rest
        terminate()
        raise
    if errors:
        _raise(errors[min(errors)])
    return results


def _raise(error: BaseException) -> None:
    """Raise a job's exception; a dead worker (killed, or a main script without its guard) as a RuntimeError
    that says what to do, after dropping the broken pool so the next call starts a fresh one."""
    if not isinstance(error, BrokenProcessPool):
        raise error
    shutdown()
    raise RuntimeError("a training worker process died (out of memory, killed, or a script that starts "
                       "training outside `if __name__ == \"__main__\":`); train in sequence with workers=1 "
                       "(--workers 1)") from error

