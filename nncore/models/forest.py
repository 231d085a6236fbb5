"""A random forest: many decision trees, each grown on a bootstrap sample of the points with a random
subset of the inputs at each split; the forest averages their votes. Fitted whole, then shown one
tree more per stage (``classical``), so its boundary is live while it trains."""
from __future__ import annotations

import copy
from dataclasses import dataclass

from sklearn.ensemble import RandomForestClassifier

from ..core.settings import setting
from . import base
from .classical import BASELINE_SHOWS, Classical


@dataclass(frozen=True)
class ForestConfig(base.ToyConfig):
    """scikit-learn's RandomForestClassifier, one thread."""
    n_estimators: int = setting(100, "int", "Trees", "How many trees vote; one grows per stage.", range=(1, 500))
    max_depth: int = setting(0, "int", "Tree depth (0 = no limit)", "How many splits deep a tree may grow: "
                             "shallow trees give blockier, smoother boundaries.", range=(0, 50))


class ForestModel(Classical):
    framework = "forest"

    def make(self) -> RandomForestClassifier:
        return RandomForestClassifier(n_estimators=self.config.n_estimators, max_depth=self.config.max_depth or None,
                                      random_state=self.config.seed, n_jobs=1)

    def count_parameters(self, estimator, members: int) -> int:
        """Every node of every tree shown: a split's input and threshold, or a leaf's class counts."""
        return int(sum(t.tree_.node_count for t in estimator.estimators_[:members]))

    def first(self, estimator, k: int) -> RandomForestClassifier:
        """The forest of its first k trees: what scikit-learn's ``warm_start`` grows to k trees."""
        if k == len(estimator.estimators_):
            return estimator
        smaller = copy.copy(estimator)
        smaller.estimators_, smaller.n_estimators = estimator.estimators_[:k], k
        return smaller

    def staged(self, estimator, X):
        for k in range(1, len(estimator.estimators_) + 1):
            yield self.first(estimator, k).predict_proba(X)


def cost(config: ForestConfig, sizes: base.Sizes) -> tuple[float, float]:
    """Each stage grows a tree (n log n) and predicts the points with every tree so far; the mesh
    frames predict with the trees grown by then (measured: see ``FAMILY``)."""
    trees, n = config.n_estimators, sizes.n_train
    evaluated = (sizes.n_train + sizes.n_test) * trees * (trees + 1) / 2
    framed = sizes.frames * sizes.mesh_points * trees
    flops = 20 * n * trees * max(1.0, n).bit_length() + 20 * (evaluated + framed)
    return flops, trees * (4e-3 + 1e-6 * n) + 12e-6 * trees * (trees + 1) / 2 + 0.2e-6 * (evaluated + framed)


# Cost measured on the project's 2-core machine (2026-12-07, load ~2).
FAMILY = base.Family("forest", "Random forest", ForestConfig, ForestModel, BASELINE_SHOWS, cost,
                     stages="n_estimators", unit="tree")
