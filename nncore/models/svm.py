"""A support vector machine with an RBF kernel: a boundary made of bumps around the training points
that matter most (the support vectors). Its probabilities come from Platt scaling fitted by a
5-fold cross-validation (scikit-learn's ``CalibratedClassifierCV(SVC(), ensemble=False)``, what
scikit-learn 1.9 recommends instead of ``SVC(probability=True)``): one SVC on all the points
decides, a sigmoid turns its score into a probability."""
from __future__ import annotations

from dataclasses import dataclass

from sklearn.calibration import CalibratedClassifierCV
from sklearn.svm import SVC

from ..core.settings import setting
from . import base
from .classical import BASELINE_SHOWS, Classical


@dataclass(frozen=True)
class SVMConfig(base.ToyConfig):
    """scikit-learn's SVC with an RBF kernel and probabilities."""
    C: float = setting(1.0, "float", "C", "How much a misclassified training point costs: larger C follows "
                       "the points more closely.", range=(1e-3, 1e3), step=0.1)
    gamma: float = setting(0.0, "float", "Kernel width γ (0 = auto)", "How far one point's bump reaches: "
                           "larger γ, narrower bumps, a wigglier boundary. 0: scikit-learn's 'scale', "
                           "1 / (inputs × variance).", range=(0.0, 1000.0), step=0.1)


class SVMModel(Classical):
    framework = "svm"

    def make(self) -> CalibratedClassifierCV:
        return make_svm(self.config)

    def count_parameters(self, estimator, members: int) -> int:
        """Each support vector's coordinates and dual coefficients, the intercepts, and the sigmoids'."""
        svc = estimator.calibrated_classifiers_[0].estimator
        sigmoids = 2 * len(estimator.calibrated_classifiers_[0].calibrators)
        return int(svc.support_vectors_.size + svc.dual_coef_.size + svc.intercept_.size + sigmoids)


def make_svm(config: SVMConfig) -> CalibratedClassifierCV:
    """The estimator this family fits (deterministic: SVC draws nothing at random without
    ``probability``, and the folds are scikit-learn's unshuffled stratified ones)."""
    return CalibratedClassifierCV(SVC(C=config.C, gamma=config.gamma or "scale", kernel="rbf"),
                                  method="sigmoid", ensemble=False)


def cost(config: SVMConfig, sizes: base.Sizes) -> tuple[float, float]:
    """SMO: about n² kernel evaluations, six times (the 5-fold Platt scaling, then the fit), then
    a kernel row per prediction (measured: see ``FAMILY``)."""
    n = sizes.n_train
    predicted = sizes.n_train + sizes.n_test + sizes.frames * sizes.mesh_points
    flops = 6 * 10 * n * n + 10 * n * predicted
    return flops, 0.01 + 6 * 0.005e-6 * n * n + 0.01e-6 * n * predicted


# Cost measured on the project's 2-core machine (2026-12-07, load ~2).
FAMILY = base.Family("svm", "RBF SVM", SVMConfig, SVMModel, BASELINE_SHOWS, cost, stages=None, unit="fit")
