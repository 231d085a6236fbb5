"""The seed CNN's pooling stages fused with their neighbours, for the fast recipe's training on the CPU.

The bfloat16 training step spent most of its time around the pools, not in the arithmetic that trains:
- conv1 (7 % of the FLOPs) wrote a (B, 32, 26, 26) map that pool 1 read, and pool 1's backward filled
  a zeroed map of that size with the pooled gradient. ``Conv1Pool`` does conv1 + pool + ReLU in one pass
  per image, and goes back from the pooled gradient straight to conv1's weight gradient.
- conv2's backward (two thirds of the step) ran both gradient convolutions over all 121 positions of
  its (B, 64, 11, 11) map, though a max pool passes a gradient back through one position of each 2x2
  window only (25 of 121), and ReLU stops about half of those. ``Conv2Pool`` keeps torch's convolution
  forward (oneDNN), pools with ReLU and flattens in one pass, and goes back through the winning
  positions only: the same gradients from about a tenth of the backward's arithmetic.
Neither library has this: oneDNN and torch.compile keep the maps and their dense backward.

The source is compiled once per machine with the system's C++ compiler (``$CXX``, else ``g++``, with
``-O3 -march=native -fopenmp``: about a second) into ``NNCORE_CACHE/kernels`` and loaded with ctypes.
``torch.utils.cpp_extension`` would build the same through torch's headers and ninja: 30-60 s per build
on 2 cores, and ninja is not a dependency. OpenMP must be the runtime torch already loaded (a second one
would add threads beyond NNCORE_TORCH_THREADS), and a few images must give torch's numbers, before the
kernels are used. Where any of that fails (no compiler, another system), ``available()`` is False,
``reason()`` says why, and the model keeps torch's layers. In float32 the two paths agree to rounding.
Under bfloat16 autocast conv1 runs in float32 here (torch rounds its input and weights to bfloat16
first), and conv2's weight and bias gradients come out in float32 (torch rounds them to bfloat16), so
the trainings differ slightly (``tests/test_cnn_fused.py``). ``NNCORE_FUSED=0`` turns them off.
"""
from __future__ import annotations

import ctypes
import hashlib
import os
import platform
import re
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import torch
import torch.nn.functional as F
from torch.autograd.function import once_differentiable

from ..env import CACHE_DIR, FUSED, cpu_flags
from ..env import compiler as cxx

SOURCE = Path(__file__).with_name("cnn_kernels.cc")
FLAGS = ["-O3", "-march=native", "-fopenmp", "-shared", "-fPIC"]
_P, _I = ctypes.c_void_p, ctypes.c_int
_SIGNATURES = {"conv1_pool_forward": [_P, _P, _P, _P, _I, _P, _I, _I],
               "conv1_pool_backward": [_P, _P, _I, _P, _P, _P, _I, _I],
               "pool2_forward": [_P, _P, _P, _I, _I, _I],
               "conv2_pool_backward": [_P, _P, _P, _P, _P, _P, _P, _I, _I, _I]}
_OPENMP = re.compile(r"/lib(g|i|)omp[^/]*\.so")
_LOCK = threading.RLock()                     # re-entered by the self-check
_STATE: dict = {}                              # "lib" (a CDLL or None), "reason"


def _machine() -> str:
    """What -march=native compiles for: the CPU's flags where Linux lists them, else the host and its kind."""
    flags = " ".join(sorted(cpu_flags()))
    return " ".join([platform.machine(), flags or f"{platform.processor()} {platform.node()}"])


def _build(compiler: str, folder: Path) -> Path:
    """Compile the source for this processor once; the name changes with the source, flags and CPU."""
    key = hashlib.sha256(SOURCE.read_bytes() + " ".join([compiler, *FLAGS, _machine()]).encode()).hexdigest()
    target = folder / f"cnn_kernels-{key[:16]}.so"
    if not target.exists():
        folder.mkdir(parents=True, exist_ok=True)
        for old in [*folder.glob("cnn_kernels-*.so"), *folder.glob("tmp*.so")]:   # older sources' builds
            if time.time() - old.stat().st_mtime > 600:                          # and abandoned ones
                old.unlink(missing_ok=True)
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


def _openmp_runtimes() -> set[str]:
    """The OpenMP libraries mapped into this process (Linux; empty where it cannot tell)."""
    try:
        return {line.split()[-1] for line in Path("/proc/self/maps").read_text().splitlines() if _OPENMP.search(line)}
    except OSError:
        return set()


def _agrees_with_torch() -> bool:
    """Three images through both stages, forward and back, against torch's own layers in float32."""
    with torch.inference_mode(False), torch.enable_grad(), torch.autocast("cpu", enabled=False):
        return _compare()


def _compare() -> bool:
    g = torch.Generator().manual_seed(0)
    x = torch.rand(3, 1, 28, 28, generator=g).round()
    w, b = torch.randn(32, 1, 3, 3, generator=g).requires_grad_(), torch.randn(32, generator=g).requires_grad_()
    z = torch.randn(3, 32, 13, 13, generator=g).contiguous(memory_format=torch.channels_last).requires_grad_()
    w2, b2 = torch.randn(64, 32, 3, 3, generator=g).requires_grad_(), torch.randn(64, generator=g).requires_grad_()
    ours = (Conv1Pool.apply(x, w, b), Conv2Pool.apply(z, w2, b2))
    theirs = (F.relu(F.max_pool2d(F.conv2d(x, w, b), 2)),
              torch.flatten(F.relu(F.max_pool2d(F.conv2d(z, w2, b2), 2)), 1))
    grads = [torch.autograd.grad(sum((o * o).sum() for o in outs), (w, b, z, w2, b2)) for outs in (ours, theirs)]
    pairs = [*zip(ours, theirs), *zip(*grads)]
    # to rounding: the sums run in another order (some gradients reach thousands here)
    return all(torch.allclose(a, c, rtol=1e-4, atol=1e-5 * float(c.detach().abs().max())) for a, c in pairs)


def _load() -> ctypes.CDLL | None:
    with _LOCK:
        if "lib" not in _STATE:
            lib, reason, compiler = None, "torch's layers: NNCORE_FUSED=0", cxx()
            if FUSED:
                try:
                    if not SOURCE.exists():
                        raise RuntimeError(f"{SOURCE.name} is missing")
                    runtimes = _openmp_runtimes()
                    lib = ctypes.CDLL(str(_build(compiler, CACHE_DIR / "kernels")))
                    for name, args in _SIGNATURES.items():
                        getattr(lib, name).argtypes, getattr(lib, name).restype = args, None
                    if runtimes and len(added := _openmp_runtimes() - runtimes) > 0:
                        raise RuntimeError(f"they brought a second OpenMP runtime ({', '.join(sorted(added))})")
                    _STATE["lib"] = lib
                    if not _agrees_with_torch():
                        raise RuntimeError("they did not give torch's numbers on a self-check")
                    reason = f"fused C++ kernels ({compiler} {' '.join(FLAGS[:3])})"
                except subprocess.CalledProcessError as e:
                    lib, reason = None, f"torch's layers: the kernels did not compile ({e.stderr.strip()[-300:]})"
                except FileNotFoundError as e:
                    lib, reason = None, f"torch's layers: no C++ compiler ({e.filename}) was found"
                except Exception as e:          # OSError, RuntimeError, a timeout: never worse than torch's layers
                    lib, reason = None, f"torch's layers: the kernels could not be used here: {e}"
            _STATE.update(lib=lib, reason=reason)
        return _STATE["lib"]


def available() -> bool:
    """Whether the fused kernels are built, loaded and checked on this machine (on the first call)."""
    return _load() is not None


def reason() -> str:
    """What trains the pooling stages here, and why, in a phrase (for the bench and the logs)."""
    _load()
    return _STATE["reason"]


def _lib() -> ctypes.CDLL:
    lib = _load()
    if lib is None:
        raise RuntimeError(f"the fused CNN kernels are not available here ({reason()})")
    return lib


def _out_dtype() -> torch.dtype:
    try:
        bf16 = torch.is_autocast_enabled("cpu") and torch.get_autocast_dtype("cpu") == torch.bfloat16
    except TypeError:                                  # torch before 2.4
        bf16 = torch.is_autocast_cpu_enabled() and torch.get_autocast_cpu_dtype() == torch.bfloat16
    return torch.bfloat16 if bf16 else torch.float32


def _check(**shapes: tuple) -> None:
    """The kernels read the seed CNN's fixed shapes: any other would read past a tensor's end."""
    for name, (got, expected) in shapes.items():
        if tuple(got) != expected:
            raise ValueError(f"{name} must have shape {expected}, got {tuple(got)}")


class Conv1Pool(torch.autograd.Function):
    """relu(max_pool2d(conv2d(x, weight, bias), 2)) for x (n, 1, 28, 28) float32 -> (n, 32, 13, 13),
    channels-last, in bfloat16 under bfloat16 autocast, else float32. No gradient for x (images)."""

    @staticmethod
    def forward(ctx, x, weight, bias):
        _check(x=(x.shape[1:], (1, 28, 28)), weight=(weight.shape, (32, 1, 3, 3)), bias=(bias.shape, (32,)))
        n, threads = x.shape[0], torch.get_num_threads()
        x = x.reshape(n, 784).float().contiguous()
        wt = weight.detach().float().reshape(32, 9).t().contiguous()          # tap-major
        b = bias.detach().float().contiguous()
        out = torch.empty(n, 13, 13, 32, dtype=_out_dtype())
        arg = torch.empty(n, 13, 13, 32, dtype=torch.uint8)
        _lib().conv1_pool_forward(x.data_ptr(), wt.data_ptr(), b.data_ptr(), out.data_ptr(),
                                  int(out.dtype == torch.bfloat16), arg.data_ptr(), n, threads)
        ctx.save_for_backward(x, arg)
        return out.permute(0, 3, 1, 2)

    @staticmethod
    @once_differentiable
    def backward(ctx, grad):
        x, arg = ctx.saved_tensors
        g = grad.permute(0, 2, 3, 1)
        g = (g if g.dtype == torch.bfloat16 else g.float()).contiguous()
        dw, db = torch.empty(9, 32, dtype=torch.float32), torch.empty(32, dtype=torch.float32)
        _lib().conv1_pool_backward(x.data_ptr(), g.data_ptr(), int(g.dtype == torch.bfloat16),
                                   arg.data_ptr(), dw.data_ptr(), db.data_ptr(), len(x),
                                   torch.get_num_threads())
        return None, dw.t().reshape(32, 1, 3, 3), db


class Conv2Pool(torch.autograd.Function):
    """flatten(relu(max_pool2d(conv2d(x, weight, bias), 2)), 1) for pool 1's maps x (n, 32, 13, 13) ->
    (n, 1600). The convolution is torch's (oneDNN), in bfloat16 under bfloat16 autocast as nn.Conv2d's
    is there, else float32; pooling, ReLU and flatten are one pass, and the backward goes from the pooled
    gradient through the winning positions only, to float32 weight and bias gradients."""

    @staticmethod
    def forward(ctx, x, weight, bias):
        _check(x=(x.shape[1:], (32, 13, 13)), weight=(weight.shape, (64, 32, 3, 3)), bias=(bias.shape, (64,)))
        dtype, n = _out_dtype(), x.shape[0]
        with torch.autocast("cpu", enabled=False):
            x = x.to(dtype).contiguous(memory_format=torch.channels_last)
            w = weight.detach().to(dtype)
            z = F.conv2d(x, w.contiguous(memory_format=torch.channels_last), bias.detach().to(dtype))
        zl = z.permute(0, 2, 3, 1).contiguous()          # (n, 11, 11, 64): no copy for channels-last maps
        out = torch.empty(n, 1600, dtype=dtype)
        arg = torch.empty(n, 25, 64, dtype=torch.uint8)
        _lib().pool2_forward(zl.data_ptr(), out.data_ptr(), arg.data_ptr(), int(dtype == torch.bfloat16), n,
                             torch.get_num_threads())
        ctx.save_for_backward(x, w, arg)
        return out

    @staticmethod
    @once_differentiable
    def backward(ctx, grad):
        x, w, arg = ctx.saved_tensors
        n, dtype = x.shape[0], x.dtype
        xl = x.permute(0, 2, 3, 1).contiguous()          # (n, 13, 13, 32): no copy for channels-last maps
        wb = w.float().permute(0, 2, 3, 1).reshape(64, 9, 4, 8).permute(2, 0, 1, 3).contiguous()  # (4, 64, 9, 8)
        g = grad.to(dtype).contiguous()
        dx = torch.empty(n, 13, 13, 32, dtype=dtype)
        dw, db = torch.empty(64, 3, 3, 32, dtype=torch.float32), torch.empty(64, dtype=torch.float32)
        _lib().conv2_pool_backward(xl.data_ptr(), wb.data_ptr(), g.data_ptr(), arg.data_ptr(), dx.data_ptr(),
                                   dw.data_ptr(), db.data_ptr(), int(dtype == torch.bfloat16), n,
                                   torch.get_num_threads())
        return dx.permute(0, 3, 1, 2), dw.permute(0, 3, 1, 2), db
