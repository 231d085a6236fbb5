"""The family contract and the classical baselines: scikit-learn's own estimators as the oracle, the
"Why neural networks?" preset and lesson against real trainings, and a family added by one
registration (a throwaway family trains through the command line and the moons page)."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from dataclasses import dataclass

import numpy as np
import pytest
import streamlit as st
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier
from sklearn.svm import SVC
from streamlit.testing.v1 import AppTest

from app_pages import session
from nncore import cli
from nncore.core.cost import Estimate
from nncore.core.history import History
from nncore.core.settings import setting
from nncore.data.toy import DataConfig, Mesh, load_toy
from nncore.engine.budget import over_budget
from nncore.engine.toy import Training
from nncore.lessons import load_lesson
from nncore.lineup.comparison import compare
from nncore.lineup.live import LiveComparison
from nncore.models import base, registry
from nncore.models.boosting import BoostingConfig
from nncore.models.forest import ForestConfig
from nncore.models.knn import KNNConfig
from nncore.models.registry import FAMILIES, ModelSpec, preset
from tests.conftest import ROOT

BASELINES = ("logistic", "knn", "svm", "forest", "boosting")


def direct(framework: str, config):
    """The scikit-learn estimator a baseline family fits, built here from its settings."""
    return {
        "logistic": lambda c: LogisticRegression(C=c.C, max_iter=1000, random_state=c.seed),
        "knn": lambda c: KNeighborsClassifier(n_neighbors=c.n_neighbors, weights=c.weights),
        "svm": lambda c: CalibratedClassifierCV(SVC(C=c.C, gamma=c.gamma or "scale"), method="sigmoid",
                                                ensemble=False),
        "forest": lambda c: RandomForestClassifier(n_estimators=c.n_estimators, max_depth=c.max_depth or None,
                                                   random_state=c.seed, n_jobs=1),
        "boosting": lambda c: HistGradientBoostingClassifier(max_iter=c.max_iter, learning_rate=c.learning_rate,
                                                             max_leaf_nodes=c.max_leaf_nodes, early_stopping=False,
                                                             random_state=c.seed),
    }[framework](config)


def test_the_baselines_preset_from_the_command_line_matches_scikit_learn_fitted_directly():
    """`nncore moons --preset baselines --json` (in worker processes): every baseline's test accuracy is
    the same estimator's, fitted directly on the same split; the linear model fails, the networks learn."""
    out = subprocess.run([sys.executable, "-m", "nncore", "moons", "--preset", "baselines", "--json"], cwd=ROOT,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    models = {m["framework"]: m for m in json.loads(out.stdout)["models"]}
    assert set(models) == {"numpy", "torch", *BASELINES}
    data_config, lineup = preset("baselines")
    data = load_toy(data_config)
    for spec in lineup:
        if spec.framework in BASELINES:
            clf = direct(spec.framework, spec.config).fit(data.X_train, data.y_train)
            assert models[spec.framework]["test_accuracy"] == clf.score(data.X_test, data.y_test), spec.name
            assert models[spec.framework]["status"] == "ok"
    assert models["logistic"]["test_accuracy"] < 0.90
    assert models["numpy"]["test_accuracy"] >= 0.97 and models["torch"]["test_accuracy"] >= 0.97
    assert models["knn"]["parameters"] is None and models["logistic"]["parameters"] == 3
    assert models["forest"]["epochs"] == 100 and models["logistic"]["epochs"] == 1


@pytest.mark.parametrize("framework", BASELINES)
def test_each_baseline_predicts_what_scikit_learn_predicts(framework, moons):
    config = FAMILIES[framework].config()
    run = Training(ModelSpec("m", config), moons)
    run.run()
    assert run.status == "ok" and run.epoch == FAMILIES[framework].planned(config)
    clf = direct(framework, config).fit(moons.X_train, moons.y_train)
    np.testing.assert_allclose(run.model.predict_proba(moons.X_test), clf.predict_proba(moons.X_test), rtol=1e-12)


@pytest.mark.parametrize("config, grown", [(ForestConfig(n_estimators=20), "n_estimators"),
                                           (BoostingConfig(max_iter=20), "max_iter")])
def test_a_stopped_ensemble_is_the_ensemble_of_its_first_members(config, grown, moons):
    """The boundary grows a tree (a round) per stage; a Stop keeps the model shown, which is exactly
    scikit-learn's model of that many members fitted directly."""
    run = Training(ModelSpec("m", config), moons, Mesh.for_data(moons, 20))
    first = run.advance(1)
    seventh = run.advance(6)
    run.stop()
    assert run.status == "stopped" and run.epoch == 7
    unit = FAMILIES[ModelSpec("m", config).framework].unit
    assert run.history.message == f"stopped at {unit} 7 of 20" and seventh.label == f"{unit} 7 of 20"
    assert not np.array_equal(first.proba, seventh.proba)                 # the boundary moved
    clf = direct(ModelSpec("m", config).framework, config.replace(**{grown: 7})).fit(moons.X_train, moons.y_train)
    np.testing.assert_allclose(run.model.predict_proba(moons.X_test), clf.predict_proba(moons.X_test), rtol=1e-12)
    assert len(run.history.epoch) == 7 and run.history.val_accuracy[-1] == clf.score(moons.X_test, moons.y_test)


def test_the_live_lineup_draws_the_forest_tree_by_tree_and_says_so():
    live = LiveComparison(DataConfig(n_samples=200), [ModelSpec("Forest", ForestConfig(n_estimators=40)),
                                                      ModelSpec("k-NN", KNNConfig())], resolution=20).start()
    labels = []
    while not live.done:
        frame = live.step(live.share + 0.25)
        labels.append(frame.frames[0].label)
    assert labels == ["tree 10 of 40", "tree 20 of 40", "tree 30 of 40", "tree 40 of 40"]
    results = {r.spec.name: r for r in live.results()}
    assert [e for e, _ in results["Forest"].snapshots][:3] == [10, 20, 30]       # "through training"
    assert results["k-NN"].history.epochs_run == 1
    assert results["k-NN"].parameters is None and results["Forest"].parameters > 40


def test_the_budget_names_a_familys_own_stages():
    spec = ModelSpec("Big forest", ForestConfig(n_estimators=500))
    message = over_budget([("Big forest", spec, Estimate(0.0, 100.0))], 30.0)
    assert "lower the trees of “Big forest” (500 → at most 150)" in message
    one_fit = ModelSpec("k-NN", KNNConfig())
    message = over_budget([("k-NN", one_fit, Estimate(0.0, 100.0))], 30.0)
    assert "epochs" not in message and "trees" not in message and "fewer samples" in message


def test_estimates_bound_real_baseline_trainings(moons):
    """Each baseline's estimate comes from its own family; it is above zero and not wildly below the time
    it takes (a budget guard may round up)."""
    mesh = Mesh.for_data(moons, 60)
    for framework in BASELINES:
        run = Training(ModelSpec("m", FAMILIES[framework].config()), moons, mesh)
        estimate = run.estimate()
        run.run()
        assert estimate.seconds > 0 and estimate.flops > 0
        assert run.history.seconds[-1] < 5 * estimate.seconds + 0.5, framework


def test_repeats_over_seeds_include_the_baselines():
    comparison = compare(DataConfig(n_samples=200, repeats=3), [ModelSpec("k-NN", KNNConfig()),
                                                                ModelSpec("Forest", ForestConfig(n_estimators=5))])
    spreads = comparison.summary()["models"]
    assert [len(m["test_accuracies"]) for m in spreads] == [3, 3]
    assert spreads[0]["test_accuracy_std"] == 0.0            # k-NN draws nothing at random: no spread


# --- the lesson's numbers, against real trainings ---------------------------------------------------

def percent(x: float) -> str:
    return f"{100 * x:.1f}".rstrip("0").rstrip(".") + " %"


def test_the_why_lesson_quotes_what_its_steps_really_train():
    """Trained as the page and the command line train them, on one torch thread each (torch's sums
    depend on its thread count): in the workers."""
    lesson = load_lesson("why")
    data_config, lineup = preset("baselines")
    measured = {}
    for step, name in zip(lesson.steps, ("moons", "circles", "spiral")):
        assert step.setup.get("preset") == "baselines" and step.setup.get("dataset", "moons") == name
        results = compare(data_config.replace(name=name), lineup, snapshots=0, workers=2).results
        measured[name] = {r.spec.framework: r for r in results}
        acc = {k: r.test_accuracy for k, r in measured[name].items()}
        quoted = set(re.findall(r"(\d+(?:\.\d)?) %", step.explanation))
        if name == "moons":
            assert step.options[step.answer] == "The logistic regression" and min(acc, key=acc.get) == "logistic"
            assert percent(acc["logistic"]) in step.explanation
            floor = min(v for k, v in acc.items() if k != "logistic")
            assert "at least 99.5 %" in step.explanation and floor >= 0.995
        elif name == "circles":
            assert percent(acc["logistic"]) == "47 %" and measured[name]["logistic"].verdict == "barely learned"
            assert "at least 98 %" in step.explanation and min(v for k, v in acc.items() if k != "logistic") >= 0.98
        else:
            shown = {percent(acc[k]) for k in ("numpy", "torch", "knn", "svm", "forest", "boosting", "logistic")}
            assert {q + " %" for q in quoted} == shown
            best_network = max(acc["numpy"], acc["torch"])
            assert any(acc[k] >= best_network - 0.01 for k in ("knn", "svm", "forest", "boosting"))   # "about as well"
        assert {q + " %" for q in quoted} <= {percent(a) for a in acc.values()} | {"99.5 %", "98 %"}


# --- a family added by one registration -------------------------------------------------------------

@dataclass(frozen=True)
class CentroidConfig(base.ToyConfig):
    """Nearest class mean: each point takes the class whose training mean is closest."""
    sharpness: float = setting(4.0, "float", "Sharpness", "How quickly the probability turns.", range=(0.1, 50.0))


class NearestCentroid(base.Stepping):
    framework = "centroid"

    def __init__(self, config: CentroidConfig, n_features: int, n_classes: int):
        self.config, self.n_classes = config, n_classes
        base.input_width(config, n_features)
        self.means_: np.ndarray | None = None
        self.history_ = History()

    fitted = property(lambda self: self.means_ is not None)
    n_parameters = property(lambda self: 0 if self.means_ is None else self.means_.size)

    def steps(self, X, y, X_val=None, y_val=None, on_epoch=None):
        self.history_ = History()
        Z = base.model_inputs(self.config, X)
        self.means_ = np.stack([Z[y == k].mean(0) for k in range(self.n_classes)])
        yield "batch"
        p, pv = self.predict_proba(X), self.predict_proba(X_val)
        loss = [float(-np.log(q[np.arange(len(t)), t]).mean()) for q, t in ((p, y), (pv, y_val))]
        self.history_.close_epoch(1, True, loss[0], float((p.argmax(1) == y).mean()), loss[1],
                                  float((pv.argmax(1) == y_val).mean()), 0.001, on_epoch)
        yield "epoch"

    def predict_proba(self, X):
        d = ((base.model_inputs(self.config, X)[:, None, :] - self.means_[None]) ** 2).sum(-1)
        e = np.exp(-self.config.sharpness * (d - d.min(1, keepdims=True)))
        return e / e.sum(1, keepdims=True)


CENTROID = base.Family("centroid", "Nearest centroid", CentroidConfig, NearestCentroid,
                       base.Shows(neurons=False, backprop=False, parameters=True, network=False),
                       lambda config, sizes: (10.0 * sizes.n_train, 1e-3), stages=None, unit="fit")


@pytest.fixture
def centroid():
    registry.register(CENTROID)
    st.cache_resource.clear()
    yield CENTROID
    registry.unregister("centroid")
    st.cache_resource.clear()


LINEUP = [{"name": "Centroid", "framework": "centroid", "config": {"sharpness": 2.0}},
          {"name": "Scratch", "framework": "numpy", "config": {"epochs": 5}}]


def test_a_throwaway_family_trains_through_the_command_line(centroid, tmp_path, capsys):
    path = tmp_path / "lineup.json"
    path.write_text(json.dumps(LINEUP))
    assert cli.main(["moons", "--lineup", str(path), "--json", "--workers", "1"]) == 0
    models = json.loads(capsys.readouterr().out)["models"]
    assert models[0]["framework"] == "centroid" and models[0]["status"] == "ok" and models[0]["epochs"] == 1
    assert 0.6 < models[0]["test_accuracy"] < 1.0 and models[0]["parameters"] == 4


def test_a_throwaway_family_trains_on_the_moons_page(centroid):
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    at.query_params["models"] = json.dumps(LINEUP)
    at.query_params["samples"] = "200"
    at.run()
    at.switch_page("app_pages/moons.py").run()
    next(b for b in at.button if b.label.startswith("Train")).click().run()
    assert not at.exception, at.exception
    board = at.dataframe[0].value
    assert set(board["model"]) == {"Centroid", "Scratch"}
    row = board[board["model"] == "Centroid"].iloc[0]
    assert row["framework"] == "centroid" and row["epochs"] == 1 and 0.6 < row["test accuracy"] < 1.0
    at.session_state[session.MOONS_TAB] = "Neurons"
    at.run()
    assert not at.exception and any("not a neural network" in i.value for i in at.info)
