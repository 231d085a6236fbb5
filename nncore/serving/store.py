"""Trained results on disk (``nncore warm`` prepares them before class) — JSON and .npz, never pickle.

``<key>.json`` holds the spec, history and metrics; ``<key>.npz`` the boundary and the frames,
read back with ``allow_pickle=False``. A file that fails any check is ignored (and trained anew).
"""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

from ..core.history import History
from ..engine.results import ModelResult
from ..models.registry import ModelSpec

_HISTORY = ("epoch", "train_loss", "train_accuracy", "val_loss", "val_accuracy", "seconds")


def result_nbytes(result: ModelResult) -> int:
    """About how much memory a result holds: its arrays, its history and a little besides."""
    return sum(a.nbytes for a in _arrays(result) if a is not None) + 6 * 32 * result.history.epochs_run + 2048


def _arrays(result: ModelResult) -> list:
    return [result.boundary, *(p for _, p in result.snapshots), *result.hidden,
            *(a for pair in result.layers for a in pair)]


def save_result(folder: Path, key: str, result: ModelResult) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    h = result.history
    meta = {"spec": result.spec.to_dict(), "parameters": result.parameters,
            "train_seconds": result.train_seconds, "test_accuracy": result.test_accuracy,
            "train_loss": result.train_loss, "test_loss": result.test_loss,
            "history": {k: getattr(h, k) for k in _HISTORY}, "status": h.status, "message": h.message,
            "snapshot_epochs": [e for e, _ in result.snapshots], "n_layers": len(result.layers),
            "n_hidden": len(result.hidden)}
    arrays = {"snapshots": np.stack([p for _, p in result.snapshots])} if result.snapshots else {}
    arrays.update({f"W{i}": W for i, (W, _) in enumerate(result.layers)})
    arrays.update({f"b{i}": b for i, (_, b) in enumerate(result.layers)})
    arrays.update({f"hidden{i}": h for i, h in enumerate(result.hidden)})
    if result.boundary is not None:
        arrays["boundary"] = result.boundary
    np.savez(folder / f"{key}.npz", **arrays)
    (folder / f"{key}.json").write_text(json.dumps(meta))


def load_result(folder: Path, key: str) -> ModelResult | None:
    """The stored result for ``key``, or None when there is none or it does not check out."""
    meta_path, array_path = folder / f"{key}.json", folder / f"{key}.npz"
    if not key.isalnum() or not meta_path.is_file() or not array_path.is_file():
        return None
    try:
        meta = json.loads(meta_path.read_text())
        with np.load(array_path, allow_pickle=False) as npz:
            arrays = {name: npz[name] for name in npz.files}
        history = History(*(list(map(_float_or_nan, meta["history"][k])) for k in _HISTORY),
                          meta["status"], meta["message"])
        history.epoch = [int(e) for e in history.epoch]
        shots = list(zip(meta["snapshot_epochs"], arrays.get("snapshots", [])))
        hidden = [arrays[f"hidden{i}"] for i in range(int(meta["n_hidden"]))]
        layers = [(arrays[f"W{i}"], arrays[f"b{i}"]) for i in range(int(meta["n_layers"]))]
        for array in [arrays.get("boundary"), *(p for _, p in shots), *hidden]:
            if array is not None and (array.dtype != np.float32 or not np.isfinite(array).all()):
                return None
        if any(a.dtype != np.float64 or not np.isfinite(a).all() for pair in layers for a in pair):
            return None
        return ModelResult(ModelSpec.from_dict(meta["spec"]), history, _int_or_none(meta["parameters"]),
                           float(meta["train_seconds"]), meta["test_accuracy"], meta["train_loss"],
                           meta["test_loss"], arrays.get("boundary"), shots, layers, hidden)
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _int_or_none(x) -> int | None:
    return None if x is None else int(x)


def _float_or_nan(x) -> float:
    return math.nan if x is None else float(x)
