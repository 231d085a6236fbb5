"""Benchmarks against peers measured in the same run, on the same data, with the same threads.

Each row: ``ours``, ``peer``, ``ratio`` (above 1: ours is better; a time ratio is peer/ours,
a rate ratio is ours/peer) and ``unit``. ``quick`` shortens every row to fit in about a minute;
its numbers show the rows work, not the targets.
"""
from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time
import warnings
from pathlib import Path

import torch

from .data.toy import DataConfig
from .models.cnn import CNNConfig
from .models.registry import preset
from .models.scratch import ScratchConfig

ROOT = Path(__file__).resolve().parent.parent
TARGETS = {"scratch_vs_sklearn": 2.0, "cnn_time_to_seed_accuracy": 4.0, "cnn_throughput_vs_matmul": 0.25,
           "cached_rerun_vs_blank_page": 0.1}


def _log(progress: bool, text: str) -> None:
    if progress:
        print(f"[bench] {text}", file=sys.stderr, flush=True)


def machine_info() -> dict:
    flags = []
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("flags"):
                have = set(line.split(":", 1)[1].split())
                flags = sorted(f for f in have if f.startswith(("avx512", "amx", "avx2", "fma")))
                break
        model = next((ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text().splitlines()
                      if ln.startswith("model name")), platform.processor())
    except OSError:
        model = platform.processor()
    return {"cpu": model, "cores": os.cpu_count(), "torch_threads": torch.get_num_threads(),
            "cpu_flags": flags, "torch": torch.__version__, "python": platform.python_version(),
            "cuda": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None}


def _row(name: str, ours: float, peer: float, unit: str, higher_is_better: bool, **extra) -> dict:
    ratio = (ours / peer) if higher_is_better else (peer / ours)
    met = ratio >= TARGETS[name] and extra.get("reached", True)     # a time to an accuracy never reached fails
    return {"name": name, "ours": round(ours, 6), "peer": round(peer, 6), "ratio": round(ratio, 3),
            "unit": unit, "target": TARGETS[name], "met": bool(met), **extra}


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


# --- 2 and 3. the CNN ------------------------------------------------------------------------------

class _PerImageDataset(torch.utils.data.Dataset):
    """torchvision's MNIST item path (PIL image -> transform) over tensors, for the offline subset."""

    def __init__(self, images: torch.Tensor, labels: torch.Tensor, transform):
        self.images, self.labels, self.transform = images, labels, transform

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, i):
        from PIL import Image
        return self.transform(Image.fromarray(self.images[i].numpy(), mode="L")), int(self.labels[i])


def seed_recipe(data, epochs: int, limit: int = 0) -> tuple[float, float]:
    """The seed's MNIST script: DataLoader with ToTensor/Normalize per image, batch 64, Adam, SeedCNN.
    Returns (training seconds, test accuracy)."""
    from torchvision import datasets, transforms

    from .data.images import MEAN, STD
    from .models.cnn import evaluate, new_model
    tf = transforms.Compose([transforms.ToTensor(), transforms.Normalize((MEAN,), (STD,))])
    if data.root is not None:
        cls = datasets.MNIST if data.name == "mnist" else datasets.FashionMNIST
        train = cls(str(data.root), train=True, transform=tf)
    else:
        train = _PerImageDataset(data.train_images, data.train_labels, tf)
    if limit:
        train = torch.utils.data.Subset(train, range(limit))
    loader = torch.utils.data.DataLoader(train, batch_size=64, shuffle=True,
                                         generator=torch.Generator().manual_seed(0))
    model = new_model(0)
    opt = torch.optim.Adam(model.parameters())
    t = time.perf_counter()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        for _ in range(epochs):
            model.train()
            for x, y in loader:
                opt.zero_grad()
                loss = torch.nn.functional.nll_loss(model(x), y)
                loss.backward()
                opt.step()
    seconds = time.perf_counter() - t
    return seconds, evaluate(model, data.test_images, data.test_labels)[1]


def matmul_rate(dtype: torch.dtype, n: int = 2048, reps: int = 5) -> float:
    """FLOP/s of an n x n x n matrix product in ``dtype`` (best of ``reps``)."""
    a, b = torch.randn(n, n).to(dtype), torch.randn(n, n).to(dtype)
    torch.matmul(a, b)
    best = float("inf")
    for _ in range(reps):
        t = time.perf_counter()
        torch.matmul(a, b)
        best = min(best, time.perf_counter() - t)
    return 2 * n ** 3 / best


def bench_cnn(quick: bool, progress: bool = False) -> list[dict]:
    from .data.images import load_images
    from .models.cnn import bf16_supported, flops_per_image, train_cnn
    data = load_images("fashion-mnist", download=False)
    limit = 6000 if quick else 0
    peer_epochs = 2 if quick else 10
    _log(progress, f"seed recipe: {peer_epochs} epochs on {limit or data.n_train} images ({data.source})")
    peer_s, peer_acc = seed_recipe(data, peer_epochs, limit)
    _log(progress, f"seed recipe: {peer_s:.1f} s, test accuracy {peer_acc:.4f}")
    # Ours: the fast recipe over as many epochs as the seed, stopped once it reaches the seed's accuracy.
    cfg = CNNConfig(dataset="fashion-mnist", recipe="fast", epochs=peer_epochs, limit_train=limit)

    def on_epoch(h):
        _log(progress, f"ours: epoch {h.epoch[-1]} at {h.seconds[-1]:.1f} s, test accuracy {h.val_accuracy[-1]:.4f}")
        return h.val_accuracy[-1] >= peer_acc

    result = train_cnn(data, cfg, on_epoch=on_epoch)
    h = result.history
    reached = next((s for s, a in zip(h.seconds, h.val_accuracy) if a >= peer_acc), None)
    ours_s = reached if reached is not None else h.seconds[-1]
    rows = [_row("cnn_time_to_seed_accuracy", ours_s, peer_s, "seconds", False,
                 seed_accuracy=round(peer_acc, 4), ours_accuracy=round(max(h.val_accuracy), 4),
                 reached=reached is not None,
                 detail=f"Fashion-MNIST {result.n_train} train images; seed: {peer_epochs} epochs, batch 64, "
                        f"per-image transforms; ours: {cfg.recipe} recipe, batch {cfg.effective_batch_size}, "
                        f"one-cycle, preloaded tensors")]
    bf16 = bf16_supported(torch.device("cpu"))
    dtype = torch.bfloat16 if bf16 else torch.float32
    train_flops = 3 * flops_per_image() * result.images_per_second        # forward + backward ~ 3x forward
    peak = matmul_rate(dtype, 1024 if quick else 2048)
    rows.append(_row("cnn_throughput_vs_matmul", train_flops / 1e9, peak / 1e9, "GFLOP/s", True,
                     precision=str(dtype).replace("torch.", ""),
                     detail=f"{result.images_per_second:,.0f} training images/s x {3 * flops_per_image():,} FLOP"))
    return rows



# --- 4. Streamlit reruns -----------------------------------------------------------------------------



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
               detail=f"median of {n} AppTest reruns; moons page with 3 trained models on screen")
    return row, m["peak_rss_mb"]


# --- extras -------------------------------------------------------------------------------------------

def extras(peak_rss_mb: float) -> dict:
    from .figures.toy import boundaries_figure
    from .training.comparison import compare
    data_cfg, lineup = preset("default")
    t = time.perf_counter()
    result = compare(data_cfg, lineup)
    wall = time.perf_counter() - t
    per_epoch = {r.spec.framework: r.train_seconds / r.history.epochs_run for r in result.results}
    first = result.results[0]
    fig = boundaries_figure(result.mesh.xs, result.mesh.ys, result.data, [(first.spec.name, first.boundary)])
    return {"default_lineup_seconds": round(wall, 3),
            "default_lineup_train_seconds": {r.spec.name: round(r.train_seconds, 3) for r in result.results},
            "torch_mlp_ms_per_epoch": round(per_epoch["torch"] * 1000, 3),
            "scratch_ms_per_epoch": round(per_epoch["numpy"] * 1000, 3),
            "torch_over_scratch_per_epoch": round(per_epoch["torch"] / per_epoch["numpy"], 2),
            "dashboard_peak_rss_mb": round(peak_rss_mb, 1),
            "boundary_figure_bytes": len(fig.to_json())}


def run_benchmarks(quick: bool = False, progress: bool = True) -> dict:
    rows = [bench_scratch_vs_sklearn(quick, progress)]
    rows += bench_cnn(quick, progress)
    rerun_row, peak = bench_rerun(quick, progress)
    rows.append(rerun_row)
    return {"quick": quick, "benchmarks": rows, "extra": extras(peak), "machine": machine_info()}

