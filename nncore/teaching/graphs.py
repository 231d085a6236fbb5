"""The seed's architecture picture: the autograd graph ``torchviz.make_dot`` draws, as DOT source (a page
renders it in the browser with ``st.graphviz_chart``: no Graphviz program is needed).

The graph is what ``loss.backward()`` walks: one grey box per operation autograd recorded on the way
forward (``ConvolutionBackward0``, ``ReluBackward0``, ``AddmmBackward0``...), arrows from the loss down to
the leaves, and one blue box per parameter (its name and shape), where the gradients end up. A few
random inputs give the graph; its shape does not depend on their values or on the weights.
"""
from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

GRAPH_NOTE = ("The arrows run the way the forward pass did, down to the loss (the green box at the bottom); "
              "backward() walks them back up. Each grey box is one operation PyTorch recorded, where "
              "backward() computes that step's gradient; each blue box is a parameter (its name and shape), "
              "where its gradient lands. The seed drew its model this way.")


def _dot(loss: torch.Tensor, model: torch.nn.Module) -> str:
    from torchviz import make_dot
    graph = make_dot(loss, params=dict(model.named_parameters()))
    return graph.source


def cnn_autograd_dot(model: torch.nn.Module | None = None) -> str:
    """The seed's CNN (its plain torch layers, as in eval), through its NLL loss on two random images."""
    from ..models.cnn import new_model
    model = model if model is not None else new_model(0)
    was_training = model.training
    model.eval()                                               # eval: torch's layers, never the fused kernels
    try:
        x = torch.randn(2, 1, 28, 28, generator=torch.Generator().manual_seed(0))
        with torch.enable_grad():
            return _dot(F.nll_loss(model(x), torch.zeros(2, dtype=torch.long)), model)
    finally:
        model.train(was_training)


def mlp_autograd_dot(config, n_classes: int = 2) -> str:
    """A PyTorch MLP of the moons page (its config), through its own loss on eight random points."""
    from ..models.torch_mlp import TorchMLP
    net = TorchMLP(config, 2, n_classes)
    points = np.random.default_rng(0).standard_normal((8, 2))
    with torch.enable_grad():
        loss = net._loss(net.model(net._tensor(points)), torch.zeros(8, dtype=torch.long))
    return _dot(loss, net.model)
