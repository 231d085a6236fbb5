"""The host's trainer slots, shared fairly: first come, first served, one slot per session at most.

A live training takes a slot for one slice (a fraction of a second), then queues again at the
back, so many sessions share the slots in turn and no lineup can hold one for long. The queue
says how many are ahead of a waiting session.
"""
from __future__ import annotations

import itertools
import threading
import time


class TrainerPool:
    def __init__(self, slots: int):
        if slots < 1:
            raise ValueError(f"slots must be at least 1, got {slots}")
        self.slots = slots
        self._cond = threading.Condition()
        self._queue: list[tuple[str, int]] = []          # (who, ticket), oldest first
        self._holders: dict[str, int] = {}               # who -> slots held (at most one)
        self._tickets = itertools.count()

    def enter(self, who: str) -> tuple[str, int]:
        """Join the back of the queue."""
        with self._cond:
            ticket = (who, next(self._tickets))
            self._queue.append(ticket)
            return ticket

    def _eligible(self) -> list[tuple[str, int]]:
        """Waiting tickets that may take a slot, in order: none of a session that holds one already."""
        seen, out = set(), []
        for who, n in self._queue:
            if who not in self._holders and who not in seen:
                out.append((who, n))
                seen.add(who)
        return out

    def ahead(self, ticket: tuple[str, int]) -> int:
        """How many sessions will get a slot before this ticket."""
        with self._cond:
            eligible = self._eligible()
            return eligible.index(ticket) if ticket in eligible else len(eligible)

    def take(self, ticket: tuple[str, int], timeout: float) -> bool:
        """Wait up to ``timeout`` for this ticket's turn and a free slot; True once the slot is held."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                free = self.slots - sum(self._holders.values())
                if free > 0 and ticket in self._eligible()[:free]:
                    self._queue.remove(ticket)
                    self._holders[ticket[0]] = 1
                    return True
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)

    def leave(self, ticket: tuple[str, int]) -> None:
        """Stop waiting (the session moved on)."""
        with self._cond:
            if ticket in self._queue:
                self._queue.remove(ticket)
                self._cond.notify_all()

    def release(self, who: str) -> None:
        with self._cond:
            self._holders.pop(who, None)
            self._cond.notify_all()

    @property
    def busy(self) -> int:
        with self._cond:
            return sum(self._holders.values())
