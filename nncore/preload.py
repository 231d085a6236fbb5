"""Import every heavy library once, so a server's sessions never race on a first import.

Also bounds torch's intra-op threads: the host's trainer pool runs a few trainings at once,
and each should not try to use every core.
"""
import os

import numpy  # noqa: F401
import pandas  # noqa: F401
import plotly.express  # noqa: F401
import plotly.graph_objects  # noqa: F401
import sklearn.neural_network  # noqa: F401
import torch
import torchvision  # noqa: F401

from . import checkpoints, cnn, comparison, figures, gradcheck, imagedata, urlstate  # noqa: F401

torch.set_num_threads(int(os.environ.get("NNCORE_TORCH_THREADS", max(1, (os.cpu_count() or 2)))))
