"""The from-scratch NumPy network: the seed's ``NeuralNetwork`` grown up.

Forward and backward sit side by side: the forward pass caches exactly what the
backward pass needs (each layer's input ``A[i]`` and pre-activation ``Z[i]``). The first layer's
input is the point's engineered inputs (``config.inputs``: x1, x2, x1², ...); every public method
takes raw 2-D points and computes them.

Output and loss: two classes use one sigmoid unit with binary cross-entropy, more classes use
softmax with cross-entropy. With either pairing the gradient of the mean loss with respect to the
output logits is ``(p - y) / n``, which is why the backward pass starts from there. Losses are
computed from logits (softplus / log-sum-exp), so large logits never overflow.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from ..core.activations import ACTIVATIONS, log_softmax, sigmoid, softmax
from ..core.history import History
from ..core.optimizers import make_optimizer
from ..core.settings import setting
from . import base
from .base import EpochCallback, Stepping, Steps, batch_size_for


@dataclass(frozen=True)
class ScratchConfig(base.ToyConfig):
    """The from-scratch NumPy network. Defaults learn moons (the seed's did not)."""
    hidden: tuple[int, ...] = base.hidden_setting((16, 16))   # the output width comes from the data
    activation: str = base.activation_setting("tanh")
    init: str = setting("xavier", "choice", "Weight init", "seed: 0.01·N(0,1), as in the seed (too small to "
                        "learn); he: for ReLU; xavier: for tanh and sigmoid.",
                        choices=("seed", "he", "xavier"), advanced=True)
    optimizer: str = base.optimizer_setting("sgd")
    learning_rate: float = base.learning_rate_setting(0.1)
    epochs: int = base.epochs_setting(150)
    batch_size: int = base.batch_size_setting(32)            # 0: full batch
    momentum: float = base.momentum_setting(0.9)             # sgd only; 0: plain gradient descent
    l2: float = base.l2_setting(0.0)                         # adds l2/2 * sum(W**2) to the loss


def _softplus(z: np.ndarray) -> np.ndarray:   # log(1 + e^z) without overflow
    return np.logaddexp(0.0, z)


class ScratchNetwork(Stepping):
    """A multilayer perceptron with hand-written backprop. Learned state ends in ``_``."""

    framework = "numpy"
    input_width, model_inputs = staticmethod(base.input_width), staticmethod(base.model_inputs)  # (2-D points)

    def __init__(self, config: ScratchConfig, n_features: int, n_classes: int, dtype: type = np.float64):
        if n_classes < 2:
            raise ValueError(f"n_classes must be at least 2, got {n_classes}")
        self.config = config
        self.n_classes = n_classes
        self.dtype = dtype
        self.binary = n_classes == 2
        self.sizes = (self.input_width(config, n_features), *config.hidden, 1 if self.binary else n_classes)
        self.activation = ACTIVATIONS[config.activation]
        self.rng = np.random.default_rng(config.seed)
        # Every weight and bias is a view into one flat vector (and every gradient into another),
        # so an optimizer step is a few whole-vector operations instead of a few per layer.
        shapes = [s for fi, fo in zip(self.sizes[:-1], self.sizes[1:]) for s in ((fi, fo), (fo,))]
        self.theta_ = np.zeros(sum(int(np.prod(s)) for s in shapes), dtype=dtype)
        self._grad = np.zeros_like(self.theta_)
        params, grads = self._views(self.theta_, shapes), self._views(self._grad, shapes)
        self.coefs_, self.intercepts_ = params[0::2], params[1::2]
        self._grad_W, self._grad_b = grads[0::2], grads[1::2]
        for W in self.coefs_:
            W[...] = self._init_weights(*W.shape)
        self.history_ = History()

    @staticmethod
    def _views(flat: np.ndarray, shapes: list[tuple[int, ...]]) -> list[np.ndarray]:
        out, offset = [], 0
        for shape in shapes:
            size = int(np.prod(shape))
            out.append(flat[offset:offset + size].reshape(shape))
            offset += size
        return out

    def _init_weights(self, fan_in: int, fan_out: int) -> np.ndarray:
        if self.config.init == "seed":       # the seed's 0.01 * N(0, 1): too small to break symmetry well
            return 0.01 * self.rng.standard_normal((fan_in, fan_out))
        if self.config.init == "he":         # keeps ReLU activations' variance constant
            return self.rng.standard_normal((fan_in, fan_out)) * np.sqrt(2.0 / fan_in)
        bound = np.sqrt(6.0 / (fan_in + fan_out))   # Glorot / Xavier uniform
        return self.rng.uniform(-bound, bound, (fan_in, fan_out))

    @property
    def n_parameters(self) -> int:
        return self.theta_.size

    @property
    def layer_weights(self) -> list[tuple[np.ndarray, np.ndarray]]:
        return list(zip(self.coefs_, self.intercepts_))

    def expand(self, X: np.ndarray) -> np.ndarray:
        """Points (n, 2) -> the first layer's input (n, len(inputs)), in the network's dtype."""
        return self.model_inputs(self.config, np.asarray(X, dtype=self.dtype))

    # --- forward and backward -------------------------------------------------------------------

    def _forward(self, X: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Return (Z, A): Z[i] is layer i's pre-activation, A[i] its input; Z[-1] are the logits.
        ``X`` is the first layer's input, ``self.expand(points)``. ``np.dot`` is ``@`` (same BLAS call, same
        numbers) with less overhead per call, which counts on 32-point batches (in backward too)."""
        A, Z = [X], []
        last = len(self.coefs_) - 1
        for i, (W, b) in enumerate(zip(self.coefs_, self.intercepts_)):
            z = np.dot(A[i], W) + b                # A[i] @ W + b, (n, sizes[i+1])
            Z.append(z)
            if i < last:
                A.append(self.activation.forward(z))
        return Z, A

    def _losses(self, logits: np.ndarray, y: np.ndarray) -> np.ndarray:   # each point's loss, (n,)
        if self.binary:                            # BCE from logits: softplus(z) - y z
            z = logits[:, 0]
            return _softplus(z) - y * z
        return -log_softmax(logits)[np.arange(len(y)), y]      # cross-entropy: -log p_y

    def _data_loss(self, logits: np.ndarray, y: np.ndarray) -> float:    # the mean, as np.mean computes it
        return float(np.add.reduce(losses := self._losses(logits, y)) / len(losses))

    def _penalty(self) -> float:
        l2 = self.config.l2
        return 0.5 * l2 * sum(float(np.sum(W * W)) for W in self.coefs_) if l2 else 0.0

    def _backward(self, Z: list[np.ndarray], A: list[np.ndarray], y: np.ndarray,
                  deltas: list | None = None) -> None:
        """Gradients of the mean loss (plus L2) with respect to every weight and bias, written
        into the flat gradient vector (``self._grad_W`` and ``self._grad_b`` are views of it).
        ``deltas``, when given, receives each layer's dL/dz, last layer first (the step-through shows them)."""
        n = len(y)
        if self.binary:
            delta = (sigmoid(Z[-1]) - y[:, None]) / n          # dL/dz_out, (n, 1)
        else:
            delta = softmax(Z[-1])
            delta[np.arange(n), y] -= 1.0
            delta /= n                                         # (n, k)
        for i in range(len(self.coefs_) - 1, -1, -1):
            if deltas is not None:
                deltas.append(delta.copy())
            np.dot(A[i].T, delta, out=self._grad_W[i])        # A[i].T @ delta, (sizes[i], sizes[i+1])
            if self.config.l2:
                self._grad_W[i] += self.config.l2 * self.coefs_[i]
            np.add.reduce(delta, axis=0, out=self._grad_b[i])  # delta.sum(axis=0), minus a Python wrapper
            if i > 0:                                          # through W, then the activation
                delta = np.dot(delta, self.coefs_[i].T) * self.activation.derivative(Z[i - 1], A[i])

    def loss_and_gradients(self, X: np.ndarray, y: np.ndarray):
        """(loss including L2, weight gradients, bias gradients): what the gradient check compares."""
        Z, A = self._forward(self.expand(X))
        loss = self._data_loss(Z[-1], y) + self._penalty()
        self._backward(Z, A, y)
        return loss, [g.copy() for g in self._grad_W], [g.copy() for g in self._grad_b]

    # --- training -------------------------------------------------------------------------------

    def _evaluate(self, X: np.ndarray, y: np.ndarray) -> tuple[float, float]:
        logits = self._forward(X)[0][-1]
        return self._data_loss(logits, y), float(np.mean(self._labels(logits) == y))

    def _labels(self, logits: np.ndarray) -> np.ndarray:
        return (logits[:, 0] > 0).astype(np.int64) if self.binary else logits.argmax(axis=1)

    def train_step(self, Xb: np.ndarray, yb: np.ndarray, optimizer) -> tuple[float, int]:
        """One optimizer step on a batch of points. Returns the batch's (summed loss, correct) before it."""
        logits = self._step(self.expand(Xb), yb, optimizer)
        with np.errstate(over="ignore", invalid="ignore"):
            return self._data_loss(logits, yb) * len(yb), int(np.count_nonzero(self._labels(logits) == yb))

    def _step(self, Xb: np.ndarray, yb: np.ndarray, optimizer) -> np.ndarray:
        """Forward, backward, update on an expanded batch (``steps`` expands once); returns the logits."""
        with np.errstate(over="ignore", invalid="ignore"):
            Z, A = self._forward(Xb)
            self._backward(Z, A, yb)
            optimizer.step(self.theta_, self._grad)
        return Z[-1]

    def _epoch_loss(self, logits: np.ndarray, y: np.ndarray, batch: int) -> float:
        """The epoch's mean training loss from each point's logits before its batch's step, added batch
        by batch as ``train_step`` reports them (once per epoch: per batch, NumPy's call overhead dominates)."""
        losses, loss_sum = self._losses(logits, y), 0.0
        for part in (losses[lo:lo + batch] for lo in range(0, len(y), batch)):
            loss_sum += float(np.add.reduce(part) / len(part)) * len(part)   # as _data_loss, times the size
        return loss_sum / len(y)

    def steps(self, X: np.ndarray, y: np.ndarray, X_val: np.ndarray | None = None,
              y_val: np.ndarray | None = None, on_epoch: EpochCallback | None = None) -> Steps:
        """Gradient descent (full batch when batch_size is 0) with the config's optimizer and L2;
        yields "batch" after every step and "epoch" after every epoch.

        ``on_epoch(history)`` runs after every epoch; returning True stops training.
        A loss or weight that becomes NaN or infinite stops training with status "diverged".
        """
        cfg = self.config
        X = self.expand(X)                                     # (n, len(inputs))
        y = np.asarray(y, dtype=np.int64)
        has_val = X_val is not None and y_val is not None
        if has_val:
            X_val, y_val = self.expand(X_val), np.asarray(y_val, dtype=np.int64)
        n = len(y)
        batch = batch_size_for(cfg.batch_size, n)
        optimizer = make_optimizer(cfg.optimizer, self.theta_.size, cfg.learning_rate, cfg.momentum, self.dtype)
        history = self.history_ = History()
        logits = np.empty((n, self.sizes[-1]), dtype=self.dtype)   # each point's, before its batch's step
        elapsed = 0.0
        for epoch in range(1, cfg.epochs + 1):
            start = time.perf_counter()
            order = self.rng.permutation(n) if batch < n else slice(None)
            X_epoch, y_epoch = X[order], y[order]              # shuffled once; each batch is a slice of it
            for lo in range(0, n, batch):
                logits[lo:lo + batch] = self._step(X_epoch[lo:lo + batch], y_epoch[lo:lo + batch], optimizer)
                elapsed += time.perf_counter() - start
                yield "batch"
                start = time.perf_counter()
            with np.errstate(over="ignore", invalid="ignore"):
                train_loss = self._epoch_loss(logits, y_epoch, batch)
                correct = int(np.count_nonzero(self._labels(logits) == y_epoch))
                val_loss, val_acc = self._evaluate(X_val, y_val) if has_val else (np.nan, np.nan)
            elapsed += time.perf_counter() - start
            finite = bool(np.isfinite(self.theta_).all())
            stop = history.close_epoch(epoch, finite, train_loss, correct / n, val_loss, val_acc, elapsed, on_epoch)
            yield "epoch"
            if stop:
                return

    def hidden_activations(self, X: np.ndarray) -> list[np.ndarray]:
        """Each hidden layer's output (after its activation), (n, width) per layer."""
        with np.errstate(over="ignore", invalid="ignore"):
            return self._forward(self.expand(X))[1][1:]

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """Class probabilities, (n, n_classes)."""
        with np.errstate(over="ignore", invalid="ignore"):
            logits = self._forward(self.expand(X))[0][-1]
        if self.binary:
            p = sigmoid(logits[:, 0])
            return np.column_stack([1.0 - p, p])
        return softmax(logits)


FAMILY = base.Family("numpy", "Scratch NumPy", ScratchConfig, ScratchNetwork, base.Shows(neurons=True, backprop=True),
                     base.MLPCost(per_batch=45e-6, per_epoch=300e-6, rate=1.5e10), tips=base.mlp_tips)
