"""The CNN's engine: training that steps, on the same protocol as the 2-D models' (``engine.protocol``).

    run = CNNTraining(config, data)    # run.estimate(): FLOPs and expected seconds, before any work
    frame = run.advance(batches=8)     # or epochs=k -> CNNFrame(batch, batches, epoch, loss, history, status)
    run.cancel()                       # honoured between any two batches (from any thread)
    result = run.result()              # a CNNResult, also for a stopped run (the model trained so far)
    train_cnn(data, config)            # all of it, to the end

The loop is a generator (``_run``) that yields "batch" after every optimizer step and "epoch"
after every finished epoch (its test-set evaluation done); ``advance`` pulls from it. Every random
draw (initial weights, batch order, dropout masks) comes from a generator seeded by ``config.seed``,
never from the global one, so many small advances give bit-for-bit the weights and history of one
advance to the end, whatever other torch code runs in between.
"""
from __future__ import annotations

import math
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from ..core.cost import Estimate, host_factor
from ..core.history import DIVERGED, History, ended_label
from ..data.images import ImageData, normalize, subset
from ..models import cnn
from ..models.base import EpochCallback
from ..models.cnn import BatchCallback, CNNConfig, SeedCNN
from .protocol import Stepper

# Measured on this project's machine (2 cores with AMX; host_factor() 0.70-0.80 there), 2026-11-25, timing
# CNNTraining on 2,000 and 8,000 Fashion-MNIST images while the other core idled: bf16 training (the fast
# recipe) ran at 178 GFLOP/s (3 x forward FLOPs per image), float32 (the seed recipe) at 62-77 GFLOP/s,
# evaluation at 25-45 GFLOP/s; per-batch overhead too small to see; a process's first bf16 run adds about
# 2.5 s of set-up. A busy second core made torch ~10x slower. A GPU run takes these CPU figures, an upper
# bound; rates are stored for host_factor() == 1. The fused kernels (``cnn_fused``, the fast recipe on a
# CPU), 2026-11-26, 2-core EPYC with avx512_bf16, no AMX, one torch thread, the other core idle, an epoch on
# 60,000 Fashion-MNIST images: 172-188 GFLOP/s bf16, 109-137 float32 (two threads: 244, 170); stored /1.3.
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
        ended = ended_label(self.status, self.epoch + 1 if self.status == DIVERGED else at, self.epochs)
        return ended or (f"batch {self.batch} of {self.batches} · epoch {max(at, 1)} of {self.epochs} · "
                         f"loss {self.loss:.3f}")


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


class CNNTraining(Stepper):
    """One CNN's training on one image set, advanced in batches or epochs. Not shared between sessions.

    ``model`` and ``history`` may be passed in (training continues from them; both are updated in
    place). ``on_batch(done, total, loss)`` and ``on_epoch(history)`` returning True stop training."""

    def __init__(self, config: CNNConfig, data: ImageData, *, model: SeedCNN | None = None,
                 history: History | None = None, on_batch: BatchCallback | None = None,
                 on_epoch: EpochCallback | None = None):
        super().__init__()
        self.config, self.data = config, data
        self.device = cnn.pick_device(config.device)
        self.x_train, self.y_train = subset(data.train_images, data.train_labels, config.limit_train, config.seed)
        self.n_train = len(self.y_train)
        self.per_epoch = math.ceil(self.n_train / config.effective_batch_size)
        self.batches = self.per_epoch * config.epochs
        self.model = model if model is not None else cnn.new_model(config.seed)
        self.history = history if history is not None else History()
        self.batch, self._closed = 0, 0                        # steps done, epochs closed
        self._loss: torch.Tensor | None = None                 # the last batch's loss, read when asked
        self.seconds, self.images = 0.0, 0                     # training time (no evaluation), images seen
        self._on_batch, self._on_epoch = on_batch, on_epoch
        self._lock = threading.Lock()          # held while advancing: result() from another thread waits
        self._steps = self._run()
        self._result: CNNResult | None = None

    def estimate(self) -> Estimate:
        return estimate_cnn(self.config, self.n_train, self.data.n_test)

    @property
    def loss(self) -> float:
        """The last batch's training loss (NaN before the first)."""
        return math.nan if self._loss is None else float(self._loss)

    @property
    def epochs(self) -> int:
        return self.config.epochs

    @property
    def closed(self) -> int:
        return self._closed

    def _must_close_epoch(self) -> bool:
        """An epoch's last batch ran: evaluate it (close the epoch) before stopping anywhere."""
        return self._closed * self.per_epoch < self.batch == self.per_epoch * (self._closed + 1)

    def _ended(self) -> bool:
        return self._closed >= self.epochs            # (a passed-in history may carry an earlier status)

    def _stopped_at(self) -> int:
        return math.ceil(self.batch / self.per_epoch)

    def advance(self, *, batches: int = 0, epochs: int = 0) -> CNNFrame:
        """Train ``batches`` more batches or ``epochs`` more epochs (fewer when training ends or is
        cancelled). An advance that ends on an epoch's last batch also closes that epoch."""
        with self._lock:                       # a page rerun may stop it from another thread
            self._pull(batches=batches, epochs=epochs)
            return self.frame()

    def frame(self) -> CNNFrame:
        return CNNFrame(self.batch, self.batches, self.history.epochs_run, self.epochs, self.loss,
                        self.history.copy(), self.status)

    def result(self) -> CNNResult:
        """The trained model and its test numbers. A cancelled run stops here first (waiting for an
        advance in another thread to reach the end of its batch)."""
        with self._lock:
            if not self._finished:
                if not self._cancel.is_set():
                    raise RuntimeError("the training is still running: advance it to the end, or cancel() it")
                self._stop()
        if self._result is None:
            model, h = self.model.to(memory_format=torch.contiguous_format).eval(), self.history
            model.dropout.p, model.fused = cnn.SEED_DROPOUT, False
            if h.epochs_run and self.batch == self._closed * self.per_epoch:   # evaluated after the last step
                loss, acc = h.last("val_loss"), h.last("val_accuracy")
            else:
                loss, acc = cnn.evaluate(model, self.data.test_images, self.data.test_labels)
            rate = self.images / self.seconds if self.seconds else 0.0
            self._result = CNNResult(model, h, acc, loss, self.seconds, rate, self.device.type, self.n_train)
        return self._result

    def _run(self) -> Iterator[str]:
        """The training loop, in pytorch/examples' order; yields after each batch and each epoch.
        Per-batch numbers stay tensors (no ``.item()`` per step); they are read once per epoch."""
        cfg, device, data = self.config, self.device, self.data
        fast = cfg.recipe == "fast"
        memory_format = torch.channels_last if fast else torch.contiguous_format
        use_bf16, fused = cnn.fast_paths(cfg.recipe, device)
        smoothing = cnn.FAST_LABEL_SMOOTHING if fast else 0.0
        model = self.model.to(device, memory_format=memory_format)
        model.fused = fused                                                   # the same layers, fused
        model.dropout.p = cnn.FAST_DROPOUT if fast else cnn.SEED_DROPOUT     # result() restores the seed's
        model.dropout.generator = torch.Generator().manual_seed(cfg.seed)     # dropout masks
        order_generator = torch.Generator().manual_seed(cfg.seed)             # batch order
        opt = cnn.adam(model.parameters(), cfg.effective_learning_rate, cnn.FAST_BETAS if fast else cnn.SEED_BETAS)
        sched = (torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=cfg.effective_learning_rate, cycle_momentum=False,
                                                     total_steps=self.batches, pct_start=cnn.FAST_WARMUP)
                 if fast and self.batches >= 8 else None)   # one-cycle needs a few steps per phase
        x_all = normalize(self.x_train)                     # (N, 1, 28, 28) float32, once
        n, size = self.n_train, cfg.effective_batch_size
        for epoch in range(1, cfg.epochs + 1):
            order = torch.randperm(n, generator=order_generator)
            sums = torch.zeros(2, dtype=torch.float64, device=device)   # summed loss, correct
            for lo in range(0, n, size):
                start = time.perf_counter()
                if not model.training:
                    model.train()                            # a view may have put it in eval mode
                idx = order[lo:lo + size]
                xb = x_all.index_select(0, idx).to(device).contiguous(memory_format=memory_format)   # (B, 1, 28, 28)
                yb = self.y_train[idx].to(device)
                opt.zero_grad(set_to_none=True)
                with torch.autocast(device.type, dtype=torch.bfloat16, enabled=use_bf16):
                    out = model(xb).float()                  # (B, 10) log-probabilities
                nll = F.nll_loss(out, yb)
                # label smoothing: (1 - e) * NLL + e * the mean of -log p over the 10 classes
                loss = (1 - smoothing) * nll - smoothing * out.mean() if smoothing else nll
                loss.backward()
                opt.step()
                if sched is not None:
                    sched.step()
                with torch.no_grad():
                    self._loss = nll.detach()
                    sums += torch.stack((self._loss.double() * len(yb), (out.argmax(1) == yb).sum().double()))
                self.seconds += time.perf_counter() - start
                self.batch, self.images = self.batch + 1, self.images + len(yb)
                if self._on_batch is not None and self._on_batch(self.batch, self.batches, self.loss):
                    self._cancel.set()
                yield "batch"
            val_loss, val_acc = cnn.evaluate(model, data.test_images, data.test_labels, device)
            self._closed += 1
            loss_sum, correct = sums.tolist()
            if self.history.close_epoch(epoch, True, loss_sum / n, correct / n, val_loss, val_acc,
                                        self.seconds, self._on_epoch):
                return
            yield "epoch"


def train_cnn(data: ImageData, config: CNNConfig, *, model: SeedCNN | None = None,
              history: History | None = None, on_batch: BatchCallback | None = None,
              on_epoch: EpochCallback | None = None) -> CNNResult:
    """Train (or continue training) the CNN to the end. Either callback returning True stops after
    that step, keeping the model trained so far (history.status becomes "stopped")."""
    run = CNNTraining(config, data, model=model, history=history, on_batch=on_batch, on_epoch=on_epoch)
    run.advance(epochs=config.epochs)
    return run.result()
