"""What a training will cost, known before any work: FLOPs and expected seconds on this host.

Each model family owns its cost model (``models/*``: ``Family.estimate``); this leaf holds what
they share: the ``Estimate`` record and ``host_factor()``, this machine's speed relative to the
project's 2-core machine on which every family's constants were measured, from a 20 ms probe
re-run at most once a minute. Leaf module: imports nothing of ours.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Estimate:
    flops: float          # floating-point operations, training and evaluation
    seconds: float        # expected wall time on this host, one thread

    def __add__(self, other: Estimate) -> Estimate:
        return Estimate(self.flops + other.flops, self.seconds + other.seconds)

    def __str__(self) -> str:
        return f"about {self.seconds:.1f} s ({self.flops / 1e9:.2f} GFLOP)"


_PROBE_REFERENCE = 0.0125     # seconds the probe takes on that machine (best of 3)
_PROBES = {"best": math.inf, "at": -math.inf}
PROBE_EVERY = 60.0            # seconds between probes


def _probe() -> float:
    """One timing of small NumPy steps, like training a toy MLP (best of 3, about 15 ms)."""
    rng = np.random.default_rng(0)
    a, w = rng.standard_normal((32, 16)), rng.standard_normal((16, 16))
    best = math.inf
    for _ in range(3):
        t = time.perf_counter()
        for _ in range(2000):
            h = np.tanh(a @ w)
            w -= 1e-3 * (a.T @ h)
        best = min(best, time.perf_counter() - t)
    return best


def host_factor() -> float:
    """This host's slowness relative to the machine the costs were measured on (1.0 there).

    The fastest probe seen so far in this process, re-probed at most once a minute: a server that
    starts while the host is busy does not keep an inflated estimate (and refuse ordinary lineups)."""
    now = time.monotonic()
    if now - _PROBES["at"] >= PROBE_EVERY:
        _PROBES["at"] = now
        _PROBES["best"] = min(_PROBES["best"], _probe())
    return float(min(max(_PROBES["best"] / _PROBE_REFERENCE, 0.5), 4.0))
