"""A neural network from scratch in NumPy, in one class: the seed's ``NeuralNetwork``, grown up.

This file is copied, as it is, into every exported script of a scratch network, so it imports NumPy
and SciPy only. It computes exactly what the dashboard's scratch network computes (a test trains both
and compares every weight): the same initial weights from the same seed, the same batch order, the
same forward pass, backward pass and optimizer step.

Two classes: one sigmoid output unit and binary cross-entropy; more classes: softmax and cross-entropy.
Either way the gradient of the mean loss with respect to the output's pre-activation is (p - y) / n,
which is where the backward pass starts.
"""
import numpy as np
from scipy.special import expit as sigmoid  # 1 / (1 + exp(-z)), without overflow

ACTIVATIONS = {                                   # name -> (a = f(z), da/dz from z and a)
    "relu": (lambda z: np.maximum(z, 0.0), lambda z, a: (z > 0).astype(z.dtype)),
    "tanh": (np.tanh, lambda z, a: 1.0 - a * a),
    "sigmoid": (sigmoid, lambda z, a: a * (1.0 - a)),
}


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))  # shifted by the row's maximum: exp never overflows
    return e / e.sum(axis=1, keepdims=True)


class ScratchNet:
    def __init__(self, sizes, activation="tanh", init="xavier", optimizer="sgd", learning_rate=0.1,
                 momentum=0.9, l2=0.0, batch_size=32, seed=0):
        """``sizes``: units per layer, inputs first, outputs last (1 output unit for two classes)."""
        self.sizes, self.init = list(sizes), init
        self.f, self.df = ACTIVATIONS[activation]
        self.optimizer, self.lr, self.momentum, self.l2 = optimizer, learning_rate, momentum, l2
        self.batch_size = batch_size                   # 0: every point in one batch
        self.rng = np.random.default_rng(seed)         # every random draw: weights, then batch orders
        self.W = [self.initial_weights(n_in, n_out) for n_in, n_out in zip(sizes[:-1], sizes[1:])]
        self.b = [np.zeros(n_out) for n_out in sizes[1:]]
        self.state = [np.zeros_like(p) for p in self.W + self.b]    # momentum's velocity, or Adam's m
        self.state2 = [np.zeros_like(p) for p in self.W + self.b]   # Adam's v
        self.t = 0                                                   # Adam's step count

    def initial_weights(self, n_in, n_out):
        if self.init == "seed":                        # the seed's 0.01 * N(0, 1): too small to learn
            return 0.01 * self.rng.standard_normal((n_in, n_out))
        if self.init == "he":                          # for ReLU
            return self.rng.standard_normal((n_in, n_out)) * np.sqrt(2.0 / n_in)
        bound = np.sqrt(6.0 / (n_in + n_out))          # Glorot / Xavier uniform, for tanh and sigmoid
        return self.rng.uniform(-bound, bound, (n_in, n_out))

    def forward(self, X):
        """Each layer's input A[i] and pre-activation Z[i]; Z[-1] are the output logits."""
        A, Z = [X], []
        for i, (W, b) in enumerate(zip(self.W, self.b)):
            Z.append(np.dot(A[i], W) + b)
            if i < len(self.W) - 1:
                A.append(self.f(Z[i]))
        return A, Z

    def backward(self, A, Z, y):
        """Gradients of the mean loss (plus l2/2 * sum of squared weights) for every W and b."""
        n = len(y)
        if self.sizes[-1] == 1:
            delta = (sigmoid(Z[-1]) - y[:, None]) / n           # dL/dz at the output
        else:
            delta = softmax(Z[-1])
            delta[np.arange(n), y] -= 1.0
            delta /= n
        grad_W, grad_b = [None] * len(self.W), [None] * len(self.W)
        for i in range(len(self.W) - 1, -1, -1):
            grad_W[i] = np.dot(A[i].T, delta)
            if self.l2:
                grad_W[i] += self.l2 * self.W[i]
            grad_b[i] = delta.sum(axis=0)
            if i > 0:                                           # back through W, then the activation
                delta = np.dot(delta, self.W[i].T) * self.df(Z[i - 1], A[i])
        return grad_W + grad_b

    def step(self, grads):
        """One optimizer step on every weight and bias, in place."""
        self.t += 1
        for p, g, s, s2 in zip(self.W + self.b, grads, self.state, self.state2):
            if self.optimizer == "adam":                        # torch.optim.Adam's order of operations
                s += (1 - 0.9) * (g - s)
                s2 *= 0.999
                s2 += (1 - 0.999) * g * g
                p -= self.lr / (1 - 0.9 ** self.t) * (s / (np.sqrt(s2) / np.sqrt(1 - 0.999 ** self.t) + 1e-8))
            elif self.momentum:                                 # heavy-ball momentum
                s *= self.momentum
                s -= g * self.lr
                p += s
            else:                                               # plain gradient descent
                p -= self.lr * g

    def fit(self, X, y, epochs):
        n = len(y)
        batch = n if self.batch_size in (0, None) or self.batch_size >= n else self.batch_size
        for _ in range(epochs):
            order = self.rng.permutation(n) if batch < n else slice(None)
            X_epoch, y_epoch = X[order], y[order]
            for lo in range(0, n, batch):
                A, Z = self.forward(X_epoch[lo:lo + batch])
                self.step(self.backward(A, Z, y_epoch[lo:lo + batch]))
        return self

    def predict_proba(self, X):
        logits = self.forward(X)[1][-1]
        if self.sizes[-1] == 1:
            p = sigmoid(logits[:, 0])
            return np.column_stack([1.0 - p, p])
        return softmax(logits)

    def predict(self, X):
        return self.predict_proba(X).argmax(axis=1)
