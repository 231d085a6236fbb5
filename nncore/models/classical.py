"""What the classical baselines share: a scikit-learn estimator behind the family contract.

scikit-learn's own classifier comparison holds up logistic regression, nearest neighbours, an RBF
SVM, trees and boosting beside the MLP; each is a family here (``logistic``, ``knn``, ``svm``,
``forest``, ``boosting``: its config, its estimator and its ``Family`` line), training through
the same engine as the networks. A model fitted at once (``stages=None``) yields one stage: one
fit, one frame. An ensemble (a forest's trees, boosting's rounds) is fitted whole at its first
stage, then shown one member more per stage: after stage k the model predicts as its first k
members do, exactly what scikit-learn's own model of k members predicts (the first k trees of a
forest are the forest ``warm_start`` grows to k; boosting's ``staged_predict_proba``). So its
boundary and curves are live, a Stop keeps the model it shows, and at the end it is the estimator
fitted directly (a test checks both). Growing it with ``warm_start`` instead refits from the start
each round: 100 rounds of boosting took 18-120 s. Each stage records the same history as an epoch:
the training points' loss and accuracy and the test points'. Fits run on one thread, as every
training here does (the server's trainer slots are the parallelism).
"""
from __future__ import annotations

import math
import time
import warnings
from collections.abc import Iterator

import numpy as np
from sklearn.base import ClassifierMixin
from threadpoolctl import threadpool_limits

from ..core.activations import clipped_log_loss
from ..core.history import History
from . import base
from .base import EpochCallback, Shows, Stepping, Steps

BASELINE_SHOWS = Shows(network=False)          # no hidden units, no backprop by hand; a parameter count


class Classical(Stepping):
    """A scikit-learn classifier as a 2-D family. A subclass names its ``framework`` and builds its
    estimator in ``make()`` from ``self.config``; an ensemble also defines ``staged(estimator, X)`` (its
    probabilities with its first 1, 2, ... members) and ``first(estimator, k)``. The stages are the
    estimator's own members, so their count is the one the family's config sets (``Family.stages``)."""

    framework = ""

    def __init__(self, config, n_features: int, n_classes: int):
        self.config = config
        self.n_classes = n_classes
        base.input_width(config, n_features)                # (refuses anything but 2-D points)
        self.estimator_: ClassifierMixin | None = None     # the estimator fitted whole
        self.shown_ = 0                                     # ... of which the first shown_ members predict
        self.history_ = History()

    def make(self) -> ClassifierMixin:
        raise NotImplementedError

    def count_parameters(self, estimator, members: int) -> int | None:
        """What the fitted estimator's first ``members`` members learned, counted (None: it keeps the
        points, as k-NN does)."""
        return None

    def staged(self, estimator, X: np.ndarray) -> Iterator[np.ndarray]:
        """Its probabilities on ``X`` with its first 1, 2, ... members (a model fitted at once: one)."""
        yield estimator.predict_proba(X)

    def first(self, estimator, k: int):
        """An estimator that predicts as its first ``k`` members do (a model fitted at once: itself)."""
        return estimator

    # --- the contract -----------------------------------------------------------------------------

    @property
    def fitted(self) -> bool:
        return self.estimator_ is not None

    @property
    def n_parameters(self) -> int | None:
        return self.count_parameters(self.estimator_, self.shown_) if self.fitted else 0

    def _inputs(self, X: np.ndarray) -> np.ndarray:
        return base.model_inputs(self.config, np.asarray(X, dtype=np.float64))

    def _full(self, p: np.ndarray) -> np.ndarray:
        """(n, n_classes) probabilities, a class missing from the training points at 0."""
        if p.shape[1] == self.n_classes:
            return p
        full = np.zeros((len(p), self.n_classes))
        full[:, self.estimator_.classes_.astype(int)] = p
        return full

    def steps(self, X: np.ndarray, y: np.ndarray, X_val: np.ndarray | None = None,
              y_val: np.ndarray | None = None, on_epoch: EpochCallback | None = None) -> Steps:
        X, y = self._inputs(X), np.asarray(y)
        history = self.history_ = History()
        start = time.perf_counter()
        with threadpool_limits(limits=1), warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)             # (feature-name and convergence notes)
            estimator = self.make().fit(X, y)
        self.estimator_ = estimator
        elapsed = time.perf_counter() - start
        on_val = self.staged(estimator, self._inputs(X_val)) if X_val is not None and len(y_val) else None
        for stage, p in enumerate(self.staged(estimator, X), 1):
            yield "batch"                                   # (the fit, then each member shown)
            start = time.perf_counter()
            self.shown_, p = stage, self._full(p)
            val_loss = val_acc = math.nan
            if on_val is not None:
                pv = self._full(next(on_val))
                val_loss, val_acc = clipped_log_loss(y_val, pv), float(np.mean(pv.argmax(1) == y_val))
            elapsed += time.perf_counter() - start
            stop = history.close_epoch(stage, bool(np.isfinite(p).all()), clipped_log_loss(y, p),
                                       float(np.mean(p.argmax(1) == y)), val_loss, val_acc, elapsed, on_epoch)
            yield "epoch"
            if stop:
                return

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        with threadpool_limits(limits=1):
            return self._full(self.first(self.estimator_, self.shown_).predict_proba(self._inputs(X)))
