"""Trained results shared by every session of one server process, behind a per-key claim.

A result depends only on its key (data, config with its seed, mesh), and once made it never
changes, so one copy serves the whole class. When 30 students press Train on the same lineup,
the first to ``claim`` a key trains it; the others ``wait`` for it and show the same result.
An owner that stops, fails or closes its tab releases its claims at once; a claim whose owner
vanished without a word (a crashed script) goes stale after ``STALE_SECONDS`` and can be taken
over, so no one waits forever. Owners keep their claims fresh while they train and while they wait
for a trainer slot. The store is bounded in bytes: the least recently used results go first.
Results prepared by ``nncore warm`` are read from a folder on a miss (``store.load_result``).
"""
from __future__ import annotations

import threading
import time
from collections import OrderedDict
from pathlib import Path

from ..engine.results import ModelResult
from .store import load_result, result_nbytes

STALE_SECONDS = 30.0
MINE, READY, TAKEN = "mine", "ready", "taken"


class SharedResults:
    """Thread-safe, bounded, read-only results by key, with claims for the ones being trained."""

    def __init__(self, max_bytes: int = 256 * 2**20, folder: Path | None = None):
        self.max_bytes, self.folder = max_bytes, folder
        self._items: OrderedDict[str, tuple[ModelResult, int]] = OrderedDict()
        self._claims: dict[str, tuple[str, float]] = {}        # key -> (owner, last sign of life)
        self._cond = threading.Condition()
        self.bytes = 0
        self.trainings = 0                                     # results trained in this process

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key: str) -> ModelResult | None:
        with self._cond:
            item = self._items.get(key)
            if item is not None:
                self._items.move_to_end(key)
                return item[0]
        result = load_result(self.folder, key) if self.folder is not None else None
        if result is not None:
            self._store(key, result)
        return result

    def claim(self, key: str, owner: str) -> str:
        """READY: the result exists (``get`` it); MINE: train it, then ``put`` or ``release``;
        TAKEN: another session is training it (``get`` it later)."""
        if self.get(key) is not None:
            return READY
        with self._cond:
            holder = self._claims.get(key)
            if holder is None or holder[0] == owner or time.monotonic() - holder[1] > STALE_SECONDS:
                self._claims[key] = (owner, time.monotonic())
                return MINE
            return TAKEN

    def touch(self, keys, owner: str) -> None:
        """The owner is alive and training these keys."""
        with self._cond:
            now = time.monotonic()
            for key in keys:
                if self._claims.get(key, ("",))[0] == owner:
                    self._claims[key] = (owner, now)

    def put(self, key: str, result: ModelResult, owner: str) -> None:
        """Store a finished result (its arrays become read-only) and end the claim."""
        for array in [result.boundary, *(p for _, p in result.snapshots), *result.hidden,
                      *(a for pair in result.layers for a in pair)]:
            if array is not None:
                array.flags.writeable = False
        self._store(key, result)
        with self._cond:
            self.trainings += 1
            self._claims.pop(key, None)
            self._cond.notify_all()

    def release(self, key: str, owner: str) -> None:
        """Give up a claim without a result (stopped, failed, or the session went away)."""
        with self._cond:
            if self._claims.get(key, ("",))[0] == owner:
                del self._claims[key]
                self._cond.notify_all()

    def wait(self, key: str, timeout: float) -> ModelResult | None:
        """Block until the key's result exists or its claim ends (or ``timeout``)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while key not in self._items and key in self._claims and time.monotonic() < deadline:
                self._cond.wait(min(0.2, max(0.0, deadline - time.monotonic())))
        return self.get(key)

    def _store(self, key: str, result: ModelResult) -> None:
        size = result_nbytes(result)
        with self._cond:
            if key in self._items:
                self.bytes -= self._items.pop(key)[1]
            self._items[key] = (result, size)
            self.bytes += size
            while self.bytes > self.max_bytes and len(self._items) > 1:
                self.bytes -= self._items.popitem(last=False)[1][1]
