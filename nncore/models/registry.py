"""Every 2-D model family, registered once; the lineup's ``ModelSpec``, its presets and its limits.

Adding a family is one new module (its ``ToyConfig`` subclass, its model class and its
``base.Family`` record) plus one line in ``FAMILIES``. The CNN is not a toy family: it trains on
images through its own engine (``engine.cnn``).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..core.settings import check_choice
from ..data.toy import DataConfig
from . import boosting, forest, knn, logistic, scratch, sklearn_mlp, svm, torch_mlp
from .base import Family, ToyConfig
from .boosting import BoostingConfig
from .forest import ForestConfig
from .knn import KNNConfig
from .logistic import LogisticConfig
from .scratch import ScratchConfig
from .sklearn_mlp import SklearnConfig
from .svm import SVMConfig
from .torch_mlp import TorchMLPConfig

FAMILIES: dict[str, Family] = {f.framework: f for f in (
    scratch.FAMILY,
    torch_mlp.FAMILY,
    sklearn_mlp.FAMILY,
    logistic.FAMILY,
    knn.FAMILY,
    svm.FAMILY,
    forest.FAMILY,
    boosting.FAMILY,
)}
FAMILY_BY_CONFIG: dict[type, Family] = {f.config: f for f in FAMILIES.values()}
MAX_MODELS = 8            # models in one lineup (the baselines preset holds 7)


@dataclass(frozen=True)
class ModelSpec:
    """One entry in a lineup: a display name and its config."""
    name: str

    config: ToyConfig

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name.strip() or len(self.name) > 60:
            raise ValueError(f"name must be 1 to 60 characters, got {self.name!r:.70}")
        if type(self.config) not in FAMILY_BY_CONFIG:
            raise ValueError(f"config must be one of {', '.join(f.config.__name__ for f in FAMILIES.values())}")

    @property
    def framework(self) -> str:
        return FAMILY_BY_CONFIG[type(self.config)].framework

    @property
    def family(self) -> Family:
        return FAMILY_BY_CONFIG[type(self.config)]

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "framework": self.framework, "config": self.config.to_dict()}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ModelSpec:
        if not isinstance(d, dict):
            raise ValueError(f"a model must be a mapping with name, framework and config, got {d!r:.60}")
        framework = check_choice("framework", d.get("framework"), tuple(FAMILIES))
        return cls(d.get("name", framework), FAMILIES[framework].config.from_dict(d.get("config", {})))

    @property
    def planned(self) -> int:
        """How many stages (epochs, trees, rounds; 1 for a model fitted at once) its training runs."""
        return self.family.planned(self.config)


def register(family: Family) -> Family:
    """Add a family to the registry (what its line in ``FAMILIES`` does; a test adds a throwaway one)."""
    if family.framework in FAMILIES or family.config in FAMILY_BY_CONFIG:
        raise ValueError(f"a family {family.framework!r} (or its config) is registered already")
    FAMILIES[family.framework] = family
    FAMILY_BY_CONFIG[family.config] = family
    return family


def unregister(framework: str) -> None:
    family = FAMILIES.pop(framework)
    FAMILY_BY_CONFIG.pop(family.config, None)


def build_model(spec: ModelSpec, n_features: int, n_classes: int):
    """A fresh, untrained model for this spec."""
    return spec.family.model(spec.config, n_features, n_classes)


def check_lineup(lineup) -> tuple[ModelSpec, ...]:
    lineup = tuple(lineup)
    if not 1 <= len(lineup) <= MAX_MODELS:
        raise ValueError(f"a lineup must hold 1 to {MAX_MODELS} models, got {len(lineup)}")
    return lineup


# --- presets ---------------------------------------------------------------------------------------

SEED_SCRATCH = ScratchConfig(hidden=(4,), activation="relu", init="seed", learning_rate=0.01, epochs=1000,
                             batch_size=0, momentum=0.0)
CIRCLES_LINEAR = ScratchConfig(hidden=(), learning_rate=0.5, epochs=100, batch_size=0)
PRESETS: dict[str, tuple[DataConfig, tuple[ModelSpec, ...]]] = {
    # The seed's exact set-up: its scratch network stays at chance, its PyTorch net learns; the third
    # model is the seed's scratch network with one thing changed, its weight initialisation.
    "seed": (DataConfig("moons", 1000, 0.1, 0.2, 42), (
        ModelSpec("Scratch (seed)", SEED_SCRATCH),
        ModelSpec("PyTorch (seed)", TorchMLPConfig(epochs=1000)),
        ModelSpec("Scratch (seed), He init", SEED_SCRATCH.replace(init="he")),
    )),
    # The dashboard's defaults: every model learns.
    "default": (DataConfig(), (
        ModelSpec("Scratch NumPy", ScratchConfig()),
        ModelSpec("PyTorch MLP", TorchMLPConfig()),
        ModelSpec("scikit-learn MLP", SklearnConfig()),
    )),
    # The same narrow layer once, or three times, on the spiral: depth lets four units per layer bend
    # the boundary around the arms (measured: 1x4 scores 59-78 %, 3x4 scores 92-97 %, seeds 0-2).
    "shallow-vs-deep": (DataConfig(name="spiral", noise=0.1), (
        ModelSpec("Shallow (1x4)", ScratchConfig(hidden=(4,), learning_rate=0.05, epochs=300)),
        ModelSpec("Deep (3x4)", ScratchConfig(hidden=(4, 4, 4), learning_rate=0.05, epochs=300)),
    )),
    # TensorFlow Playground's engineered inputs: with no hidden layer a network draws one straight line,
    # which cannot part two rings; given x1² and x2² the same line is a circle in the plane (measured,
    # seeds 0-4: 48-48.5 % without, 99.5 % with; under 0.01 s each).
    "circles-features": (DataConfig(name="circles"), (
        ModelSpec("No hidden layer (x1, x2)", CIRCLES_LINEAR),
        ModelSpec("No hidden layer (+ x1², x2²)", CIRCLES_LINEAR.replace(inputs=("x1", "x2", "x1^2", "x2^2"))),
    )),
    # "Why neural networks?": scikit-learn's classifier comparison beside the default networks. On moons
    # the straight line of a logistic regression fails (0.885 here) where the networks learn (1.0); on
    # circles and XOR, switch the data set and see which models cope (tests/test_baselines.py).
    "baselines": (DataConfig(seed=0), (
        ModelSpec("Scratch NumPy", ScratchConfig()),
        ModelSpec("PyTorch MLP", TorchMLPConfig()),
        ModelSpec("Logistic regression", LogisticConfig()),
        ModelSpec("Nearest neighbours", KNNConfig()),
        ModelSpec("RBF SVM", SVMConfig()),
        ModelSpec("Random forest", ForestConfig()),
        ModelSpec("Gradient boosting", BoostingConfig()),
    )),
}
PRESET_LABELS = {"seed": "Seed", "default": "Defaults", "shallow-vs-deep": "Shallow vs deep",
                 "circles-features": "Circles: squared inputs", "baselines": "Why neural networks?"}


def differences(a: ModelSpec, b: ModelSpec) -> list[dict]:
    """What differs between two models, setting by setting, named as the page names them."""
    from ..core.settings import settings_of
    rows = [] if a.framework == b.framework else [{"setting": "Framework", a.name: a.family.label,
                                                   b.name: b.family.label}]
    declared = {**settings_of(b.config), **settings_of(a.config)}
    for field, s in declared.items():
        va, vb = getattr(a.config, field, "—"), getattr(b.config, field, "—")
        if va != vb:
            rows.append({"setting": s.label, a.name: _shown(va), b.name: _shown(vb)})
    return rows


def _shown(value) -> str:
    return ", ".join(map(str, value)) if isinstance(value, tuple) else str(value)


def preset(name: str) -> tuple[DataConfig, tuple[ModelSpec, ...]]:
    check_choice("preset", name, tuple(PRESETS))
    return PRESETS[name]
