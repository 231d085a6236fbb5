"""Every setting read from the environment, in one place (a host's operator sets these), and the
processor's feature flags (``cpu_flags``: what the bench reports and the CNN kernels are built for).
Nothing else in ``nncore`` reads ``os.environ``; the README lists each setting with its default.

- ``NNCORE_MAX_TRAINERS``: trainings that may run at once on the host (default 2); also the most
  worker processes one lineup trains in (``training.parallel``).
- ``NNCORE_TORCH_THREADS``: torch threads per training (default: cores / trainers).
- ``NNCORE_MODELS``: the folder of models prepared before class (default ``models/``).
- ``NNCORE_BUDGET_SECONDS``: the most host time one training may cost (default 30).
- ``NNCORE_FORCE_FP32``: 1 trains in float32 even where bfloat16 is native (to measure both paths).
- ``NNCORE_FUSED``: 0 keeps torch's layers where the fast recipe would use its fused CPU kernels.
- ``NNCORE_SHARED_MB``: memory for results shared between sessions (default 256 MB).
- ``NNCORE_CACHE``: the folder of results ``nncore warm`` prepares, and of the kernels built once per
  machine (default ``.nncore-cache/``).
- ``NNCORE_DATA``: the folder of image data sets (default ``data/``).
- ``NNCORE_MAX_CLASSES``, ``NNCORE_CLASS_STUDENTS``, ``NNCORE_CLASS_ENTRIES``, ``NNCORE_CLASS_IDLE_HOURS``: live
  classes on the server (200), students per class (60), challenge entries per class (100), and the hours
  without activity after which a class ends (3).
- ``CXX``: the C++ compiler that builds the CNN's fused kernels (default ``g++``); read when they are
  built (``compiler()``), so a test may change it.
"""
from __future__ import annotations

import os
from functools import cache
from pathlib import Path


def _int(name: str, default: int, lo: int = 1) -> int:
    raw = os.environ.get(name, "")
    try:
        return max(lo, int(raw)) if raw.strip() else default
    except ValueError:
        return default


def _float(name: str, default: float) -> float:
    raw = os.environ.get(name, "")
    try:
        value = float(raw) if raw.strip() else default
    except ValueError:
        return default
    return value if value > 0 and value == value else default


MAX_TRAINERS = _int("NNCORE_MAX_TRAINERS", 2)
TORCH_THREADS = _int("NNCORE_TORCH_THREADS", max(1, (os.cpu_count() or 2) // MAX_TRAINERS))
MODELS_DIR = Path(os.environ.get("NNCORE_MODELS") or Path(__file__).resolve().parent.parent / "models")
BUDGET_SECONDS = _float("NNCORE_BUDGET_SECONDS", 30.0)
FORCE_FP32 = os.environ.get("NNCORE_FORCE_FP32", "").strip().lower() in ("1", "true", "yes")
FUSED = os.environ.get("NNCORE_FUSED", "").strip().lower() not in ("0", "false", "no")
SHARED_MB = _int("NNCORE_SHARED_MB", 256)
CACHE_DIR = Path(os.environ.get("NNCORE_CACHE") or Path(__file__).resolve().parent.parent / ".nncore-cache")
MAX_CLASSES = _int("NNCORE_MAX_CLASSES", 200)
CLASS_STUDENTS = _int("NNCORE_CLASS_STUDENTS", 60)
CLASS_ENTRIES = _int("NNCORE_CLASS_ENTRIES", 100)
CLASS_IDLE_HOURS = _float("NNCORE_CLASS_IDLE_HOURS", 3.0)
DATA_DIR = Path(os.environ.get("NNCORE_DATA") or Path(__file__).resolve().parent.parent / "data")


def compiler() -> str:
    """The C++ compiler for the fused kernels: ``$CXX``, else ``g++``."""
    return os.environ.get("CXX") or "g++"


@cache
def cpu_flags() -> frozenset[str]:
    """The processor's feature flags ("avx2", "avx512_bf16", ...) as Linux lists them; empty elsewhere."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("flags"):
                return frozenset(line.split(":", 1)[1].split())
    except OSError:
        pass
    return frozenset()
