"""The quick benchmark run: every row present and sane (not the timings)."""
import json
import subprocess
import sys

import pytest

from nncore.data.images import SYSTEM_FASHION_DIR
from tests.conftest import ROOT


@pytest.mark.skipif(not SYSTEM_FASHION_DIR.is_dir(), reason="needs Debian's dataset-fashion-mnist")
def test_quick_bench_prints_every_row():
    out = subprocess.run([sys.executable, "-m", "nncore", "bench", "--quick", "--json", "--quiet"], cwd=ROOT,
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    result = json.loads(out.stdout)
    rows = {r["name"]: r for r in result["benchmarks"]}
    assert set(rows) == {"scratch_vs_sklearn", "cnn_time_to_seed_accuracy", "cnn_throughput_vs_matmul",
                         "cached_rerun_vs_blank_page"}
    for r in rows.values():
        assert r["ours"] > 0 and r["peer"] > 0 and r["ratio"] > 0 and r["unit"]
        higher = r["unit"] in ("epochs/s", "GFLOP/s")
        assert r["ratio"] == pytest.approx(r["ours"] / r["peer"] if higher else r["peer"] / r["ours"], rel=1e-2)
    extra = result["extra"]
    assert extra["default_lineup_seconds"] > 0 and extra["boundary_figure_bytes"] > 1000
    assert extra["dashboard_peak_rss_mb"] > 100
    assert result["machine"]["cores"] >= 1 and result["machine"]["torch_threads"] >= 1
