"""``ScratchMLPClassifier`` and ``TorchMLPClassifier``: the moons page's two networks for any data.

    from sklearn.datasets import load_digits
    from nncore.estimators import ScratchMLPClassifier
    ScratchMLPClassifier(hidden=(64,), epochs=60).fit(X_train, y_train).score(X_test, y_test)

Their parameters are the families' declared settings (``ScratchConfig``, ``TorchMLPConfig``): the same
names, ranges and defaults as the page's widgets and the command line.
"""
from __future__ import annotations

import numpy as np
import torch

from ..core.activations import ACTIVATIONS
from ..core.optimizers import make_optimizer
from ..models.scratch import ScratchConfig, ScratchNetwork
from ..models.torch_mlp import TorchMLP, TorchMLPConfig
from .base import NetworkClassifier, Tabular, constraints, defaults

_S, _T = defaults(ScratchConfig), defaults(TorchMLPConfig)


class TabularScratch(Tabular, ScratchNetwork):
    def new_optimizer(self):
        c = self.config
        return make_optimizer(c.optimizer, self.theta_.size, c.learning_rate, c.momentum, self.dtype)

    def __getstate__(self):                 # (the activation's functions are found again by name)
        return {k: v for k, v in self.__dict__.items() if k != "activation"}

    def __setstate__(self, state):
        self.__dict__.update(state, activation=ACTIVATIONS[state["config"].activation])


class TabularTorch(Tabular, TorchMLP):
    pass


class ScratchMLPClassifier(NetworkClassifier):
    """The from-scratch NumPy network (hand-written backprop) as a scikit-learn classifier.

    Two classes: one sigmoid output and binary cross-entropy; more: softmax and cross-entropy.
    Learned: ``coefs_`` and ``intercepts_`` (per layer, W (in, out) and b), ``loss_curve_``, ``n_iter_``,
    ``classes_``, ``n_features_in_``; ``network_`` is the network itself."""

    config_cls, network_cls = ScratchConfig, TabularScratch
    _parameter_constraints = constraints(ScratchConfig)

    def __init__(self, hidden=_S["hidden"], activation=_S["activation"], init=_S["init"], optimizer=_S["optimizer"],
                 learning_rate=_S["learning_rate"], epochs=_S["epochs"], batch_size=_S["batch_size"],
                 momentum=_S["momentum"], l2=_S["l2"], random_state=0):
        self.hidden, self.activation, self.init, self.optimizer = hidden, activation, init, optimizer
        self.learning_rate, self.epochs, self.batch_size = learning_rate, epochs, batch_size
        self.momentum, self.l2, self.random_state = momentum, l2, random_state

    def _order(self, n: int) -> np.ndarray:
        return self.network_.rng.permutation(n)


class TorchMLPClassifier(NetworkClassifier):
    """The seed's PyTorch MLP (Linear -> activation -> BatchNorm1d -> Dropout per hidden layer) as a
    scikit-learn classifier. ``network_.model`` is the ``torch.nn.Sequential``."""

    config_cls, network_cls = TorchMLPConfig, TabularTorch
    _parameter_constraints = constraints(TorchMLPConfig)

    def __init__(self, hidden=_T["hidden"], activation=_T["activation"], batch_norm=_T["batch_norm"],
                 dropout=_T["dropout"], optimizer=_T["optimizer"], learning_rate=_T["learning_rate"],
                 momentum=_T["momentum"], epochs=_T["epochs"], batch_size=_T["batch_size"], l2=_T["l2"],
                 random_state=0):
        self.hidden, self.activation, self.batch_norm, self.dropout = hidden, activation, batch_norm, dropout
        self.optimizer, self.learning_rate, self.momentum = optimizer, learning_rate, momentum
        self.epochs, self.batch_size, self.l2, self.random_state = epochs, batch_size, l2, random_state

    def _order(self, n: int) -> np.ndarray:
        return torch.randperm(n, generator=self.network_.generator).numpy()
