"""Which pixels of a student's digit pushed the network toward its answer: gradient x input.

For the class c the network chose, each pixel's score is d log p(c) / d pixel x pixel, with pixels
in [0, 1] (ink 1, background 0). It is the first-order share of each pixel in moving log p(c) away
from a blank image's: positive where the ink argues for c, negative where it argues against, and
zero on the background, where there is no ink to credit.
"""
from __future__ import annotations

import numpy as np
import torch

from ..data.images import MEAN, STD
from ..models.cnn import SeedCNN


def gradient_x_input(model: SeedCNN, image: np.ndarray, target: int) -> np.ndarray:
    """``image`` (28, 28) in [0, 1] -> (28, 28) float32 scores for class ``target``."""
    assert image.shape == (28, 28), f"expected a (28, 28) image, got {image.shape}"
    param = next(model.parameters())
    x = torch.tensor(image, dtype=torch.float32, device=param.device, requires_grad=True)
    was_training = model.training
    model.eval()
    try:
        with torch.enable_grad():
            logp = model(((x - MEAN) / STD).reshape(1, 1, 28, 28).to(param.dtype))[0, target]   # the seed's Normalize
            (grad,) = torch.autograd.grad(logp, x)
    finally:
        model.train(was_training)
    return (grad * x).detach().float().cpu().numpy()
