"""What a CNN training hands out: frames while it runs, a result at the end, and its estimate before.

Kept apart from ``cnn_run`` (the loop) so each module stays short; ``cnn_run`` re-exports these names.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from ..core.history import History
from ..models import cnn
from ..models.cnn import CNNConfig, SeedCNN
from .cost import Estimate, host_factor
from .engine import DIVERGED, STOPPED

# Measured on this project's machine (2 cores with AMX; host_factor() 0.70-0.80 there), 2026-11-25, timing
# CNNTraining on 2,000 and 8,000 Fashion-MNIST images while the other core idled: bf16 training (the fast
# recipe) ran at 178 GFLOP/s (3 x forward FLOPs per image), float32 (the seed recipe) at 62-77 GFLOP/s,
# evaluation at 25-45 GFLOP/s; per-batch overhead was too small to see, and a process's first bf16 run
# adds about 2.5 s of kernel set-up. A busy second core made torch ~10x slower (11 GFLOP/s). CUDA is not
# modelled: a GPU run takes these CPU figures, an upper bound. Rates are stored for host_factor() == 1.
# The fused kernels (``cnn_fused``, the fast recipe on a CPU) measured 2026-11-26 on a 2-core EPYC with
# avx512_bf16 and no AMX, on one torch thread (the server's, cores / trainers) with the other core idle,
# host-normalised, an epoch on 60,000 Fashion-MNIST images: 172-188 GFLOP/s in bf16, 109-137 in float32
# (on two threads 244 and 170). Stored with a margin of about 1.3: the estimate guards a budget.
TRAIN_RATE = {"bfloat16": 130e9, "float32": 52e9}    # FLOP/s, torch's layers
FUSED_TRAIN_RATE = {"bfloat16": 140e9, "float32": 90e9}
EVAL_RATE = 19e9
PER_BATCH, PER_RUN = 0.2e-3, 1.0                     # seconds


@dataclass(frozen=True)
class CNNFrame:
    """One moment of a CNN's training. The history is a copy: later steps never change it."""
    batch: int                   # optimizer steps done
    batches: int                 # planned
    epoch: int                   # epochs finished
    epochs: int                  # planned
    loss: float                  # the last batch's training loss (NaN before the first)
    history: History
    status: str                  # running, ok (finished), stopped or diverged

    @property
    def progress(self) -> float:
        return self.batch / self.batches if self.batches else 1.0

    @property
    def label(self) -> str:
        """'batch 40 of 94 · epoch 1 of 2 · loss 0.512', 'stopped at epoch 1 of 2', ..."""
        at = math.ceil(self.batch * self.epochs / self.batches) if self.batches else self.epoch
        if self.status == STOPPED:
            return f"stopped at epoch {at} of {self.epochs}"
        if self.status == DIVERGED:
            return f"diverged at epoch {self.epoch + 1} of {self.epochs}"
        return f"batch {self.batch} of {self.batches} · epoch {max(at, 1)} of {self.epochs} · loss {self.loss:.3f}"


@dataclass
class CNNResult:
    model: SeedCNN
    history: History
    test_accuracy: float
    test_loss: float
    train_seconds: float
    images_per_second: float
    device: str
    n_train: int

    @property
    def status(self) -> str:
        return self.history.status

    def summary(self) -> dict:
        return {"test_accuracy": self.test_accuracy, "test_loss": self.test_loss,
                "train_seconds": round(self.train_seconds, 3),
                "images_per_second": round(self.images_per_second, 1), "device": self.device}


def estimate_cnn(config: CNNConfig, n_train: int, n_test: int) -> Estimate:
    """FLOPs (training about 3x a forward pass, plus a test-set pass per epoch) and seconds on this host."""
    forward = cnn.flops_per_image()
    train, evals = 3 * forward * n_train * config.epochs, forward * n_test * config.epochs
    batches = math.ceil(n_train / config.effective_batch_size) * config.epochs
    bf16, fused = cnn.fast_paths(config.recipe, cnn.pick_device(config.device))       # as cnn_run trains
    rate = (FUSED_TRAIN_RATE if fused else TRAIN_RATE)["bfloat16" if bf16 else "float32"]
    seconds = PER_RUN + batches * PER_BATCH + train / rate + evals / EVAL_RATE
    return Estimate(float(train + evals), host_factor() * seconds)
