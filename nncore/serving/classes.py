"""Live classes: a teacher's lesson step, the class's anonymous answers and its challenge entries, shared by
every session of one server process (like ``shared.SharedResults``), thread-safe and bounded.

A class is opened by a teacher (``start``): it gets a short code from an alphabet a room reads aloud without
look-alikes, and a *teacher key*, a secret that the teacher's session keeps in its own state and that every
teacher action (``goto``, ``reveal``, ``hide``, ``end``) must present; no link carries it. A student ``join``s
with the code and gets a *seat*: a random token, never shown on the projector and never written to disk, that
their answers and entries are kept under, so one session's flood of clicks counts once and a reload (the
seat comes back in the student's own link) keeps their answer. A seat the class did not issue is not taken:
the session gets a new one.

Bounds (``nncore.env``): at most ``max_classes`` live classes, ``max_students`` seats and ``max_entries``
challenge entries per class; a class with no change for ``idle_seconds`` (3 h) is gone, as is one its teacher
ended. Every refusal is a ``ValueError`` with one line a page can show as it is.
"""
from __future__ import annotations

import hmac
import secrets
import threading
import time
from dataclasses import dataclass, field, replace

from .class_names import ALPHABET, CODE_LENGTH, NICKNAME_MAX, check_nickname, no_class, normal_code  # noqa: F401


@dataclass(frozen=True)
class Entry:
    """One challenge entry: a student's best model under their nickname (the seat stays in the store)."""
    id: int
    step: int
    nickname: str
    accuracy: float              # test accuracy, 0..1, as the server measured it
    parameters: int | None
    seconds: float               # training time
    differs: str                 # the settings that differ from the challenge's start, "" for none
    hidden: bool = False         # the teacher hid it from the board


@dataclass(frozen=True)
class ClassView:
    """What a page shows of a class at one moment (a copy: the store changes on, this does not)."""
    code: str
    lesson: str
    step: int                    # the teacher's step, from 0
    revealed: bool               # the teacher revealed this step's answer
    counts: tuple[int, ...]      # answers per option of this step
    students: int                # seats taken
    entries: tuple[Entry, ...]   # this step's entries, best first, hidden ones included (flagged)
    version: int                 # changes whenever anything in the class changes

    @property
    def answered(self) -> int:
        return sum(self.counts)


@dataclass
class _Class:
    code: str
    lesson: str
    options: tuple[int, ...]     # per step: its number of options (0: nothing to answer, a challenge)
    key: str
    touched: float
    step: int = 0
    version: int = 0
    revealed: set[int] = field(default_factory=set)
    seats: set[str] = field(default_factory=set)
    answers: dict[int, dict[str, int]] = field(default_factory=dict)         # step -> seat -> option
    entries: dict[tuple[int, str], Entry] = field(default_factory=dict)      # (step, seat) -> entry
    pictures: dict[int, bytes] = field(default_factory=dict)                 # entry id -> boundary PNG


class Classes:
    """Every live class of this server process, by code."""

    def __init__(self, max_classes: int = 200, max_students: int = 60, max_entries: int = 100,
                 idle_seconds: float = 3 * 3600.0, picture_bytes: int = 256 * 1024, clock=time.monotonic):
        self.max_classes, self.max_students, self.max_entries = max_classes, max_students, max_entries
        self.idle_seconds, self.picture_bytes, self._clock = idle_seconds, picture_bytes, clock
        self._classes: dict[str, _Class] = {}
        self._lock = threading.Lock()
        self._ids = 0

    def __len__(self) -> int:
        with self._lock:
            return self._expire() or len(self._classes)

    # --- the teacher ---

    def start(self, lesson: str, options) -> tuple[str, str]:
        """A new class on ``lesson`` (``options``: each step's number of options). Returns (code, teacher key)."""
        options = tuple(int(n) for n in options)
        if not options or any(n < 0 for n in options):
            raise ValueError("a class needs a lesson with at least one step")
        with self._lock:
            self._expire()
            if len(self._classes) >= self.max_classes:
                raise ValueError(f"This server already has {self.max_classes} live classes: end one, or try later.")
            code = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
            while code in self._classes:
                code = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
            key = secrets.token_urlsafe(16)
            self._classes[code] = _Class(code, lesson, options, key, self._clock())
            return code, key

    def goto(self, code: str, key: str, step: int) -> None:
        """The teacher moves the class to ``step`` (from 0)."""
        with self._lock:
            c = self._teacher(code, key)
            if not 0 <= step < len(c.options):
                raise ValueError(f"this lesson has steps 1 to {len(c.options)}")
            if c.step != step:
                c.step = step
                self._changed(c)

    def reveal(self, code: str, key: str) -> None:
        """The teacher reveals the current step's answer: answers to it close."""
        with self._lock:
            c = self._teacher(code, key)
            c.revealed.add(c.step)
            self._changed(c)

    def hide(self, code: str, key: str, entry_id: int, hidden: bool = True) -> None:
        """The teacher hides an entry from the board (or shows it again)."""
        with self._lock:
            c = self._teacher(code, key)
            where = next((k for k, e in c.entries.items() if e.id == entry_id), None)
            if where is None:
                raise ValueError("No such entry in this class.")
            c.entries[where] = replace(c.entries[where], hidden=hidden)
            self._changed(c)

    def end(self, code: str, key: str) -> None:
        with self._lock:
            self._teacher(code, key)
            del self._classes[code]

    # --- the students ---

    def join(self, code, seat: str | None = None) -> str:
        """A seat in the class: ``seat`` itself when the class issued it (a reload), else a new one."""
        with self._lock:
            c = self._class(code)
            if isinstance(seat, str) and seat in c.seats:
                return seat
            if len(c.seats) >= self.max_students:
                raise ValueError(f"Class {c.code} is full ({self.max_students} students): ask your teacher.")
            seat = secrets.token_urlsafe(12)
            c.seats.add(seat)
            self._changed(c)
            return seat

    def answer(self, code, seat: str, step: int, option) -> None:
        """A student's answer to ``step``: one per seat (a new one replaces it), until the reveal."""
        with self._lock:
            c = self._seated(code, seat)
            if step != c.step:
                raise ValueError("The class has moved on to another step: answer the one on screen.")
            n = c.options[step]
            if n == 0:
                raise ValueError("This step has no question to answer.")
            if not isinstance(option, int) or isinstance(option, bool) or not 0 <= option < n:
                raise ValueError(f"Pick one of the {n} options.")
            if step in c.revealed:
                raise ValueError("The answer is revealed: answers to this step are closed.")
            if c.answers.setdefault(step, {}).get(seat) != option:
                c.answers[step][seat] = option
                self._changed(c)

    def answer_of(self, code, seat: str, step: int) -> int | None:
        """The seat's answer to ``step``, or None."""
        with self._lock:
            return self._seated(code, seat).answers.get(step, {}).get(seat)

    def submit(self, code, seat: str, step: int, nickname, accuracy: float, parameters: int | None,
               seconds: float, differs: str = "", picture: bytes = b"") -> Entry:
        """A challenge entry for ``step``; the seat's earlier entry to it is replaced (its nickname may change)."""
        name = check_nickname(nickname)
        if len(picture) > self.picture_bytes:
            raise ValueError("That boundary picture is too large to keep.")
        with self._lock:
            c = self._seated(code, seat)
            if step != c.step or c.options[step] != 0:
                raise ValueError("The class is not on a challenge step.")
            if any(e.nickname.casefold() == name.casefold() for (s, who), e in c.entries.items()
                   if s == step and who != seat):
                raise ValueError(f"The nickname '{name}' is taken in this class: choose another.")
            old = c.entries.get((step, seat))
            if old is None and len(c.entries) >= self.max_entries:
                raise ValueError(f"The class board is full ({self.max_entries} entries).")
            self._ids += 1
            entry = Entry(self._ids, step, name, float(accuracy), parameters, float(seconds), differs[:200])
            if old is not None:
                c.pictures.pop(old.id, None)
            c.entries[(step, seat)] = entry
            c.pictures[entry.id] = bytes(picture)
            self._changed(c)
            return entry

    def entry_of(self, code, seat: str, step: int) -> Entry | None:  # noqa: D102
        with self._lock:
            return self._seated(code, seat).entries.get((step, seat))

    # --- every page ---

    def view(self, code) -> ClassView:
        """The class as it is now; a ValueError when there is no such class (any more)."""
        with self._lock:
            c = self._class(code)
            counts = [0] * c.options[c.step]
            for option in c.answers.get(c.step, {}).values():
                counts[option] += 1
            board = sorted((e for (s, _), e in c.entries.items() if s == c.step),
                           key=lambda e: (-e.accuracy, e.parameters or 0, e.id))
            return ClassView(c.code, c.lesson, c.step, c.step in c.revealed, tuple(counts), len(c.seats),
                             tuple(board), c.version)

    def picture(self, code, entry_id: int) -> bytes:
        with self._lock:
            return self._class(code).pictures.get(entry_id, b"")

    # --- inside (the lock held) ---

    def _expire(self) -> None:
        now = self._clock()
        for code in [k for k, c in self._classes.items() if now - c.touched > self.idle_seconds]:
            del self._classes[code]

    def _class(self, code) -> _Class:
        self._expire()
        c = self._classes.get(normal_code(code) or "")
        if c is None:
            raise no_class(code)
        return c

    def _teacher(self, code, key) -> _Class:
        c = self._class(code)
        if not isinstance(key, str) or not hmac.compare_digest(key, c.key):
            raise ValueError("Only the teacher's session can do that.")
        return c

    def _seated(self, code, seat) -> _Class:
        c = self._class(code)
        if seat not in c.seats:
            raise ValueError("Join the class first (open its link, or type its code).")
        return c

    def _changed(self, c: _Class) -> None:
        c.version += 1
        c.touched = self._clock()
