"""The stepping protocol, written once for every engine (the 2-D models' and the CNN's).

    run = Engine(...)                  # run.estimate(): FLOPs and expected seconds, before any work
    frame = run.advance(...)           # pull the training generator forward; a frame of the moment
    run.cancel()                       # honoured between any two batches (from any thread)
    run.stop()                         # cancel and end now: "stopped at epoch e of E"

A training is a generator that yields ``"batch"`` after every optimizer step and ``"epoch"`` after
every finished stage (an epoch, a tree, a round) and ends when training does. ``Stepper`` pulls from
it; nothing else touches the model in between (a frame only reads it), so many small advances give
bit for bit the weights and history of one advance to the end. The status words live in
``core.history`` (running, ok, stopped, diverged).
"""
from __future__ import annotations

import threading
from collections.abc import Iterator

from ..core.cost import Estimate
from ..core.history import DIVERGED, OK, RUNNING, STOPPED, History, ended_label

__all__ = ["DIVERGED", "OK", "RUNNING", "STOPPED", "Stepper", "ended_label"]


class Stepper:
    """What every engine shares: the pull loop, cancel and stop, the status. A subclass sets
    ``history`` and ``_steps`` (the training generator) and defines ``epochs`` (stages planned),
    ``closed`` (stages finished by this run), ``estimate()`` and ``frame()``."""

    unit = "epoch"                    # what one stage is called, in "stopped at epoch 4 of 10"
    history: History
    _steps: Iterator[str]

    def __init__(self):
        self._cancel = threading.Event()
        self._finished = False

    # --- what a subclass defines ------------------------------------------------------------------

    @property
    def epochs(self) -> int:          # stages planned
        raise NotImplementedError

    @property
    def closed(self) -> int:          # stages this run has finished
        raise NotImplementedError

    def estimate(self) -> Estimate:
        raise NotImplementedError

    def frame(self):
        raise NotImplementedError

    def _stopped_at(self) -> int:
        """The stage a stop lands in (the CNN counts a started epoch)."""
        return self.closed

    def _must_close_epoch(self) -> bool:
        """Whether the generator must be pulled once more to close an epoch before anything else (the
        CNN evaluates an epoch after its last batch, even when asked for no more batches)."""
        return False

    def _ended(self) -> bool:
        """After a stage closed: whether the training is over (diverged, or every stage done)."""
        return self.history.status != OK or self.closed >= self.epochs

    # --- the protocol -----------------------------------------------------------------------------

    @property
    def done(self) -> bool:
        return self._finished

    @property
    def status(self) -> str:
        return self.history.status if self._finished else RUNNING

    def cancel(self) -> None:
        """Stop before the next batch; the model keeps what it has learned so far."""
        self._cancel.set()

    def stop(self) -> None:
        """Cancel and end now (from the thread that advances it): "stopped at epoch e of E"."""
        self._cancel.set()
        if not self._finished:
            self._stop()

    def _pull(self, *, batches: int = 0, epochs: int = 0) -> None:
        """Pull the training forward by ``batches`` optimizer steps or ``epochs`` stages (fewer when
        training ends, diverges, is stopped by a callback or cancelled)."""
        if (batches > 0) == (epochs > 0) or min(batches, epochs) < 0:
            raise ValueError(f"advance by batches or by epochs, one of them at least 1; got {batches=}, {epochs=}")
        steps = closed = 0
        while not self._finished:
            if self._must_close_epoch():
                pass
            elif (batches and steps >= batches) or (epochs and closed >= epochs):
                break
            elif self._cancel.is_set():
                self._stop()
                break
            event = next(self._steps, None)
            if event == "batch":
                steps += 1
            elif event == "epoch":
                closed += 1
                if self._ended():
                    next(self._steps, None)                    # the generator ends here
                    self._finished = True
            else:                                              # a callback stopped it, or it diverged
                self._finished = True

    def _stop(self) -> None:
        h = self.history
        if h.status == OK:
            h.status, h.message = STOPPED, ended_label(STOPPED, self._stopped_at(), self.epochs, self.unit)
        self._steps.close()
        self._finished = True
