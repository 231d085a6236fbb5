"""The seed CNN's pooling stages fused with their neighbours, for the fast recipe's training on the CPU.

The bfloat16 training step spent a fifth of its time on the smallest part of its arithmetic: conv1
(7 % of the FLOPs) writes a (B, 32, 26, 26) map that pool 1 reads, and pool 1's backward fills a zeroed
map of that size with the pooled gradient. ``cnn_kernels.cc`` does conv1 + pool + ReLU in one pass per
image, and goes back from the pooled gradient straight to conv1's weight gradient; pool 2 + ReLU +
flatten likewise. Neither library has this: oneDNN and torch.compile keep the maps.

The source is compiled once per machine with the system's C++ compiler (``g++ -O3 -march=native
-fopenmp``; about a second) into ``NNCORE_CACHE/kernels`` and loaded with ctypes; OpenMP is the one torch
already loaded. Where that fails (no compiler, another system), ``available()`` is False, says why in
``reason()``, and the model keeps torch's layers: the same numbers (``tests/test_cnn_fused.py``).
``NNCORE_FUSED=0`` turns the kernels off.
"""
from __future__ import annotations

import ctypes
import hashlib
import os
import platform
import subprocess
import tempfile
import threading
from pathlib import Path

import torch

from ..env import CACHE_DIR, FUSED

SOURCE = Path(__file__).with_name("cnn_kernels.cc")
FLAGS = ["-O3", "-march=native", "-fopenmp", "-shared", "-fPIC"]
_P, _I = ctypes.c_void_p, ctypes.c_int
_SIGNATURES = {"conv1_pool_forward": [_P, _P, _P, _P, _I, _P, _I, _I],
               "conv1_pool_backward": [_P, _P, _I, _P, _P, _P, _I, _I],
               "pool2_forward": [_P, _P, _P, _I, _I, _I], "pool2_backward": [_P, _P, _P, _I, _I, _I]}
_LOCK = threading.Lock()
_STATE: dict = {}                              # "lib" (a CDLL or None), "reason"


def _cpu_flags() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("flags"):
                return line
    except OSError:
        pass
    return platform.processor()


def _build(folder: Path) -> Path:
    """Compile the source for this processor once; the name changes with the source, flags and CPU."""
    compiler = os.environ.get("CXX", "g++")
    key = hashlib.sha256(SOURCE.read_bytes() + " ".join([compiler, *FLAGS, _cpu_flags()]).encode()).hexdigest()
    target = folder / f"cnn_kernels-{key[:16]}.so"
    if not target.exists():
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(suffix=".so", dir=folder)
        os.close(fd)
        try:
            subprocess.run([compiler, *FLAGS, "-o", tmp, str(SOURCE)], check=True, capture_output=True,
                           text=True, timeout=120)
            os.replace(tmp, target)                        # atomic: another process may build it too
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    return target


def _load() -> ctypes.CDLL | None:
    with _LOCK:
        if "lib" not in _STATE:
            lib, reason = None, "off (NNCORE_FUSED=0)"
            if FUSED:
                try:
                    lib = ctypes.CDLL(str(_build(CACHE_DIR / "kernels")))
                    for name, args in _SIGNATURES.items():
                        getattr(lib, name).argtypes, getattr(lib, name).restype = args, None
                    reason = "fused C++ kernels (g++ -O3 -march=native -fopenmp)"
                except subprocess.CalledProcessError as e:
                    lib, reason = None, f"torch's layers: the kernels did not compile ({e.stderr.strip()[-300:]})"
                except FileNotFoundError as e:
                    lib, reason = None, f"torch's layers: no C++ compiler ({e.filename}) was found"
                except (OSError, subprocess.SubprocessError) as e:
                    lib, reason = None, f"torch's layers: the kernels could not be built or loaded here ({e})"
            _STATE.update(lib=lib, reason=reason)
        return _STATE["lib"]


def available() -> bool:
    """Whether the fused kernels are built and loaded on this machine (built on first call)."""
    return _load() is not None


def reason() -> str:
    """What trains the pooling stages here, and why, in a phrase (for the bench and the logs)."""
    _load()
    return _STATE["reason"]


def _out_dtype() -> torch.dtype:
    bf16 = torch.is_autocast_enabled("cpu") and torch.get_autocast_dtype("cpu") == torch.bfloat16
    return torch.bfloat16 if bf16 else torch.float32


class Conv1Pool(torch.autograd.Function):
    """relu(max_pool2d(conv2d(x, weight, bias), 2)) for x (n, 1, 28, 28) float32 -> (n, 32, 13, 13),
    channels-last, in bfloat16 under bfloat16 autocast, else float32. No gradient for x (images)."""

    @staticmethod
    def forward(ctx, x, weight, bias):
        n, threads = x.shape[0], torch.get_num_threads()
        x = x.reshape(n, 784).float().contiguous()
        wt = weight.detach().float().reshape(32, 9).t().contiguous()          # tap-major
        b = bias.detach().float().contiguous()
        out = torch.empty(n, 13, 13, 32, dtype=_out_dtype())
        arg = torch.empty(n, 13, 13, 32, dtype=torch.uint8)
        _STATE["lib"].conv1_pool_forward(x.data_ptr(), wt.data_ptr(), b.data_ptr(), out.data_ptr(),
                                         int(out.dtype == torch.bfloat16), arg.data_ptr(), n, threads)
        ctx.save_for_backward(x, arg)
        return out.permute(0, 3, 1, 2)

    @staticmethod
    def backward(ctx, grad):
        x, arg = ctx.saved_tensors
        g = grad.permute(0, 2, 3, 1)
        g = (g if g.dtype == torch.bfloat16 else g.float()).contiguous()
        dw, db = torch.empty(9, 32), torch.empty(32)
        _STATE["lib"].conv1_pool_backward(x.data_ptr(), g.data_ptr(), int(g.dtype == torch.bfloat16),
                                          arg.data_ptr(), dw.data_ptr(), db.data_ptr(), len(x),
                                          torch.get_num_threads())
        return None, dw.t().reshape(32, 1, 3, 3), db


class Pool2(torch.autograd.Function):
    """flatten(relu(max_pool2d(z, 2)), 1) for conv2's maps z (n, 64, 11, 11) -> (n, 1600), z's dtype."""

    @staticmethod
    def forward(ctx, z):
        n = z.shape[0]
        zl = z.permute(0, 2, 3, 1)                       # (n, 11, 11, 64): no copy for channels-last maps
        zl = (zl if zl.dtype == torch.bfloat16 else zl.float()).contiguous()
        out = torch.empty(n, 1600, dtype=zl.dtype)
        arg = torch.empty(n, 25, 64, dtype=torch.uint8)
        _STATE["lib"].pool2_forward(zl.data_ptr(), out.data_ptr(), arg.data_ptr(),
                                    int(zl.dtype == torch.bfloat16), n, torch.get_num_threads())
        ctx.save_for_backward(arg)
        ctx.dtype = zl.dtype
        return out

    @staticmethod
    def backward(ctx, grad):
        arg, = ctx.saved_tensors
        n = grad.shape[0]
        g = grad.to(ctx.dtype).contiguous()
        gz = torch.empty(n, 11, 11, 64, dtype=ctx.dtype)
        _STATE["lib"].pool2_backward(g.data_ptr(), arg.data_ptr(), gz.data_ptr(),
                                     int(ctx.dtype == torch.bfloat16), n, torch.get_num_threads())
        return gz.permute(0, 3, 1, 2)
