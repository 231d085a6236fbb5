"""The seed's CNN, exactly its layers, trained from preloaded tensors.

Recipes:
- ``seed``: Adam at its default learning rate, batch 64, constant rate (the seed's set-up);
- ``fast``: batch 128 with a one-cycle schedule (peak 5e-3 reached at 15 % of the steps), Adam with
  beta2 0.99 (fused), label smoothing 0.1, no channel dropout while training (the layer stays, and so
  does its eval-time identity; the saved model carries the seed's p=0.5), channels-last memory and
  bfloat16 autocast where the processor computes it natively, and on the CPU the pooling stages fused
  with their neighbours (``cnn_fused``: the same layers in fewer passes, conv1 in float32, conv2's
  backward through the pools' winning positions only). Measured by
  ``python -m nncore bench``: in 3 epochs it passes the seed's 10-epoch test accuracy on Fashion-MNIST, in
  bfloat16 and float32.

Evaluation runs under ``inference_mode`` in batches of 256 (cache-sized: faster than larger ones), and
the loss is summed over images, then divided by their number (the seed divided a sum of batch means by it).

Training steps through ``nncore.engine.cnn.CNNTraining``; ``engine.cnn.train_cnn`` drives it to the end.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ..core.settings import Config, seed_setting, setting
from ..data.images import IMAGE_DATASETS, normalize
from ..env import FORCE_FP32
from . import cnn_fused

BatchCallback = Callable[[int, int, float], bool | None]   # (batches done, total, loss) -> stop?
EVAL_BATCH = 256               # measured: 10k test images in 0.7 s at 256 per batch, 1.2 s at 2,000 (2 cores)
SEED_DROPOUT = 0.5            # the seed's Dropout2d(); every trained model is handed back with it
FAST_DROPOUT = 0.0            # the fast recipe's channel dropout while training (with 0.1 it needs 4 epochs)
FAST_LABEL_SMOOTHING = 0.1
FAST_WARMUP = 0.15            # the one-cycle's share of steps rising to the peak rate
SEED_BETAS = (0.9, 0.999)     # Adam's defaults, the seed's
FAST_BETAS = (0.9, 0.99)      # Adam's; the shorter second-moment memory follows the one-cycle's rate changes
# (3 epochs on Fashion-MNIST, seed 0, fused kernels: 91.49 % in bfloat16, 91.45 % in float32, against the
# seed recipe's 91.14 % after 10; with dropout 0.1, warm-up 0.25 and beta2 0.999: 90.88 %, before the kernels)


@dataclass(frozen=True)
class CNNConfig(Config):
    """Training the seed's CNN on MNIST or Fashion-MNIST."""
    dataset: str = setting("mnist", "choice", "Dataset", "Handwritten digits, or photos of clothes.",
                           choices=IMAGE_DATASETS)
    recipe: str = setting("fast", "choice", "Recipe", "seed: Adam, batch 64, constant rate. fast: batch 128, "
                          "one-cycle, label smoothing, no dropout while training, bf16 where native.",
                          choices=("seed", "fast"))
    epochs: int = setting(3, "int", "Epochs", "Passes over the training images.", range=(1, 100))
    batch_size: int = setting(0, "int", "Batch size (0 = recipe's)", "0: the recipe's own (seed 64, fast 128).",
                              range=(0, 4096), advanced=True)
    learning_rate: float = setting(0.0, "float", "Learning rate (0 = recipe's)", "0: the recipe's own (seed "
                                   "1e-3, fast one-cycle peak 5e-3).", range=(0.0, 1.0), step=0.0005,
                                   advanced=True)
    device: str = setting("auto", "choice", "Device", "auto uses CUDA when present, else the CPU.",
                          choices=("auto", "cpu", "cuda"))
    limit_train: int = setting(0, "int", "Training images (0 = all)", "Train on the first N images only.",
                               range=(0, 10**6), step=1000, advanced=True)
    seed: int = seed_setting()

    @property
    def effective_batch_size(self) -> int:
        return self.batch_size or (64 if self.recipe == "seed" else 128)

    @property
    def effective_learning_rate(self) -> float:
        return self.learning_rate or (1e-3 if self.recipe == "seed" else 5e-3)


class SeededDropout2d(nn.Dropout2d):
    """``nn.Dropout2d`` (whole channels zeroed with probability p, the rest scaled by 1/(1-p)) drawing
    its masks from ``generator`` instead of the global RNG, so other torch code cannot shift them.
    The (B, C, 1, 1) mask is drawn on the CPU: the same masks on every device."""

    def __init__(self, p: float = 0.5, generator: torch.Generator | None = None):
        super().__init__(p)
        self.generator = generator            # None: the global RNG, like nn.Dropout2d

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0:
            return x
        assert x.dim() == 4, f"expected (B, C, H, W), got {tuple(x.shape)}"
        keep = torch.empty(x.shape[:2] + (1, 1)).bernoulli_(1 - self.p, generator=self.generator)
        return x * keep.div_(1 - self.p).to(x.device, x.dtype)


class SeedCNN(nn.Module):
    fused = False        # the fast recipe's training sets it where cnn_fused.available(): same layers, fewer passes

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3)      # (B, 32, 26, 26)
        self.conv2 = nn.Conv2d(32, 64, 3)     # (B, 64, 11, 11)
        self.dropout = SeededDropout2d()      # no parameters: the seed's state-dict keys
        self.fc1 = nn.Linear(1600, 100)
        self.fc2 = nn.Linear(100, 10)

    def features(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """conv1's and conv2's maps after ReLU (before pooling): what 'inside the network' shows."""
        a1 = F.relu(self.conv1(x))                       # (B, 32, 26, 26)
        a2 = F.relu(self.conv2(F.max_pool2d(a1, 2)))     # (B, 64, 11, 11)
        return a1, a2

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.fused and self.training and x.device.type == "cpu" and not x.requires_grad and cnn_fused.available():
            return self._forward_fused(x)
        # relu(maxpool(z)) == maxpool(relu(z)) since ReLU is monotonic: the seed's layers and outputs,
        # with ReLU (forward and backward) on a quarter of the elements.
        x = F.relu(F.max_pool2d(self.conv1(x), 2))       # (B, 32, 13, 13)
        x = F.relu(F.max_pool2d(self.conv2(x), 2))       # (B, 64, 5, 5)
        x = self.dropout(x)
        x = torch.flatten(x, 1)                          # (B, 1600)
        return self._head(x)

    def _forward_fused(self, x: torch.Tensor) -> torch.Tensor:
        """The same layers through ``cnn_fused`` (conv1 + pool + ReLU, conv2 + pool + ReLU + flatten)."""
        x = cnn_fused.Conv1Pool.apply(x, self.conv1.weight, self.conv1.bias)     # (B, 32, 13, 13)
        x = cnn_fused.Conv2Pool.apply(x, self.conv2.weight, self.conv2.bias)      # (B, 1600)
        if self.dropout.p:
            x = self.dropout(x.view(-1, 64, 5, 5)).flatten(1)
        return self._head(x)

    def _head(self, x: torch.Tensor) -> torch.Tensor:
        x = F.relu(self.fc1(x))                          # (B, 100)
        return F.log_softmax(self.fc2(x), dim=1)         # (B, 10)


def pick_device(name: str = "auto") -> torch.device:
    if name == "cuda" and not torch.cuda.is_available():
        raise ValueError("device must be auto or cpu on this machine: CUDA is not available")
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)


def bf16_supported(device: torch.device) -> bool:
    """Whether bfloat16 autocast runs natively (AVX-512 BF16/AMX on CPUs, Ampere+ on GPUs).
    ``NNCORE_FORCE_FP32=1`` answers False, to measure the float32 path on such a machine."""
    if FORCE_FP32:
        return False
    if device.type == "cuda":
        return torch.cuda.is_bf16_supported()
    try:
        return bool(torch.backends.mkldnn.is_available() and torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):
        return False


def fast_paths(recipe: str, device: torch.device) -> tuple[bool, bool]:
    """(bfloat16 autocast, the fused CPU kernels): what a training of ``recipe`` on ``device`` goes through.
    Only the fast recipe takes them: bfloat16 where it is native, the kernels on a CPU where they built."""
    fast = recipe == "fast"
    return fast and bf16_supported(device), fast and device.type == "cpu" and cnn_fused.available()


def layer_table(model: nn.Module | None = None) -> list[dict]:
    """(layer, output shape, parameters) for one 28x28 image, in forward order."""
    model = model or SeedCNN()
    shapes = [("conv1 (3x3, 32) + ReLU", (32, 26, 26), model.conv1), ("max pool 2x2", (32, 13, 13), None),
              ("conv2 (3x3, 64) + ReLU", (64, 11, 11), model.conv2), ("max pool 2x2", (64, 5, 5), None),
              ("dropout2d (p=0.5)", (64, 5, 5), None), ("flatten", (1600,), None),
              ("fc1 + ReLU", (100,), model.fc1), ("fc2 + log-softmax", (10,), model.fc2)]
    return [{"layer": name, "output shape": "x".join(map(str, shape)),
             "parameters": sum(p.numel() for p in m.parameters()) if m is not None else 0}
            for name, shape, m in shapes]


def architecture_dot() -> str:
    """A Graphviz DOT diagram of the network (rendered in the browser by st.graphviz_chart)."""
    rows = layer_table()
    nodes = ['input [label="input\\n1x28x28"]']
    for i, r in enumerate(rows):
        label = f'{r["layer"]}\\n{r["output shape"]}' + (f'\\n{r["parameters"]:,} params' if r["parameters"] else "")
        nodes.append(f'l{i} [label="{label}"]')
    edges = " -> ".join(["input"] + [f"l{i}" for i in range(len(rows))])
    return ("digraph CNN {\n rankdir=LR;\n node [shape=box, style=\"rounded,filled\", fillcolor=\"#eef3fb\", "
            "fontname=Helvetica];\n " + ";\n ".join(nodes) + ";\n " + edges + ";\n}")


def flops_per_image() -> int:
    """Multiply-adds x2 of one forward pass, from the layer shapes (training is about 3x this)."""
    conv1 = 26 * 26 * 32 * 9 * 1
    conv2 = 11 * 11 * 64 * 9 * 32
    return 2 * (conv1 + conv2 + 1600 * 100 + 100 * 10)


@torch.inference_mode()
def predict_log_proba(model: nn.Module, images: torch.Tensor, device: torch.device | None = None,
                      batch: int = EVAL_BATCH) -> torch.Tensor:
    """uint8 (N, 28, 28) or normalised float (N, 1, 28, 28) -> log-probabilities (N, 10) on the CPU."""
    device = device or next(model.parameters()).device
    was_training = model.training
    model.eval()
    out = []
    for lo in range(0, len(images), batch):
        x = images[lo:lo + batch]
        x = normalize(x) if x.dtype == torch.uint8 else x
        out.append(model(x.to(device)).float().cpu())
    model.train(was_training)
    return torch.cat(out) if out else torch.empty(0, 10)


def evaluate(model: nn.Module, images: torch.Tensor, labels: torch.Tensor,
             device: torch.device | None = None) -> tuple[float, float]:
    """(mean loss per image, accuracy): losses summed over images, then divided by their number."""
    logp = predict_log_proba(model, images, device)
    loss = F.nll_loss(logp, labels, reduction="sum").item() / len(labels)
    return loss, (logp.argmax(1) == labels).float().mean().item()


@torch.inference_mode()
def feature_maps(model: SeedCNN, image: torch.Tensor) -> tuple[np.ndarray, np.ndarray]:
    """conv1's (32, 26, 26) and conv2's (64, 11, 11) activations for one uint8 (28, 28) image."""
    model.eval()
    x = normalize(image.reshape(1, 28, 28)).to(next(model.parameters()).device)
    a1, a2 = model.features(x)
    return a1[0].float().cpu().numpy(), a2[0].float().cpu().numpy()


def new_model(seed: int = 0) -> SeedCNN:
    """A freshly initialised CNN whose weights depend only on ``seed``."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return SeedCNN()


def adam(params, lr: float, betas: tuple[float, float]) -> torch.optim.Adam:
    """Adam as one fused kernel per step (CPU since torch 2.4, CUDA); the same update, fewer passes."""
    params = list(params)
    try:
        return torch.optim.Adam(params, lr=lr, betas=betas, fused=True)
    except (RuntimeError, TypeError, ValueError):
        return torch.optim.Adam(params, lr=lr, betas=betas, foreach=True)

