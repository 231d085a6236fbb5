"""scikit-learn's MLPClassifier behind the same interface, so every comparison has a known peer.

Training runs one ``partial_fit`` pass per epoch, which gives the same per-epoch
history and callbacks as our own networks.
"""
from __future__ import annotations

import math
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import log_loss
from sklearn.neural_network import MLPClassifier

from .config import SklearnConfig
from .history import History
from .scratch import EpochCallback

SKLEARN_ACTIVATION = {"relu": "relu", "tanh": "tanh", "sigmoid": "logistic"}


def make_classifier(config: SklearnConfig, n_samples: int, **extra) -> MLPClassifier:
    return MLPClassifier(
        hidden_layer_sizes=config.hidden, activation=SKLEARN_ACTIVATION[config.activation],
        solver=config.optimizer, learning_rate_init=config.learning_rate, alpha=config.l2,
        batch_size=config.batch_size or n_samples, max_iter=config.epochs, random_state=config.seed,
        **extra)


class SklearnMLP:
    framework = "sklearn"

    def __init__(self, config: SklearnConfig, n_features: int, n_classes: int):
        self.config = config
        self.n_classes = n_classes
        self.clf: MLPClassifier | None = None
        self.history_ = History()

    @property
    def n_parameters(self) -> int:
        if self.clf is None:
            return 0
        return sum(w.size for w in self.clf.coefs_) + sum(b.size for b in self.clf.intercepts_)

    def fit(self, X: np.ndarray, y: np.ndarray, X_val: np.ndarray | None = None,
            y_val: np.ndarray | None = None, on_epoch: EpochCallback | None = None) -> History:
        classes = np.arange(self.n_classes)
        self.clf = make_classifier(self.config, len(y))
        history = self.history_ = History()
        elapsed = 0.0
        labels = list(range(self.n_classes))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            for epoch in range(1, self.config.epochs + 1):
                start = time.perf_counter()
                self.clf.partial_fit(X, y, classes=classes)
                train_loss = float(self.clf.loss_)          # mean batch loss of the pass, with alpha's penalty
                p = self.clf.predict_proba(X)
                train_acc = float(np.mean(p.argmax(1) == y))
                val_loss = val_acc = math.nan
                if X_val is not None and y_val is not None:
                    pv = self.clf.predict_proba(X_val)
                    val_loss = float(log_loss(y_val, pv, labels=labels)) if np.isfinite(pv).all() else math.nan
                    val_acc = float(np.mean(pv.argmax(1) == y_val))
                elapsed += time.perf_counter() - start
                if history.close_epoch(epoch, bool(np.isfinite(p).all()), train_loss, train_acc, val_loss,
                                       val_acc, elapsed, on_epoch):
                    break
        return history

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        return self.clf.predict_proba(X)

    def predict(self, X: np.ndarray) -> np.ndarray:
        return self.predict_proba(X).argmax(axis=1)
