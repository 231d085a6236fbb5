"""Proof that the scratch network's backprop is right.

For every hidden activation and both output types (sigmoid + BCE, softmax + CE), the
hand-written gradients are compared in float64 with central differences

    numgrad[i] = (loss(theta + eps e_i) - loss(theta - eps e_i)) / (2 eps)

and with torch autograd run on the same weights. The relative error of two gradient
arrays a, b is ||a - b|| / max(||a|| + ||b||, tiny).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from ..core.activations import ACTIVATIONS, HIDDEN_ACTIVATIONS
from ..models.scratch import ScratchConfig, ScratchNetwork


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    num = np.linalg.norm(a - b)
    den = np.linalg.norm(a) + np.linalg.norm(b)
    return float(num / den) if den > 1e-300 else 0.0


def _numerical(net: ScratchNetwork, X: np.ndarray, y: np.ndarray, eps: float) -> list[np.ndarray]:
    grads = []
    for param in [*net.coefs_, *net.intercepts_]:
        g = np.zeros_like(param)
        flat, gflat = param.reshape(-1), g.reshape(-1)
        for i in range(flat.size):
            old = flat[i]
            flat[i] = old + eps
            up = net.loss_and_gradients(X, y)[0]
            flat[i] = old - eps
            down = net.loss_and_gradients(X, y)[0]
            flat[i] = old
            gflat[i] = (up - down) / (2 * eps)
        grads.append(g)
    return grads


def _autograd(net: ScratchNetwork, X: np.ndarray, y: np.ndarray) -> list[np.ndarray]:
    Ws = [torch.tensor(W, requires_grad=True) for W in net.coefs_]
    bs = [torch.tensor(b, requires_grad=True) for b in net.intercepts_]
    h = torch.tensor(net.expand(X))                       # the engineered inputs (x1², ...) the net reads
    for i, (W, b) in enumerate(zip(Ws, bs)):
        h = h @ W + b
        if i < len(Ws) - 1:
            h = getattr(torch.nn, ACTIVATIONS[net.config.activation].torch)()(h)   # the table's torch twin
    yt = torch.tensor(y)
    loss = (F.binary_cross_entropy_with_logits(h[:, 0], yt.double()) if net.binary
            else F.cross_entropy(h, yt))
    loss = loss + 0.5 * net.config.l2 * sum((W * W).sum() for W in Ws)
    loss.backward()
    return [W.grad.numpy() for W in Ws] + [b.grad.numpy() for b in bs]


@dataclass
class GradCheckRow:
    activation: str
    output: str                # sigmoid (2 classes) or softmax (3 classes)
    vs_numerical: float        # largest relative error over the parameter arrays
    vs_autograd: float
    loss: float

    def to_dict(self) -> dict:
        return {"activation": self.activation, "output": self.output, "vs_numerical": self.vs_numerical,
                "vs_autograd": self.vs_autograd, "loss": self.loss}


def check_network(net: ScratchNetwork, X: np.ndarray, y: np.ndarray, eps: float = 1e-6) -> GradCheckRow:
    """Compare one network's gradients on (X, y); the network must be float64."""
    if net.dtype is not np.float64:
        raise ValueError("dtype must be float64 for a gradient check")
    loss, gW, gb = net.loss_and_gradients(X, y)
    analytic = [*gW, *gb]
    numeric, auto = _numerical(net, X, y, eps), _autograd(net, X, y)
    return GradCheckRow(net.config.activation, "sigmoid" if net.binary else "softmax",
                        max(relative_error(a, n) for a, n in zip(analytic, numeric)),
                        max(relative_error(a, t) for a, t in zip(analytic, auto)), float(loss))


def gradcheck(hidden: tuple[int, ...] = (5, 4), n: int = 12, l2: float = 1e-3, seed: int = 0,
              activations: tuple[str, ...] = HIDDEN_ACTIVATIONS) -> list[GradCheckRow]:
    """Run the check for every hidden activation with a binary and a 3-class output."""
    return [check_config(ScratchConfig(hidden=hidden, activation=act, init="xavier", l2=l2, seed=seed),
                         n_classes, n=n, seed=seed)
            for act in activations for n_classes in (2, 3)]


def check_config(config: ScratchConfig, n_classes: int, n: int = 12, seed: int = 0) -> GradCheckRow:
    """The check for one scratch network set-up (its layers, activation and L2), on random data."""
    rng = np.random.default_rng(seed)
    net = ScratchNetwork(config.replace(init="xavier" if config.init == "seed" else config.init), 2, n_classes)
    for b in net.intercepts_:
        b += rng.normal(0, 0.1, b.shape)
    return check_network(net, rng.normal(size=(n, 2)), rng.integers(0, n_classes, n))
