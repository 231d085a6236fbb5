"""The MNIST page's CNN as code: a script and a notebook that download the images with torchvision, build
the seed's CNN, train it with the page's recipe and settings, and print its test accuracy.

The layers are the seed's (``SeedCNN`` without the dashboard's fused kernels: the same numbers in float32);
the initial weights come from ``torch.manual_seed(seed)`` as ``models.cnn.new_model`` draws them, the
dropout masks and the batch order from their own seeded generators, as the training engine draws them.
"""
from __future__ import annotations

import inspect

from ..data import images
from ..models import cnn
from ..models.cnn import CNNConfig
from .code import Cell, as_notebook, as_script

MODEL = '''import torch
import torch.nn.functional as F
from torch import nn


{dropout}

class SeedCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3)      # (B, 32, 26, 26)
        self.conv2 = nn.Conv2d(32, 64, 3)     # (B, 64, 11, 11)
        self.dropout = SeededDropout2d()
        self.fc1 = nn.Linear(1600, 100)
        self.fc2 = nn.Linear(100, 10)

    def forward(self, x):
        x = F.relu(F.max_pool2d(self.conv1(x), 2))       # (B, 32, 13, 13)
        x = F.relu(F.max_pool2d(self.conv2(x), 2))       # (B, 64, 5, 5)
        x = self.dropout(x)
        x = torch.flatten(x, 1)                          # (B, 1600)
        x = F.relu(self.fc1(x))                          # (B, 100)
        return F.log_softmax(self.fc2(x), dim=1)         # (B, 10) log-probabilities'''

DATA = '''import sys

import torch
from torchvision import datasets

root = sys.argv[1] if len(sys.argv) > 1 and not sys.argv[1].startswith("-") else "data"   # where the images go
train, test = datasets.{cls}(root, train=True, download=True), datasets.{cls}(root, train=False, download=True)
x_train, y_train, x_test, y_test = train.data, train.targets, test.data, test.targets    # uint8 (N, 28, 28)


{subset}

x_train, y_train = subset(x_train, y_train, {limit}, {seed})


def normalize(images):          # the seed's ToTensor + Normalize((0.1307,), (0.3081,))
    return ((images.float() / 255.0) - {mean}).div_({std}).unsqueeze(1)'''

TRAIN = '''torch.manual_seed({seed})                 # the initial weights
model = SeedCNN()
model.dropout.p = {dropout}
model.dropout.generator = torch.Generator().manual_seed({seed})   # the dropout masks
order_generator = torch.Generator().manual_seed({seed})           # the batch order
optimizer = torch.optim.Adam(model.parameters(), lr={lr}, betas={betas})
n, size = len(y_train), {batch}
steps = {epochs} * ((n + size - 1) // size)
scheduler = {scheduler}
x_all = normalize(x_train)
for epoch in range(1, {epochs} + 1):
    model.train()
    order = torch.randperm(n, generator=order_generator)
    for lo in range(0, n, size):
        idx = order[lo:lo + size]
        out = model(x_all[idx])
        nll = F.nll_loss(out, y_train[idx])
        loss = (1 - {smoothing}) * nll - {smoothing} * out.mean() if {smoothing} else nll   # label smoothing
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        if scheduler is not None:
            scheduler.step()
    print(f"epoch {{epoch}}: last batch loss {{nll.item():.4f}}")

model.eval()
with torch.inference_mode():
    predicted = torch.cat([model(normalize(x_test[lo:lo + 1000])).argmax(1) for lo in range(0, len(y_test), 1000)])
accuracy = float((predicted == y_test).float().mean())'''


def cells(config: CNNConfig) -> list[Cell]:
    fast = config.recipe == "fast"
    sched = (f"torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr={config.effective_learning_rate!r}, "
             f"cycle_momentum=False, total_steps=steps, pct_start={cnn.FAST_WARMUP!r}) if steps >= 8 else None"
             if fast else "None")
    train = TRAIN.format(seed=config.seed, dropout=cnn.FAST_DROPOUT if fast else cnn.SEED_DROPOUT,
                         lr=config.effective_learning_rate, betas=cnn.FAST_BETAS if fast else cnn.SEED_BETAS,
                         batch=config.effective_batch_size, epochs=config.epochs, scheduler=sched,
                         smoothing=cnn.FAST_LABEL_SMOOTHING if fast else 0.0)
    name = "MNIST digits" if config.dataset == "mnist" else "Fashion-MNIST clothes"
    data = DATA.format(cls="MNIST" if config.dataset == "mnist" else "FashionMNIST",
                       subset=inspect.getsource(images.subset), limit=config.limit_train, seed=config.seed,
                       mean=images.MEAN, std=images.STD)
    recipe = ("the fast recipe: batch 128, Adam with a one-cycle learning rate, label smoothing" if fast else
              "the seed's recipe: Adam, batch 64, a constant learning rate")
    return [("markdown", f"# The seed's CNN on {name}\nExported from the neural-network classroom dashboard. It "
                         "needs PyTorch and torchvision only; it downloads the images into `data/` (or the "
                         "folder given as its first argument), trains the CNN with " + recipe + " for "
                         f"{config.epochs} epoch(s) and prints its test accuracy."),
            ("markdown", "## The images"), ("code", data),
            ("markdown", "## The network\nconv 3×3 (32) → max-pool → ReLU → conv 3×3 (64) → max-pool → ReLU → "
                         "channel dropout → 1,600 features → 100 → 10 log-probabilities."),
            ("code", MODEL.format(dropout=inspect.getsource(cnn.SeededDropout2d))),
            ("markdown", "## Training"), ("code", train),
            ("code", 'print(f"test accuracy: {accuracy:.6f}")')]


def script(config: CNNConfig) -> str:
    return as_script("The seed's CNN", cells(config))


def notebook(config: CNNConfig) -> str:
    return as_notebook(cells(config))
