"""Save and load trained CNNs as safetensors: tensors and a text header, never pickle.

A checkpoint is accepted only when it parses as safetensors, is small enough, and
holds exactly the SeedCNN's keys with their shapes and a floating dtype.
"""
from __future__ import annotations

import json
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load as st_load
from safetensors.torch import save as st_save

from .cnn import SeedCNN

MAX_CHECKPOINT_BYTES = 20 * 1024 * 1024      # the CNN's weights are about 0.7 MB


def checkpoint_bytes(model: SeedCNN, metadata: dict | None = None) -> bytes:
    tensors = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    meta = {"format": "nncore-seed-cnn-v1", **{k: json.dumps(v) for k, v in (metadata or {}).items()}}
    return st_save(tensors, metadata=meta)


def save_checkpoint(path: str | Path, model: SeedCNN, metadata: dict | None = None) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(checkpoint_bytes(model, metadata))
    return path


def _metadata(raw: bytes) -> dict:
    header_len = int.from_bytes(raw[:8], "little")
    header = json.loads(raw[8:8 + header_len])
    meta = header.get("__metadata__") or {}
    out = {}
    for k, v in meta.items():
        if k == "format":
            continue
        try:
            out[k] = json.loads(v)
        except (TypeError, ValueError):
            out[k] = v
    return out


def load_checkpoint_bytes(raw: bytes) -> tuple[SeedCNN, dict]:
    """Parse and check a checkpoint. Raises ValueError with a message a user can act on."""
    if len(raw) > MAX_CHECKPOINT_BYTES:
        raise ValueError(f"checkpoint is {len(raw):,} bytes; the limit is {MAX_CHECKPOINT_BYTES:,}")
    if len(raw) < 8 or int.from_bytes(raw[:8], "little") > len(raw) - 8 or raw[8:9] != b"{":
        raise ValueError("this is not a safetensors file: only .safetensors checkpoints are accepted "
                         "(pickled .pt/.pth files are refused because loading them can run code)")
    try:
        tensors = st_load(raw)
        metadata = _metadata(raw)
    except (SafetensorError, ValueError, RuntimeError) as exc:
        raise ValueError(f"this safetensors file could not be read: {exc}") from None
    model = SeedCNN()
    expected = model.state_dict()
    missing, extra = set(expected) - set(tensors), set(tensors) - set(expected)
    if missing or extra:
        raise ValueError("checkpoint does not match the CNN: "
                         + (f"missing {sorted(missing)} " if missing else "")
                         + (f"unexpected {sorted(extra)}" if extra else ""))
    for key, ref in expected.items():
        t = tensors[key]
        if tuple(t.shape) != tuple(ref.shape):
            raise ValueError(f"checkpoint tensor {key} has shape {tuple(t.shape)}, expected {tuple(ref.shape)}")
        if not t.is_floating_point():
            raise ValueError(f"checkpoint tensor {key} has dtype {t.dtype}, expected a float type")
        if not torch.isfinite(t).all():
            raise ValueError(f"checkpoint tensor {key} holds NaN or infinite values")
    model.load_state_dict({k: v.float() for k, v in tensors.items()})
    model.eval()
    return model, metadata


def load_checkpoint(path: str | Path) -> tuple[SeedCNN, dict]:
    path = Path(path)
    if path.stat().st_size > MAX_CHECKPOINT_BYTES:
        raise ValueError(f"{path.name} is larger than {MAX_CHECKPOINT_BYTES:,} bytes")
    return load_checkpoint_bytes(path.read_bytes())


def list_checkpoints(folder: str | Path) -> list[Path]:
    folder = Path(folder)
    return sorted(folder.glob("*.safetensors")) if folder.is_dir() else []
