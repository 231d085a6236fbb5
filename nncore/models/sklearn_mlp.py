"""scikit-learn's MLPClassifier behind the same interface, so every comparison has a known peer.

Each epoch shuffles the points in an order drawn from the config's seed, then hands them to
``partial_fit`` (with scikit-learn's own shuffling off) in chunks of whole mini-batches, about
``CHUNK_POINTS`` points each (one call per epoch on the default data); inside a chunk
scikit-learn takes one step of its own solver per mini-batch. Each call costs 1.5 to 3.5 ms of
input checks (measured), ten to twenty times a step, so the chunk is the unit at which training
steps and can be cancelled: tens of milliseconds for any setting the budget allows. An epoch's loss is the mean of its
batches' losses, weighted by their sizes, as scikit-learn's ``fit`` reports it.
"""
from __future__ import annotations

import math
import time
import warnings
from dataclasses import dataclass

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier
from sklearn.neural_network._base import ACTIVATIONS as SKLEARN_FUNCTIONS

from ..core.activations import ACTIVATIONS, clipped_log_loss
from ..core.history import History
from . import base
from .base import EpochCallback, Stepping, Steps, batch_size_for


@dataclass(frozen=True)
class SklearnConfig(base.ToyConfig):
    """scikit-learn's MLPClassifier, the well-known peer."""
    hidden: tuple[int, ...] = base.hidden_setting((16, 16))   # (): no hidden layer, which MLPClassifier accepts
    activation: str = base.activation_setting("relu")         # sklearn calls sigmoid "logistic"
    optimizer: str = base.optimizer_setting("adam")
    learning_rate: float = base.learning_rate_setting(0.01)
    epochs: int = base.epochs_setting(150)
    batch_size: int = base.batch_size_setting(32)            # 0: full batch
    l2: float = base.l2_setting(0.0001)                      # sklearn's alpha


def make_classifier(config: SklearnConfig, n_samples: int, **extra) -> MLPClassifier:
    return MLPClassifier(
        hidden_layer_sizes=config.hidden, activation=ACTIVATIONS[config.activation].sklearn,
        solver=config.optimizer, learning_rate_init=config.learning_rate, alpha=config.l2,
        batch_size=config.batch_size or n_samples, max_iter=config.epochs, random_state=config.seed,
        **extra)


CHUNK_POINTS = 2048


class SklearnMLP(Stepping):
    framework = "sklearn"

    def __init__(self, config: SklearnConfig, n_features: int, n_classes: int):
        self.config = config
        self.n_classes = n_classes
        self.n_features = n_features
        self.n_inputs = base.input_width(config, n_features)   # what the first layer reads
        self.clf: MLPClassifier | None = None
        self.rng = np.random.default_rng(config.seed)
        self.history_ = History()

    @property
    def fitted(self) -> bool:
        """Whether it can predict: scikit-learn makes its weights at the first step."""
        return self.clf is not None and hasattr(self.clf, "coefs_")

    @property
    def n_parameters(self) -> int:
        if not self.fitted:
            return 0
        return sum(w.size for w in self.clf.coefs_) + sum(b.size for b in self.clf.intercepts_)

    @property
    def layer_weights(self) -> list[tuple[np.ndarray, np.ndarray]]:
        return list(zip(self.clf.coefs_, self.clf.intercepts_)) if self.fitted else []

    def steps(self, X: np.ndarray, y: np.ndarray, X_val: np.ndarray | None = None,
              y_val: np.ndarray | None = None, on_epoch: EpochCallback | None = None) -> Steps:
        X, y = self._inputs(np.asarray(X, dtype=np.float64)), np.asarray(y)
        classes = np.arange(self.n_classes)
        n = len(y)
        batch = batch_size_for(self.config.batch_size, n)
        self.clf = make_classifier(self.config, n, shuffle=False)
        self.clf.batch_size = batch
        chunk = batch * max(1, CHUNK_POINTS // batch)
        history = self.history_ = History()
        elapsed = 0.0
        for epoch in range(1, self.config.epochs + 1):
            start = time.perf_counter()
            order = self.rng.permutation(n) if batch < n else np.arange(n)
            loss_sum = 0.0
            for lo in range(0, n, chunk):
                idx = order[lo:lo + chunk]
                with warnings.catch_warnings():     # one step per call: the batch size is clipped on purpose
                    warnings.simplefilter("ignore", ConvergenceWarning)
                    warnings.filterwarnings("ignore", "Got `batch_size`", UserWarning)
                    self.clf.partial_fit(X[idx], y[idx], classes=classes)
                loss_sum += float(self.clf.loss_) * len(idx)   # the chunk's mean loss, with alpha's penalty
                elapsed += time.perf_counter() - start
                yield "batch"
                start = time.perf_counter()
            p = self.clf.predict_proba(X)
            train_acc = float(np.mean(p.argmax(1) == y))
            val_loss = val_acc = math.nan
            if X_val is not None and y_val is not None:
                pv = self.clf.predict_proba(self._inputs(X_val))
                val_loss = clipped_log_loss(y_val, pv) if np.isfinite(pv).all() else math.nan
                val_acc = float(np.mean(pv.argmax(1) == y_val))
            elapsed += time.perf_counter() - start
            stop = history.close_epoch(epoch, bool(np.isfinite(p).all()), loss_sum / n, train_acc, val_loss,
                                       val_acc, elapsed, on_epoch)
            yield "epoch"
            if stop:
                return

    def _inputs(self, X: np.ndarray) -> np.ndarray:
        """Points (n, 2) -> the first layer's input, (n, len(inputs))."""
        return base.model_inputs(self.config, np.asarray(X))

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        return self.clf.predict_proba(self._inputs(X))

    def hidden_activations(self, X: np.ndarray) -> list[np.ndarray]:
        """Each hidden layer's output, computed with scikit-learn's own activation functions."""
        out, h = [], self._inputs(np.asarray(X, dtype=np.float64))
        for W, b in list(zip(self.clf.coefs_, self.clf.intercepts_))[:-1]:
            h = h @ W + b
            SKLEARN_FUNCTIONS[self.clf.activation](h)      # in place, as scikit-learn applies it
            out.append(h)
        return out


FAMILY = base.Family("sklearn", "scikit-learn MLP", SklearnConfig, SklearnMLP, base.MLP_SHOWS,
                     base.MLPCost(per_batch=170e-6, per_epoch=2.7e-3, rate=3e10, per_call=2.1e-3,
                                  chunk_points=CHUNK_POINTS, evaluates_train=True), tips=base.mlp_tips)
