"""Typed, validated configurations: data sets, models and training.

Every config is a frozen dataclass checked in ``__post_init__``; a bad value
raises a ``ValueError`` that names the field and the allowed range, so a page
can show it as a friendly message. ``from_dict`` builds a config from loose
values (widgets, URL query, JSON) with the same checks. Leaf module: imports
nothing of ours.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import math
from dataclasses import dataclass
from typing import Any, Union

TOY_DATASETS = ("moons", "circles", "xor", "spiral")
HIDDEN_ACTIVATIONS = ("relu", "tanh", "sigmoid")
INITS = ("seed", "he", "xavier")
OPTIMIZERS = ("adam", "sgd")
IMAGE_DATASETS = ("mnist", "fashion-mnist")
RECIPES = ("seed", "fast")
DEVICES = ("auto", "cpu", "cuda")


# --- checks --------------------------------------------------------------------------------------

def check_int(name: str, value: Any, lo: int, hi: int) -> int:
    """Return ``value`` as an int in [lo, hi], or raise a ValueError naming the field."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) \
            or (isinstance(value, float) and (not math.isfinite(value) or int(value) != value)):
        raise ValueError(f"{name} must be a whole number between {lo} and {hi}, got {_short(value)}")
    if not lo <= value <= hi:
        raise ValueError(f"{name} must be between {lo} and {hi}, got {_short(value)}")
    return int(value)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def check_float(name: str, value: Any, lo: float, hi: float, *, lo_open: bool = False,
                hi_open: bool = False) -> float:
    """Return ``value`` as a float in the interval, or raise a ValueError naming the field."""
    left, right = ("(" if lo_open else "["), (")" if hi_open else "]")
    interval = f"{left}{lo:g}, {hi:g}{right}"
    if isinstance(value, bool) or not isinstance(value, (int, float)) \
            or (isinstance(value, float) and not math.isfinite(value)):
        raise ValueError(f"{name} must be a finite number in {interval}, got {_short(value)}")
    too_low = value <= lo if lo_open else value < lo
    too_high = value >= hi if hi_open else value > hi
    if too_low or too_high:
        raise ValueError(f"{name} must be in {interval}, got {_short(value)}")
    return float(value)


def check_choice(name: str, value: Any, choices: tuple[str, ...]) -> str:
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(choices)}; got {value!r}")
    return value


def check_layers(name: str, value: Any, *, max_layers: int = 8, max_width: int = 512) -> tuple[int, ...]:
    """Hidden layer widths: a sequence of 0..max_layers ints, each in [1, max_width]."""
    if isinstance(value, str):
        value = parse_layers(value)
    if not isinstance(value, (list, tuple)):
        raise ValueError(f"{name} must be a list of layer widths, got {value!r}")
    if len(value) > max_layers:
        raise ValueError(f"{name} may have at most {max_layers} hidden layers, got {len(value)}")
    return tuple(check_int(f"{name}[{i}]", v, 1, max_width) for i, v in enumerate(value))


def parse_layers(text: str) -> tuple[int, ...]:
    """'16, 8,4' -> (16, 8, 4); '' -> (). Raises ValueError on anything else."""
    parts = [p for p in text.replace(" ", "").split(",") if p]
    try:
        return tuple(int(p) for p in parts)
    except ValueError:
        raise ValueError(f"hidden layers must be comma-separated whole numbers, got {text!r}") from None


class _Config:
    """Shared helpers for the frozen config dataclasses."""

    def to_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        return {k: list(v) if isinstance(v, tuple) else v for k, v in d.items()}

    @classmethod
    def from_dict(cls, values: dict[str, Any]):
        """Build from loose values; unknown keys raise, missing keys take defaults."""
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = set(values) - names
        if unknown:
            raise ValueError(f"unknown {cls.__name__} field(s): {', '.join(sorted(unknown))}")
        return cls(**values)

    def replace(self, **changes):
        return dataclasses.replace(self, **changes)


def config_key(*parts: Any) -> str:
    """A stable hash of configs (and plain values) for caching trained results."""
    def plain(p):
        if isinstance(p, _Config):
            return [type(p).__name__, p.to_dict()]
        if isinstance(p, (list, tuple)):
            return [plain(x) for x in p]
        return p
    text = json.dumps([plain(p) for p in parts], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


# --- data ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class DataConfig(_Config):
    name: str = "moons"          # moons, circles, xor (two classes) or spiral (three classes)
    n_samples: int = 1000        # points in all, before the train/test split
    noise: float = 0.1           # standard deviation of Gaussian noise added to the points
    test_fraction: float = 0.2   # share of points held out for testing (stratified)
    seed: int = 42               # one seed for the points and the split

    def __post_init__(self):
        check_choice("name", self.name, TOY_DATASETS)
        object.__setattr__(self, "n_samples", check_int("n_samples", self.n_samples, 40, 20000))
        object.__setattr__(self, "noise", check_float("noise", self.noise, 0.0, 1.0))
        object.__setattr__(self, "test_fraction",
                           check_float("test_fraction", self.test_fraction, 0.05, 0.5))
        object.__setattr__(self, "seed", check_int("seed", self.seed, 0, 2**31 - 1))


# --- models on 2-D data --------------------------------------------------------------------------

def _check_common(cfg) -> None:
    """Checks shared by every model config (all have these fields)."""
    set_ = lambda k, v: object.__setattr__(cfg, k, v)  # noqa: E731 (frozen dataclass)
    set_("hidden", check_layers("hidden", cfg.hidden))
    check_choice("activation", cfg.activation, HIDDEN_ACTIVATIONS)
    set_("learning_rate", check_float("learning_rate", cfg.learning_rate, 0.0, 10.0, lo_open=True))
    set_("epochs", check_int("epochs", cfg.epochs, 1, 20000))
    set_("batch_size", check_int("batch_size", cfg.batch_size, 0, 100000))
    set_("l2", check_float("l2", cfg.l2, 0.0, 1.0))
    set_("seed", check_int("seed", cfg.seed, 0, 2**31 - 1))


@dataclass(frozen=True)
class ScratchConfig(_Config):
    """The from-scratch NumPy network. Defaults learn moons (the seed's did not)."""
    hidden: tuple[int, ...] = (16, 16)  # hidden layer widths; input and output come from the data
    activation: str = "tanh"            # hidden activation: relu, tanh or sigmoid
    init: str = "xavier"                # seed: 0.01*N(0,1) as in the seed; he; xavier
    learning_rate: float = 0.1
    epochs: int = 150
    batch_size: int = 32                # 0: full batch
    momentum: float = 0.9               # 0: plain gradient descent
    l2: float = 0.0                     # adds l2/2 * sum(W**2) to the loss
    seed: int = 0                       # weights and batch order

    def __post_init__(self):
        _check_common(self)
        check_choice("init", self.init, INITS)
        object.__setattr__(self, "momentum", check_float("momentum", self.momentum, 0.0, 1.0,
                                                         hi_open=True))


@dataclass(frozen=True)
class TorchMLPConfig(_Config):
    """The seed's PyTorch MLP: per hidden layer Linear -> activation -> BatchNorm1d -> Dropout."""
    hidden: tuple[int, ...] = (16, 8, 4)
    activation: str = "relu"
    batch_norm: bool = True
    dropout: float = 0.2                # dropout rate after each hidden layer; 0 turns it off
    optimizer: str = "adam"             # adam or sgd (with momentum)
    learning_rate: float = 0.01
    momentum: float = 0.9               # sgd only
    epochs: int = 300
    batch_size: int = 0                 # 0: full batch, as in the seed
    l2: float = 0.0                     # weight decay
    seed: int = 0

    def __post_init__(self):
        _check_common(self)
        if not isinstance(self.batch_norm, bool):
            raise ValueError(f"batch_norm must be true or false, got {self.batch_norm!r}")
        object.__setattr__(self, "dropout", check_float("dropout", self.dropout, 0.0, 0.9))
        check_choice("optimizer", self.optimizer, OPTIMIZERS)
        object.__setattr__(self, "momentum", check_float("momentum", self.momentum, 0.0, 1.0,
                                                         hi_open=True))


@dataclass(frozen=True)
class SklearnConfig(_Config):
    """scikit-learn's MLPClassifier, the well-known peer."""
    hidden: tuple[int, ...] = (16, 16)
    activation: str = "relu"            # relu, tanh or sigmoid (sklearn calls it logistic)
    optimizer: str = "adam"             # adam or sgd
    learning_rate: float = 0.01
    epochs: int = 150
    batch_size: int = 32                # 0: full batch
    l2: float = 0.0001                  # sklearn's alpha
    seed: int = 0

    def __post_init__(self):
        _check_common(self)
        check_choice("optimizer", self.optimizer, OPTIMIZERS)


ModelConfig = Union[ScratchConfig, TorchMLPConfig, SklearnConfig]
FRAMEWORKS: dict[type, str] = {ScratchConfig: "numpy", TorchMLPConfig: "torch", SklearnConfig: "sklearn"}
CONFIG_BY_FRAMEWORK = {v: k for k, v in FRAMEWORKS.items()}


@dataclass(frozen=True)
class ModelSpec:
    """One entry in a lineup: a display name and its config."""
    name: str
    config: ModelConfig

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name.strip() or len(self.name) > 60:
            raise ValueError(f"name must be 1 to 60 characters, got {self.name!r}")
        if type(self.config) not in FRAMEWORKS:
            raise ValueError(f"config must be one of {', '.join(c.__name__ for c in FRAMEWORKS)}")

    @property
    def framework(self) -> str:
        return FRAMEWORKS[type(self.config)]

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "framework": self.framework, "config": self.config.to_dict()}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "ModelSpec":
        framework = check_choice("framework", d.get("framework"), tuple(CONFIG_BY_FRAMEWORK))
        return cls(d.get("name", framework), CONFIG_BY_FRAMEWORK[framework].from_dict(d.get("config", {})))


# --- the CNN -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CNNConfig(_Config):
    """Training the seed's CNN on MNIST or Fashion-MNIST."""
    dataset: str = "mnist"              # mnist or fashion-mnist
    recipe: str = "fast"                # seed: Adam, batch 64, constant lr; fast: larger batch, one-cycle
    epochs: int = 3
    batch_size: int = 0                 # 0: the recipe's own (seed 64, fast 256)
    learning_rate: float = 0.0          # 0: the recipe's own (seed 1e-3, fast one-cycle peak 4e-3)
    device: str = "auto"                # auto: CUDA when present, else the CPU
    limit_train: int = 0                # 0: all training images; else the first N (stratified)
    seed: int = 0

    def __post_init__(self):
        check_choice("dataset", self.dataset, IMAGE_DATASETS)
        check_choice("recipe", self.recipe, RECIPES)
        object.__setattr__(self, "epochs", check_int("epochs", self.epochs, 1, 100))
        object.__setattr__(self, "batch_size", check_int("batch_size", self.batch_size, 0, 4096))
        object.__setattr__(self, "learning_rate",
                           check_float("learning_rate", self.learning_rate, 0.0, 1.0))
        check_choice("device", self.device, DEVICES)
        object.__setattr__(self, "limit_train", check_int("limit_train", self.limit_train, 0, 10**6))
        object.__setattr__(self, "seed", check_int("seed", self.seed, 0, 2**31 - 1))

    @property
    def effective_batch_size(self) -> int:
        return self.batch_size or (64 if self.recipe == "seed" else 256)

    @property
    def effective_learning_rate(self) -> float:
        return self.learning_rate or (1e-3 if self.recipe == "seed" else 4e-3)


# --- presets -------------------------------------------------------------------------------------

def _lineup(*specs: ModelSpec) -> tuple[ModelSpec, ...]:
    return tuple(specs)


PRESETS: dict[str, tuple[DataConfig, tuple[ModelSpec, ...]]] = {
    # The seed's exact set-up: its scratch network stays at chance, its PyTorch net learns.
    "seed": (DataConfig("moons", 1000, 0.1, 0.2, 42), _lineup(
        ModelSpec("Scratch (seed)", ScratchConfig(hidden=(4,), activation="relu", init="seed",
                                                  learning_rate=0.01, epochs=1000, batch_size=0,
                                                  momentum=0.0)),
        ModelSpec("PyTorch (seed)", TorchMLPConfig(epochs=1000)),
    )),
    # The dashboard's defaults: every model learns.
    "default": (DataConfig(), _lineup(
        ModelSpec("Scratch NumPy", ScratchConfig()),
        ModelSpec("PyTorch MLP", TorchMLPConfig()),
        ModelSpec("scikit-learn MLP", SklearnConfig()),
    )),
    # One wide hidden layer against a deep narrow stack, same data.
    "shallow-vs-deep": (DataConfig(noise=0.2), _lineup(
        ModelSpec("Shallow (1x8)", ScratchConfig(hidden=(8,))),
        ModelSpec("Deep (4x8)", ScratchConfig(hidden=(8, 8, 8, 8))),
        ModelSpec("Deep PyTorch (4x8)", TorchMLPConfig(hidden=(8, 8, 8, 8), dropout=0.0)),
    )),
}
PRESET_LABELS = {"seed": "Seed", "default": "Defaults", "shallow-vs-deep": "Shallow vs deep"}


def preset(name: str) -> tuple[DataConfig, tuple[ModelSpec, ...]]:
    check_choice("preset", name, tuple(PRESETS))
    return PRESETS[name]

