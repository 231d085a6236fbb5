"""Logistic regression: one straight line (a plane through the inputs), the classical baseline a
network must beat. Given x₁² and x₂² as inputs, the same linear model draws a circle."""
from __future__ import annotations

from dataclasses import dataclass

from sklearn.linear_model import LogisticRegression

from ..core.settings import setting
from . import base
from .classical import BASELINE_SHOWS, Classical


@dataclass(frozen=True)
class LogisticConfig(base.ToyConfig):
    """scikit-learn's LogisticRegression (lbfgs)."""
    C: float = setting(1.0, "float", "C (inverse regularisation)", "Smaller C pulls the weights towards 0: "
                       "a gentler line.", range=(1e-4, 1e4), lo_open=False, step=0.1)


class LogisticModel(Classical):
    framework = "logistic"

    def make(self) -> LogisticRegression:
        return LogisticRegression(C=self.config.C, max_iter=1000, random_state=self.config.seed)

    def count_parameters(self, estimator, members: int) -> int:
        return int(estimator.coef_.size + estimator.intercept_.size)


def cost(config: LogisticConfig, sizes: base.Sizes) -> tuple[float, float]:
    """lbfgs: up to about 100 passes over the points, then predictions (measured: see ``FAMILY``)."""
    width = len(config.inputs) * max(1, sizes.n_classes - 1)
    predicted = sizes.n_train + sizes.n_test + sizes.frames * sizes.mesh_points
    flops = 2 * width * (100 * sizes.n_train + predicted)
    return flops, 0.01 + 2e-6 * sizes.n_train + 0.2e-6 * predicted


# Cost measured on the project's 2-core machine (2026-12-07, load ~2): 4-20 ms for 800 points.
FAMILY = base.Family("logistic", "Logistic regression", LogisticConfig, LogisticModel, BASELINE_SHOWS, cost,
                     stages=None, unit="fit")
