"""Import every heavy library once, so a server's sessions never race on a first import.

Also builds the fast CNN recipe's fused kernels (once per machine, about a second, cached after), so
no student's first training waits for the compiler. And bounds torch's intra-op threads: the host's
trainer pool runs NNCORE_MAX_TRAINERS (2) trainings at once, and together they should use the cores,
not oversubscribe them.
"""
import gc

import numpy  # noqa: F401
import pandas  # noqa: F401
import plotly.express  # noqa: F401
import plotly.graph_objects  # noqa: F401
import sklearn.neural_network  # noqa: F401
import threadpoolctl
import torch
import torchvision  # noqa: F401

from . import urlstate  # noqa: F401
from .env import TORCH_THREADS
from .figures import images, toy  # noqa: F401
from .lineup import comparison  # noqa: F401
from .models import checkpoints, cnn_fused, registry  # noqa: F401
from .teaching import gradcheck  # noqa: F401

torch.set_num_threads(TORCH_THREADS)
# NumPy's and scikit-learn's BLAS likewise (OpenBLAS starts a thread per core, each spinning while it waits:
# two trainings at once, or one beside a browser on a 2-core laptop, would fight over the cores).
threadpoolctl.threadpool_limits(TORCH_THREADS, user_api="blas")
cnn_fused.available()                 # builds or loads the kernels; torch's layers where it cannot

# Plotly builds its figure and trace classes on first use (measured: 0.04 s cold, 0.006 s warm; up to 0.2 s
# under a profiler in a first Train): once here instead, through a throwaway two-panel figure.
import plotly.graph_objects as go  # noqa: E402
from plotly.subplots import make_subplots  # noqa: E402

_warm = make_subplots(rows=1, cols=2)
_warm.add_trace(go.Scatter(x=[0, 1], y=[0, 1]), row=1, col=1)
_warm.to_json()
del _warm

# Everything imported so far lives as long as the server: a garbage collection need not walk it again
# (about 490,000 objects, 0.2 s a full collection; frozen, a collection walks only what sessions made since).
gc.freeze()
