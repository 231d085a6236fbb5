"""k nearest neighbours: each point takes the vote of the k training points nearest to it. Nothing
is learned but the points themselves, so there are no parameters to count; the cost is at
prediction, one distance per training point."""
from __future__ import annotations

from dataclasses import dataclass

from sklearn.neighbors import KNeighborsClassifier

from ..core.settings import setting
from . import base
from .classical import Classical


@dataclass(frozen=True)
class KNNConfig(base.ToyConfig):
    """scikit-learn's KNeighborsClassifier."""
    n_neighbors: int = setting(5, "int", "Neighbours (k)", "How many of the nearest training points vote. "
                               "1 follows every point (and its noise); more gives a smoother boundary.",
                               range=(1, 100))
    weights: str = setting("uniform", "choice", "Vote", "uniform: each neighbour counts the same; distance: "
                           "nearer neighbours count more.", choices=("uniform", "distance"))


class KNNModel(Classical):
    framework = "knn"

    def make(self) -> KNeighborsClassifier:
        return KNeighborsClassifier(n_neighbors=self.config.n_neighbors, weights=self.config.weights)

    def steps(self, X, y, X_val=None, y_val=None, on_epoch=None):
        if self.config.n_neighbors > len(y):
            raise ValueError(f"n_neighbors must be at most the {len(y)} training points, "
                             f"got {self.config.n_neighbors}")
        return super().steps(X, y, X_val, y_val, on_epoch)


def cost(config: KNNConfig, sizes: base.Sizes) -> tuple[float, float]:
    """A distance to each training point from every point predicted (measured: see ``FAMILY``)."""
    predicted = sizes.n_train + sizes.n_test + sizes.frames * sizes.mesh_points
    flops = 3 * len(config.inputs) * sizes.n_train * predicted
    return flops, 0.005 + 0.02e-9 * sizes.n_train * predicted + 3e-6 * predicted


# Cost measured on the project's 2-core machine (2026-12-07, load ~2).
FAMILY = base.Family("knn", "Nearest neighbours", KNNConfig, KNNModel,
                     base.Shows(network=False, parameters=False), cost, stages=None, unit="fit")
