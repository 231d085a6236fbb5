"""Histogram gradient boosting: shallow trees added one round at a time, each fitted to what the
trees before it still get wrong (the gradient of the loss). scikit-learn's
HistGradientBoostingClassifier, fitted whole, then shown one round more per stage (its own
``staged_predict_proba``; ``classical``), so its boundary is live while it trains. Early stopping
is off: every round planned is grown."""
from __future__ import annotations

from dataclasses import dataclass
from itertools import islice

from sklearn.ensemble import HistGradientBoostingClassifier

from ..core.settings import setting
from . import base
from .classical import BASELINE_SHOWS, Classical


@dataclass(frozen=True)
class BoostingConfig(base.ToyConfig):
    """scikit-learn's HistGradientBoostingClassifier."""
    max_iter: int = setting(100, "int", "Rounds", "How many boosting rounds; one tree (per class) is added "
                            "each round.", range=(1, 500))
    learning_rate: float = setting(0.1, "float", "Learning rate", "How much of each new tree is added: "
                                   "smaller needs more rounds.", range=(0.0, 1.0), lo_open=True, step=0.01)
    max_leaf_nodes: int = setting(31, "int", "Leaves per tree", "How finely one tree may split the plane.",
                                  range=(2, 256), advanced=True)


class BoostingModel(Classical):
    framework = "boosting"

    def make(self) -> HistGradientBoostingClassifier:
        return HistGradientBoostingClassifier(max_iter=self.config.max_iter, learning_rate=self.config.learning_rate,
                                              max_leaf_nodes=self.config.max_leaf_nodes, early_stopping=False,
                                              random_state=self.config.seed)

    def count_parameters(self, estimator, members: int) -> int:
        """Every node of every tree of the rounds shown (a split's input and threshold, or a leaf's
        value), and the baseline score. (scikit-learn keeps the trees in ``_predictors``, one list a round.)"""
        return int(sum(len(p.nodes) for round_ in estimator._predictors[:members] for p in round_) + 1)

    def staged(self, estimator, X):
        return estimator.staged_predict_proba(X)

    def first(self, estimator, k: int):
        return _FirstRounds(estimator, k)


class _FirstRounds:
    """Predicts as the boosted model's first k rounds do (the k-th of ``staged_predict_proba``)."""

    def __init__(self, estimator: HistGradientBoostingClassifier, k: int):
        self.estimator, self.k = estimator, k

    def predict_proba(self, X):
        if self.k >= self.estimator.n_iter_:
            return self.estimator.predict_proba(X)
        return next(islice(self.estimator.staged_predict_proba(X), self.k - 1, None))


def cost(config: BoostingConfig, sizes: base.Sizes) -> tuple[float, float]:
    """Each round bins the points, grows one tree per class and predicts (measured: see ``FAMILY``)."""
    rounds, n = config.max_iter, sizes.n_train
    trees = rounds * (1 if sizes.n_classes == 2 else sizes.n_classes)
    predicted = (sizes.n_train + sizes.n_test) * rounds + sizes.frames * sizes.mesh_points
    flops = 50 * n * trees + 20 * predicted * trees
    return flops, rounds * (3e-3 + 1.5e-6 * n) + 0.05e-6 * predicted * trees


# Cost measured on the project's 2-core machine (2026-12-07, load ~2).
FAMILY = base.Family("boosting", "Gradient boosting", BoostingConfig, BoostingModel, BASELINE_SHOWS, cost,
                     stages="max_iter", unit="round")
