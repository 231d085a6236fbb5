"""The networks as scikit-learn estimators: ``Pipeline``, ``GridSearchCV``, ``cross_val_score`` and
``DecisionBoundaryDisplay`` take them, on any number of features and classes."""
from .networks import ScratchMLPClassifier, TorchMLPClassifier

__all__ = ["ScratchMLPClassifier", "TorchMLPClassifier"]
