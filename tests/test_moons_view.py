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


def test_the_finished_board_shows_what_fits_1024_px_and_keeps_every_column_for_the_csv():
    import pyarrow as pa

    from app_pages.moons_board import BOARD_COLUMNS, ON_SCREEN, shown
    from nncore.engine.results import board_row
    table = pa.Table.from_pylist([board_row("Logistic", "logistic", 0.9, 0.3, 0.3, 1, 0.01, 3, "ok")])
    assert shown(table) == list(ON_SCREEN) and {"train loss", "epochs"} <= set(table.column_names)
    widths = [BOARD_COLUMNS[c].get("width") for c in ON_SCREEN]
    assert all(isinstance(w, int) for w in widths) and sum(widths) <= 530, widths


def test_the_models_summary_says_what_a_zero_means():
    from app_pages.widgets import settings_text
    forest, svm, torch = (FAMILIES[f].config() for f in ("forest", "svm", "torch"))
    assert "Tree depth **no limit**" in settings_text(forest, names=("max_depth",))
    assert "Kernel width γ **auto**" in settings_text(svm, names=("gamma",))
    assert "Batch size **full batch**" in settings_text(torch, names=("batch_size",))
    assert "Tree depth **3**" in settings_text(forest.replace(max_depth=3), names=("max_depth",))
