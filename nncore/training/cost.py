"""What a training will cost, known before any work: FLOPs and expected seconds on this host.

Small networks on 2-D data are bound by per-step overhead (Python, framework dispatch), not by
arithmetic, so the model is

    seconds = host * (epochs * (batches * per_batch + calls * per_call + per_epoch) + flops / rate)

with ``per_batch``, ``per_epoch`` and ``rate`` measured per family on the project's 2-core
machine (``tests/test_engine.py`` checks the estimate against real runs), and ``host`` this
machine's speed relative to that one, from a 20 ms probe run once per process.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from ..models.base import batch_size_for, mlp_forward_flops
from ..models.sklearn_mlp import CHUNK_POINTS


@dataclass(frozen=True)
class Estimate:
    flops: float          # floating-point operations, training and evaluation
    seconds: float        # expected wall time on this host, one thread

    def __add__(self, other: Estimate) -> Estimate:
        return Estimate(self.flops + other.flops, self.seconds + other.seconds)

    def __str__(self) -> str:
        return f"about {self.seconds:.1f} s ({self.flops / 1e9:.2f} GFLOP)"


@dataclass(frozen=True)
class FamilyCost:
    per_batch: float      # seconds of overhead per optimizer step
    per_epoch: float      # seconds per epoch besides the steps (evaluation calls, bookkeeping)
    rate: float           # FLOP/s once the arithmetic dominates
    per_call: float = 0.0  # scikit-learn: seconds per partial_fit call (one per chunk of batches)


# Fitted (non-negative least squares) to 54 timed runs on the project's machine: AMD EPYC, 2 cores,
# one torch thread, 1,000 and 4,000 points, widths 16 to 512, batch 2 to full; 2026-11-25, load ~2.
# The fit is within 0.9-1.3x of most runs; the estimate guards a budget, so rounding up is fine.
COSTS = {
    "numpy": FamilyCost(per_batch=45e-6, per_epoch=300e-6, rate=1.5e10),
    "torch": FamilyCost(per_batch=1.2e-3, per_epoch=1.4e-3, rate=3e10),
    "sklearn": FamilyCost(per_batch=170e-6, per_epoch=2.7e-3, rate=3e10, per_call=2.1e-3),
}
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


def estimate_mlp(spec, data, *, mesh_points: int = 0, frames: int = 1) -> Estimate:
    """The cost of training ``spec`` on ``data`` to its last epoch, with ``frames`` predictions on a mesh."""
    cfg = spec.config
    n_train, n_val = len(data.y_train), len(data.y_test)
    out = 1 if data.n_classes == 2 else data.n_classes
    forward = mlp_forward_flops((len(cfg.inputs), *cfg.hidden, out))     # the first layer reads cfg.inputs
    batch = batch_size_for(cfg.batch_size, n_train)
    batches = math.ceil(n_train / batch)
    calls = math.ceil(n_train / (batch * max(1, CHUNK_POINTS // batch)))
    evaluated = n_val + (n_train if spec.framework == "sklearn" else 0)
    per_epoch_flops = 3 * forward * n_train + forward * evaluated
    flops = cfg.epochs * per_epoch_flops + frames * forward * mesh_points
    c = COSTS[spec.framework]
    seconds = cfg.epochs * (batches * c.per_batch + calls * c.per_call + c.per_epoch) + flops / c.rate
    return Estimate(float(flops), host_factor() * seconds)


def over_budget(items: list[tuple[str, object, Estimate | None]], budget_seconds: float,
                repeats: int = 1) -> str | None:
    """None when the (name, spec, estimate) items fit in the budget; else a message that gives the
    estimate and names the setting to lower. Items whose estimate is None cost nothing (shared).
    With repeats over seeds, an item is a model's ``repeats`` runs together."""
    costs = [(name, spec, e) for name, spec, e in items if e is not None]
    total = sum(e.seconds for _, _, e in costs)
    if total <= budget_seconds:
        return None
    name, spec, worst = max(costs, key=lambda item: item[2].seconds)
    room = max(budget_seconds - (total - worst.seconds), 0.0)
    epochs = max(1, int(spec.config.epochs * room / worst.seconds)) if room > 0 else 1
    tips = [f"lower the epochs of “{name}” ({spec.config.epochs} → at most {epochs})"]
    if repeats > 1:
        tips.insert(0, f"repeat over fewer seeds ({repeats} → at most {max(1, int(repeats * budget_seconds / total))})")
    if spec.config.hidden and max(spec.config.hidden) > 64:
        tips.append("use narrower hidden layers")
    if 0 < spec.config.batch_size < 32:
        tips.append("use a larger batch size")
    tips.append("or use fewer samples")
    return (f"This training would take about {total:.0f} s of this server's time; the limit is "
            f"{budget_seconds:.0f} s per training, so every student gets a turn. The biggest cost is "
            f"“{name}” (about {worst.seconds:.0f} s): {', '.join(tips)}.")


def over_budget_cnn(estimate: Estimate, config, budget_seconds: float) -> str | None:
    """None when a CNN training fits the budget; else a message with the estimate and what to lower."""
    if estimate.seconds <= budget_seconds:
        return None
    epochs = max(1, int(config.epochs * budget_seconds / estimate.seconds))
    fewer = f"lower the epochs ({config.epochs} → at most {epochs})" if epochs < config.epochs else \
        "train on fewer images (Training images, under the advanced settings)"
    return (f"This training would take about {estimate.seconds:.0f} s of this server's time; the limit is "
            f"{budget_seconds:.0f} s per training, so every student gets a turn: {fewer}, or load a model "
            "prepared before class.")
