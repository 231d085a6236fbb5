"""What both network estimators share: a family's network as a scikit-learn classifier.

The estimator's parameters are the family config's declared settings, by the same names and with the
same defaults (``inputs``, the 2-D feature list, has no meaning for tabular data; ``seed`` is
scikit-learn's ``random_state``). Their ranges become scikit-learn's ``_parameter_constraints``, read
from the declarations (``constraints``), so a bad value raises scikit-learn's ``InvalidParameterError``
naming the parameter; what one range cannot say (a layer list, two settings together) the family's own
config checks, raising a ``ValueError`` that names the parameter.

The network is the family's own class with its first layer reading the features as they come, any
number of them (``Tabular``): the same forward, backward, initialisation and batch order as on the
moons page. ``fit`` trains ``epochs`` epochs from new weights; ``partial_fit`` one epoch more over the
points given, keeping the weights and the optimizer's state (momentum, Adam's moments).
"""
from __future__ import annotations

import numbers

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from ..core.history import History
from ..core.settings import SEED_MAX, Setting, settings_of
from ..models.base import batch_size_for

NOT_PARAMETERS = ("inputs", "seed")           # a 2-D list of inputs; the seed is ``random_state``


def constraints(config_cls) -> dict[str, list]:
    """scikit-learn's parameter constraints from a config's declared settings."""
    out: dict[str, list] = {"random_state": ["random_state"]}
    for name, s in settings_of(config_cls).items():
        if name not in NOT_PARAMETERS:
            out[name] = [_constraint(s)]
    return out


def _constraint(s: Setting):
    if s.kind == "int":
        return Interval(numbers.Integral, int(s.lo), int(s.hi), closed="both")
    if s.kind == "float":
        closed = {(False, False): "both", (True, False): "right", (False, True): "left"}.get((s.lo_open, s.hi_open),
                                                                                            "neither")
        return Interval(numbers.Real, s.lo, s.hi, closed=closed)
    if s.kind == "choice":
        return StrOptions(set(s.choices))
    if s.kind == "bool":
        return "boolean"
    return "array-like"                            # layers: their widths are checked by the config


def defaults(config_cls) -> dict:
    """The config's defaults under the estimator's names (a test compares them with ``get_params``)."""
    config = config_cls()
    return {name: getattr(config, name) for name in settings_of(config_cls) if name not in NOT_PARAMETERS}


class Tabular:
    """Mixed in before a family's network: its first layer reads the features as they come, any number
    of them (not 2-D points and their engineered inputs)."""
    input_width = staticmethod(lambda config, n_features: n_features)
    model_inputs = staticmethod(lambda config, X: np.require(X, requirements="W"))   # (torch wants it writable)


class NetworkClassifier(ClassifierMixin, BaseEstimator):
    """A family's network as a scikit-learn classifier. A subclass names ``config_cls`` and ``network_cls``,
    spells out its parameters in ``__init__`` (scikit-learn reads them from its signature) and says how
    one epoch's batch order is drawn (``_order``)."""

    config_cls: type
    network_cls: type

    def _config(self):
        """The family config these parameters make (its own checks raise, naming the parameter)."""
        values = {name: getattr(self, name) for name in defaults(self.config_cls)}
        values["hidden"] = tuple(int(w) for w in np.atleast_1d(values["hidden"])) if len(values["hidden"]) else ()
        seed = self.random_state
        if not isinstance(seed, numbers.Integral) or not 0 <= seed <= SEED_MAX:   # None or a RandomState
            seed = int(check_random_state(seed).randint(SEED_MAX))
        return self.config_cls(**values, seed=int(seed))

    def _start(self, X, y, classes=None):
        """New weights for these points' features and classes."""
        check_classification_targets(y)
        self.classes_ = np.unique(y) if classes is None else np.unique(classes)
        if len(self.classes_) < 2:
            raise ValueError(f"a classifier needs at least 2 classes in y; got 1 class ({self.classes_[0]!r})")
        self.network_ = self.network_cls(self._config(), X.shape[1], len(self.classes_))
        self.optimizer_ = self.network_.new_optimizer()
        self.network_.history_ = History()

    def _targets(self, y) -> np.ndarray:
        """Labels -> 0, 1, ... in the order of ``classes_``."""
        if not np.isin(y, self.classes_).all():
            raise ValueError(f"y holds classes not in classes_ {self.classes_.tolist()}: pass every class to "
                             "the first partial_fit (classes=...)")
        return np.searchsorted(self.classes_, y).astype(np.int64)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Train ``epochs`` epochs from new weights (drawn from ``random_state``)."""
        X, y = validate_data(self, X, y, dtype=np.float64)
        self._start(X, y)
        history = self.network_.fit(X, self._targets(y))
        return self._finish(history)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, classes=None):
        """One epoch over these points; the first call makes the weights (``classes``: every class
        later calls may bring, as scikit-learn's own ``partial_fit`` asks)."""
        first = not hasattr(self, "network_")
        X, y = validate_data(self, X, y, dtype=np.float64, reset=first)
        if first:
            self._start(X, y, classes)
        targets, net = self._targets(y), self.network_
        n = len(targets)
        batch = batch_size_for(self.batch_size, n)
        order = self._order(n) if batch < n else np.arange(n)
        loss_sum = correct = seen = 0
        for lo in range(0, n, batch):
            idx = order[lo:lo + batch]
            if getattr(net.config, "batch_norm", False) and len(idx) < 2:    # (batch norm needs two points)
                continue
            batch_loss, batch_correct = net.train_step(X[idx], targets[idx], self.optimizer_)
            loss_sum, correct, seen = loss_sum + batch_loss, correct + batch_correct, seen + len(idx)
        history = net.history_
        history.close_epoch(history.epochs_run + 1, np.isfinite(loss_sum), loss_sum / max(seen, 1),
                            correct / max(seen, 1), np.nan, np.nan, 0.0)
        return self._finish(history)

    def _order(self, n: int) -> np.ndarray:
        raise NotImplementedError

    def _finish(self, history: History):
        if history.status == "diverged":
            raise ValueError(f"training diverged: {history.message}; lower learning_rate")
        self.loss_curve_ = list(history.train_loss)
        self.n_iter_ = history.epochs_run
        self.coefs_ = [W.copy() for W, _ in self.network_.layer_weights]
        self.intercepts_ = [b.copy() for _, b in self.network_.layer_weights]
        return self

    def predict_proba(self, X) -> np.ndarray:
        """Each class's probability, columns in the order of ``classes_``."""
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        return self.network_.predict_proba(X)

    def predict(self, X) -> np.ndarray:
        proba = self.predict_proba(X)              # (first: it says when the model is not fitted yet)
        return self.classes_[proba.argmax(axis=1)]
