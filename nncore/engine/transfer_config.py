"""What a transfer comparison is asked (``TransferConfig``, declared settings) and what it measured
(``TransferResult``: per label count, both arms' accuracies and seconds over seeds, and a verdict in words
that says when the gap is within the spread). The engine is ``engine.transfer``."""
from __future__ import annotations

import statistics
from dataclasses import dataclass, field

from ..core.cost import Estimate
from ..core.history import OK
from ..core.settings import Config, seed_setting, setting
from ..data.images import IMAGE_DATASETS

BATCH, LR = 32, 1e-3              # fine-tuning: Adam's rate, batches of 32

LADDERS = {"100,500,2000": "100, 500, 2,000", "20,100": "20, 100", "1000,4000": "1,000, 4,000", "50": "50"}
FREEZE = {"convs": "conv1 + conv2", "conv1": "conv1 only", "none": "none"}


@dataclass(frozen=True)
class TransferConfig(Config):
    """A CNN trained on one set, fine-tuned on a few labels of the other, against one from scratch."""
    source: str = setting("mnist", "choice", "Trained first on", "The set the CNN learns its filters on; "
                          "the other one is fine-tuned on a few labels.", choices=IMAGE_DATASETS)
    labels: str = setting("100,500,2000", "choice", "Label counts", "How many labelled images of the "
                          "other set each comparison fine-tunes on.", choices=LADDERS)
    freeze: str = setting("convs", "choice", "Frozen layers", "Which of the source's layers stay as they "
                          "are while fine-tuning: conv1 + conv2 (only the head learns), conv1 only (conv2 "
                          "fine-tuned too), or none (every layer fine-tuned from the source's weights).",
                          choices=FREEZE)
    seeds: int = setting(3, "int", "Seeds", "Each comparison is repeated with this many seeds (other labels, "
                         "other initial head): the spread is over them.", range=(1, 10))
    steps: int = setting(100, "int", "Fine-tuning steps", f"Optimizer steps per training, batches of {BATCH}.",
                         range=(10, 2000), step=10)
    source_epochs: int = setting(2, "int", "Source epochs", "Epochs of the first training.", range=(1, 20),
                                 advanced=True)
    source_images: int = setting(4000, "int", "Source images (0 = all)", "Images of the first set it "
                                 "trains on.", range=(0, 60000), step=1000, advanced=True)
    test_images: int = setting(1000, "int", "Test images", "Accuracies are measured on this many test images "
                               "of each set.", range=(50, 10000), step=50, advanced=True)
    seed: int = seed_setting()

    @property
    def target(self) -> str:
        return next(d for d in IMAGE_DATASETS if d != self.source)

    @property
    def counts(self) -> tuple[int, ...]:
        return tuple(int(c) for c in self.labels.split(","))


@dataclass(frozen=True)
class TransferRow:
    """One label count: each arm's test accuracy and training seconds, one per seed."""
    labels: int                   # asked for
    used: int                     # given (fewer when the set has fewer training images)
    transfer: list[float] = field(default_factory=list)
    scratch: list[float] = field(default_factory=list)
    transfer_seconds: list[float] = field(default_factory=list)
    scratch_seconds: list[float] = field(default_factory=list)

    def summary(self) -> dict:
        return {"labels": self.labels, "labels_used": self.used, "seeds": len(self.scratch),
                **{f"{arm}_{k}": v for arm in ("transfer", "scratch") for k, v in spread(getattr(self, arm)).items()},
                "transfer_accuracies": self.transfer, "scratch_accuracies": self.scratch,
                "transfer_seconds": [round(s, 3) for s in self.transfer_seconds],
                "scratch_seconds": [round(s, 3) for s in self.scratch_seconds]}

    def verdict(self, source: str) -> str:
        """In words, honestly: helped, hurt, or within the spread over seeds."""
        t, s = spread(self.transfer), spread(self.scratch)
        if not self.transfer or not self.scratch:
            return f"{self.used} labels: not measured."
        gap, noise = t["mean"] - s["mean"], max(t["std"] or 0.0, s["std"] or 0.0)
        said = (f"{self.used} labels: {t['mean']:.1%} with filters learned on {IMAGE_DATASETS[source]}, "
                f"{s['mean']:.1%} from scratch")
        if len(self.scratch) < 2:
            return f"{said} (one seed: no spread to judge the gap by)."
        if abs(gap) <= noise:
            return (f"{said}: no clear difference (the gap, {100 * abs(gap):.1f} points, is within the spread "
                    f"over seeds, {100 * noise:.1f}).")
        return (f"{said}: transfer {'helped' if gap > 0 else 'hurt'} by {100 * abs(gap):.1f} points (spread over "
                f"seeds {100 * noise:.1f}).")


def spread(values: list[float]) -> dict:
    return {"mean": statistics.fmean(values) if values else None,
            "std": statistics.stdev(values) if len(values) > 1 else (0.0 if values else None)}


@dataclass
class TransferResult:
    config: TransferConfig
    source_accuracy: float        # the source model on its own set's test images
    source_seconds: float
    rows: list[TransferRow]
    status: str = OK
    message: str = ""

    def summary(self) -> dict:
        c = self.config
        return {"source": c.source, "target": c.target, "freeze": c.freeze, "steps": c.steps, "batch": BATCH,
                "source_test_accuracy": self.source_accuracy, "source_seconds": round(self.source_seconds, 3),
                "status": self.status, "message": self.message, "rows": [r.summary() for r in self.rows],
                "verdicts": [r.verdict(c.source) for r in self.rows]}


def over_budget(estimate: Estimate, config: TransferConfig, budget_seconds: float) -> str | None:
    """None when the comparison fits the budget; else a message with the estimate and what to lower."""
    if estimate.seconds <= budget_seconds:
        return None
    seeds = max(1, int(config.seeds * budget_seconds / estimate.seconds))
    return (f"This comparison would take about {estimate.seconds:.0f} s of this server's time; the limit is "
            f"{budget_seconds:.0f} s per training, so every student gets a turn: use fewer seeds ({config.seeds} "
            f"→ {seeds}), fewer fine-tuning steps, or fewer label counts.")
