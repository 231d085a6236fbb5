"""What every 2-D classifier offers, and the settings the MLP families share (declared once).

A family trains through ``steps(...)``: a generator that yields ``"batch"`` after every
optimizer step and ``"epoch"`` after every finished epoch. The training engine pulls from it
as far as it is asked to, so many small advances run exactly the code of one long one; ``fit``
simply runs it to the end.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Protocol, runtime_checkable

import numpy as np

from ..core.activations import HIDDEN_ACTIVATIONS
from ..core.features import FEATURES, RAW_INPUTS, expand
from ..core.history import History
from ..core.settings import SEED_MAX, setting

EpochCallback = Callable[[History], bool | None]   # after each epoch; return True to stop
Steps = Iterator[str]                                 # yields "batch" and "epoch"


@runtime_checkable
class Classifier2D(Protocol):
    """The interface of every family that learns the 2-D toy sets."""
    framework: str
    n_classes: int
    history_: History

    def steps(self, X: np.ndarray, y: np.ndarray, X_val: np.ndarray | None = None,
              y_val: np.ndarray | None = None, on_epoch: EpochCallback | None = None) -> Steps: ...

    def fit(self, X: np.ndarray, y: np.ndarray, X_val: np.ndarray | None = None,
            y_val: np.ndarray | None = None, on_epoch: EpochCallback | None = None) -> History: ...

    def predict_proba(self, X: np.ndarray) -> np.ndarray: ...          # (n, n_classes)

    def hidden_activations(self, X: np.ndarray) -> list[np.ndarray]: ...  # per hidden layer (n, units)

    @property
    def n_parameters(self) -> int: ...

    @property
    def layer_weights(self) -> list[tuple[np.ndarray, np.ndarray]]: ...  # per layer (W (in, out), b (out,))


class Stepping:
    """``fit`` and ``predict`` for a family that defines ``steps`` and ``predict_proba``."""

    def fit(self, X, y, X_val=None, y_val=None, on_epoch: EpochCallback | None = None) -> History:
        for _ in self.steps(X, y, X_val, y_val, on_epoch):
            pass
        return self.history_

    def predict(self, X: np.ndarray) -> np.ndarray:
        return self.predict_proba(X).argmax(axis=1)


def batch_size_for(batch_size: int, n: int) -> int:
    """0 (or more than n) means full batch."""
    return n if batch_size in (0, None) or batch_size >= n else batch_size


# --- settings the MLP families share: one declaration each ----------------------------------------

def inputs_setting():
    return setting(RAW_INPUTS, "multi", "Inputs", "What the first layer reads: the point's x₁ and x₂, and any of "
                   "x₁², x₂², x₁x₂, sin x₁, sin x₂ computed from them. With x₁² and x₂², a network without "
                   "hidden layers can draw a circle.", choices={k: f.label for k, f in FEATURES.items()})


def input_width(config, n_features: int) -> int:
    """The first layer's width: one unit per input the config names, each computed from the 2-D point."""
    if n_features != 2:
        raise ValueError(f"the 2-D models read points (x1, x2), got {n_features} features")
    return len(config.inputs)


def model_inputs(config, X: np.ndarray) -> np.ndarray:
    """Points (n, 2) -> what the network's first layer reads, (n, len(config.inputs)). The default
    inputs return the points themselves, so the default models compute exactly what they did before."""
    return expand(X, config.inputs)


def hidden_setting(default: tuple[int, ...]):
    return setting(default, "layers", "Hidden layers (widths)",
                   "Comma-separated widths, e.g. 16, 8, 4. Empty: no hidden layer.", range=(1, 512), max_layers=8)


def activation_setting(default: str):
    return setting(default, "choice", "Activation", "The hidden layers' activation (the Concepts page "
                   "draws each).", choices=HIDDEN_ACTIVATIONS)


def learning_rate_setting(default: float):
    return setting(default, "float", "Learning rate", "How far each step moves the weights.", range=(0.0, 10.0),
                   lo_open=True, step=0.001)


def epochs_setting(default: int):
    return setting(default, "int", "Epochs", "Passes over the training points.", range=(1, 20000))


def batch_size_setting(default: int):
    return setting(default, "int", "Batch size (0 = full)", "Points per step; 0 uses them all at once.",
                   range=(0, 100000))


def momentum_setting(default: float, help: str = "Share of the last step kept in the next (SGD only).",  # noqa: A002
                     ):
    return setting(default, "float", "Momentum", help, range=(0.0, 0.99), step=0.05, advanced=True)


def optimizer_setting(default: str):
    return setting(default, "choice", "Optimizer", "sgd (with momentum above 0) or adam.",
                   choices=("sgd", "adam"), advanced=True)


def l2_setting(default: float):
    return setting(default, "float", "L2", "Weight penalty: adds l2/2 times the sum of squared weights.",
                   range=(0.0, 1.0), step=0.0001, advanced=True)


def model_seed_setting():
    return setting(0, "int", "Model seed", "Initial weights, batch order and dropout.", range=(0, SEED_MAX),
                   advanced=True)


def mlp_forward_flops(sizes: tuple[int, ...]) -> int:
    """Multiply-adds x2 of one point's forward pass through dense layers of these widths."""
    return 2 * sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))
