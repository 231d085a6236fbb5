"""Import every heavy library once, so a server's sessions never race on a first import.

Also bounds torch's intra-op threads: the host's trainer pool runs NNCORE_MAX_TRAINERS (2)
trainings at once, and together they should use the cores, not oversubscribe them.
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

MAX_TRAINERS = int(os.environ.get("NNCORE_MAX_TRAINERS", "2"))
TORCH_THREADS = int(os.environ.get("NNCORE_TORCH_THREADS", max(1, (os.cpu_count() or 2) // MAX_TRAINERS)))
torch.set_num_threads(TORCH_THREADS)
