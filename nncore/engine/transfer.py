"""Transfer learning, measured: the seed's CNN trained on one image set, its convolution layers kept
(frozen, or fine-tuned) and its head trained on a few labels of the other set, against the same CNN
trained from scratch on the same labels, over several seeds.

    run = TransferTraining(config, source_data, target_data)   # run.estimate() before any work
    frame = run.advance(batches=20)    # a TransferFrame: progress, the label, the rows measured so far
    run.cancel() / run.stop()          # between any two optimizer steps (the protocol's Stepper)
    result = run.result()              # a TransferResult: per label count, both arms' accuracies

One stage is one training: the source model (unless one is passed in), then for each label count and
seed the two arms. Both arms of a pair start from the same seeded head (fc1, fc2) and see the same labelled
images in the same order; only the convolution layers differ (the source's, frozen or not, against fresh
ones). Fine-tuning is Adam at 1e-3 on batches of 32 for ``steps`` steps whatever the label count, so a
small set is seen many times. Accuracies are on the first ``test_images`` of the target's test set.
"""
from __future__ import annotations

import copy
import dataclasses
import math
import time
from collections.abc import Iterator
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from ..core.cost import Estimate, host_factor
from ..core.history import OK, History
from ..data.images import IMAGE_DATASETS, ImageData, normalize, subset
from ..models import cnn
from ..models.cnn import CNNConfig, SeedCNN
from .cnn import EVAL_RATE, PER_BATCH, TRAIN_RATE, CNNTraining, estimate_cnn
from .protocol import Stepper
from .transfer_config import BATCH, LR, TransferConfig, TransferResult, TransferRow, over_budget  # noqa: F401

CONV_SHARE = 0.47                 # conv1 + conv2's share of a forward pass's FLOPs (cnn.flops_per_image)


@dataclass(frozen=True)
class TransferFrame:
    batch: int                    # optimizer steps done, all trainings together
    batches: int                  # planned
    stage: int                    # trainings finished
    stages: int
    label: str
    status: str

    @property
    def progress(self) -> float:
        return min(self.batch / self.batches, 1.0) if self.batches else 1.0


def _test_subset(data: ImageData, n: int) -> ImageData:
    return dataclasses.replace(data, test_images=data.test_images[:n], test_labels=data.test_labels[:n])


class TransferTraining(Stepper):
    """The whole comparison, advanced one optimizer step at a time. Not shared between sessions."""
    unit = "training"

    def __init__(self, config: TransferConfig, source: ImageData, target: ImageData, *,
                 source_model: SeedCNN | None = None):
        super().__init__()
        if source.name != config.source or target.name != config.target:
            raise ValueError(f"the data sets must be {config.source} then {config.target}; got {source.name} "
                             f"then {target.name}")
        self.config, self.source, self.target = config, _test_subset(source, config.test_images), \
            _test_subset(target, config.test_images)
        self.source_config = CNNConfig(dataset=config.source, epochs=config.source_epochs, device="cpu",
                                       limit_train=config.source_images, seed=config.seed)
        self._source_run = None if source_model is not None else CNNTraining(self.source_config, self.source)
        self.source_model = source_model
        n = len(target.train_labels)
        self.rows = [TransferRow(c, min(c, n)) for c in config.counts]
        runs = 2 * config.seeds * len(self.rows)
        self.stages = runs + (self._source_run is not None)
        self.batches = runs * config.steps + (self._source_run.batches if self._source_run else 0)
        self.batch, self._closed, self.source_accuracy, self.source_seconds = 0, 0, math.nan, 0.0
        self.history = History()                    # (only its status: ok, stopped)
        self.now = "starting"
        self._steps = self._run()

    @property
    def epochs(self) -> int:
        return self.stages

    @property
    def closed(self) -> int:
        return self._closed

    def estimate(self) -> Estimate:
        c, forward = self.config, cnn.flops_per_image()
        frozen_share = {"convs": CONV_SHARE, "conv1": 0.05, "none": 0.0}[c.freeze]   # convs run forward only
        per_step = BATCH * forward * (3 + (1 - 3) * frozen_share + 3)               # both arms of a pair
        runs = c.seeds * len(self.rows)
        train = runs * c.steps * per_step
        evals = 2 * runs * forward * len(self.target.test_labels)
        seconds = runs * 2 * c.steps * PER_BATCH + train / TRAIN_RATE["float32"] + evals / EVAL_RATE
        first = estimate_cnn(self.source_config, self._source_run.n_train, self.source.n_test) \
            if self._source_run else Estimate(0.0, 0.0)
        return first + Estimate(float(train + evals), host_factor() * seconds)

    def advance(self, *, batches: int = 0, epochs: int = 0) -> TransferFrame:
        self._pull(batches=batches, epochs=epochs)
        return self.frame()

    def frame(self) -> TransferFrame:
        label = self.history.message if self.status not in (OK, "running") else \
            f"training {min(self._closed + 1, self.stages)} of {self.stages}: {self.now}"
        return TransferFrame(self.batch, self.batches, self._closed, self.stages, label, self.status)

    def result(self) -> TransferResult:
        if not self._finished:
            self.stop()
        return TransferResult(self.config, self.source_accuracy, self.source_seconds, self.rows,
                              self.history.status, self.history.message)

    def _run(self) -> Iterator[str]:
        c = self.config
        if self._source_run is not None:
            self.now = f"the source CNN on {IMAGE_DATASETS[c.source]}"
            run = self._source_run
            while not run.done:
                run.advance(batches=1)
                self.batch += 1
                yield "batch"
            done = run.result()
            self.source_model, self.source_seconds, self.source_accuracy = done.model, done.train_seconds, \
                done.test_accuracy
            self._closed += 1
            yield "epoch"
        else:
            self.source_accuracy = cnn.evaluate(self.source_model, self.source.test_images,
                                                self.source.test_labels)[1]
        for row in self.rows:
            for s in range(c.seeds):
                seed = c.seed + 1009 * s + row.labels                  # other labels, other head, per seed
                x, y = subset(self.target.train_images, self.target.train_labels, row.used, seed)
                for arm in ("transfer", "scratch"):
                    self.now = f"{arm} on {row.used} labels, seed {s + 1} of {c.seeds}"
                    model = self._model(arm, seed)
                    start = time.perf_counter()
                    yield from self._fine_tune(model, x, y, seed)
                    seconds = time.perf_counter() - start
                    accuracy = cnn.evaluate(model, self.target.test_images, self.target.test_labels)[1]
                    getattr(row, arm).append(accuracy)
                    getattr(row, f"{arm}_seconds").append(seconds)
                    self._closed += 1
                    yield "epoch"

    def _model(self, arm: str, seed: int) -> SeedCNN:
        model = cnn.new_model(seed)                                     # the head both arms start from
        if arm == "transfer":
            frozen = {"convs": ("conv1", "conv2"), "conv1": ("conv1",), "none": ()}[self.config.freeze]
            for name in ("conv1", "conv2"):
                layer = copy.deepcopy(getattr(self.source_model, name)).cpu().float()
                layer.requires_grad_(name not in frozen)
                setattr(model, name, layer)
        model.dropout.p, model.dropout.generator = cnn.SEED_DROPOUT, torch.Generator().manual_seed(seed)
        return model

    def _fine_tune(self, model: SeedCNN, x: torch.Tensor, y: torch.Tensor, seed: int) -> Iterator[str]:
        """``steps`` Adam steps on batches of 32 drawn in seeded epochs over the labelled images."""
        opt = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=LR)
        order, g, xs = torch.empty(0, dtype=torch.long), torch.Generator().manual_seed(seed), normalize(x)
        model.train()
        for _ in range(self.config.steps):
            if len(order) < min(BATCH, len(y)):
                order = torch.cat((order, torch.randperm(len(y), generator=g)))
            idx, order = order[:BATCH], order[BATCH:]
            opt.zero_grad(set_to_none=True)
            F.nll_loss(model(xs[idx]), y[idx]).backward()
            opt.step()
            self.batch += 1
            yield "batch"
