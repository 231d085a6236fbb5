"""The moons page's record of a live lineup (``nncore.records.moons``): what its counters say."""
from __future__ import annotations

from nncore.data.toy import DataConfig
from nncore.figures.raster import BoundaryPainter
from nncore.lineup.live import LiveComparison
from nncore.models.registry import FAMILIES, ModelSpec
from nncore.records.moons import _counters, live_view


def test_a_model_fitted_at_once_reads_fitted_and_one_in_stages_counts_them():
    assert _counters(["Logistic", "Forest"], [(1, 1, "ok", "fit"), (12, 100, "running", "tree")]) == \
        "Logistic: fitted · Forest: tree 12 of 100"
    assert _counters(["k-NN"], [(0, 1, "running", "fit")]) == "k-NN: not fitted yet"


def test_a_finished_lineup_of_baselines_never_says_fit_1_of_1():
    lineup = (ModelSpec("Logistic", FAMILIES["logistic"].config()), ModelSpec("k-NN", FAMILIES["knn"].config()))
    live = LiveComparison(DataConfig(n_samples=200), lineup)
    while not live.done:
        live.advance_for(0.5)
    view = live_view(live, BoundaryPainter(live.mesh, live.data))
    assert view.counters == "Logistic: fitted · k-NN: fitted", view.counters
    assert "of 1" not in view.counters
