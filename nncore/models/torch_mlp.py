"""The seed's PyTorch MLP, configurable, with the same history and callbacks as the scratch net.

Per hidden layer: Linear -> activation -> BatchNorm1d -> Dropout (the seed's order).
The output layer gives logits; the loss is ``BCEWithLogitsLoss`` (two classes) or
``CrossEntropyLoss`` (more), the numerically stable forms of the seed's
Sigmoid + BCELoss. All randomness (initial weights, dropout masks, batch order)
comes from one ``torch.Generator`` seeded from the config, never torch's global
generator, so concurrent sessions cannot disturb each other's numbers.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from ..core.activations import ACTIVATIONS
from ..core.history import History
from ..core.settings import setting
from . import base
from .base import EpochCallback, Stepping, Steps, batch_size_for


@dataclass(frozen=True)
class TorchMLPConfig(base.ToyConfig):
    """The seed's PyTorch MLP: per hidden layer Linear -> activation -> BatchNorm1d -> Dropout."""
    hidden: tuple[int, ...] = base.hidden_setting((16, 8, 4))
    activation: str = base.activation_setting("relu")
    batch_norm: bool = setting(True, "bool", "Batch norm", "BatchNorm1d after each hidden activation.",
                               advanced=True)
    dropout: float = setting(0.2, "float", "Dropout", "Share of hidden units dropped at each step; 0 turns "
                             "it off.", range=(0.0, 0.9), step=0.05, widget="slider", advanced=True)
    optimizer: str = base.optimizer_setting("adam")
    learning_rate: float = base.learning_rate_setting(0.01)
    momentum: float = base.momentum_setting(0.9)             # sgd only
    epochs: int = base.epochs_setting(300)
    batch_size: int = base.batch_size_setting(0)             # 0: full batch, as in the seed
    l2: float = base.l2_setting(0.0)                         # weight decay

    def _check(self) -> None:
        if self.batch_norm and self.batch_size == 1:
            raise ValueError("batch_size must be 0 or at least 2 while batch_norm is on (batch norm needs two "
                             "points to normalise)")


class SeededDropout(nn.Module):
    """``nn.Dropout`` drawing its masks from a given generator instead of the global one."""

    def __init__(self, p: float, generator: torch.Generator):
        super().__init__()
        self.p, self.generator = p, generator

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0:
            return x
        keep = torch.rand(x.shape, generator=self.generator, dtype=x.dtype) >= self.p
        return x * keep / (1.0 - self.p)

    def extra_repr(self) -> str:
        return f"p={self.p}"


def build_mlp(config: TorchMLPConfig, n_inputs: int, n_outputs: int,
              generator: torch.Generator) -> nn.Sequential:
    layers: list[nn.Module] = []
    width = n_inputs
    for h in config.hidden:
        layers += [nn.Linear(width, h), getattr(nn, ACTIVATIONS[config.activation].torch)()]
        if config.batch_norm:
            layers.append(nn.BatchNorm1d(h))
        if config.dropout > 0:
            layers.append(SeededDropout(config.dropout, generator))
        width = h
    layers.append(nn.Linear(width, n_outputs))
    model = nn.Sequential(*layers)
    with torch.no_grad():                      # PyTorch's default Linear init, from our generator
        for m in model:
            if isinstance(m, nn.Linear):
                bound = 1.0 / math.sqrt(m.in_features)
                m.weight.copy_(torch.rand(m.weight.shape, generator=generator) * 2 * bound - bound)
                m.bias.copy_(torch.rand(m.bias.shape, generator=generator) * 2 * bound - bound)
    return model


class TorchMLP(Stepping):
    framework = "torch"
    input_width, model_inputs = staticmethod(base.input_width), staticmethod(base.model_inputs)  # (2-D points)

    def __init__(self, config: TorchMLPConfig, n_features: int, n_classes: int):
        if n_classes < 2:
            raise ValueError(f"n_classes must be at least 2, got {n_classes}")
        self.config = config
        self.n_classes = n_classes
        self.binary = n_classes == 2
        self.generator = torch.Generator().manual_seed(config.seed)
        self.model = build_mlp(config, self.input_width(config, n_features), 1 if self.binary else n_classes,
                               self.generator)
        self.history_ = History()

    @property
    def n_parameters(self) -> int:
        return sum(p.numel() for p in self.model.parameters())

    @property
    def layer_weights(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """Each Linear's (W (in, out), b) as float64 NumPy arrays."""
        return [(m.weight.detach().double().numpy().T, m.bias.detach().double().numpy())
                for m in self.model if isinstance(m, nn.Linear)]

    def _tensor(self, X: np.ndarray) -> torch.Tensor:
        """Points (n, 2) -> the first Linear's input, (n, len(inputs)) float32."""
        return torch.as_tensor(self.model_inputs(self.config, np.asarray(X)), dtype=torch.float32)

    def _loss(self, logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        if self.binary:
            return nn.functional.binary_cross_entropy_with_logits(logits[:, 0], y.float())
        return nn.functional.cross_entropy(logits, y)

    def _labels(self, logits: torch.Tensor) -> torch.Tensor:
        return (logits[:, 0] > 0).long() if self.binary else logits.argmax(dim=1)

    def new_optimizer(self) -> torch.optim.Optimizer:
        c = self.config
        if c.optimizer == "adam":
            return torch.optim.Adam(self.model.parameters(), lr=c.learning_rate, weight_decay=c.l2)
        return torch.optim.SGD(self.model.parameters(), lr=c.learning_rate, momentum=c.momentum,
                               weight_decay=c.l2)

    def _step(self, xb: torch.Tensor, yb: torch.Tensor, opt: torch.optim.Optimizer) -> tuple[float, int]:
        """One optimizer step on a batch: the batch's (summed loss, correct) before it."""
        opt.zero_grad(set_to_none=True)
        logits = self.model(xb)
        loss = self._loss(logits, yb)
        loss.backward()
        opt.step()
        return loss.item() * len(yb), int((self._labels(logits.detach()) == yb).sum())

    def train_step(self, Xb: np.ndarray, yb: np.ndarray, optimizer) -> tuple[float, int]:
        """One optimizer step on a batch of points (as ``steps`` takes them), in training mode."""
        self.model.train()
        out = self._step(self._tensor(Xb), torch.as_tensor(np.asarray(yb), dtype=torch.long), optimizer)
        self.model.eval()
        return out

    def steps(self, X: np.ndarray, y: np.ndarray, X_val: np.ndarray | None = None,
              y_val: np.ndarray | None = None, on_epoch: EpochCallback | None = None) -> Steps:
        cfg = self.config
        Xt = self._tensor(X)
        yt = torch.as_tensor(np.asarray(y), dtype=torch.long)
        has_val = X_val is not None and y_val is not None
        if has_val:
            Xv = self._tensor(X_val)
            yv = torch.as_tensor(np.asarray(y_val), dtype=torch.long)
        n = len(yt)
        batch = batch_size_for(cfg.batch_size, n)
        opt = self.new_optimizer()
        history = self.history_ = History()
        elapsed = 0.0
        for epoch in range(1, cfg.epochs + 1):
            start = time.perf_counter()
            self.model.train()
            order = torch.randperm(n, generator=self.generator) if batch < n else None
            loss_sum, correct, seen = 0.0, 0, 0
            for lo in range(0, n, batch):
                idx = order[lo:lo + batch] if order is not None else slice(None)
                xb, yb = Xt[idx], yt[idx]
                if cfg.batch_norm and len(yb) < 2:    # BatchNorm cannot train on one example
                    continue
                batch_loss, batch_correct = self._step(xb, yb, opt)
                loss_sum += batch_loss
                correct += batch_correct
                seen += len(yb)
                elapsed += time.perf_counter() - start
                yield "batch"
                self.model.train()          # a frame drawn between batches may have switched to eval
                start = time.perf_counter()
            train_loss = loss_sum / seen
            val_loss, val_acc = math.nan, math.nan
            if has_val:
                self.model.eval()
                with torch.inference_mode():
                    logits = self.model(Xv)
                    val_loss = self._loss(logits, yv).item()
                    val_acc = (self._labels(logits) == yv).float().mean().item()
            elapsed += time.perf_counter() - start
            finite = all(bool(torch.isfinite(p).all()) for p in self.model.parameters())
            stop = history.close_epoch(epoch, finite, train_loss, correct / seen, val_loss, val_acc, elapsed,
                                       on_epoch)
            self.model.eval()
            yield "epoch"
            if stop:
                return

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        was_training = self.model.training
        self.model.eval()
        with torch.inference_mode():
            logits = self.model(self._tensor(X))
        self.model.train(was_training)
        if self.binary:
            p = torch.sigmoid(logits[:, 0]).double().numpy()
            return np.column_stack([1.0 - p, p])
        return torch.softmax(logits.double(), dim=1).numpy()

    def hidden_activations(self, X: np.ndarray) -> list[np.ndarray]:
        """Each hidden block's output (after activation, batch norm and dropout, in eval mode): what the
        next Linear layer reads. (n, width) per hidden layer, float64."""
        was_training = self.model.training
        self.model.eval()
        out, h = [], self._tensor(X)
        linears = [i for i, m in enumerate(self.model) if isinstance(m, nn.Linear)]
        with torch.inference_mode():
            for i, m in enumerate(self.model):
                if i in linears[1:]:
                    out.append(h.double().numpy().copy())
                h = m(h)
        self.model.train(was_training)
        return out


FAMILY = base.Family("torch", "PyTorch MLP", TorchMLPConfig, TorchMLP, base.MLP_SHOWS,
                     base.MLPCost(per_batch=1.2e-3, per_epoch=1.4e-3, rate=3e10), tips=base.mlp_tips)
