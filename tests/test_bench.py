"""The quick benchmark run: every row present and sane (not the timings)."""
import json
import subprocess
import sys

import pytest

from nncore.data.images import SYSTEM_FASHION_DIR
from tests.conftest import ROOT

pytestmark = pytest.mark.slow        # the quick benchmark still trains the CNN: minutes


@pytest.mark.skipif(not SYSTEM_FASHION_DIR.is_dir(), reason="needs Debian's dataset-fashion-mnist")
def test_quick_bench_prints_every_row():
    out = subprocess.run([sys.executable, "-m", "nncore", "bench", "--quick", "--json", "--quiet"], cwd=ROOT,
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    result = json.loads(out.stdout)
    rows = {r["name"]: r for r in result["benchmarks"]}
    assert set(rows) == {"scratch_vs_sklearn", "default_lineup_seconds", "cnn_time_to_seed_accuracy",
                         "cnn_throughput_vs_matmul", "live_frame_ms", "cached_rerun_vs_blank_page",
                         "click_to_finished_seconds"}
    for r in rows.values():
        assert r["ours"] > 0 and r["peer"] > 0 and r["ratio"] > 0 and r["unit"]
        higher = r["unit"] in ("epochs/s", "GFLOP/s")
        assert r["ratio"] == pytest.approx(r["ours"] / r["peer"] if higher else r["peer"] / r["ours"], rel=1e-2)
    machine = result["machine"]
    assert machine["cnn_precision"] in ("bfloat16", "float32") and isinstance(machine["cpu_flags"], list)
    for name in ("cnn_time_to_seed_accuracy", "cnn_throughput_vs_matmul"):      # the precision it trained in
        assert rows[name]["precision"] == machine["cnn_precision"]
    kind = rows["cnn_time_to_seed_accuracy"]["kind"]
    assert rows["cnn_time_to_seed_accuracy"]["target"] == {"bfloat16-native": 6.0, "float32": 4.0}[kind]
    assert rows["cnn_throughput_vs_matmul"]["target"] == 0.5
    live = rows["live_frame_ms"]
    assert live["peer"] == 250.0 and live["target_ms"] == 60.0 and live["frames"] >= 1
    assert 0 < live["ours"] < 5000                                            # milliseconds, not seconds
    lineup = rows["default_lineup_seconds"]                  # parallel (ours) against one after another (peer)
    assert lineup["unit"] == "s" and lineup["target"] == 1.6 and lineup["workers"] >= 1
    assert lineup["identical"] is True and 0 < lineup["ours"] < 60 and 0 < lineup["peer"] < 60
    browser = rows["click_to_finished_seconds"]            # seconds in Chromium, against the 3 s aim
    assert browser["peer"] == 3.0 and browser["target"] == 1.0
    if "skipped" not in browser:
        assert len(browser["runs"]) == 2 and all(0 < r["first"] <= r["finished"] < 120 for r in browser["runs"])
        assert 0 <= browser["runs_within_aims"] <= 2
    extra = result["extra"]
    assert "default_lineup_seconds" not in extra and extra["boundary_figure_bytes"] > 1000
    assert set(extra["default_lineup_train_seconds"]) == {"Scratch NumPy", "PyTorch MLP", "scikit-learn MLP"}
    assert extra["dashboard_peak_rss_mb"] > 100
    assert result["machine"]["cores"] >= 1 and result["machine"]["torch_threads"] >= 1
