"""Repeats over seeds: K runs per model through the same engine, cache and budget, and their statistics."""
from __future__ import annotations

import json

import numpy as np
import pytest
from scipy import stats

from nncore.cli import main
from nncore.core.settings import SEED_MAX
from nncore.data.toy import DataConfig
from nncore.figures.raster import BoundaryPainter
from nncore.figures.spread import band_curves_figure, spread_figure
from nncore.lineup.comparison import compare
from nncore.lineup.live import LiveComparison
from nncore.lineup.repeats import Spread, band, expand, repeat_seeds, significance, spread, spread_board
from nncore.models.registry import ModelSpec
from nncore.models.scratch import ScratchConfig
from nncore.models.sklearn_mlp import SklearnConfig
from nncore.models.torch_mlp import TorchMLPConfig
from nncore.records.moons import live_view
from nncore.serving.shared import SharedResults

DATA = DataConfig(n_samples=200, noise=0.2)
LINEUP = (ModelSpec("narrow", ScratchConfig(hidden=(3,), epochs=30, seed=4)),
          ModelSpec("torch", TorchMLPConfig(hidden=(8,), epochs=20, seed=1)),
          ModelSpec("sklearn", SklearnConfig(hidden=(8,), epochs=10, seed=2)))


def test_seeds_start_with_the_models_own_and_are_stable():
    seeds = repeat_seeds(7, 10)
    assert seeds[0] == 7 and len(set(seeds)) == 10 and all(0 <= s <= SEED_MAX for s in seeds)
    assert repeat_seeds(7, 4) == seeds[:4] and repeat_seeds(8, 4) != seeds[:4]
    specs = expand(LINEUP, 3)
    assert specs[:3] == LINEUP                                  # the lineup itself first
    assert [s.config.seed for s in specs[0::3]] == repeat_seeds(4, 3)
    assert all(s.config.replace(seed=0) == LINEUP[i % 3].config.replace(seed=0) for i, s in enumerate(specs))


def test_five_repeats_are_five_separate_runs_with_the_listed_seeds():
    result = compare(DATA.replace(repeats=5), LINEUP, snapshots=0)
    summary = result.summary()["models"]
    for spec, model in zip(LINEUP, summary):
        assert len(model["test_accuracies"]) == 5 and model["seeds"] == repeat_seeds(spec.config.seed, 5)
        alone = [compare(DATA, (ModelSpec(spec.name, spec.config.replace(seed=s)),), snapshots=0)
                 .results[0].test_accuracy for s in model["seeds"]]
        assert model["test_accuracies"] == alone
        assert model["test_accuracy_mean"] == pytest.approx(np.mean(alone))
        assert model["test_accuracy_std"] == pytest.approx(np.std(alone, ddof=1))


def test_live_repeats_match_compare_and_the_budget_counts_every_run():
    data = DATA.replace(repeats=3)
    live = LiveComparison(data, LINEUP, shared=SharedResults())
    one = LiveComparison(DATA, LINEUP, shared=SharedResults())
    assert len(live.estimates()) == 9
    assert live.estimate().seconds > 2.5 * one.estimate().seconds       # all three runs of each are counted
    live.start()
    while not live.done:
        live.advance_for(0.05)
    groups = live.results(runs=True)
    expected = compare(data, LINEUP, snapshots=0).groups
    assert [[r.test_accuracy for r in g] for g in groups] == [[r.test_accuracy for r in g] for g in expected]
    assert [r.spec for r in live.results()] == list(LINEUP)              # the per-model views: repeat 0
    assert all(len(f.frames) == 3 for f in live.history)                  # frames only of the lineup's own runs
    view = live_view(live, BoundaryPainter(live.mesh, live.data))
    assert {row["runs"] for row in view.board} == {3} and view.spread is not None and view.note
    assert len(view.curves.to_dict()["data"]) == 3 * 6                  # band + two means, two panels, per model


def test_a_second_session_takes_every_repeat_from_the_shared_results():
    shared = SharedResults()
    first = LiveComparison(DATA.replace(repeats=2), LINEUP[:1], shared=shared, owner="a").start()
    while not first.done:
        first.advance_for(0.05)
    again = LiveComparison(DATA.replace(repeats=3), LINEUP[:1], shared=shared, owner="b")
    assert [e is None for e in again.estimates()] == [True, True, False]  # only the third run costs anything
    again.start()
    assert again.to_train == 1


def test_spread_statistics_match_scipy():
    accs = (0.8, 0.85, 0.9, 0.82, 0.88)
    s = Spread("m", "numpy", tuple(range(5)), accs)
    assert s.mean == pytest.approx(np.mean(accs)) and s.std == pytest.approx(np.std(accs, ddof=1))
    lo, hi = stats.t.interval(0.95, 4, loc=np.mean(accs), scale=stats.sem(accs))
    assert s.ci95 == pytest.approx((lo, hi))
    with_diverged = Spread("m", "numpy", (1, 2, 3), (0.9, None, 0.8))
    assert with_diverged.runs == 2 and with_diverged.diverged == 1 and with_diverged.mean == pytest.approx(0.85)
    assert Spread("m", "numpy", (1,), (0.9,)).ci95 is None


def test_significance_in_plain_words():
    good = Spread("good", "torch", tuple(range(6)), (0.97, 0.98, 0.97, 0.99, 0.98, 0.97))
    bad = Spread("bad", "numpy", tuple(range(6)), (0.80, 0.83, 0.79, 0.82, 0.81, 0.80))
    twin = Spread("twin", "numpy", tuple(range(6)), (0.96, 0.99, 0.98, 0.97, 0.99, 0.96))
    assert "really better" in significance([bad, good]) and "good" in significance([bad, good]).split("is")[0]
    p = stats.ttest_ind(good.accuracies, twin.accuracies, equal_var=False).pvalue
    assert p > 0.05 and "do not differ significantly" in significance([good, twin, bad])
    assert significance([good]) is None
    rows = spread_board([bad, good])
    assert rows[0]["model"] == "good" and rows[0]["runs"] == 6 and rows[0]["95% CI low"] < rows[0]["mean test accuracy"]


def test_band_is_the_mean_and_std_over_runs():
    results = compare(DATA.replace(repeats=3), LINEUP[:1], snapshots=0).results
    histories = [r.history for r in results]
    epochs, mean, std = band(histories, "val_accuracy")
    grid = np.array([h.val_accuracy for h in histories])
    assert np.allclose(mean, grid.mean(axis=0)) and np.allclose(std, grid.std(axis=0, ddof=1)) and len(epochs) == 30
    fig = band_curves_figure([("narrow", histories)]).to_dict()
    assert fig["data"][3]["fill"] == "toself" and fig["data"][0]["fill"] == "toself"   # a band in each panel
    box = spread_figure([Spread("narrow", "numpy", (1, 2), (0.9, 0.8))])
    assert list(box.data[0].y) == [0.9, 0.8] and list(box.data[0].text) == ["seed 1", "seed 2"]


def test_command_line_repeats(capsys):
    assert main(["moons", "--repeats", "3", "--epochs", "5", "--json", "--quiet"]) == 0
    out = json.loads(capsys.readouterr().out)
    for model in out["models"]:
        assert len(model["test_accuracies"]) == len(model["seeds"]) == 3
        assert model["test_accuracy_mean"] == pytest.approx(np.mean(model["test_accuracies"]))
        assert model["test_accuracy_std"] == pytest.approx(np.std(model["test_accuracies"], ddof=1))
    assert main(["moons", "--repeats", "11", "--quiet"]) == 2
    assert "repeats must be between 1 and 10" in capsys.readouterr().err


def test_identical_runs_have_no_spread_and_names_stay_literal():
    same = Spread("a*b", "numpy", (1, 2, 3), (0.1, 0.1, 0.1))           # std is 1.7e-17 in floats
    assert same.constant and same.ci95 == (same.mean, same.mean)
    note = significance([same, Spread("c", "numpy", (1, 2, 3), (0.1, 0.1, 0.1))])
    assert note.startswith("a\\*b and c scored exactly the same")
    ahead = significance([same, Spread("c", "numpy", (1, 2, 3), (0.05, 0.05, 0.05))])
    assert "in every one of their runs" in ahead


def test_stopped_repeats_are_counted_not_measured_and_repeats_keep_no_neuron_maps():
    live = LiveComparison(DATA.replace(repeats=3), LINEUP, shared=SharedResults()).start()
    live.step(0.1)
    live.cancel()
    groups = live.results(runs=True)
    s = [spread(g) for g in groups]
    assert all(x.runs == 0 and x.stopped == 3 for x in s) and significance(s) is None
    done = LiveComparison(DATA.replace(repeats=2), LINEUP[:1], shared=SharedResults()).start()
    while not done.done:
        done.advance_for(0.05)
    first, repeat = done.results(runs=True)[0]
    assert first.hidden and first.snapshots and not repeat.hidden and not repeat.snapshots
    assert done.keys[1] != LiveComparison(DATA, (ModelSpec("x", repeat.spec.config),)).keys[0]


def test_a_run_stopped_before_its_first_step_has_a_result():
    live = LiveComparison(DATA, LINEUP, shared=SharedResults()).start()
    live.cancel()                                                         # scikit-learn has no weights yet
    results = live.results()
    assert [r.status for r in results] == ["stopped"] * 3 and results[2].test_accuracy is None


def test_the_pictures_titles_keep_their_form_from_the_first_frame_to_the_end():
    """While training, a title reads as the finished one will (the accuracy so far, 'diverged', which run),
    so the pictures do not jump when training ends; the epochs are in the progress line."""
    boom = ModelSpec("Boom", TorchMLPConfig(hidden=(16,), optimizer="sgd", learning_rate=10.0, momentum=0.99,
                                            epochs=300))
    live = LiveComparison(DATA.replace(repeats=2), (boom, LINEUP[0])).start()
    painter, seen = BoundaryPainter(live.mesh, live.data), []
    while not live.done:
        seen.append([title for title, _ in live_view(live, painter, live.advance_for(0.02)).pictures])
    final = [title for title, _ in live_view(live, painter).pictures]
    assert final[0] == "Boom — diverged · run 1 of 2" and seen[-1][0] == final[0]
    assert all(title.endswith(" · run 1 of 2") and "epoch" not in title for titles in seen for title in titles)
    assert seen[-1][1] == final[1] and final[1].startswith("narrow — ") and final[1].endswith("% · run 1 of 2")
