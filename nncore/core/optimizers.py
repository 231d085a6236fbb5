"""The scratch network's optimizers: objects that update one flat parameter vector in place.

Each ``step(theta, grad)`` is a few whole-vector operations (the network keeps every weight
and bias as a view into ``theta``), as scikit-learn's ``_stochastic_optimizers.py`` does per
array. Adam follows ``torch.optim.Adam`` operation for operation, so one step here equals
torch's on the same vector and gradient (a test checks it). Leaf module: NumPy only.
"""
from __future__ import annotations

import numpy as np


class SGD:
    """Plain gradient descent: theta <- theta - lr g."""

    def __init__(self, size: int, learning_rate: float, dtype=np.float64):
        self.learning_rate = learning_rate

    def step(self, theta: np.ndarray, grad: np.ndarray) -> None:
        theta -= self.learning_rate * grad


class Momentum(SGD):
    """Heavy-ball momentum: v <- m v - lr g; theta <- theta + v."""

    def __init__(self, size: int, learning_rate: float, momentum: float, dtype=np.float64):
        super().__init__(size, learning_rate)
        self.momentum = momentum
        self.velocity = np.zeros(size, dtype=dtype)
        self._scaled = np.zeros(size, dtype=dtype)       # lr g, written in place (no new array per step)

    def step(self, theta: np.ndarray, grad: np.ndarray) -> None:
        self.velocity *= self.momentum
        self.velocity -= np.multiply(grad, self.learning_rate, out=self._scaled)
        theta += self.velocity


class Adam(SGD):
    """Adam (Kingma & Ba), in ``torch.optim.Adam``'s order of operations:

        m <- m + (1 - b1)(g - m)        v <- b2 v + (1 - b2) g^2
        theta <- theta - lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
    """

    def __init__(self, size: int, learning_rate: float, beta1: float = 0.9, beta2: float = 0.999,
                 eps: float = 1e-8, dtype=np.float64):
        super().__init__(size, learning_rate)
        self.beta1, self.beta2, self.eps = beta1, beta2, eps
        self.m = np.zeros(size, dtype=dtype)
        self.v = np.zeros(size, dtype=dtype)
        self._denom = np.zeros(size, dtype=dtype)
        self.t = 0

    def step(self, theta: np.ndarray, grad: np.ndarray) -> None:
        self.t += 1
        b1, b2 = self.beta1, self.beta2
        self.m += (1 - b1) * (grad - self.m)          # torch's lerp: m + (1 - b1)(g - m)
        self.v *= b2
        self.v += (1 - b2) * grad * grad
        step_size = self.learning_rate / (1 - b1 ** self.t)
        np.sqrt(self.v, out=self._denom)
        self._denom /= np.sqrt(1 - b2 ** self.t)
        self._denom += self.eps
        theta -= step_size * (self.m / self._denom)


OPTIMIZERS = ("sgd", "adam")


def make_optimizer(name: str, size: int, learning_rate: float, momentum: float = 0.0, dtype=np.float64) -> SGD:
    """sgd (with momentum when it is above 0) or adam."""
    if name == "adam":
        return Adam(size, learning_rate, dtype=dtype)
    if momentum:
        return Momentum(size, learning_rate, momentum, dtype=dtype)
    return SGD(size, learning_rate, dtype=dtype)
