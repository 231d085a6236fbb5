"""The CNN rows of ``python -m nncore bench``: time to the seed's accuracy, and throughput against a
matrix product in the training's own precision.

Time to accuracy is wall-clock time from the call that starts our recipe to the end of the epoch
(its test-set evaluation included) whose accuracy on all 10,000 test images reaches the seed's
10-epoch accuracy: model set-up, normalising the images, every evaluation and the first bf16 call's
kernel set-up all count. The seed's time is its training loop alone (its one evaluation is left out).

Throughput is training images per second (batches only) x 3 x the forward FLOPs, against the faster of two
matrix products in the same precision, one just before our training and one just after: the machine's
speed drifts from minute to minute, and the peer should be the processor's rate, not a slow minute's.
The FLOPs are the model's own (as model-FLOPs utilisation counts them), not the arithmetic done: the fused
kernels' conv2 backward skips the positions a max pool passes no gradient to, so the ratio can pass 1.
"""
from __future__ import annotations

import time

import torch

from .models import cnn_fused
from .models.cnn import CNNConfig

FAST_EPOCHS = 3          # our recipe's one-cycle length in the full run (the page's default); the time is
                         # taken at the first epoch whose accuracy passes the seed's


def precision() -> str:
    """The precision the fast recipe trains in on this machine's CPU."""
    from .models.cnn import bf16_supported
    return "bfloat16" if bf16_supported(torch.device("cpu")) else "float32"


class _PerImageDataset(torch.utils.data.Dataset):
    """torchvision's MNIST item path (PIL image -> transform) over tensors, for the offline subset."""

    def __init__(self, images: torch.Tensor, labels: torch.Tensor, transform):
        self.images, self.labels, self.transform = images, labels, transform

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, i):
        from PIL import Image
        return self.transform(Image.fromarray(self.images[i].numpy(), mode="L")), int(self.labels[i])


def seed_recipe(data, epochs: int, limit: int = 0, log=None) -> tuple[float, float]:
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
        for epoch in range(epochs):
            model.train()
            for x, y in loader:
                opt.zero_grad()
                loss = torch.nn.functional.nll_loss(model(x), y)
                loss.backward()
                opt.step()
            if log is not None:
                log(f"seed recipe: epoch {epoch + 1} of {epochs} at {time.perf_counter() - t:.1f} s")
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


def bench_cnn(quick: bool, row, log) -> list[dict]:
    """Both CNN rows. ``row`` builds a row (bench._row), ``log`` prints progress."""
    from .data.images import load_images
    from .engine.cnn import train_cnn
    from .models.cnn import FAST_BETAS, FAST_DROPOUT, FAST_LABEL_SMOOTHING, FAST_WARMUP, flops_per_image
    data = load_images("fashion-mnist", download=False)
    limit = 6000 if quick else 0
    peer_epochs = 2 if quick else 10
    prec = precision()
    log(f"seed recipe: {peer_epochs} epochs on {limit or data.n_train} images ({data.source})")
    peer_s, peer_acc = seed_recipe(data, peer_epochs, limit, log)
    log(f"seed recipe: {peer_s:.1f} s, test accuracy {peer_acc:.4f}")
    cfg = CNNConfig(dataset="fashion-mnist", recipe="fast", epochs=2 if quick else FAST_EPOCHS, limit_train=limit)
    dtype, size = getattr(torch, prec), 1024 if quick else 2048
    peak_before = matmul_rate(dtype, size)          # the peer, measured on both sides of our training: the
    reached: list[float] = []
    start = time.perf_counter()

    def on_epoch(h) -> bool:
        now = time.perf_counter() - start
        log(f"ours ({prec}): epoch {h.epoch[-1]} at {now:.1f} s wall ({h.seconds[-1]:.1f} s in batches), "
            f"test accuracy {h.val_accuracy[-1]:.4f}")
        if h.val_accuracy[-1] >= peer_acc:
            reached.append(now)
            return True                   # stop: the time to the seed's accuracy is measured
        return False

    result = train_cnn(data, cfg, on_epoch=on_epoch)
    wall = time.perf_counter() - start
    h = result.history
    kind = "bfloat16-native" if prec == "bfloat16" else "float32"
    rows = [row("cnn_time_to_seed_accuracy", reached[0] if reached else wall, peer_s, "seconds", False,
                kind=kind, reached=bool(reached), precision=prec,
                seed_accuracy=round(peer_acc, 4), ours_accuracy=round(max(h.val_accuracy), 4),
                ours_epochs=h.epochs_run, ours_batch_seconds=round(h.seconds[-1], 3),
                detail=f"Fashion-MNIST {result.n_train} train images, accuracy on all {data.n_test} test images; "
                       f"seed: {peer_epochs} epochs, batch 64, per-image transforms, float32; ours: "
                       f"{cfg.recipe} recipe in {prec}, batch {cfg.effective_batch_size}, one-cycle over "
                       f"{cfg.epochs} epochs (peak {cfg.effective_learning_rate:g} at {FAST_WARMUP:.0%}), Adam betas "
                       f"{FAST_BETAS}, label smoothing "
                       f"{FAST_LABEL_SMOOTHING}, channel dropout {FAST_DROPOUT} while training, preloaded "
                       f"tensors; ours is wall time, evaluations included")]
    train_flops = 3 * flops_per_image() * result.images_per_second        # forward + backward ~ 3x forward
    peak_after = matmul_rate(dtype, size)           # machine's speed drifts by minutes; the faster one counts
    peak = max(peak_before, peak_after)
    rows.append(row("cnn_throughput_vs_matmul", train_flops / 1e9, peak / 1e9, "GFLOP/s", True,
                    kind=kind, precision=prec, images_per_second=round(result.images_per_second, 1),
                    kernels=cnn_fused.reason(), peer_before=round(peak_before / 1e9, 1),
                    peer_after=round(peak_after / 1e9, 1),
                    detail=f"{result.images_per_second:,.0f} training images/s x {3 * flops_per_image():,} FLOP "
                           f"(the model's: 3 x its forward, whatever the kernels skip) against a {size}^3 {prec} "
                           "matrix product (the faster of before and after)"))
    return rows
