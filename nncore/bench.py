"""Benchmarks against peers measured in the same run, on the same data, with the same threads.

Each row: ``ours``, ``peer``, ``ratio`` (above 1: ours is better; a time ratio is peer/ours,
a rate ratio is ours/peer) and ``unit``. ``quick`` shortens every row to fit in about a minute;
its numbers show the rows work, not the targets.
"""
from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path

import torch

from .data.toy import DataConfig
from .models.registry import preset
from .models.scratch import ScratchConfig

ROOT = Path(__file__).resolve().parent.parent
LIVE_FRAME_MS = 60.0
# A row's target ratio; the CNN's time target depends on the precision this machine's CPU trains in.
TARGETS = {"scratch_vs_sklearn": 3.0, "cnn_time_to_seed_accuracy": {"bfloat16-native": 6.0, "float32": 4.0},
           "cnn_throughput_vs_matmul": 0.5, "cached_rerun_vs_blank_page": 0.2, "live_frame_ms": 250.0 / LIVE_FRAME_MS,
           "default_lineup_seconds": 1.6, "click_to_finished_seconds": 1.0}


def _log(progress: bool, text: str) -> None:
    if progress:
        print(f"[bench] {text}", file=sys.stderr, flush=True)


def machine_info() -> dict:
    from .bench_cnn import precision
    from .env import FORCE_FP32, cpu_flags
    flags = sorted(f for f in cpu_flags() if f.startswith(("avx512", "amx", "avx2", "fma")))
    try:
        model = next((ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text().splitlines()
                      if ln.startswith("model name")), platform.processor())
    except OSError:
        model = platform.processor()
    return {"cpu": model, "cores": os.cpu_count(), "torch_threads": torch.get_num_threads(),
            "cpu_flags": flags, "avx512_bf16": "avx512_bf16" in flags, "amx_bf16": "amx_bf16" in flags,
            "cnn_precision": precision(), "force_fp32": FORCE_FP32, "load_average": _load(),
            "torch": torch.__version__, "python": platform.python_version(),
            "cuda": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None}


def _load() -> list[float] | None:
    """The 1, 5 and 15-minute load averages (others' work on a shared machine skews every timing)."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def _row(name: str, ours: float, peer: float, unit: str, higher_is_better: bool, **extra) -> dict:
    ratio = (ours / peer) if higher_is_better else (peer / ours)
    target = TARGETS[name][extra["kind"]] if isinstance(TARGETS[name], dict) else TARGETS[name]
    met = ratio >= target and extra.get("reached", True)     # a time to an accuracy never reached fails
    return {"name": name, "ours": round(ours, 6), "peer": round(peer, 6), "ratio": float(f"{ratio:.4g}"),
            "unit": unit, "target": round(target, 3), "met": bool(met), **extra}


# --- 1. the scratch network against scikit-learn --------------------------------------------------

def bench_scratch_vs_sklearn(quick: bool, progress: bool = False) -> dict:
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    from .data.toy import load_toy
    from .models.scratch import ScratchNetwork
    data = load_toy(DataConfig())
    epochs = 40 if quick else 200
    cfg = ScratchConfig(epochs=epochs)                  # (16, 16) tanh, batch 32, lr 0.1, momentum 0.9

    def ours() -> float:
        net = ScratchNetwork(cfg, 2, 2)
        t = time.perf_counter()
        net.fit(data.X_train, data.y_train)
        return epochs / (time.perf_counter() - t)

    def peer() -> float:
        clf = MLPClassifier(hidden_layer_sizes=cfg.hidden, activation="tanh", solver="sgd",
                            learning_rate_init=cfg.learning_rate, momentum=cfg.momentum,
                            nesterovs_momentum=False, batch_size=cfg.batch_size, alpha=0.0,
                            max_iter=epochs, tol=0.0, n_iter_no_change=epochs + 1, random_state=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            t = time.perf_counter()
            clf.fit(data.X_train, data.y_train)
            dt = time.perf_counter() - t
        assert clf.n_iter_ == epochs, clf.n_iter_
        return epochs / dt

    o, p = [], []
    for _ in range(2 if quick else 5):                 # interleaved, best of several
        o.append(ours())
        p.append(peer())
    _log(progress, f"scratch {max(o):.0f} epochs/s, sklearn {max(p):.0f} epochs/s")
    return _row("scratch_vs_sklearn", max(o), max(p), "epochs/s", True,
                detail="moons 800 train points, layers (16, 16) tanh, SGD momentum 0.9, batch 32")


# --- 2. the default lineup, its models trained at once -------------------------------------------

def bench_lineup(quick: bool, progress: bool = False) -> tuple[dict, object]:
    """The default lineup's wall time (``compare``: training, boundaries, snapshots) with its models
    trained at once in the warm worker pool (ours) against one after another here (peer), both on one
    torch thread (the command line's; the faster for small MLPs), interleaved, best of several. An
    untimed run of each first: workers and this process pay their first training's set-ups there.
    Also returns the last sequential comparison (the extras read it: no lineup trains again for them)."""
    from .lineup import parallel
    from .lineup.comparison import compare
    from .models.registry import ModelSpec
    data_cfg, lineup = preset("default")
    if quick:                                           # a third of the epochs: the row works, not its target
        lineup = tuple(ModelSpec(s.name, s.config.replace(epochs=s.config.epochs // 3)) for s in lineup)
    threads = torch.get_num_threads()
    parallel.one_torch_thread()
    try:
        workers = parallel.worker_count(None, len(lineup))
        if workers > 1:
            parallel.warm(workers)
        runs = {n: compare(data_cfg, lineup, workers=n) for n in (1, workers)}
        ours, peer = [], []
        for _ in range(2 if quick else 5):
            for n, times in ((1, peer), (workers, ours)):
                t = time.perf_counter()
                runs[n] = compare(data_cfg, lineup, workers=n)
                times.append(time.perf_counter() - t)
    finally:
        torch.set_num_threads(threads)
        parallel.shutdown()                            # (its workers would sit through the other rows)
    same = _numbers(runs[1]) == _numbers(runs[workers])
    _log(progress, f"default lineup: {min(ours):.3f} s on {workers} workers, {min(peer):.3f} s in sequence "
                   f"(medians {statistics.median(ours):.3f} s, {statistics.median(peer):.3f} s); same numbers: {same}")
    return _row("default_lineup_seconds", min(ours), min(peer), "s", False, workers=workers, identical=same,
                median_ours=round(statistics.median(ours), 4), median_peer=round(statistics.median(peer), 4),
                detail=f"compare() of the default lineup ({', '.join(s.name for s in lineup)}), {workers} worker "
                       "processes against one after another; best of interleaved runs, one torch thread"), runs[1]


def _numbers(result) -> list:
    """What a comparison computed, times left out: whether two runs got the same results."""
    return [(r.history.train_loss, r.history.val_loss, r.test_accuracy, r.status, r.boundary.tobytes()
             if r.boundary is not None else None) for r in result.results]


# --- 3 and 4. the CNN (bench_cnn) ---------------------------------------------------------------

def bench_cnn(quick: bool, progress: bool = False) -> list[dict]:
    from .bench_cnn import bench_cnn as run
    return run(quick, _row, lambda text: _log(progress, text))


# --- 5. one live frame of the moons page -------------------------------------------------------------

FRAME_PERIOD_MS = 250.0       # the live page draws a frame every quarter second


def bench_live_frame(quick: bool, progress: bool = False) -> dict:
    """The server's cost of one live frame of the default lineup: the view (boundary pictures, curves,
    leaderboard rows), the curves' JSON and the leaderboard's DataFrame; frames from advance_for(0.2)."""
    import pandas as pd
    import plotly.io as pio

    from .figures.raster import BoundaryPainter
    from .lineup.live import LiveComparison
    from .models.registry import PRESETS
    from .records.moons import live_view
    live = LiveComparison(*PRESETS["default"])
    painter = BoundaryPainter(live.mesh, live.data)
    times = []
    while not live.done and not (quick and len(times) >= 8):
        frame = live.advance_for(0.2)
        t = time.perf_counter()
        view = live_view(live, painter, frame)
        pio.to_json(view.curves.to_dict(), validate=False)
        pd.DataFrame(view.board)
        times.append(time.perf_counter() - t)
    live.cancel()
    ms = sorted(1000 * x for x in times)
    median = statistics.median(ms)
    _log(progress, f"live frame: median {median:.1f} ms over {len(ms)} frames (max {ms[-1]:.1f} ms)")
    return _row("live_frame_ms", median, FRAME_PERIOD_MS, "ms per frame", False, target_ms=LIVE_FRAME_MS,
                frames=len(ms), max_ms=round(ms[-1], 2),
                detail=f"median over the default lineup's frames; ratio = the {FRAME_PERIOD_MS:g} ms frame period "
                       f"/ ours (target {LIVE_FRAME_MS:g} ms or less: ratio {FRAME_PERIOD_MS / LIVE_FRAME_MS:.2f})")


# --- 6. Streamlit reruns -----------------------------------------------------------------------------


def bench_rerun(quick: bool, progress: bool = False) -> tuple[dict, float]:
    """Both pages through AppTest in a fresh process (which also gives the dashboard's peak memory)."""
    n = 10 if quick else 40
    out = subprocess.run([sys.executable, str(ROOT / "tools" / "rerun_probe.py"), str(ROOT / "dashboard.py"), str(n)],
                         cwd=ROOT, capture_output=True, text=True, timeout=600)
    if out.returncode != 0:
        raise RuntimeError(f"rerun benchmark failed: {out.stderr[-2000:]}")
    m = json.loads(out.stdout.strip().splitlines()[-1])
    _log(progress, f"rerun: blank {m['blank'] * 1000:.1f} ms, moons {m['moons'] * 1000:.1f} ms")
    row = _row("cached_rerun_vs_blank_page", m["moons"] * 1000, m["blank"] * 1000, "ms per rerun", False,
               detail=f"median of {n} AppTest reruns of each page, taking turns, each page compiled once (as "
                      "a server does); moons page with 3 trained models on screen")
    return row, m["peak_rss_mb"]


# --- 7. the finished page in a browser (bench_browser) ---------------------------------------------------

def bench_browser(quick: bool, progress: bool = False) -> dict:
    from .bench_browser import bench_browser as run
    return run(quick, _row, lambda text: _log(progress, text))


# --- extras -------------------------------------------------------------------------------------------

def extras(result, peak_rss_mb: float) -> dict:
    """Per-model times of the lineup row's sequential run (one torch thread), memory, figure size."""
    from .figures.toy import boundaries_figure
    per_epoch = {r.spec.framework: r.train_seconds / r.history.epochs_run for r in result.results}
    first = result.results[0]
    fig = boundaries_figure(result.mesh.xs, result.mesh.ys, result.data, [(first.spec.name, first.boundary)])
    return {"default_lineup_train_seconds": {r.spec.name: round(r.train_seconds, 3) for r in result.results},
            "torch_mlp_ms_per_epoch": round(per_epoch["torch"] * 1000, 3),
            "scratch_ms_per_epoch": round(per_epoch["numpy"] * 1000, 3),
            "torch_over_scratch_per_epoch": round(per_epoch["torch"] / per_epoch["numpy"], 2),
            "dashboard_peak_rss_mb": round(peak_rss_mb, 1),
            "boundary_figure_bytes": len(fig.to_json())}


def run_benchmarks(quick: bool = False, progress: bool = True) -> dict:
    load_before = _load()
    rows = [bench_scratch_vs_sklearn(quick, progress)]
    lineup_row, lineup_result = bench_lineup(quick, progress)
    rows += [lineup_row, *bench_cnn(quick, progress)]
    rows.append(bench_live_frame(quick, progress))
    rerun_row, peak = bench_rerun(quick, progress)
    rows.append(rerun_row)
    rows.append(bench_browser(quick, progress))
    machine = machine_info()
    machine["load_average_at_start"] = load_before
    return {"quick": quick, "benchmarks": rows, "extra": extras(lineup_result, peak), "machine": machine}

