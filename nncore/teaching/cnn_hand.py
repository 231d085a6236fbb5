"""The CNN computed by hand, on one image: every number a page shows about a cell of a feature map, the
head and the softmax, taken from the model's own forward pass.

``trace(model, image)`` runs the model once (``eval()``, torch's own layers: the fused training kernels of
``models.cnn_fused`` never run in eval mode) with forward hooks on conv1, conv2, fc1 and fc2, and keeps
what each layer was given and what it gave back. Everything else here only reads that trace and the
layers' weights:

- ``conv1_cell``: the 3x3 patch of the normalised input, the kernel, the nine products, their sum, the
  bias, the value before and after ReLU (the model's own map value beside it), and the 2x2 pooling window
  the cell falls in, with its winner and the pooled value conv2 was given;
- ``conv2_cell``: the same cell as a sum over the 32 input channels, one 3x3 sum per channel;
- ``head``: the 1,600 values fc1 reads, one fc1 unit's strongest inputs, the 10 logits and the softmax
  worked out (each exp, their sum, each probability) beside the model's own probabilities.

The hand numbers are computed in float64 from the float32 tensors; ``tests/test_cnn_hand.py`` checks each
one against the tensors the layers computed, to 1e-5.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ..data.digits import mnist_style, strokes_to_ink
from ..data.images import normalize

POOLED = (13, 5)                 # conv1's and conv2's pooled sides (26 // 2, 11 // 2: conv2's last row is dropped)


@dataclass(frozen=True)
class Trace:
    """One image's forward pass, as the model's layers computed it."""
    x: np.ndarray          # (28, 28) the normalised input conv1 reads
    z1: np.ndarray         # (32, 26, 26) conv1's output, before ReLU
    p1: np.ndarray         # (32, 13, 13) pooled and ReLU'd: what conv2 was given
    z2: np.ndarray         # (64, 11, 11) conv2's output, before ReLU
    flat: np.ndarray       # (1600,) what fc1 was given (conv2 pooled, ReLU'd, flattened)
    z3: np.ndarray         # (100,) fc1's output, before ReLU
    h: np.ndarray          # (100,) what fc2 was given
    logits: np.ndarray     # (10,) fc2's output
    proba: np.ndarray      # (10,) the model's own output, exp(log-softmax)
    layers: dict           # name -> (weight, bias) as float64 arrays


@torch.no_grad()
def trace(model: torch.nn.Module, image: torch.Tensor) -> Trace:
    """uint8 (28, 28) -> every intermediate tensor of the model's forward pass (forward hooks)."""
    seen: dict[str, tuple[torch.Tensor, torch.Tensor]] = {}
    names = ("conv1", "conv2", "fc1", "fc2")

    def keep(name):
        return lambda module, inputs, output: seen.__setitem__(name, (inputs[0].detach(), output.detach()))

    hooks = [getattr(model, n).register_forward_hook(keep(n)) for n in names]
    was_training = model.training
    try:
        model.eval()
        device = next(model.parameters()).device
        out = model(normalize(image.reshape(1, 28, 28)).to(device))       # (1, 10) log-probabilities
    finally:
        for hook in hooks:
            hook.remove()
        model.train(was_training)

    def arr(t: torch.Tensor) -> np.ndarray:
        return t[0].float().cpu().numpy()

    layers = {n: (getattr(model, n).weight.detach().double().cpu().numpy(),
                  getattr(model, n).bias.detach().double().cpu().numpy()) for n in names}
    return Trace(arr(seen["conv1"][0])[0], arr(seen["conv1"][1]), arr(seen["conv2"][0]), arr(seen["conv2"][1]),
                 arr(seen["fc1"][0]), arr(seen["fc1"][1]), arr(seen["fc2"][0]), arr(seen["fc2"][1]),
                 arr(out.exp()), layers)


def drawing_image(objects: list[dict], size: tuple[int, int]) -> torch.Tensor | None:
    """The canvas's strokes -> the uint8 (28, 28) image the network is given (as the Try it tab makes
    it: MNIST style, 8 bits); None for a blank canvas."""
    x = mnist_style(strokes_to_ink(objects, size))
    if x.max() == 0:
        return None
    return torch.from_numpy((x * 255).round()).to(torch.uint8)


@dataclass(frozen=True)
class Pool:
    """The 2x2 max-pool window a cell falls in, over the map after ReLU."""
    top: int               # the window's first row and column in the map
    left: int
    values: np.ndarray     # (2, 2) ReLU'd values of the window
    winner: tuple[int, int]  # its largest value's place in the window
    pooled: float          # what the next layer was given at (top // 2, left // 2): the model's own number


@dataclass(frozen=True)
class Conv1Cell:
    filter: int
    row: int
    col: int
    patch: np.ndarray      # (3, 3) normalised input pixels
    kernel: np.ndarray     # (3, 3)
    products: np.ndarray   # (3, 3) patch * kernel
    total: float           # the products' sum
    bias: float
    z: float               # total + bias
    relu: float
    map_value: float       # the model's conv1 output at this cell (equals z)
    pool: Pool


@dataclass(frozen=True)
class Conv2Cell:
    filter: int
    row: int
    col: int
    patches: np.ndarray    # (32, 3, 3) conv2's input around the cell, one patch per input channel
    kernels: np.ndarray    # (32, 3, 3)
    channel_sums: np.ndarray  # (32,) each channel's nine products summed
    total: float           # their sum
    bias: float
    z: float
    relu: float
    map_value: float       # the model's conv2 output at this cell
    pool: Pool | None      # None for the last row or column, which the 2x2 pool drops

    def biggest(self, k: int = 3) -> list[int]:
        """The k channels with the largest contributions (by size), largest first."""
        return [int(c) for c in np.argsort(-np.abs(self.channel_sums))[:k]]


def _check_cell(name: str, row: int, col: int, side: int) -> None:
    for what, v in (("row", row), ("column", col)):
        if not (isinstance(v, (int, np.integer)) and 0 <= v < side):
            raise ValueError(f"{name} {what} must be between 0 and {side - 1}, got {v!r}")


def _pool(relu_map: np.ndarray, row: int, col: int, pooled_map: np.ndarray) -> Pool | None:
    top, left = row // 2 * 2, col // 2 * 2
    if top // 2 >= pooled_map.shape[0] or left // 2 >= pooled_map.shape[1]:
        return None
    window = relu_map[top:top + 2, left:left + 2].astype(np.float64)
    winner = np.unravel_index(int(np.argmax(window)), (2, 2))
    return Pool(top, left, window, (int(winner[0]), int(winner[1])), float(pooled_map[top // 2, left // 2]))


def conv1_cell(t: Trace, f: int, row: int, col: int) -> Conv1Cell:
    """Cell (row, col) of conv1's feature map ``f``, by hand."""
    _check_cell("conv1", row, col, 26)
    w, b = t.layers["conv1"]
    patch = t.x[row:row + 3, col:col + 3].astype(np.float64)
    kernel = w[f, 0]
    products = patch * kernel
    total = float(products.sum())
    z = total + float(b[f])
    return Conv1Cell(f, row, col, patch, kernel, products, total, float(b[f]), z, max(z, 0.0),
                     float(t.z1[f, row, col]), _pool(np.maximum(t.z1[f], 0), row, col, t.p1[f]))


def conv2_cell(t: Trace, f: int, row: int, col: int) -> Conv2Cell:
    """Cell (row, col) of conv2's feature map ``f``: a 3x3 sum on each of the 32 pooled conv1 maps."""
    _check_cell("conv2", row, col, 11)
    w, b = t.layers["conv2"]
    patches = t.p1[:, row:row + 3, col:col + 3].astype(np.float64)       # (32, 3, 3)
    kernels = w[f]                                                        # (32, 3, 3)
    sums = (patches * kernels).sum(axis=(1, 2))                           # (32,)
    total = float(sums.sum())
    z = total + float(b[f])
    pooled = t.flat.reshape(64, *[POOLED[1]] * 2)[f]                      # what fc1 read of this map
    return Conv2Cell(f, row, col, patches, kernels, sums, total, float(b[f]), z, max(z, 0.0),
                     float(t.z2[f, row, col]), _pool(np.maximum(t.z2[f], 0), row, col, pooled))


@dataclass(frozen=True)
class Head:
    """From the 1,600 features to the verdict."""
    unit: int              # the fc1 unit shown
    inputs: list[dict]     # its strongest inputs: where each comes from, value, weight, product
    unit_total: float      # all 1,600 products summed
    unit_bias: float
    unit_z: float          # total + bias (the model's fc1 output beside it: unit_map)
    unit_map: float
    logits: np.ndarray     # (10,) fc2's output
    exps: np.ndarray       # (10,) exp(logit)
    exp_sum: float
    proba: np.ndarray      # (10,) exps / exp_sum, by hand
    model_proba: np.ndarray  # (10,) the model's own

    @property
    def best(self) -> int:
        return int(np.argmax(self.proba))


def feature_name(i: int) -> str:
    """Where flattened feature ``i`` of the 1,600 comes from: 'conv2 map 12, pooled cell (3, 4)'."""
    c, rest = divmod(int(i), 25)
    return f"conv2 map {c}, pooled cell ({rest // 5}, {rest % 5})"


def strongest_unit(t: Trace) -> int:
    """The fc1 unit that pushes the winning class's logit up the most (its ReLU'd value times its weight)."""
    w, _ = t.layers["fc2"]
    return int(np.argmax(t.h * w[int(np.argmax(t.logits))]))


def head(t: Trace, unit: int | None = None, k: int = 8) -> Head:
    """fc1 unit ``unit`` (default: ``strongest_unit``) with its ``k`` largest products, and the softmax."""
    unit = strongest_unit(t) if unit is None else unit
    _check_cell("fc1 unit", unit, 0, 100)
    w, b = t.layers["fc1"]
    flat = t.flat.astype(np.float64)
    products = flat * w[unit]
    top = np.argsort(-np.abs(products))[:k]
    inputs = [{"input": feature_name(i), "value": flat[i], "weight": w[unit, i], "product": products[i]}
              for i in top]
    total = float(products.sum())
    logits = t.logits.astype(np.float64)
    with np.errstate(over="ignore"):
        exps = np.exp(logits)
    return Head(unit, inputs, total, float(b[unit]), total + float(b[unit]), float(t.z3[unit]), logits, exps,
                float(exps.sum()), exps / exps.sum(), t.proba.astype(np.float64))
