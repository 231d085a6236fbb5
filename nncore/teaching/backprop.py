"""One backprop step by hand, for a scratch network and one training point a student picks.

Every number comes from the code that trains (``ScratchNetwork._forward``, ``_backward``,
``loss_and_gradients`` and ``train_step``), not from a second implementation:

- forward: the first layer's inputs (x1, x2 and any engineered ones), each layer's pre-activation z
  and output a;
- the loss;
- each layer's delta, dL/dz, from the output back;
- each parameter's gradient beside its central difference (L(θ + ε) − L(θ − ε)) / 2ε;
- each parameter before and after one step of the model's own optimizer on that point.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..core.features import labels
from ..core.optimizers import make_optimizer
from ..models.scratch import ScratchConfig, ScratchNetwork


@dataclass(frozen=True)
class StepThrough:
    x: np.ndarray                       # the point, (2,)
    y: int                              # its label
    inputs: list[str]                   # the first layer's inputs by display label: x₁, x₂, x₁², ...
    zs: list[np.ndarray]                # per layer: pre-activation, (width,)
    activations: list[np.ndarray]       # the first layer's input (len(inputs),), each hidden output; the last
                                        # is the output
    probability: np.ndarray             # class probabilities, (n_classes,)
    loss: float                         # including the L2 penalty
    deltas: list[np.ndarray]            # per layer (first to last): dL/dz, (width,)
    rows: list[dict]                    # per parameter: name, before, gradient, central difference, after

    @property
    def max_gradient_error(self) -> float:
        return max(abs(r["gradient"] - r["central difference"]) for r in self.rows)


def network_from(config: ScratchConfig, layers: list[tuple[np.ndarray, np.ndarray]], n_classes: int) -> ScratchNetwork:
    """A scratch network with these weights (float64), as the model had them."""
    net = ScratchNetwork(config, 2, n_classes)
    for (W, b), (W_to, b_to) in zip(layers, zip(net.coefs_, net.intercepts_), strict=True):
        assert W.shape == W_to.shape and b.shape == b_to.shape, f"weights {W.shape} do not fit {W_to.shape}"
        W_to[...], b_to[...] = W, b
    return net


def step_through(net: ScratchNetwork, x: np.ndarray, y: int, eps: float = 1e-6) -> StepThrough:
    """Forward, loss, deltas, gradients (with central differences) and one optimizer step, for one point.
    ``net`` is left as it was."""
    X, Y = np.asarray(x, dtype=np.float64).reshape(1, -1), np.array([int(y)])
    before = net.theta_.copy()
    Z, A = net._forward(net.expand(X))                  # A[0]: the point's inputs, x1, x2, x1², ...
    deltas: list[np.ndarray] = []
    net._backward(Z, A, Y, deltas)
    loss, grad_W, grad_b = net.loss_and_gradients(X, Y)
    analytic = np.concatenate([g.ravel() for pair in zip(grad_W, grad_b) for g in pair])
    numeric = np.empty_like(before)
    for i in range(before.size):                        # the flat vector holds W1, b1, W2, b2, ...
        net.theta_[i] = before[i] + eps
        up = net.loss_and_gradients(X, Y)[0]
        net.theta_[i] = before[i] - eps
        numeric[i] = (up - net.loss_and_gradients(X, Y)[0]) / (2 * eps)
        net.theta_[i] = before[i]
    cfg = net.config
    net.train_step(X, Y, make_optimizer(cfg.optimizer, before.size, cfg.learning_rate, cfg.momentum))
    after = net.theta_.copy()
    net.theta_[...] = before
    probability = net.predict_proba(X)[0]
    rows = [{"parameter": name, "before": before[i], "gradient": analytic[i], "central difference": numeric[i],
             "after": after[i]} for i, name in enumerate(parameter_names(net))]
    return StepThrough(X[0], int(y), labels(net.config.inputs), [z[0] for z in Z], [a[0] for a in A] + [probability],
                       probability, float(loss), [d[0] for d in reversed(deltas)], rows)


def forward_rows(walk: StepThrough) -> list[dict]:
    """One row per unit, first layer to output: its pre-activation z, its output and its delta dL/dz,
    named as in the parameters' names (h1.1, ..., out)."""
    last, rows = len(walk.zs), []
    for layer, (z, a, d) in enumerate(zip(walk.zs, walk.activations[1:], walk.deltas), start=1):
        a = a[-len(z):]                 # a single sigmoid output unit: keep P(class 1) of the two probabilities
        for name, zj, aj, dj in zip(unit_names(layer, len(z), last), z, a, d, strict=True):
            rows.append({"unit": name, "z (before the activation)": zj, "output": aj, "delta = dL/dz": dj})
    return rows


def hardest_point(net: ScratchNetwork, X: np.ndarray, y: np.ndarray) -> int:
    """The index of the point with the largest loss (the training code's own, per point): a point the
    network already gets right with confidence has gradients of almost nothing to show."""
    logits = net._forward(net.expand(np.asarray(X, dtype=np.float64)))[0][-1]
    return int(np.argmax(net._losses(logits, np.asarray(y, dtype=int))))


def unit_names(layer: int, width: int, last: int) -> list[str]:
    """The units of layer ``layer`` of ``last`` (1: the first hidden one): h1.1, h1.2, ...; the output layer's
    out, or out0, out1, ... (one per class)."""
    if layer == last:
        return ["out"] if width == 1 else [f"out{j}" for j in range(width)]
    return [f"h{layer}.{j + 1}" for j in range(width)]


def parameter_names(net: ScratchNetwork) -> list[str]:
    """'W1[x₁→h1.2]', 'W1[x₁²→h1.2]', 'b1[h1.2]', ... in the order of the flat parameter vector."""
    names = []
    last = len(net.coefs_)
    for layer, W in enumerate(net.coefs_, start=1):
        src = labels(net.config.inputs) if layer == 1 else unit_names(layer - 1, W.shape[0], last)
        dst = unit_names(layer, W.shape[1], last)
        names += [f"W{layer}[{s}→{d}]" for s in src for d in dst]
        names += [f"b{layer}[{d}]" for d in dst]
    return names
