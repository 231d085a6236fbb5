"""The family contract: what every 2-D classifier is, declares and offers.

A family is one module: its config (a ``ToyConfig``: the inputs it reads, its seed, and its own
declared settings), its model class (a ``Classifier2D``) and a ``Family`` record that says what it
can show (``Shows``), what its stages are called and how much a training costs. Adding one is that
module plus one line in ``registry.FAMILIES``; pages and the engine ask the record, never a
framework name or an MLP field.

A family trains through ``steps(...)``: a generator that yields ``"batch"`` after every
optimizer step and ``"epoch"`` after every finished stage (an epoch, a tree, a boosting round, or
the one fit of a model fitted at once). The training engine pulls from it as far as it is asked
to, so many small advances run exactly the code of one long one; ``fit`` simply runs it to the end.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

from ..core.activations import HIDDEN_ACTIVATIONS
from ..core.cost import Estimate, host_factor
from ..core.features import FEATURES, RAW_INPUTS, expand
from ..core.history import History
from ..core.settings import SEED_MAX, Config, setting

EpochCallback = Callable[[History], bool | None]   # after each epoch; return True to stop
Steps = Iterator[str]                                 # yields "batch" and "epoch"


def inputs_setting():
    return setting(RAW_INPUTS, "multi", "Inputs", "What the first layer reads: the point's x₁ and x₂, and any of "
                   "x₁², x₂², x₁x₂, sin x₁, sin x₂ computed from them. With x₁² and x₂², a network without "
                   "hidden layers can draw a circle.", choices={k: f.label for k, f in FEATURES.items()})


def model_seed_setting():
    return setting(0, "int", "Model seed", "Initial weights, batch order and dropout.", range=(0, SEED_MAX),
                   advanced=True)


@dataclass(frozen=True)
class ToyConfig(Config):
    """What every 2-D family's config has: the inputs the model reads (computed from the point) and
    the seed of every random draw it makes. A family's config adds its own declared settings."""
    inputs: tuple[str, ...] = inputs_setting()    # the first layer reads len(inputs) values
    seed: int = model_seed_setting()


@dataclass(frozen=True)
class Shows:
    """What a family can show. The pages and the engine read these, never a framework name."""
    neurons: bool = False      # hidden units for the neuron view (``hidden_activations``, ``layer_weights``)
    backprop: bool = False     # one training step by hand (the scratch network's own code)
    parameters: bool = True    # a parameter count for the leaderboard
    network: bool = True       # a neural network (Neurons and Backprop say plainly when it is not)


@dataclass(frozen=True)
class Sizes:
    """What a cost estimate needs of the data and the view: point counts and mesh frames."""
    n_train: int
    n_test: int
    n_classes: int
    mesh_points: int = 0       # points of the boundary mesh
    frames: int = 1            # predictions on that mesh (boundary frames during training, and the last)


@dataclass(frozen=True)
class Family:
    """One family of 2-D classifiers, as the registry lists it."""
    framework: str             # the id used in links, JSON and the command line
    label: str                 # how a page names it
    config: type               # its ToyConfig subclass
    model: type                # its Classifier2D: model(config, n_features, n_classes)
    shows: Shows
    cost: Callable[[ToyConfig, Sizes], tuple[float, float]]   # (FLOPs, seconds on the reference machine)
    stages: str | None = "epochs"   # the config field counting the stages it trains in; None: one fit
    unit: str = "epoch"        # what one stage is called ("epoch", "tree", "round", "fit")
    tips: Callable[[ToyConfig], list[str]] = lambda config: []   # besides fewer stages: how to cost less

    @property
    def curves(self) -> bool:
        """Whether it trains in stages, with a learning curve over them (a model fitted at once has one point)."""
        return self.stages is not None

    def planned(self, config: ToyConfig) -> int:
        """How many stages a training of ``config`` runs to its end."""
        return int(getattr(config, self.stages)) if self.stages else 1

    def estimate(self, config: ToyConfig, sizes: Sizes) -> Estimate:
        """FLOPs and expected seconds on this host of training ``config`` to its end, before any work."""
        flops, seconds = self.cost(config, sizes)
        return Estimate(float(flops), host_factor() * seconds)


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

    @property
    def fitted(self) -> bool: ...              # whether it can predict yet

    @property
    def n_parameters(self) -> int | None: ...  # None where the family declares no parameter count


class Network2D(Classifier2D, Protocol):
    """A family that ``Shows(neurons=True)``: its hidden units and weights, for the neuron view."""

    def hidden_activations(self, X: np.ndarray) -> list[np.ndarray]: ...  # per hidden layer (n, units)

    @property
    def layer_weights(self) -> list[tuple[np.ndarray, np.ndarray]]: ...  # per layer (W (in, out), b (out,))


class Stepping:
    """``fit`` and ``predict`` for a family that defines ``steps`` and ``predict_proba``."""
    fitted = True                     # a network predicts from its first weights on

    @property
    def layer_weights(self) -> list[tuple[np.ndarray, np.ndarray]]:
        return []

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
    return setting(default, "int", "Batch size (0 = full batch)", "Points per step; 0 uses them all at once.",
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


def mlp_forward_flops(sizes: tuple[int, ...]) -> int:
    """Multiply-adds x2 of one point's forward pass through dense layers of these widths."""
    return 2 * sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))


@dataclass(frozen=True)
class MLPCost:
    """The cost model of a small network on 2-D data, bound by per-step overhead (Python, framework
    dispatch) more than by arithmetic:

        seconds = epochs * (batches * per_batch + calls * per_call + per_epoch) + flops / rate

    with the constants measured per family on the project's 2-core machine (``tests/test_engine.py``
    checks the estimate against real runs): fitted (non-negative least squares) to 54 timed runs, AMD
    EPYC, 2 cores, one thread, 1,000 and 4,000 points, widths 16 to 512, batch 2 to full; 2026-11-25,
    load ~2. Within 0.9-1.3x of most runs; the estimate guards a budget, so rounding up is fine."""
    per_batch: float      # seconds of overhead per optimizer step
    per_epoch: float      # seconds per epoch besides the steps (evaluation calls, bookkeeping)
    rate: float           # FLOP/s once the arithmetic dominates
    per_call: float = 0.0  # scikit-learn: seconds per partial_fit call (one per chunk of batches)
    chunk_points: int = 0  # scikit-learn: points per partial_fit call (0: one call per batch)
    evaluates_train: bool = False   # scikit-learn: predicts the training points every epoch too

    def __call__(self, config, sizes: Sizes) -> tuple[float, float]:
        out = 1 if sizes.n_classes == 2 else sizes.n_classes
        forward = mlp_forward_flops((len(config.inputs), *config.hidden, out))   # the first layer reads inputs
        batch = batch_size_for(config.batch_size, sizes.n_train)
        batches = math.ceil(sizes.n_train / batch)
        calls = math.ceil(sizes.n_train / (batch * max(1, self.chunk_points // batch))) if self.chunk_points else 0
        evaluated = sizes.n_test + (sizes.n_train if self.evaluates_train else 0)
        flops = config.epochs * (3 * forward * sizes.n_train + forward * evaluated) + \
            sizes.frames * forward * sizes.mesh_points
        return flops, config.epochs * (batches * self.per_batch + calls * self.per_call + self.per_epoch) + \
            flops / self.rate


def mlp_tips(config) -> list[str]:
    """How a network's training costs less, besides fewer epochs."""
    return (["use narrower hidden layers"] if config.hidden and max(config.hidden) > 64 else []) + \
        (["use a larger batch size"] if 0 < config.batch_size < 32 else [])


MLP_SHOWS = Shows(neurons=True)
