"""The networks as scikit-learn estimators: scikit-learn's own estimator checks, a pipeline in a grid
search, a decision-boundary display, real tabular data (digits), and the families' settings as their
parameters."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from sklearn.datasets import load_digits, make_moons  # noqa: E402
from sklearn.inspection import DecisionBoundaryDisplay  # noqa: E402
from sklearn.model_selection import GridSearchCV, train_test_split  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from sklearn.utils._param_validation import InvalidParameterError  # noqa: E402
from sklearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402

from nncore.core.settings import settings_of  # noqa: E402
from nncore.estimators import ScratchMLPClassifier, TorchMLPClassifier  # noqa: E402
from nncore.models.scratch import ScratchConfig, ScratchNetwork  # noqa: E402
from nncore.models.torch_mlp import TorchMLP, TorchMLPConfig  # noqa: E402

EXPECTED_FAILURES = {
    "check_methods_subset_invariance": "float32 matrix products round differently with the batch's size "
                                       "(a difference in the 7th digit of a probability)",
}


def expected(estimator):
    return EXPECTED_FAILURES if isinstance(estimator, TorchMLPClassifier) else {}


# Fewer epochs than the defaults keep the ~55 checks quick; every check still trains the real network.
@parametrize_with_checks([ScratchMLPClassifier(epochs=40), TorchMLPClassifier(epochs=60)],
                         expected_failed_checks=expected)
def test_scikit_learns_own_estimator_checks(estimator, check):
    check(estimator)


@pytest.mark.parametrize("estimator, config", [(ScratchMLPClassifier, ScratchConfig),
                                               (TorchMLPClassifier, TorchMLPConfig)])
def test_parameters_are_the_familys_declared_settings(estimator, config):
    params = estimator().get_params()
    declared = {k for k in settings_of(config) if k not in ("inputs", "seed")}
    assert set(params) == declared | {"random_state"}
    for name in declared:
        assert params[name] == getattr(config(), name), name           # the same defaults
    assert params["random_state"] == config().seed


def test_bad_values_name_the_parameter():
    X, y = make_moons(60, random_state=0)
    with pytest.raises(InvalidParameterError, match="learning_rate"):
        ScratchMLPClassifier(learning_rate=-1).fit(X, y)
    with pytest.raises(InvalidParameterError, match="activation"):
        TorchMLPClassifier(activation="swish").fit(X, y)
    with pytest.raises(ValueError, match="hidden"):
        ScratchMLPClassifier(hidden=(0, 4)).fit(X, y)
    with pytest.raises(ValueError, match="batch_size"):            # two settings together: the config's own check
        TorchMLPClassifier(batch_size=1).fit(X, y)


def test_digits_reach_095():
    """scikit-learn's own MLP test asks 0.95 of its classifier on the digits; ours, with its defaults."""
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0, stratify=y)
    model = make_pipeline(StandardScaler(), ScratchMLPClassifier()).fit(X_train, y_train)
    assert model.score(X_test, y_test) >= 0.95
    net = model[-1]
    assert net.n_features_in_ == 64 and list(net.classes_) == list(range(10))
    assert [W.shape for W in net.coefs_] == [(64, 16), (16, 16), (16, 10)] and net.n_iter_ == 150


def test_a_pipeline_in_a_grid_search_and_its_boundary():
    X, y = make_moons(200, noise=0.15, random_state=1)
    search = GridSearchCV(make_pipeline(StandardScaler(), ScratchMLPClassifier(epochs=60)),
                          {"scratchmlpclassifier__learning_rate": [0.01, 0.3]}, cv=3).fit(X, y)
    assert search.best_params_ == {"scratchmlpclassifier__learning_rate": 0.3}    # 0.01 for 60 epochs is too slow
    assert search.best_score_ >= 0.9
    display = DecisionBoundaryDisplay.from_estimator(search.best_estimator_, X, response_method="predict_proba")
    assert display.response.shape == display.xx0.shape and 0 <= display.response.min() < display.response.max() <= 1


def test_string_labels_and_determinism():
    X, y = make_moons(120, noise=0.1, random_state=2)
    labels = np.array(["blue", "red"])[y]
    for cls in (ScratchMLPClassifier, TorchMLPClassifier):
        a = cls(epochs=30, random_state=5).fit(X, labels)
        b = cls(epochs=30, random_state=5).fit(X, labels)
        c = cls(epochs=30, random_state=6).fit(X, labels)
        assert set(a.predict(X)) <= {"blue", "red"}
        np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))
        assert not np.array_equal(a.predict_proba(X), c.predict_proba(X))


@pytest.mark.parametrize("cls, network, config", [(ScratchMLPClassifier, ScratchNetwork, ScratchConfig),
                                                  (TorchMLPClassifier, TorchMLP, TorchMLPConfig)])
def test_the_estimator_is_the_moons_pages_network(cls, network, config):
    """On 2-D points the estimator computes exactly what the family's network computes on the page."""
    X, y = make_moons(150, noise=0.2, random_state=3)
    est = cls(epochs=25, random_state=4).fit(X, y)
    net = network(config(epochs=25, seed=4), 2, 2)
    net.fit(X, y)
    np.testing.assert_array_equal(est.predict_proba(X), net.predict_proba(X))


def test_partial_fit_steps_one_epoch_and_keeps_the_optimizer():
    X, y = make_moons(200, noise=0.1, random_state=0)
    est = ScratchMLPClassifier(optimizer="adam", learning_rate=0.01)
    for _ in range(30):
        est.partial_fit(X, y, classes=[0, 1])
    assert est.n_iter_ == 30 and est.loss_curve_[-1] < 0.5 * est.loss_curve_[0]
    assert est.optimizer_.t == 30 * 7                        # Adam's step count: 7 batches of 32 per epoch
    with pytest.raises(ValueError, match="classes"):
        est.partial_fit(X, y + 5)
    with pytest.raises(ValueError, match="features"):
        est.partial_fit(X[:, :1], y)


def test_the_readmes_notebook_lines_run():
    """The README's "In a notebook" lines, as a student types them after splitting the digits."""
    import re

    from tests.conftest import ROOT
    block = re.search(r"## In a notebook.*?```python\n(.*?)```", (ROOT / "README.md").read_text(), re.S).group(1)
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(StandardScaler().fit_transform(X), y, random_state=0)
    *lines, last = block.strip().splitlines()
    names = {"X_train": X_train, "X_test": X_test, "y_train": y_train, "y_test": y_test}
    exec("\n".join(lines), names)                      # noqa: S102 (the README's own lines)
    assert eval(last, names) >= 0.95                   # noqa: S307
