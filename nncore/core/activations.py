"""Activations beside their derivatives, in one table (as scikit-learn's ``_base.py``).

Each derivative is written in terms of the activation's *output* ``a`` (and the
pre-activation ``z`` where that is simpler), which is what the forward pass caches.
Leaf module: NumPy only.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np
from scipy.special import expit


def sigmoid(z: np.ndarray) -> np.ndarray:
    """1 / (1 + exp(-z)), computed without overflow (SciPy's expit, one vectorised call)."""
    return expit(z)


def softmax(z: np.ndarray) -> np.ndarray:
    """Row-wise softmax, shifted by the row maximum so exp never overflows."""
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def log_softmax(z: np.ndarray) -> np.ndarray:
    shifted = z - z.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def clipped_log_loss(y: np.ndarray, proba: np.ndarray) -> float:
    """Mean cross-entropy, clipped as ``sklearn.metrics.log_loss`` clips (a 0/1 vote keeps a finite loss),
    without its input checks, which cost more than the rest of an epoch."""
    eps = np.finfo(proba.dtype).eps
    return float(-np.mean(np.log(np.clip(proba[np.arange(len(y)), y], eps, 1 - eps))))


class Activation(NamedTuple):
    forward: Callable[[np.ndarray], np.ndarray]           # z -> a
    derivative: Callable[[np.ndarray, np.ndarray], np.ndarray]  # (z, a) -> da/dz
    formula: str                                          # LaTeX, for the Concepts page
    derivative_formula: str
    use: str                                              # when to reach for it
    torch: str                                            # the same function in torch.nn
    sklearn: str                                          # ... and in scikit-learn's MLPClassifier


ACTIVATIONS: dict[str, Activation] = {
    "relu": Activation(
        lambda z: np.maximum(z, 0.0),
        lambda z, a: (z > 0).astype(z.dtype),              # 0 at the kink, as torch does
        r"\mathrm{ReLU}(z) = \max(0, z)",
        r"\mathrm{ReLU}'(z) = \begin{cases}1 & z > 0\\ 0 & z \le 0\end{cases}",
        "The default for hidden layers: cheap, and its gradient does not fade for positive z. "
        "Units whose input stays negative stop learning ('dead ReLUs').",
        "ReLU", "relu",
    ),
    "tanh": Activation(
        np.tanh,
        lambda z, a: 1.0 - a * a,
        r"\tanh(z) = \frac{e^{z} - e^{-z}}{e^{z} + e^{-z}}",
        r"\tanh'(z) = 1 - \tanh^2(z)",
        "Zero-centred, so a good hidden activation for small networks; saturates (gradient near 0) "
        "for large |z|.",
        "Tanh", "tanh",
    ),
    "sigmoid": Activation(
        sigmoid,
        lambda z, a: a * (1.0 - a),
        r"\sigma(z) = \frac{1}{1 + e^{-z}}",
        r"\sigma'(z) = \sigma(z)\,(1 - \sigma(z))",
        "The output of a binary classifier (a probability). As a hidden activation its gradient is at "
        "most 1/4, so deep sigmoid stacks learn slowly (vanishing gradients).",
        "Sigmoid", "logistic",
    ),
}

HIDDEN_ACTIVATIONS = tuple(ACTIVATIONS)

SOFTMAX_FORMULA = r"\mathrm{softmax}(z)_k = \frac{e^{z_k}}{\sum_j e^{z_j}}"
SOFTMAX_DERIVATIVE_FORMULA = (r"\frac{\partial\,\mathrm{softmax}_k}{\partial z_j} = "
                              r"\mathrm{softmax}_k\,(\delta_{kj} - \mathrm{softmax}_j)")
SOFTMAX_USE = ("The output of a classifier with more than two classes: turns scores into probabilities "
               "that sum to 1. Paired with cross-entropy, its gradient is simply p - y.")
