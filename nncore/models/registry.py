"""Every model family, registered once; the lineup's ``ModelSpec``, its presets and its limits.

Adding a family is one new module (its config dataclass beside its model class, following
``base.Classifier2D``) plus one line in ``FAMILIES``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

from ..core.settings import Config, check_choice
from ..data.toy import DataConfig
from .cnn import CNNConfig, SeedCNN
from .scratch import ScratchConfig, ScratchNetwork
from .sklearn_mlp import SklearnConfig, SklearnMLP
from .torch_mlp import TorchMLP, TorchMLPConfig


class Family(NamedTuple):
    framework: str        # the id used in links, JSON and the command line
    label: str            # how a page names it
    config: type          # its config dataclass
    model: type           # its model class
    toy: bool             # True: learns the 2-D toy sets (a Classifier2D); False: images


FAMILIES: dict[str, Family] = {f.framework: f for f in (
    Family("numpy", "Scratch NumPy", ScratchConfig, ScratchNetwork, True),
    Family("torch", "PyTorch MLP", TorchMLPConfig, TorchMLP, True),
    Family("sklearn", "scikit-learn MLP", SklearnConfig, SklearnMLP, True),
    Family("cnn", "The seed's CNN", CNNConfig, SeedCNN, False),
)}
TOY_FAMILIES = {k: f for k, f in FAMILIES.items() if f.toy}
FAMILY_BY_CONFIG = {f.config: f for f in FAMILIES.values()}
MAX_MODELS = 6            # models in one lineup


@dataclass(frozen=True)
class ModelSpec:
    """One entry in a lineup: a display name and its config."""
    name: str
    config: Config

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name.strip() or len(self.name) > 60:
            raise ValueError(f"name must be 1 to 60 characters, got {self.name!r:.70}")
        family = FAMILY_BY_CONFIG.get(type(self.config))
        if family is None or not family.toy:
            raise ValueError(f"config must be one of {', '.join(f.config.__name__ for f in TOY_FAMILIES.values())}")

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
        framework = check_choice("framework", d.get("framework"), tuple(TOY_FAMILIES))
        return cls(d.get("name", framework), TOY_FAMILIES[framework].config.from_dict(d.get("config", {})))


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
}
PRESET_LABELS = {"seed": "Seed", "default": "Defaults", "shallow-vs-deep": "Shallow vs deep",
                 "circles-features": "Circles: squared inputs"}


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
