"""The MNIST page's transfer record: the comparison in progress (kept when a Stop click interrupts it) and
the last one measured, with its figure. One per session, never shared."""
from __future__ import annotations

from dataclasses import dataclass

from ..engine.transfer import TransferResult, TransferTraining
from ..figures.transfer import transfer_figure


@dataclass
class TransferStudy:
    run: TransferTraining | None = None       # in progress
    result: TransferResult | None = None      # the last one measured (finished or stopped)
    figure: object = None                     # its figure, built once

    def keep(self, result: TransferResult) -> None:
        self.run, self.result, self.figure = None, result, transfer_figure(result)

    def keep_interrupted(self) -> None:
        """A Stop click (or any rerun) interrupted the run: keep what it measured."""
        if self.run is not None:
            self.run.cancel()
            self.keep(self.run.result())
