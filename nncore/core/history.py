"""Per-epoch record of a training run, and the status words every engine and view uses.
Leaf module: imports nothing of ours."""
from __future__ import annotations

import math
from dataclasses import dataclass, field

# A training's status, in one place: running while it steps; then ok (finished), stopped or diverged.
RUNNING, OK, STOPPED, DIVERGED = "running", "ok", "stopped", "diverged"


def ended_label(status: str, at: int, planned: int, unit: str = "epoch") -> str | None:
    """'stopped at epoch 40 of 150' or 'diverged at epoch 41 of 150' (``at``: the unit it ended in);
    None for a run that is running or finished."""
    if status == STOPPED:
        return f"stopped at {unit} {at} of {planned}"
    if status == DIVERGED:
        return f"diverged at {unit} {at} of {planned}"
    return None


@dataclass
class History:
    """What each epoch measured. Lists stay aligned: one entry per finished epoch."""
    epoch: list[int] = field(default_factory=list)
    train_loss: list[float] = field(default_factory=list)
    train_accuracy: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_accuracy: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)   # cumulative training time at epoch end
    status: str = OK                                     # ok, diverged or stopped
    message: str = ""                                    # why, when status is not ok

    def record(self, epoch: int, train_loss: float, train_accuracy: float, val_loss: float,
               val_accuracy: float, seconds: float) -> None:
        self.epoch.append(int(epoch))
        self.train_loss.append(float(train_loss))
        self.train_accuracy.append(float(train_accuracy))
        self.val_loss.append(float(val_loss))
        self.val_accuracy.append(float(val_accuracy))
        self.seconds.append(float(seconds))

    def close_epoch(self, epoch: int, finite: bool, train_loss: float, train_accuracy: float,
                    val_loss: float, val_accuracy: float, seconds: float, on_epoch=None) -> bool:
        """End an epoch: mark divergence when the loss or weights are not finite, else record the
        epoch and run ``on_epoch(self)``. Returns True when training must stop."""
        if not finite or not math.isfinite(train_loss):
            self.diverge(epoch, "the loss")
            return True
        self.record(epoch, train_loss, train_accuracy, val_loss, val_accuracy, seconds)
        if on_epoch is not None and on_epoch(self):
            self.status, self.message = STOPPED, f"stopped after epoch {epoch}"
            return True
        return False

    def diverge(self, epoch: int, what: str) -> None:
        self.status = DIVERGED
        self.message = (f"{what} became NaN or infinite at epoch {epoch}: "
                        "lower the learning rate, or use a smaller initialisation.")

    def copy(self) -> History:
        """A snapshot that later epochs do not change (what a frame hands out)."""
        return History(*(list(getattr(self, k)) for k in ("epoch", "train_loss", "train_accuracy", "val_loss",
                                                          "val_accuracy", "seconds")), self.status, self.message)

    def truncated(self, epochs: int) -> History:
        """The first ``epochs`` epochs, for a view of training as it was then."""
        h = self.copy()
        for k in ("epoch", "train_loss", "train_accuracy", "val_loss", "val_accuracy", "seconds"):
            del getattr(h, k)[epochs:]
        return h

    @property
    def epochs_run(self) -> int:
        return len(self.epoch)

    def last(self, name: str) -> float:
        values = getattr(self, name)
        return values[-1] if values else math.nan

    def rows(self) -> list[dict]:
        """One dict per epoch (for JSON and data frames)."""
        return [dict(epoch=e, train_loss=tl, train_accuracy=ta, val_loss=vl, val_accuracy=va, seconds=s)
                for e, tl, ta, vl, va, s in zip(self.epoch, self.train_loss, self.train_accuracy,
                                                self.val_loss, self.val_accuracy, self.seconds)]
