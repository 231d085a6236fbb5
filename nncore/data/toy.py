"""Two-dimensional toy data: moons, circles, XOR and a three-class spiral.

Points come from scikit-learn where it has the set; the split is stratified and
the scaler is fitted on the training part only.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.datasets import make_circles, make_moons
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from ..core.settings import SEED_MAX, Config, setting
from .points import Points, check_split, to_csv

MAX_COORDINATE = 1e100      # larger coordinates overflow the scaler's variance (it squares them)
TOY_DATASETS = {"moons": "Moons", "circles": "Circles", "xor": "XOR", "spiral": "Spiral (3 classes)",
                "csv": "Your points (CSV)"}


@dataclass(frozen=True)
class DataConfig(Config):
    """Which toy set, how many points, how noisy, and how they are split."""
    name: str = setting("moons", "choice", "Dataset", "Two classes: moons, circles, XOR. Three: the spiral. "
                        "Or your own points: upload a CSV with columns x1, x2, label.",
                        choices=TOY_DATASETS, query="dataset")
    n_samples: int = setting(1000, "int", "Samples", "Points in all, before the train/test split.",
                             range=(40, 20000), step=20, widget="slider", query="samples")
    noise: float = setting(0.1, "float", "Noise", "Standard deviation of the Gaussian noise added to the points.",
                           range=(0.0, 1.0), step=0.01, widget="slider")
    test_fraction: float = setting(0.2, "float", "Test fraction", "Share of points held out for testing "
                                   "(stratified).", range=(0.05, 0.5), step=0.05, widget="slider", advanced=True,
                                   query="test")
    seed: int = setting(42, "int", "Data seed", "One seed for the points and the split.", range=(0, SEED_MAX),
                        advanced=True)
    repeats: int = setting(1, "int", "Repeat over seeds", "Train each model this many times, with seeds derived "
                           "from its own: the curves show the mean and a band of ±1 standard deviation, the "
                           "leaderboard the mean, the spread and a 95 % confidence interval.", range=(1, 10),
                           widget="slider", query="repeats")


@dataclass
class ToyData:
    config: DataConfig
    X_train: np.ndarray   # (n_train, 2), scaled
    y_train: np.ndarray   # (n_train,) int labels 0..n_classes-1
    X_test: np.ndarray    # (n_test, 2), scaled with the training part's scaler
    y_test: np.ndarray
    scaler: StandardScaler
    labels: tuple[str, ...] = ()      # the class names (uploaded points); empty: "class 0", "class 1", ...

    def label(self, k: int) -> str:
        return self.labels[k] if self.labels else f"class {k}"

    @property
    def n_classes(self) -> int:
        return int(max(self.y_train.max(), self.y_test.max())) + 1

    @property
    def n_features(self) -> int:
        return self.X_train.shape[1]

    def summary(self) -> dict:
        c, n = self.config, len(self.y_train) + len(self.y_test)
        return {"name": c.name, "n_samples": n if c.name == "csv" else c.n_samples,
                "noise": None if c.name == "csv" else c.noise, "test_fraction": c.test_fraction,
                "seed": c.seed, "repeats": c.repeats, "n_train": len(self.y_train), "n_test": len(self.y_test),
                "n_classes": self.n_classes, **({"labels": list(self.labels)} if self.labels else {})}

    def mesh(self, resolution: int = 80, margin: float = 0.5) -> tuple[np.ndarray, np.ndarray]:
        """Grid axes covering both splits plus a margin: (xs, ys), each (resolution,)."""
        X = np.vstack([self.X_train, self.X_test])
        lo, hi = X.min(axis=0) - margin, X.max(axis=0) + margin
        return np.linspace(lo[0], hi[0], resolution), np.linspace(lo[1], hi[1], resolution)


@dataclass
class Mesh:
    """A grid over the data's range: where boundaries and neuron maps are drawn."""
    xs: np.ndarray     # (R,) grid x coordinates, in scaled units
    ys: np.ndarray     # (R,)

    @classmethod
    def for_data(cls, data: ToyData, resolution: int) -> Mesh:
        return cls(*data.mesh(resolution))

    @property
    def points(self) -> np.ndarray:
        gx, gy = np.meshgrid(self.xs, self.ys)
        return np.c_[gx.ravel(), gy.ravel()]            # (R*R, 2), row-major over ys

    def grid(self, values: np.ndarray) -> np.ndarray:
        """(R*R, k) values on the points -> (R, R, k) float32, rows along ys."""
        return values.reshape(len(self.ys), len(self.xs), -1).astype(np.float32)


def _xor(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    X = rng.uniform(-1.0, 1.0, size=(n, 2))
    X += np.sign(X) * 0.05                                 # keep a small gap around the axes
    y = (X[:, 0] * X[:, 1] < 0).astype(int)
    return X + rng.normal(0.0, noise, size=X.shape), y


def _spiral(n: int, noise: float, rng: np.random.Generator, classes: int = 3):
    per = np.full(classes, n // classes)
    per[: n % classes] += 1
    X, y = [], []
    for k, m in enumerate(per):
        r = np.linspace(0.05, 1.0, m)
        t = np.linspace(k * 2 * np.pi / classes, k * 2 * np.pi / classes + 1.75 * np.pi, m)
        pts = np.c_[r * np.sin(t), r * np.cos(t)]
        X.append(pts + rng.normal(0.0, noise * 0.5, size=pts.shape))
        y.append(np.full(m, k))
    return np.vstack(X), np.concatenate(y)


def generate(config: DataConfig) -> tuple[np.ndarray, np.ndarray]:
    """All points and labels, before splitting (a built-in set; uploaded points come as ``Points``)."""
    if config.name == "csv":
        raise ValueError("there are no points to train on yet: upload a CSV of points first (columns x1, x2, "
                         "label), or pick another dataset")
    n, noise, seed = config.n_samples, config.noise, config.seed
    if config.name == "moons":
        return make_moons(n_samples=n, noise=noise, random_state=seed)
    if config.name == "circles":
        return make_circles(n_samples=n, noise=noise, factor=0.5, random_state=seed)
    rng = np.random.default_rng(seed)
    if config.name == "xor":
        return _xor(n, noise, rng)
    return _spiral(n, noise, rng)


def load_toy(config: DataConfig, points: Points | None = None) -> ToyData:
    """The data set, split (stratified) and scaled (on the training part). Uploaded ``points`` are split
    and scaled the same way, with the config's test fraction and seed; the config then names "csv"."""
    if points is not None and config.name != "csv":
        raise ValueError(f"uploaded points need the dataset 'csv', got {config.name!r}")
    if points is not None:
        check_split(points, config.test_fraction)
    X, y = (points.X, points.y) if points is not None else generate(config)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=config.test_fraction, stratify=y, random_state=config.seed)
    largest = float(np.abs(X).max())
    if largest > MAX_COORDINATE:                       # (only uploaded points can be this large)
        raise ValueError(f"a coordinate is {largest:.3g}; keep them within ±{MAX_COORDINATE:.0e} so that "
                         "they can be scaled")
    scaler = StandardScaler().fit(X_train)
    return ToyData(config, scaler.transform(X_train), y_train.astype(np.int64),
                   scaler.transform(X_test), y_test.astype(np.int64), scaler,
                   points.labels if points is not None else ())


def points_csv(config: DataConfig, points: Points | None = None) -> str:
    """The data set as a CSV (x1, x2, label), every point in its original units and order: importing it
    (with the same test fraction and seed) splits, scales and trains to identical results."""
    if points is not None:
        return to_csv(points.X, points.y, points.labels)
    return to_csv(*generate(config))
