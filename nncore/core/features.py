"""Engineered inputs, TensorFlow Playground's classic lesson: besides x1 and x2 a 2-D model may read
x1², x2², x1·x2, sin x1 and sin x2. A network with no hidden layer draws only straight boundaries in
(x1, x2), but a straight boundary in (x1², x2²) is a circle in the plane.

One table: each input's id (used in configs, links and JSON) -> its display label and its formula.
Leaf module: NumPy only.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np


class Feature(NamedTuple):
    label: str          # how a page names it
    code: str           # the formula in NumPy, of x1 (n,) and x2 (n,): what an exported script writes too

    @property
    def formula(self) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
        return _FORMULAS[self.code]


FEATURES: dict[str, Feature] = {
    "x1": Feature("x₁", "x1"),
    "x2": Feature("x₂", "x2"),
    "x1^2": Feature("x₁²", "x1 * x1"),
    "x2^2": Feature("x₂²", "x2 * x2"),
    "x1*x2": Feature("x₁x₂", "x1 * x2"),
    "sin(x1)": Feature("sin x₁", "np.sin(x1)"),
    "sin(x2)": Feature("sin x₂", "np.sin(x2)"),
}
_FORMULAS = {f.code: eval(f"lambda x1, x2: {f.code}", {"np": np}) for f in FEATURES.values()}  # noqa: S307 (ours)
RAW_INPUTS = ("x1", "x2")           # the points themselves: the default, and what every model is given


def label(name: str) -> str:
    """'x1^2' -> 'x₁²' (an unknown name reads as itself)."""
    return FEATURES[name].label if name in FEATURES else name


def labels(inputs: tuple[str, ...]) -> list[str]:
    return [label(n) for n in inputs]


def expand(X: np.ndarray, inputs: tuple[str, ...]) -> np.ndarray:
    """(n, 2) points -> (n, len(inputs)) inputs, column j being ``inputs[j]``, in X's float dtype.

    The raw inputs ("x1", "x2") return the points themselves, not a copy: a model with the default
    inputs computes exactly what it computed before this module existed."""
    X = np.asarray(X)
    if not np.issubdtype(X.dtype, np.floating):
        X = X.astype(np.float64)
    assert X.ndim == 2 and X.shape[1] == 2, f"expand takes (n, 2) points, got shape {X.shape}"
    if tuple(inputs) == RAW_INPUTS:
        return X
    x1, x2 = X[:, 0], X[:, 1]
    out = np.empty((len(X), len(inputs)), dtype=X.dtype)     # (n, len(inputs))
    for j, name in enumerate(inputs):
        out[:, j] = FEATURES[name].formula(x1, x2)
    return out
